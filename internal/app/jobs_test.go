package app

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/jobs"
)

// TestJobs_Listed: the node's scheduled work (overdue sweep, retention) is
// on the one jobs runner, and an administrator sees each job's schedule and
// next run at GET /api/v1/jobs; other posts may not.
func TestJobs_Listed(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	r, ok := a.api.Jobs.(*jobs.Runner)
	if !ok {
		t.Fatalf("the API's job board is %T, not the runner", a.api.Jobs)
	}
	if err := r.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Items []struct {
			Name, Schedule, Description string
			NextRunAt                   time.Time `json:"next_run_at"`
		}
		Total int
	}
	if st := login(t, base, "admin").do("GET", "/api/v1/jobs", nil, &out); st != 200 {
		t.Fatalf("jobs: %d", st)
	}
	seen := map[string]bool{}
	for _, j := range out.Items {
		seen[j.Name] = true
		if j.Schedule == "" || j.Description == "" || j.NextRunAt.IsZero() {
			t.Errorf("job %s lacks its schedule or next run: %+v", j.Name, j)
		}
	}
	if !seen["overdue-sweep"] || !seen["retention"] {
		t.Fatalf("jobs listed: %+v", out.Items)
	}
	if st := login(t, base, "admin").do("GET", "/api/v1/jobs/overdue-sweep/runs?limit=0", nil, nil); st != 400 {
		t.Fatalf("runs with limit 0: %d", st)
	}
	if st := login(t, base, "operator").do("GET", "/api/v1/jobs", nil, nil); st != 403 {
		t.Fatalf("an operator listed the jobs: %d", st)
	}
}
