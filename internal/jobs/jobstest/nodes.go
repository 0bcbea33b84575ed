package jobstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/jobs"
)

// ExactlyOnce runs one [jobs.Runner] per store ("node-0", "node-1", …;
// the stores share one database) on a fake clock that moves in steps
// shorter than any interval, so no due time is skipped. In every round all
// nodes tick at once. At the end every due time of every job must have
// exactly one successful run in the history (two for the flaky job: one
// failed attempt and its retry), and each job's Run must have been called
// exactly as often as the history says.
func ExactlyOnce(t *testing.T, stores []jobs.Store, loc *time.Location, rounds int) {
	ctx := context.Background()
	// Twenty to midnight before the first of a month, so the daily and the
	// monthly job come due too.
	start := time.Date(2026, 2, 28, 23, 40, 0, 0, loc).UTC()
	const step = 20 * time.Second
	clock := NewClock(start)

	type spec struct {
		schedule jobs.Schedule
		flaky    bool // every first attempt at a due time fails; its retry succeeds
	}
	specs := map[string]spec{
		"every-1m":  {schedule: jobs.Every(time.Minute)},
		"every-90s": {schedule: jobs.Every(90 * time.Second)},
		"daily":     {schedule: jobs.Daily(0, 0, loc)},
		"monthly":   {schedule: jobs.Monthly(1, 0, 5, loc)},
		"flaky-2m":  {schedule: jobs.Every(2 * time.Minute), flaky: true},
	}
	calls := map[string]*atomic.Int64{}
	runners := make([]*jobs.Runner, len(stores))
	for i, s := range stores {
		runners[i] = &jobs.Runner{Store: s, Node: fmt.Sprintf("node-%d", i), Now: clock.Now}
	}
	for name, sp := range specs {
		calls[name] = &atomic.Int64{}
		n := calls[name]
		run := func(ctx context.Context) error {
			if c := n.Add(1); sp.flaky && c%2 == 1 {
				return errors.New("first attempt fails")
			}
			return nil
		}
		for _, r := range runners {
			if err := r.Register(jobs.Job{Name: name, Schedule: sp.schedule, Run: run}); err != nil {
				t.Fatal(err)
			}
		}
	}

	var last time.Time
	for range rounds {
		last = clock.Now()
		var wg sync.WaitGroup
		errc := make(chan error, len(runners))
		for _, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- r.Tick(ctx)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("tick at %v: %v", last, err)
			}
		}
		clock.Add(step)
	}

	for name, sp := range specs {
		// The due times a perfect runner ran: from the first after start to
		// the last tick.
		var want []time.Time
		for d := sp.schedule.Next(start); !d.After(last); d = sp.schedule.Next(d) {
			want = append(want, d.UTC())
		}
		if len(want) == 0 {
			t.Fatalf("%s: no due time in the test's span; make it longer", name)
		}
		runs, err := stores[0].ListRuns(ctx, name, jobs.DefaultKeep)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) >= jobs.DefaultKeep {
			t.Fatalf("%s: %d runs reach the history's limit; shorten the test", name, len(runs))
		}
		ok := map[time.Time]int{}
		failed := map[time.Time]int{}
		nodes := map[string]bool{}
		for _, r := range runs {
			nodes[r.Node] = true
			if r.Error == "" {
				ok[r.DueAt.UTC()]++
			} else {
				failed[r.DueAt.UTC()]++
			}
		}
		for _, d := range want {
			// The flaky job's retry comes a round after its failure, so a
			// due time first tried in the last round has no retry yet.
			unsettled := sp.flaky && d.After(last.Add(-step))
			if ok[d] != 1 && !unsettled {
				t.Errorf("%s due %v: %d successful runs, want 1", name, d, ok[d])
			}
			if wantFailed := map[bool]int{true: 1}[sp.flaky]; failed[d] != wantFailed {
				t.Errorf("%s due %v: %d failed runs, want %d", name, d, failed[d], wantFailed)
			}
			delete(ok, d)
			delete(failed, d)
		}
		if len(ok) != 0 || len(failed) != 0 {
			t.Errorf("%s: runs at times that were not due: %v %v", name, ok, failed)
		}
		if got := calls[name].Load(); got != int64(len(runs)) {
			t.Errorf("%s: Run called %d times, history has %d rows", name, got, len(runs))
		}
		t.Logf("%s: %d due times, %d runs, by %d nodes", name, len(want), len(runs), len(nodes))
	}
}

// CrashRecovery runs one [jobs.Runner] per store on a fake clock while a
// dying node ("zombie", through stores[0]) now and then claims a due time
// and never finishes it, as a node that crashed mid-run. Once its lease
// runs out a runner must claim that due time and run it as attempt 2: every
// due time ends with exactly one successful run, at least once in all.
func CrashRecovery(t *testing.T, stores []jobs.Store, rounds int) {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	const (
		step      = 20 * time.Second
		zombieTTL = 30 * time.Second // expires before the next minute's due time
	)
	clock := NewClock(start)
	every := jobs.Every(time.Minute)
	var calls atomic.Int64
	runners := make([]*jobs.Runner, len(stores))
	for i, s := range stores {
		runners[i] = &jobs.Runner{Store: s, Node: fmt.Sprintf("node-%d", i), Now: clock.Now}
		if err := runners[i].Register(jobs.Job{Name: "job", Schedule: every, Run: func(context.Context) error {
			calls.Add(1)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
	}
	crashed := map[time.Time]bool{}
	var last time.Time
	for round := range rounds {
		last = clock.Now()
		if round > 0 && round%4 == 0 {
			c, ok, err := stores[0].ClaimJob(ctx, "job", "zombie", last, last.Add(zombieTTL))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				crashed[c.DueAt.UTC()] = true
			}
		}
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.Tick(ctx); err != nil {
					t.Errorf("tick at %v: %v", last, err)
				}
			}()
		}
		wg.Wait()
		clock.Add(step)
	}
	if len(crashed) == 0 {
		t.Fatal("the zombie never claimed a due time; change the rounds")
	}
	runs, err := stores[0].ListRuns(ctx, "job", jobs.DefaultKeep)
	if err != nil {
		t.Fatal(err)
	}
	got := map[time.Time]jobs.RunRecord{}
	for _, r := range runs {
		if r.Error != "" || r.Node == "zombie" {
			t.Errorf("unexpected run %+v", r)
		}
		if _, dup := got[r.DueAt.UTC()]; dup {
			t.Errorf("due time %v succeeded twice", r.DueAt)
		}
		got[r.DueAt.UTC()] = r
	}
	n := 0
	for d := every.Next(start); !d.After(last.Add(-zombieTTL - step)); d = every.Next(d) {
		n++
		r, ok := got[d]
		switch {
		case !ok:
			t.Errorf("due %v never ran (crashed: %v)", d, crashed[d])
		case crashed[d] && r.Attempt != 2:
			t.Errorf("due %v was claimed by the crashed node; its run is attempt %d, want 2", d, r.Attempt)
		case !crashed[d] && r.Attempt != 1:
			t.Errorf("due %v ran as attempt %d, want 1", d, r.Attempt)
		}
	}
	if calls.Load() != int64(len(runs)) {
		t.Errorf("Run called %d times, history has %d rows", calls.Load(), len(runs))
	}
	t.Logf("%d due times checked, %d claimed by the crashed node", n, len(crashed))
}
