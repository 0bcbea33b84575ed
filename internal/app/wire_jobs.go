package app

import (
	"cityloop/internal/auth"
	"cityloop/internal/pii"
	"context"
	"net/http"

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
	js, err := openStore(a, "jobs", func(ctx context.Context, dsn string) (*jobstore.DB, error) { return jobstore.Open(ctx, dsn, a.Now) })
	if err != nil {
		return err
	}
	r := &jobs.Runner{Store: js, Node: a.node, Now: a.Now, Log: a.Log.With("part", "jobs")}
	list := []jobs.Job{
		a.Cases.SweepJob(a.Cfg.SweepEvery, a.Log),
		auth.CodeExpiryJob(a.Store.PurgeOneTimeCodes, a.Now),
	}
	if d := a.Cfg.RetainDays; d > 0 {
		list = append(list, pii.RetentionJob("retention", "the contact details of reporters", d, a.Store.PurgeContacts, a.Now, a.Log))
	}
	a.api.Jobs, a.jobs = r, r
	a.Go(r.Run)
	return a.schedule("jobs", list...)
}
