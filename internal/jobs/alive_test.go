package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"cityloop/internal/jobs"
	"cityloop/internal/jobs/jobstest"
)

// TestRunner_Alive: the readiness probe's view of the runner: not alive
// before Run's first pass, alive after it, not alive once its passes are
// more than three Polls old.
func TestRunner_Alive(t *testing.T) {
	clock := jobstest.NewClock(t0)
	r := &jobs.Runner{Store: jobstest.NewMem(), Node: "n1", Now: clock.Now, Poll: time.Second}
	if err := r.Alive(clock.Now()); err == nil {
		t.Fatal("alive before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for r.Alive(clock.Now()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("not alive after Run started: %v", r.Alive(clock.Now()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Alive(clock.Now().Add(3 * time.Second)); err != nil {
		t.Errorf("alive within three Polls: %v", err)
	}
	if err := r.Alive(clock.Now().Add(4 * time.Second)); err == nil {
		t.Error("alive although the last pass is four Polls old")
	}
}

// TestRunner_OnFinish: every finished attempt is heard, with its error;
// a run that found nothing due is not an attempt.
func TestRunner_OnFinish(t *testing.T) {
	boom := errors.New("boom")
	results := []error{boom, nil, jobs.ErrNothingDue}
	var calls int
	var mu sync.Mutex
	var heard []error
	f := newFixture(t, jobs.Job{Name: "j", Schedule: jobs.Every(time.Minute), Run: func(context.Context) error {
		err := results[calls]
		calls++
		return err
	}})
	f.r.OnFinish = func(job string, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if job != "j" || took < 0 {
			t.Errorf("OnFinish(%q, %v)", job, took)
		}
		heard = append(heard, err)
	}
	for range 3 {
		f.clock.Add(10 * time.Minute)
		f.tick(t)
	}
	if calls != 3 || len(heard) != 2 || !errors.Is(heard[0], boom) || heard[1] != nil {
		t.Fatalf("ran %d times, heard %v; want 3 runs, heard [boom <nil>]", calls, heard)
	}
}
