package app

import (
	"cityloop/internal/caseindex"
	"context"
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/jobs"
	"cityloop/internal/open311"
	"cityloop/internal/share"
	"cityloop/internal/store/hubstore"
)

// wireInterop mounts /open311/v2/…, gives the API the services behind
// /api/v1/open311/keys, /api/v1/hotline/… and /api/v1/hub/… (package api
// serves those routes), and registers the delivery engine (with the outbox
// feeder), the 12345 poller and the hub's retention as background work,
// each under a lease so that one node runs it at a time.
func wireInterop(a *App, mux *http.ServeMux) error {
	ctx := context.Background()
	hs, sealed, err := hubstore.OpenReady(ctx, a.Cfg.DB, a.keys)
	if err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	a.OnClose(hs.Close)
	if sealed > 0 {
		a.Log.Info("interop: sealed secrets stored in plain", "count", sealed)
	}
	hs.SetCases(a.Store)
	a.resealers = append(a.resealers, resealer{"hub secrets (subscription signing secrets, the 12345 pull token)", hs.ResealSecrets})
	if err := hub.EnsureBuiltins(ctx, hs, a.Now().UTC()); err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	o := &open311.Server{Cases: a.Cases, Dict: a.World.Dict, Atlas: a.World.Atlas, Store: hs, CaseReader: a.Store, Accounts: a.Store,
		Bearer: a.api.Authenticate, Now: a.Now, Loc: a.Cal.Location(), Log: a.Log,
		// Links in the feed are built from the configured public URL, never
		// from the request's Host header. Its api_keys are issued (and
		// audited) by the API: a.api.Open311Keys below.
		PublicURL: a.Cfg.PublicURL}
	if c := a.World.Atlas().City(); c != nil {
		o.Jurisdiction = c.Code
	}
	o.Routes(mux)
	a.api.Open311Keys = hs

	// Webhook and hotline URLs are set by administrators: they may reach
	// internal addresses only as the operator's allow-list says, checked
	// when saved and on every connection (see package egress).
	egressPolicy, err := egress.Parse(a.Cfg.EgressAllow)
	if err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	engine := &hub.Engine{Store: hs, Log: a.Log, Feeder: &hub.Feeder{Store: hs}, Client: egressPolicy.Client(15 * time.Second),
		Formatters: map[string]hub.Formatter{share.KindHotline: hotline.Format}}
	depts := func() map[string]string { return hub.DepartmentNames(a.World.Dict()) }
	a.api.Hub = &hub.Service{Store: hs, Engine: engine, Egress: egressPolicy, Departments: depts, Now: a.Now}

	adapter := &hotline.Adapter{Store: hs, Cases: a.Cases, Hub: hs, Cal: a.Cal, Now: a.Now, Log: a.Log,
		Egress: egressPolicy, Reload: engine.Reload}
	a.api.Hotline = adapter

	a.hubChanges = hs
	// Intake's duplicate index, fed by this node's writes and by the hub's
	// change feed with every node's (package caseindex).
	ix, stop := caseindex.Start(a.Store, hs, func() time.Time { return a.Now().UTC() }, a.Log)
	a.Cases.Nearby = ix
	a.OnClose(stop) // before the store closes
	// The hub's own rows carry the real clock (deliveries, dead letters,
	// UUIDv7 event times), so retention measures age by it too. Callers of
	// 12345 orders go with the reporters of their cases. The delivery
	// engine is a continuous worker on one node at a time.
	pruner := &hub.Pruner{Store: hs, Log: a.Log, Now: time.Now}
	retain := time.Duration(a.Cfg.RetainDays) * 24 * time.Hour
	if err := a.schedule("interop", append(adapter.Jobs(retain), pruner.Job())...); err != nil {
		return err
	}
	a.Go(func(ctx context.Context) error {
		return a.jobs.Hold(ctx, jobs.Worker{Name: "hub-delivery", TTL: 15 * time.Second, Run: engine.Run})
	})
	return nil
}
