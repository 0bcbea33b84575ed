package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/jobs"
	"cityloop/internal/open311"
	"cityloop/internal/org"
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
	hs, err := hubstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	hs.SetKeyring(a.keys)
	hs.SetCases(a.Store)
	if err := hs.Migrate(ctx); err != nil {
		hs.Close()
		return fmt.Errorf("interop: %w", err)
	}
	// Secrets an older version stored in plain are read once and sealed.
	if n, err := hs.SealPlainSecrets(ctx); err != nil {
		hs.Close()
		return fmt.Errorf("interop: %w", err)
	} else if n > 0 {
		a.Log.Info("interop: sealed secrets stored in plain", "count", n)
	}
	if err := hub.EnsureBuiltins(ctx, hs, a.Now().UTC()); err != nil {
		hs.Close()
		return fmt.Errorf("interop: %w", err)
	}
	bearer := a.bearer
	o := &open311.Server{Cases: a.Cases, Dict: a.World.Dict, Atlas: a.World.Atlas, Store: hs, CaseReader: a.Store, Accounts: a.Store,
		Bearer: bearer, Now: a.Now, Loc: a.Cal.Location(), Log: a.Log,
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
		hs.Close()
		return fmt.Errorf("interop: %w", err)
	}
	engine := &hub.Engine{Store: hs, Log: a.Log, Feeder: &hub.Feeder{Store: hs}, Client: egressPolicy.Client(15 * time.Second),
		Formatters: map[string]hub.Formatter{share.KindHotline: hotline.Format}}
	depts := func() map[string]string {
		m := map[string]string{"center": "城管指挥中心", "hotline": "12345 热线"}
		for _, d := range a.World.Dict().Departments() {
			m[d.Code] = d.Name.Zh
		}
		return m
	}
	a.api.Hub = &hub.Service{Store: hs, Engine: engine, Egress: egressPolicy, Departments: depts, Now: a.Now}

	adapter := &hotline.Adapter{Store: hs, Cases: a.Cases, Hub: hs, Cal: a.Cal, Now: a.Now, Log: a.Log,
		Egress: egressPolicy, Reload: engine.Reload}
	a.api.Hotline = adapter

	// The hub's own rows carry the real clock (deliveries, dead letters,
	// UUIDv7 event times), so retention measures age by it too.
	pruner := &hub.Pruner{Store: hs, Log: a.Log, Now: time.Now}

	a.OnClose(hs.Close)
	a.hubChanges = hs
	// The 12345 poll runs every few seconds and polls only when the
	// settings' pull_every has passed (a setting changed at run time); the
	// retentions run hourly; the delivery engine is a continuous worker on
	// one node at a time.
	poll := func(ctx context.Context) error {
		polled, err := adapter.RunPoller(ctx)
		if err == nil && !polled {
			return jobs.ErrNothingDue
		}
		return err
	}
	list := []jobs.Job{
		{Name: "hotline-poll", Schedule: jobs.Every(hotlinePollTick), Timeout: 5 * time.Minute, Run: poll,
			Description: fmt.Sprintf("每 %s 检查，按 12345 设置的拉取间隔拉取 / checks every %s and pulls at the pull_every set for 12345", hotlinePollTick, hotlinePollTick)},
		{Name: "hub-retention", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute, Run: pruner.Run},
	}
	if a.Cfg.RetainDays > 0 {
		// Callers of 12345 orders go with the reporters of their cases.
		retain := time.Duration(a.Cfg.RetainDays) * 24 * time.Hour
		list = append(list, jobs.Job{Name: "hotline-retention", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute,
			Run: func(ctx context.Context) error { return adapter.RunRetention(ctx, retain) }})
	}
	for _, j := range list {
		if err := a.jobs.Register(j); err != nil {
			return fmt.Errorf("interop: %w", err)
		}
	}
	a.Go(func(ctx context.Context) error {
		return a.jobs.Hold(ctx, jobs.Worker{Name: "hub-delivery", TTL: 15 * time.Second, Run: engine.Run})
	})
	return nil
}

// hotlinePollTick is how often the 12345 poll job looks whether the
// settings' pull_every has passed: a pull_every shorter than this polls
// this often.
const hotlinePollTick = 5 * time.Second

// ResealInteropSecrets seals the hub's subscription secrets and the 12345
// pull token again under the keyring's current key (`cityloop pii rotate`).
// It opens the hub store for the call, as the maintenance commands run no
// background work.
func (a *App) ResealInteropSecrets(ctx context.Context) (int, error) {
	hs, err := hubstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return 0, fmt.Errorf("interop: %w", err)
	}
	defer hs.Close()
	hs.SetKeyring(a.keys)
	if err := hs.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("interop: %w", err)
	}
	return hs.ResealSecrets(ctx)
}

// bearer resolves an Authorization: Bearer header to an actor; ok is false
// when there is no header.
func (a *App) bearer(r *http.Request) (org.Actor, bool, error) {
	return a.api.Authenticate(r)
}
