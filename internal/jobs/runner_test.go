package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/jobs/jobstest"
)

// t0 is a whole minute, so Every(time.Minute) is due at t0+1m.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

func TestMem_Contract(t *testing.T) {
	jobstest.Run(t, func(t *testing.T) jobs.Store { return jobstest.NewMem() })
}

func TestRunner_ExactlyOnceOnTwoNodes(t *testing.T) {
	_, sh := city(t)
	mem := jobstest.NewMem()
	jobstest.ExactlyOnce(t, []jobs.Store{mem, mem}, sh, 150)
}

func TestRunner_CrashRecoveryOnTwoNodes(t *testing.T) {
	mem := jobstest.NewMem()
	jobstest.CrashRecovery(t, []jobs.Store{mem, mem}, 90)
}

// fixture is a runner on an in-memory store and a fake clock.
type fixture struct {
	mem   *jobstest.Mem
	clock *jobstest.Clock
	r     *jobs.Runner
}

// newFixture registers js and makes a first pass at t0+30s.
func newFixture(t *testing.T, js ...jobs.Job) *fixture {
	t.Helper()
	f := &fixture{mem: jobstest.NewMem(), clock: jobstest.NewClock(t0.Add(30 * time.Second))}
	f.r = &jobs.Runner{Store: f.mem, Node: "n1", Now: f.clock.Now}
	for _, j := range js {
		if err := f.r.Register(j); err != nil {
			t.Fatal(err)
		}
	}
	f.tick(t) // ensures the rows: Every(time.Minute) is due at t0+1m
	return f
}

