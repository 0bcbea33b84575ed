package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	demoseed "cityloop/internal/demo/seed"
	"cityloop/internal/enforce"
	"cityloop/internal/enforce/loop"
	"cityloop/internal/jobs"
	"cityloop/internal/store/enforcestore"
)

// wireEnforce adds mobile enforcement (移动执法): its store (own tables on
// the node's database, parties sealed with the node's keyring), the
// service linked to the loop, the /api/v1/enforcement routes, the sweep of
// legal clocks on the jobs runner, and, when this start generated the demo
// city, its enforcers and penalty cases (about one per 250 loop cases).
func wireEnforce(a *App, _ *http.ServeMux) error {
	ctx := context.Background()
	db, err := enforcestore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return fmt.Errorf("enforcement: %w", err)
	}
	a.OnClose(db.Close)
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("enforcement: %w", err)
	}
	db.SetKeyring(a.keys)
	rb, err := enforce.Default()
	if err != nil {
		return err
	}
	svc := &enforce.Service{Store: db, Loop: loop.Adapter{Cases: a.Cases, Now: a.Now}, Atlas: a.World.Atlas, Cal: a.Cal,
		Books: []*enforce.Rulebook{rb}, Region: "", Policy: enforce.DefaultPolicy(), Window: 365 * 24 * time.Hour,
		LoopCategories: enforce.DefaultLoopCategories(), Now: func() time.Time { return a.Now().UTC() }, NewID: NewID}
	a.api.Enforcement = svc
	if err := a.jobs.Register(jobs.Job{Name: "enforce-clocks", Schedule: jobs.Every(a.Cfg.SweepEvery), Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error { _, err := svc.SweepClocks(ctx, 500); return err }}); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if a.DemoSummary == nil {
		return nil
	}
	_, err = demoseed.EnforcementOnDemo(ctx, a.Store, db, a.World.Atlas(), a.Cal, rb, svc.Policy, a.Cfg.DemoSeed, a.Cfg.DemoCases, a.Now().UTC())
	return err
}
