package jobstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityloop/internal/jobs"
	"cityloop/internal/store/jobstore"
)

// TestRunner_RunOnTheStore runs two Runner.Run loops on the real clock
// against one database with an every-second job, until the job has run
// three times, and checks that no due time ran twice. It exercises what the
// fake-clock tests cannot: Run's sleeping until the next due time and
// waking on another node's finished run. The context's deadline only stops
// a broken loop from hanging the test; nothing is timed.
func TestRunner_RunOnTheStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			stores := []*jobstore.DB{mustOpen(t, dsn), mustOpen(t, dsn)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			const want = 3
			var mu sync.Mutex
			calls := 0
			enough := make(chan struct{})
			var wg sync.WaitGroup
			for i, s := range stores {
				r := &jobs.Runner{Store: s, Node: []string{"a", "b"}[i], Now: time.Now, Poll: time.Second}
				if err := r.Register(jobs.Job{Name: "tick", Schedule: jobs.Every(time.Second), Run: func(context.Context) error {
					mu.Lock()
					defer mu.Unlock()
					if calls++; calls == want {
						close(enough)
					}
					return nil
				}}); err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := r.Run(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			select {
			case <-enough:
			case <-ctx.Done():
				t.Fatal("the job did not run three times within a minute")
			}
			cancel()
			wg.Wait()
			runs, err := stores[0].ListRuns(context.Background(), "tick", 0)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[time.Time]bool{}
			for _, r := range runs {
				if seen[r.DueAt] {
					t.Errorf("due time %v ran twice", r.DueAt)
				}
				seen[r.DueAt] = true
			}
			mu.Lock()
			defer mu.Unlock()
			if len(runs) != calls {
				t.Fatalf("history has %d runs, Run was called %d times", len(runs), calls)
			}
		})
	}
}
