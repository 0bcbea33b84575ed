package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/org"
	"cityloop/internal/photo"
	"cityloop/internal/sensing"
	"cityloop/internal/store/sensingstore"
	"cityloop/internal/store/sqlstore"
)

// sensingActor is the platform acting on what its sensors and cameras see.
// It holds the posts the loop's own actions need to report, to file the
// cases of high-confidence rules (operator accepts, shift lead files), and
// to end a case when readings return to normal: withdraw it before anyone
// filed it (reject / void), or, once the department has disposed of it,
// check it with the sensor's chart as the photo and close it (supervisor
// checks, shift lead closes). It never dispatches and never disposes.
var sensingActor = org.Actor{ID: "sensing", Name: "智能感知系统", Grants: []org.Grant{
	{Post: org.PostSystem}, {Post: org.PostOperator}, {Post: org.PostShiftLead}, {Post: org.PostSupervisor}}}

// wireSensing adds the sensing part: its store (own tables and migrations
// on the same database), the service, the API's sensing service (routes under /api/v1/sensing) and
// its background work (case worker, ticks, downsampling, and MQTT ingestion
// when --mqtt-addr is set).
func wireSensing(a *App, mux *http.ServeMux) error {
	ctx := context.Background()
	db, err := sensingstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	// The state is loaded when this node takes the sensing service over
	// (sensingOwner.become): the other nodes hold none of it.
	svc := &sensing.Service{Store: db, Desk: &caseDesk{a: a}, Now: func() time.Time { return a.Now().UTC() }, NewID: NewID, Log: a.Log}
	a.sensing = svc

	// --mqtt-addr set: the node holding the sensing service subscribes
	// with one plain persistent session whose client id every node shares
	// (--mqtt-client-id), so the broker's queue for it survives both a
	// broker restart and a change of owner. --mqtt-group set: a shared
	// subscription $share/{group}/… over four sessions of that node instead
	// (faster; use EMQX: Mosquitto 2.0 may drop messages queued for shared
	// sessions when it restarts).
	var sub *mqtt.Subscriber
	if c := a.Cfg; c.MQTTAddr != "" {
		sub = mqtt.New(mqtt.Config{Addr: c.MQTTAddr, ClientID: c.MQTTClientID, Group: c.MQTTGroup, SessionExpiry: c.MQTTSessionExpiry,
			Username: c.MQTTUsername, Password: c.MQTTPassword, Log: a.Log}, svc)
	}
	// The api package serves /api/v1/sensing/…, each route through the
	// owner's gate, which passes it on to the node holding the state.
	o := newSensingOwner(a, svc, sub)
	a.sensingOwner = o
	a.api.Sensing = sensingAPI{Service: svc, sub: sub}
	a.api.SensingGate = o.Gate
	a.OnClose(db.Close) // after Run has stopped the loops below
	a.Go(o.worker)
	a.Go(o.run)
	return nil
}

// caseDesk adapts casework.Service to sensing.Desk.
type caseDesk struct{ a *App }

func (d *caseDesk) Open(ctx context.Context, p sensing.Proposal) (string, error) {
	lng, lat := p.Point.Lng, p.Point.Lat
	in, err := d.a.Cases.Report(ctx, sensingActor, casework.Report{Source: casework.Source(p.Source), Category: p.Category,
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
		if _, _, err := d.a.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActAccept, Actor: sensingActor, Note: "高置信度感知规则，系统自动受理"}); err != nil {
			d.a.Log.Warn("sensing auto-accept", "case", c.Code, "err", err)
			return c.ID, nil
		}
		if _, _, err := d.a.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActFile, Actor: sensingActor, Note: "高置信度感知规则，系统自动立案"}); err != nil {
			d.a.Log.Warn("sensing auto-file", "case", c.Code, "err", err)
		}
	}
	return c.ID, nil
}

func (d *caseDesk) IsOpen(ctx context.Context, id string) (bool, error) {
	c, err := d.a.Cases.FindCase(ctx, sensingActor, id)
	if errs.Is(err, errs.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !c.Status.Terminal(), nil
}

// Resolve ends the case the loop's own way, by how far it has come.
func (d *caseDesk) Resolve(ctx context.Context, id, note string, evidence []byte) (sensing.Resolution, error) {
	c, err := d.a.Cases.FindCase(ctx, sensingActor, id)
	if errs.Is(err, errs.KindNotFound) {
		return sensing.Ended, nil
	}
	if err != nil {
		return "", err
	}
	act := func(cmd casework.Command) error {
		cmd.Actor = sensingActor
		_, _, err := d.a.Cases.Act(ctx, id, cmd)
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
func (d *caseDesk) Outcome(ctx context.Context, id string) (sensing.Outcome, error) {
	c, evs, err := d.a.Cases.FindCaseWithTimeline(ctx, sensingActor, id)
	if err != nil {
		return "", err
	}
	for _, e := range evs {
		if e.Actor == sensingActor.ID || e.Actor == org.SystemActor.ID || e.Post == org.PostSystem {
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

func (d *caseDesk) Locate(p geo.Point) (sensing.Place, error) {
	loc, err := d.a.World.Atlas().Locate(p)
	if err != nil {
		return sensing.Place{}, err
	}
	return sensing.Place{Grid: loc.Grid, Community: loc.Community, Street: loc.Street, District: loc.District}, nil
}

// SavePhoto stores a snapshot as uploaded photos are stored: re-encoded
// without metadata or trailing data (package photo).
func (d *caseDesk) SavePhoto(ctx context.Context, data []byte) (string, error) {
	clean, mt, err := photo.Sanitize(data, "")
	if err != nil {
		return "", err
	}
	id, err := d.a.Blobs.Put(ctx, clean)
	if err != nil {
		return "", fmt.Errorf("store snapshot: %w", err)
	}
	if err := d.a.Store.SavePhoto(ctx, sqlstore.PhotoMeta{ID: id, MIME: mt, Size: int64(len(clean)), UploadedBy: sensingActor.ID, At: d.a.Now()}); err != nil {
		return "", err
	}
	return id, nil
}