func (f *fixture) tick(t *testing.T) {
	t.Helper()
	if err := f.r.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// run is one history row, as the tests compare them.
type run struct {
	due     time.Duration // after t0
	attempt int
	err     string // a substring of the error; "" = success
}

func (f *fixture) wantRuns(t *testing.T, name string, want ...run) {
	t.Helper()
	got, err := f.mem.ListRuns(context.Background(), name, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d runs, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[len(got)-1-i] // oldest first, as the tests list them
		if !g.DueAt.Equal(t0.Add(w.due)) || g.Attempt != w.attempt || (w.err == "") != (g.Error == "") || !strings.Contains(g.Error, w.err) {
			t.Errorf("run %d: due %v attempt %d error %q; want due %v attempt %d error with %q",
				i, g.DueAt.Sub(t0), g.Attempt, g.Error, w.due, w.attempt, w.err)
		}
	}
}

func (f *fixture) status(t *testing.T, name string) jobs.Status {
	t.Helper()
	st, err := f.r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %s in %+v", name, st)
	return jobs.Status{}
}

// counter is a job's Run that fails while fail says so and counts calls.
func counter(n *atomic.Int64, fail func(call int64) error) func(context.Context) error {
	return func(context.Context) error { return fail(n.Add(1)) }
}

func never(int64) error { return nil }

func TestRunner_Tick(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name     string
		job      jobs.Job
		fail     func(call int64) error
		steps    []time.Duration // clock moves; the runner ticks after each
		want     []run
		nextDue  time.Duration // after t0, from the job's status at the end
		nextRun  time.Duration
		attempts int
	}{
		{
			name:  "not due before its time, once at it",
			job:   jobs.Job{Schedule: jobs.Every(time.Minute)},
			fail:  never,
			steps: []time.Duration{0, 29 * time.Second, time.Second, 0, 30 * time.Second},
			want:  []run{{due: time.Minute, attempt: 1}},
			// at t0+1m30s: the next due time is t0+2m
			nextDue: 2 * time.Minute, nextRun: 2 * time.Minute,
		},
		{
			name:    "missed due times are skipped, not run in a burst",
			job:     jobs.Job{Schedule: jobs.Every(time.Minute)},
			fail:    never,
			steps:   []time.Duration{10*time.Minute + 30*time.Second, 0},
			want:    []run{{due: time.Minute, attempt: 1}},
			nextDue: 12 * time.Minute, nextRun: 12 * time.Minute,
		},
		{
			name:  "a failure is retried after the backoff and then succeeds",
			job:   jobs.Job{Schedule: jobs.Every(time.Hour)},
			fail:  func(c int64) error { return map[bool]error{true: boom}[c == 1] },
			steps: []time.Duration{59*time.Minute + 30*time.Second, 9 * time.Second, time.Second},
			want:  []run{{due: time.Hour, attempt: 1, err: "boom"}, {due: time.Hour, attempt: 2}},
			// success resets the attempts and moves to the next hour
			nextDue: 2 * time.Hour, nextRun: 2 * time.Hour,
		},
		{
			name: "after MaxAttempts the job waits for its next due time",
			job:  jobs.Job{Schedule: jobs.Every(time.Hour), MaxAttempts: 3},
			fail: func(int64) error { return boom },
			// due at 1h; retries after 10s and 20s more
			steps: []time.Duration{59*time.Minute + 30*time.Second, 10 * time.Second, 20 * time.Second, time.Hour},
			want: []run{{due: time.Hour, attempt: 1, err: "boom"}, {due: time.Hour, attempt: 2, err: "boom"},
				{due: time.Hour, attempt: 3, err: "boom"}, {due: 2 * time.Hour, attempt: 1, err: "boom"}},
			nextDue: 2 * time.Hour, nextRun: 2*time.Hour + 30*time.Second + 10*time.Second, attempts: 1,
		},
		{
			name: "a retry that would come after the next due time is dropped",
			job:  jobs.Job{Schedule: jobs.Every(15 * time.Second), MaxAttempts: 5},
			fail: func(int64) error { return boom },
			// due at 45s: attempt 1 fails, retry at 55s < 60s; attempt 2
			// fails at 55s, retry at 75s > 60s: give up, next due 60s
			steps:   []time.Duration{15 * time.Second, 10 * time.Second},
			want:    []run{{due: 45 * time.Second, attempt: 1, err: "boom"}, {due: 45 * time.Second, attempt: 2, err: "boom"}},
			nextDue: time.Minute, nextRun: time.Minute,
		},
		{
			name:    "a panic is recovered and recorded as a failure",
			job:     jobs.Job{Schedule: jobs.Every(time.Minute), MaxAttempts: 1},
			fail:    func(int64) error { panic("the cable is cut") },
			steps:   []time.Duration{30 * time.Second},
			want:    []run{{due: time.Minute, attempt: 1, err: "panic: the cable is cut"}},
			nextDue: 2 * time.Minute, nextRun: 2 * time.Minute,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			tt.job.Name = "job"
			tt.job.Run = counter(&n, tt.fail)
			f := newFixture(t, tt.job)
			for _, d := range tt.steps {
				f.clock.Add(d)
				f.tick(t)
			}
			f.wantRuns(t, "job", tt.want...)
			if n.Load() != int64(len(tt.want)) {
				t.Errorf("Run called %d times, want %d", n.Load(), len(tt.want))
			}
			s := f.status(t, "job")
			if !s.DueAt.Equal(t0.Add(tt.nextDue)) || !s.NextRunAt.Equal(t0.Add(tt.nextRun)) || s.Attempt != tt.attempts || s.Holder != "" {
				t.Errorf("status: due %v next run %v attempts %d holder %q; want due %v next run %v attempts %d, no holder",
					s.DueAt.Sub(t0), s.NextRunAt.Sub(t0), s.Attempt, s.Holder, tt.nextDue, tt.nextRun, tt.attempts)
			}
		})
	}
}

func TestRunner_Timeout(t *testing.T) {
	f := newFixture(t, jobs.Job{Name: "slow", Schedule: jobs.Every(time.Minute), Timeout: 20 * time.Millisecond, MaxAttempts: 1,
		Run: func(ctx context.Context) error {
			<-ctx.Done()
			return fmt.Errorf("wait for the partner: %w", ctx.Err())
		}})
	f.clock.Add(30 * time.Second)
	f.tick(t)
	f.wantRuns(t, "slow", run{due: time.Minute, attempt: 1, err: "timed out after 20ms: wait for the partner: context deadline exceeded"})
}

