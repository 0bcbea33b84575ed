package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/sensing/owner"
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

// TestJobs_AdminPage: the console's admin page lists the same jobs as GET
// /api/v1/jobs, with their schedule, holder, last and next run.
func TestJobs_AdminPage(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	if err := a.jobs.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowserClient(t, base)
	if res := b.signIn("admin", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", res.StatusCode)
	}
	st, page, _ := b.get("/console/admin")
	if st != 200 || !strings.Contains(page, `id="job-list"`) || !strings.Contains(page, "后台任务") {
		t.Fatalf("admin page: %d, no job list", st)
	}
	list, err := a.jobs.Status(context.Background())
	if err != nil || len(list) == 0 {
		t.Fatalf("jobs: %v, %v", list, err)
	}
	for _, j := range list {
		if !strings.Contains(page, ">"+j.Name+"<") || !strings.Contains(page, j.Description) {
			t.Errorf("the admin page does not show job %s (%s)", j.Name, j.Description)
		}
	}
}

// TestJobs_LeasesListed: on a running node the continuous workers (the
// hub's delivery engine, the sensing owner) hold leases in the jobs store,
// listed by GET /api/v1/jobs with their holder and since when.
func TestJobs_LeasesListed(t *testing.T) {
	a := testApp(t, "")
	base, _ := startNode(t, a)
	waitFor(t, 10*time.Second, "node A to hold the sensing service", a.sensingOwner.IsOwner)
	admin := login(t, base, "admin")
	var out struct {
		Items []jobs.Status
	}
	waitFor(t, 10*time.Second, "the hub's delivery lease to be taken", func() bool {
		if st := admin.do("GET", "/api/v1/jobs", nil, &out); st != 200 {
			t.Fatalf("jobs: %d", st)
		}
		for _, j := range out.Items {
			if j.Name == "hub-delivery" && j.Holder != "" {
				return true
			}
		}
		return false
	})
	want := map[string]string{"hub-delivery": a.node, owner.Lease: a.sensingOwner.Self()}
	for _, j := range out.Items {
		holder, ok := want[j.Name]
		if !ok {
			continue
		}
		delete(want, j.Name)
		if j.Kind != jobs.KindLease || j.Holder != holder || j.HeldSince == nil || j.Description == "" {
			t.Errorf("lease %s: %+v; want held by %s, with since when", j.Name, j, holder)
		}
	}
	if len(want) != 0 {
		t.Fatalf("leases not listed: %v (list %+v)", want, out.Items)
	}
}

// TestJobs_TwoNodesSweepOncePerDueTime runs two nodes on one database with
// the overdue sweep due every second, until it has run several times, and
// counts the history: each due time ran exactly once, on one of the nodes.
func TestJobs_TwoNodesSweepOncePerDueTime(t *testing.T) { twoNodeSweep(t, "") }

func TestJobs_TwoNodesSweepOncePerDueTimePostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the two-node sweep on PostgreSQL")
	}
	twoNodeSweep(t, freshPostgres(t, url))
}

func twoNodeSweep(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	a.Cfg.SweepEvery = time.Second
	// Both nodes open with the short schedule; a itself only made the
	// database and is not run.
	n1, n2 := secondNode(t, a), secondNode(t, a)
	_, stop1 := startNode(t, n1)
	_, stop2 := startNode(t, n2)
	const want = 5
	ctx := context.Background()
	var runs []jobs.RunRecord
	waitFor(t, time.Minute, fmt.Sprintf("%d runs of the overdue sweep", want), func() bool {
		var err error
		runs, err = n1.jobs.Runs(ctx, "overdue-sweep", 0)
		if errs.Is(err, errs.KindNotFound) {
			return false // no node has written the job's row yet
		}
		if err != nil {
			t.Fatal(err)
		}
		return len(runs) >= want
	})
	stop1()
	stop2()
	runs, err := n2.jobs.Runs(ctx, "overdue-sweep", 0)
	if err != nil {
		t.Fatal(err)
	}
	perDue := map[time.Time]int{}
	nodes := map[string]int{}
	for _, r := range runs {
		if r.Error != "" {
			t.Errorf("run %+v failed", r)
		}
		perDue[r.DueAt.UTC()]++
		nodes[r.Node]++
	}
	for due, n := range perDue {
		if n != 1 {
			t.Errorf("due time %v ran %d times, want once", due, n)
		}
	}
	for node := range nodes {
		if node != n1.node && node != n2.node {
			t.Errorf("a run on %s, neither node", node)
		}
	}
	t.Logf("%d due times, runs per node %v", len(perDue), nodes)
}
