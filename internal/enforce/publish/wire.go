package publish

import (
	"errors"
	"log/slog"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/enforce"
	"cityloop/internal/enforce/remind"
	"cityloop/internal/jobs"
	"cityloop/internal/sensing"
)

// Parts are what the node already opened, as app holds them: the
// enforcement service (whose store keeps publications and places), the
// hub's store, the outbox service and the sensing service. Hub and Outbox
// are taken by what they can do (this package's Hub, remind.Outbox), so
// app passes its handles as they are and stays a few lines.
type Parts struct {
	Enforcement any
	Hub         any // nil or not a Hub: publications are not fed
	Outbox      any // nil or not a remind.Outbox: reminders stay on the display
	Sensing     *sensing.Service
	Dict        func() *catalog.Dictionary
	Every       time.Duration
	Now         func() time.Time
	NewID       func() string
	Log         *slog.Logger
	// Schedule registers the job on the node's runner.
	Schedule func(part string, list ...jobs.Job) error
}

// Wire builds the publication runner (its job on the runner), the staff
// side of publications, the camera reminders (set on the sensing service)
// and the registry and sites the API serves, which it returns.
func Wire(p Parts) (*enforce.Publications, *remind.Desk, error) {
	svc, ok := p.Enforcement.(*enforce.Service)
	if !ok {
		return nil, nil, errors.New("disclosure: the enforcement service is not wired")
	}
	st, ok := svc.Store.(interface {
		enforce.PublicationStore
		enforce.PlaceStore
	})
	if !ok {
		return nil, nil, errors.New("disclosure: the enforcement store keeps no publications or places")
	}
	hub, _ := p.Hub.(Hub)
	run := &Runner{Store: st, Hub: hub, Now: p.Now, Log: p.Log}
	desk := &remind.Desk{Places: st, SiteSource: remind.SiteSource{Violations: svc.LoopCategories, Name: categoryName(p.Dict, p.Now)}}
	if p.Sensing != nil {
		desk.SiteSource.Store = p.Sensing.Store
		if ob, ok := p.Outbox.(remind.Outbox); ok {
			p.Sensing.Reminders = &remind.Sender{Places: st, Outbox: ob, Now: p.Now, NewID: p.NewID}
		}
	}
	if err := p.Schedule("disclosure", run.Job(p.Every)); err != nil {
		return nil, nil, err
	}
	return &enforce.Publications{Cases: svc, Store: st}, desk, nil
}

// categoryName is a sub-class's Chinese name in the dictionary in force.
func categoryName(dict func() *catalog.Dictionary, now func() time.Time) func(string) string {
	return func(code string) string {
		ref, err := catalog.ParseRef(code)
		if err != nil || dict == nil {
			return ""
		}
		if sc, ok := dict().Lookup(ref, now()); ok {
			return sc.Name.Zh
		}
		return ""
	}
}