// TestRunner_Heartbeat: a run longer than a third of the lease extends it.
func TestRunner_Heartbeat(t *testing.T) {
	beat := make(chan struct{})
	mem := jobstest.NewMem()
	hb := &beatStore{Mem: mem, beat: beat}
	clock := jobstest.NewClock(t0.Add(time.Minute))
	r := &jobs.Runner{Store: hb, Node: "n1", Now: clock.Now, Lease: 30 * time.Millisecond}
	if err := r.Register(jobs.Job{Name: "long", Schedule: jobs.Every(time.Minute), Run: func(ctx context.Context) error {
		clock.Add(time.Second) // so the extended lease is visibly later than the first
		select {
		case <-beat:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Tick(context.Background()); err != nil { // ensures; due at t0+2m
		t.Fatal(err)
	}
	clock.Set(t0.Add(2 * time.Minute))
	if err := r.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := hb.extended.Load()
	if c == nil || !c.LeaseUntil.After(t0.Add(2*time.Minute+30*time.Millisecond)) {
		t.Fatalf("the lease was not extended past its first end: %+v", c)
	}
	runs, err := mem.ListRuns(context.Background(), "long", 0)
	if err != nil || len(runs) != 1 || runs[0].Error != "" {
		t.Fatalf("runs %+v, %v; want one success", runs, err)
	}
}

// beatStore signals each successful heartbeat and keeps the last lease.
type beatStore struct {
	*jobstest.Mem
	beat     chan struct{}
	extended atomic.Pointer[jobs.Claim]
}

func (b *beatStore) ExtendLease(ctx context.Context, c jobs.Claim, until time.Time) (bool, error) {
	ok, err := b.Mem.ExtendLease(ctx, c, until)
	if ok {
		c.LeaseUntil = until
		b.extended.Store(&c)
		select {
		case b.beat <- struct{}{}:
		default:
		}
	}
	return ok, err
}

// TestRunner_LeaseGone: when another node has taken the lease, or the
// heartbeat cannot reach the store until the lease has run out, the run is
// cancelled and nothing is recorded for this node, since another node may
// have claimed the due time.
func TestRunner_LeaseGone(t *testing.T) {
	for _, tt := range []struct {
		name  string
		store func(*jobstest.Mem) jobs.Store
		// during runs inside the job, before it waits for its context.
		during func(mem *jobstest.Mem, clock *jobstest.Clock)
	}{
		{"another node took it", func(m *jobstest.Mem) jobs.Store { return m },
			func(mem *jobstest.Mem, _ *jobstest.Clock) {
				mem.Take("job", "n2", t0.Add(time.Hour)) // as if n1 stalled and n2 claimed
			}},
		{"the heartbeat cannot reach the store", func(m *jobstest.Mem) jobs.Store { return failingBeat{m} },
			func(_ *jobstest.Mem, clock *jobstest.Clock) {
				clock.Add(time.Minute) // well past the 30ms lease
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem := jobstest.NewMem()
			clock := jobstest.NewClock(t0.Add(time.Minute))
			r := &jobs.Runner{Store: tt.store(mem), Node: "n1", Now: clock.Now, Lease: 30 * time.Millisecond}
			var cancelled atomic.Bool
			if err := r.Register(jobs.Job{Name: "job", Schedule: jobs.Every(time.Minute), Run: func(ctx context.Context) error {
				tt.during(mem, clock)
				<-ctx.Done()
				cancelled.Store(true)
				return ctx.Err()
			}}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Set(t0.Add(2 * time.Minute))
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if !cancelled.Load() {
				t.Fatal("the run was not cancelled")
			}
			if runs, err := mem.ListRuns(ctx, "job", 0); err != nil || len(runs) != 0 {
				t.Fatalf("runs %+v, %v; want none recorded by the node that lost the lease", runs, err)
			}
		})
	}
}

// failingBeat is a store whose heartbeats fail, as when the database is
// unreachable.
type failingBeat struct{ *jobstest.Mem }

func (failingBeat) ExtendLease(context.Context, jobs.Claim, time.Time) (bool, error) {
	return false, errs.E(errs.KindUnavailable, "the database cannot be reached")
}

// TestRunner_CrashedNodes: a node that dies mid-run leaves its lease to
// expire; the next node runs the same due time again as attempt 2. When
// the crashes have used up MaxAttempts the due time is given up unrun.
func TestRunner_CrashedNodes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		crashes int
		want    run
		calls   int64
	}{
		{"one crash, run again", 1, run{due: time.Minute, attempt: 2}, 1},
		{"crashes used up the attempts", 3, run{due: time.Minute, attempt: 4, err: "not run: 3 attempts"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			f := newFixture(t, jobs.Job{Name: "job", Schedule: jobs.Every(time.Minute), MaxAttempts: 3, Run: counter(&n, never)})
			ctx := context.Background()
			now := t0.Add(time.Minute)
			for range tt.crashes { // a node claims and dies; its lease ends a minute later
				if _, ok, err := f.mem.ClaimJob(ctx, "job", "dead", now, now.Add(time.Minute)); err != nil || !ok {
					t.Fatalf("claim by the dying node: %v %v", ok, err)
				}
				now = now.Add(time.Minute + time.Second)
			}
			f.clock.Set(now)
			f.tick(t)
			f.wantRuns(t, "job", tt.want)
			if n.Load() != tt.calls {
				t.Fatalf("Run called %d times, want %d", n.Load(), tt.calls)
			}
		})
	}
}

func TestRunner_Register(t *testing.T) {
	_, sh := city(t)
	ok := func(context.Context) error { return nil }
	r := &jobs.Runner{Store: jobstest.NewMem(), Node: "n1", Now: time.Now}
	if err := r.Register(jobs.Job{Name: "a", Schedule: jobs.Daily(2, 0, sh), Run: ok}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		job  jobs.Job
		kind errs.Kind
	}{
		{"no name", jobs.Job{Schedule: jobs.Every(time.Minute), Run: ok}, errs.KindInvalid},
		{"long name", jobs.Job{Name: strings.Repeat("x", 101), Schedule: jobs.Every(time.Minute), Run: ok}, errs.KindInvalid},
		{"no run", jobs.Job{Name: "b", Schedule: jobs.Every(time.Minute)}, errs.KindInvalid},
		{"no schedule", jobs.Job{Name: "b", Run: ok}, errs.KindInvalid},
		{"bad schedule", jobs.Job{Name: "b", Schedule: jobs.Every(0), Run: ok}, errs.KindInvalid},
		{"negative timeout", jobs.Job{Name: "b", Schedule: jobs.Every(time.Minute), Timeout: -1, Run: ok}, errs.KindInvalid},
		{"twice", jobs.Job{Name: "a", Schedule: jobs.Every(time.Minute), Run: ok}, errs.KindConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := r.Register(tt.job); !errs.Is(err, tt.kind) {
				t.Fatalf("Register = %v, want %v", err, tt.kind)
			}
		})
	}
	bad := &jobs.Runner{Store: jobstest.NewMem(), Now: time.Now}
	if err := bad.Tick(context.Background()); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("Tick without a node name = %v, want Invalid", err)
	}
}

// TestRunner_Status: the store's rows with the readable schedule of the
// registered jobs, and rows of jobs this node does not know.
func TestRunner_Status(t *testing.T) {
	_, sh := city(t)
	f := newFixture(t, jobs.Job{Name: "bulletin", Schedule: jobs.Monthly(1, 8, 0, sh), Run: func(context.Context) error { return nil }})
	if err := f.mem.EnsureJob(context.Background(), "elsewhere", "every 1m0s", t0, t0); err != nil {
		t.Fatal(err)
	}
	f.tick(t)
	st, err := f.r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Name != "bulletin" || st[0].Schedule != "monthly 1 08:00" || !strings.Contains(st[0].Description, "monthly on day 1") ||
		st[1].Name != "elsewhere" || st[1].Description != "" {
		t.Fatalf("status %+v", st)
	}
	if want := time.Date(2026, 4, 1, 8, 0, 0, 0, sh); !st[0].DueAt.Equal(want) {
		t.Fatalf("bulletin due %v, want %v", st[0].DueAt, want)
	}
}

// TestRunner_Run: the loop runs a due job and returns nil once its context
// ends, after the run it started has finished.
func TestRunner_Run(t *testing.T) {
	ran := make(chan struct{})
	var finished atomic.Bool
	f := newFixture(t, jobs.Job{Name: "job", Schedule: jobs.Every(time.Minute), Run: func(ctx context.Context) error {
		close(ran)
		<-ctx.Done()
		finished.Store(true)
		return nil
	}})
	f.clock.Set(t0.Add(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.r.Run(ctx) }()
	<-ran
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the job's run finished")
	}
	// The interrupted run is recorded (on a context detached from the
	// cancelled one).
	f.wantRuns(t, "job", run{due: time.Minute, attempt: 1})
}

// TestImports keeps the package's promise in doc.go: no I/O packages.
func TestImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "cityloop/internal/jobs").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{"cityloop/internal/jobs": true, "cityloop/internal/errs": true, "cityloop/internal/worktime": true}
	for _, dep := range strings.Fields(string(out)) {
		if !allowed[dep] {
			t.Errorf("jobs depends on %s; it may import only the standard library, errs and worktime", dep)
		}
	}
	out, err = exec.Command("go", "list", "-deps", "cityloop/internal/jobs").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "database/sql" || dep == "net/http" {
			t.Errorf("jobs depends on %s", dep)
		}
	}
}

