package sensedesk

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/photo"
	"cityloop/internal/sensing"
)

// Actor is the platform acting on what its sensors and cameras see.
// It holds the posts the loop's own actions need to report, to file the
// cases of high-confidence rules (operator accepts, shift lead files), and
// to end a case when readings return to normal: withdraw it before anyone
// filed it (reject / void), or, once the department has disposed of it,
// check it with the sensor's chart as the photo and close it (supervisor
// checks, shift lead closes). It never dispatches and never disposes.
var Actor = org.Actor{ID: "sensing", Name: "智能感知系统", Grants: []org.Grant{
	{Post: org.PostSystem}, {Post: org.PostOperator}, {Post: org.PostShiftLead}, {Post: org.PostSupervisor}}}

// Desk adapts casework.Service to sensing.Desk: sensing proposes cases
// and resolves them through it, acting as [Actor].
type Desk struct {
	Cases  *casework.Service
	Atlas  func() *org.Atlas // the region tree now (reference data swaps it)
	Blobs  Blobs             // where snapshots are stored
	Photos Photos            // their records
	Now    func() time.Time
	Log    *slog.Logger
}

// Blobs stores a photo's bytes and returns its id.
type Blobs interface {
	Put(ctx context.Context, data []byte) (string, error)
}

// Photos records a stored photo, as uploads are recorded.
type Photos interface {
	RecordPhoto(ctx context.Context, id, mime string, size int, by string, at time.Time) error
}

func (d *Desk) Open(ctx context.Context, p sensing.Proposal) (string, error) {
	lng, lat := p.Point.Lng, p.Point.Lat
	in, err := d.Cases.Report(ctx, Actor, casework.Report{Source: casework.Source(p.Source), Category: p.Category,
		Condition: p.Condition, Description: p.Description, Lng: &lng, Lat: &lat, Photos: p.Photos, ExternalRef: p.ExternalRef})
	if err != nil {
		return "", err
	}
	c := in.Case
	if c.Status == casework.StatusMerged {
		if p.Source == string(casework.SourceSensor) {
			return c.MergedInto, nil // the episode follows the case it merged into
		}
		return c.ID, nil // an AI sighting keeps its own (merged, unjudged) case
	}
	if p.AutoFile && c.Category != nil {
		if _, _, err := d.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActAccept, Actor: Actor, Note: "高置信度感知规则，系统自动受理"}); err != nil {
			d.Log.Warn("sensing auto-accept", "case", c.Code, "err", err)
			return c.ID, nil
		}
		if _, _, err := d.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActFile, Actor: Actor, Note: "高置信度感知规则，系统自动立案"}); err != nil {
			d.Log.Warn("sensing auto-file", "case", c.Code, "err", err)
		}
	}
	return c.ID, nil
}

func (d *Desk) IsOpen(ctx context.Context, id string) (bool, error) {
	c, err := d.Cases.FindCase(ctx, Actor, id)
	if errs.Is(err, errs.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !c.Status.Terminal(), nil
}

// Resolve ends the case the loop's own way, by how far it has come.
func (d *Desk) Resolve(ctx context.Context, id, note string, evidence []byte) (sensing.Resolution, error) {
	c, err := d.Cases.FindCase(ctx, Actor, id)
	if errs.Is(err, errs.KindNotFound) {
		return sensing.Ended, nil
	}
	if err != nil {
		return "", err
	}
	act := func(cmd casework.Command) error {
		cmd.Actor = Actor
		_, _, err := d.Cases.Act(ctx, id, cmd)
		return err
	}
	switch c.Status {
	case casework.StatusPendingAccept, casework.StatusPendingVerify, casework.StatusPendingFile:
		err = act(casework.Command{Action: casework.ActReject, Note: note})
	case casework.StatusPendingDispatch:
		err = act(casework.Command{Action: casework.ActVoid, Note: note})
	case casework.StatusPendingCheck:
		photo, perr := d.SavePhoto(ctx, evidence)
		if perr != nil {
			return "", perr
		}
		passed := true
		if err = act(casework.Command{Action: casework.ActCheck, Passed: &passed, Photos: []string{photo}, Note: note}); err == nil {
			err = act(casework.Command{Action: casework.ActClose, Note: note})
		}
	case casework.StatusPendingClose:
		err = act(casework.Command{Action: casework.ActClose, Note: note})
	default:
		if c.Status.Terminal() {
			return sensing.Ended, nil
		}
		return sensing.Waiting, nil // with a department: resolved once it reaches 待核查
	}
	if errs.Is(err, errs.KindConflict) {
		return sensing.Waiting, nil // someone moved it meanwhile; look again later
	}
	if err != nil {
		return "", err
	}
	return sensing.Resolved, nil
}

// Outcome reads the timeline: the first action by a person decides.
func (d *Desk) Outcome(ctx context.Context, id string) (sensing.Outcome, error) {
	c, evs, err := d.Cases.FindCaseWithTimeline(ctx, Actor, id)
	if err != nil {
		return "", err
	}
	for _, e := range evs {
		if e.Actor == Actor.ID || e.Actor == org.SystemActor.ID || e.Post == org.PostSystem {
			continue
		}
		switch e.Action {
		case casework.ActAccept, casework.ActFile, casework.ActDispatch, casework.ActSendVerify:
			return sensing.OutcomeConfirmed, nil
		case casework.ActVerify:
			if v, ok := e.Data["valid"].(bool); ok && !v {
				return sensing.OutcomeFalse, nil
			}
			return sensing.OutcomeConfirmed, nil
		case casework.ActReject, casework.ActVoid:
			return sensing.OutcomeFalse, nil
		}
	}
	if c.Status.Terminal() {
		return sensing.OutcomeUnjudged, nil
	}
	return sensing.OutcomeNone, nil
}

func (d *Desk) Locate(p geo.Point) (sensing.Place, error) {
	loc, err := d.Atlas().Locate(p)
	if err != nil {
		return sensing.Place{}, err
	}
	return sensing.Place{Grid: loc.Grid, Community: loc.Community, Street: loc.Street, District: loc.District}, nil
}

// SavePhoto stores a snapshot as uploaded photos are stored: re-encoded
// without metadata or trailing data (package photo).
func (d *Desk) SavePhoto(ctx context.Context, data []byte) (string, error) {
	clean, mt, err := photo.Sanitize(data, "")
	if err != nil {
		return "", err
	}
	id, err := d.Blobs.Put(ctx, clean)
	if err != nil {
		return "", fmt.Errorf("store snapshot: %w", err)
	}
	if err := d.Photos.RecordPhoto(ctx, id, mt, len(clean), Actor.ID, d.Now()); err != nil {
		return "", err
	}
	return id, nil
}
