package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/jobs"
	"cityloop/internal/store/jobstore"
)

// wireJobs opens the jobs store on the node's database and runs the
// node's scheduled work on one jobs.Runner: each due time runs once across
// all nodes, with retries, a lease and a history that GET /api/v1/jobs
// shows. The overdue sweep, the retention purge and the expiry of
// citizens' one-time codes live here; the later wirers register their own
// jobs and leased workers on a.jobs (wire_interop.go: the 12345 poll, the
// retentions of the hub and of 12345 callers, the delivery engine;
// wire_sensing.go: the sensing owner's lease, held by package sensing/owner).
func wireJobs(a *App, mux *http.ServeMux) error {
	ctx := context.Background()
	js, err := jobstore.Open(ctx, a.Cfg.DB, a.Now)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	a.OnClose(js.Close)
	if err := js.Migrate(ctx); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	r := &jobs.Runner{Store: js, Node: a.node, Now: a.Now, Log: a.Log.With("part", "jobs")}
	list := []jobs.Job{
		{Name: "overdue-sweep", Schedule: jobs.Every(a.Cfg.SweepEvery), Timeout: 5 * time.Minute, Run: func(ctx context.Context) error {
			n, err := a.Cases.SweepAllOverdue(ctx, 500)
			if n > 0 {
				a.Log.Info("overdue sweep", "marked", n)
			}
			return err
		}},
		// Citizens' one-time codes live five minutes; the expired ones are
		// also swept whenever a code is issued.
		{Name: "otp-expiry", Schedule: jobs.Every(10 * time.Minute), Timeout: 5 * time.Minute, Run: func(ctx context.Context) error {
			if _, err := a.Store.PurgeOneTimeCodes(ctx, a.Now()); err != nil {
				return fmt.Errorf("one-time code expiry: %w", err)
			}
			return nil
		}},
	}
	if a.Cfg.RetainDays > 0 {
		list = append(list, jobs.Job{Name: "retention", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute,
			Run: func(ctx context.Context) error {
				n, err := a.Store.PurgeContacts(ctx, a.Now().AddDate(0, 0, -a.Cfg.RetainDays))
				if err != nil {
					return fmt.Errorf("retention purge: %w", err)
				}
				if n > 0 {
					a.Log.Info("retention purge: erased reporters' contact details", "cases", n)
				}
				return nil
			}})
	}
	for _, j := range list {
		if err := r.Register(j); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
	}
	a.api.Jobs = r
	a.jobs = r
	a.Go(r.Run)
	return nil
}