// TestHold_Takeover: two runners on one store, one holds the worker's
// lease, the other takes over once the first stops renewing.
func TestHold_Takeover(t *testing.T) {
	mem := jobstest.NewMem()
	jobstest.Takeover(t, [2]jobs.Store{mem, mem})
}

// TestHold_WorkerErrorReleases: a worker that fails gives its lease up,
// with its error noted on the lease, and is started again at the next try;
// a worker may not take a scheduled job's name.
func TestHold_WorkerErrorReleases(t *testing.T) {
	mem := jobstest.NewMem()
	r := &jobs.Runner{Store: mem, Node: "n1", Now: time.Now}
	if err := r.Register(jobs.Job{Name: "sweep", Schedule: jobs.Every(time.Minute), Run: func(context.Context) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.Hold(ctx, jobs.Worker{Name: "sweep", Run: func(context.Context) error { return nil }}); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("Hold under a job's name: %v, want Conflict", err)
	}
	calls := make(chan struct{}, 8)
	hctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- r.Hold(hctx, jobs.Worker{Name: "engine", TTL: time.Second, Every: 20 * time.Millisecond, Run: func(context.Context) error {
			calls <- struct{}{}
			return errors.New("boom")
		}})
	}()
	for range 2 { // the second start needs the lease the first gave up
		select {
		case <-calls:
		case <-ctx.Done():
			t.Fatal("the worker was not started twice")
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lease *jobs.Status
	for i := range st {
		if st[i].Name == "engine" {
			lease = &st[i]
		}
	}
	if lease == nil || lease.Kind != jobs.KindLease || lease.Holder != "" || lease.LastError != "boom" || lease.LastNode != "n1" {
		t.Fatalf("lease after the failing worker: %+v, want released with its error", lease)
	}
	if err := r.Register(jobs.Job{Name: "engine", Schedule: jobs.Every(time.Minute), Run: func(context.Context) error { return nil }}); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("Register under a worker's name: %v, want Conflict", err)
	}
}
