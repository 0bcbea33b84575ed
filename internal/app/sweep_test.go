package app

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"cityloop/internal/casework"
)

// TestSweep_SeveralNodesMarkEachCaseOnce runs the overdue sweep of several
// nodes at once on one store: every overdue case gets exactly one overdue
// mark, however many nodes sweep at once.
func TestSweep_SeveralNodesMarkEachCaseOnce(t *testing.T) { sweepTest(t, "") }

func TestSweep_SeveralNodesMarkEachCaseOncePostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the multi-node sweep on PostgreSQL")
	}
	sweepTest(t, freshPostgres(t, url))
}

func sweepTest(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	base := serve(t, a)
	op := login(t, base, "operator")
	const n = 30
	for i := 0; i < n; i++ {
		var c caseOut
		if st := op.do("POST", "/api/v1/cases", map[string]any{"description": "积存垃圾", "category": "event:0103",
			"lng": 118.701 + float64(i)*0.003, "lat": 32.01}, &c); st != 201 {
			t.Fatalf("report: %d", st)
		}
	}
	// Three "nodes": services over the same store whose clock is a week on,
	// when every acceptance deadline has passed.
	later := time.Now().Add(7 * 24 * time.Hour)
	var wg sync.WaitGroup
	marked := make([]int, 3)
	for node := range marked {
		svc := *a.Cases
		svc.Now = func() time.Time { return later }
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := svc.SweepOverdue(context.Background(), 7)
				if err != nil {
					t.Error(err)
					return
				}
				marked[node] += k
				if k == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if total := marked[0] + marked[1] + marked[2]; total != n {
		t.Fatalf("nodes marked %v = %d cases, want %d", marked, total, n)
	}
	list, total, err := a.Store.FindCases(context.Background(), casework.Filter{Limit: 100})
	if err != nil || total != n {
		t.Fatalf("list: %d %v", total, err)
	}
	for _, c := range list {
		tl, err := a.Store.Timeline(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		overdue, urges := 0, 0
		for _, e := range tl {
			switch e.Action {
			case casework.ActOverdue:
				overdue++
			case casework.ActUrge:
				urges++
			}
		}
		// Cases still at the centre are marked; escalation by 督办 applies
		// once a department holds the case, so these get none.
		if !c.Overdue || overdue != 1 || urges != 0 {
			t.Fatalf("case %s: overdue=%v marks=%d urges=%d", c.Code, c.Overdue, overdue, urges)
		}
	}
}

// TestSweep_AllInBatches: the job's SweepAllOverdue goes on batch after
// batch until every overdue case is marked, and a second call finds none.
func TestSweep_AllInBatches(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	op := login(t, base, "operator")
	const n = 17
	for i := 0; i < n; i++ {
		if st := op.do("POST", "/api/v1/cases", map[string]any{"description": "积存垃圾", "category": "event:0103",
			"lng": 118.701 + float64(i)*0.003, "lat": 32.01}, nil); st != 201 {
			t.Fatalf("report: %d", st)
		}
	}
	svc := *a.Cases
	later := time.Now().Add(7 * 24 * time.Hour)
	svc.Now = func() time.Time { return later }
	if got, err := svc.SweepAllOverdue(context.Background(), 5); err != nil || got != n {
		t.Fatalf("first sweep marked %d (%v), want all %d in batches of 5", got, err, n)
	}
	if got, err := svc.SweepAllOverdue(context.Background(), 5); err != nil || got != 0 {
		t.Fatalf("second sweep marked %d (%v), want 0", got, err)
	}
}
