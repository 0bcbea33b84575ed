package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/errs"
)

// minWait keeps Run from spinning when a job is due but another node's
// claim is a moment from being visible.
const minWait = 250 * time.Millisecond

// finishTimeout bounds the write of a finished attempt. It runs on a
// context detached from shutdown, so an attempt that ended because the node
// is stopping is still recorded.
const finishTimeout = 10 * time.Second

// Runner claims the due runs of its registered jobs from the store and runs
// them. Several nodes may run a Runner on one database: each due time is
// claimed by one of them. Set the exported fields, then call Register
// before Run or Tick; a Runner must not be copied after first use.
type Runner struct {
	Store Store
	Node  string           // this node's name, as the store records it; unique per process
	Now   func() time.Time // time.Now in production; a fake clock in tests
	Log   *slog.Logger     // nil: discard
	// Poll is the longest Run sleeps between passes (DefaultPoll when
	// zero): it bounds how late a job registered or rescheduled by another
	// node is noticed.
	Poll time.Duration
	// Lease is how long a claim holds without a heartbeat (DefaultLease
	// when zero); a running attempt renews it every Lease/3. It is also how
	// long a due time stays stuck after its node died.
	Lease time.Duration
	// Keep is how many history rows to keep per job (DefaultKeep when zero).
	Keep int
	// OnFinish, when set, hears of every attempt this node finished (err
	// nil on success, ErrNothingDue excluded): metrics count runs and
	// failures from it. It must not block.
	OnFinish func(job string, took time.Duration, err error)

	mu      sync.Mutex
	jobs    []Job           // by name
	workers map[string]bool // the names Hold runs
	ensured map[string]bool
	running map[string]bool
	wake    chan struct{}
	// passed is when Run last finished a pass (Unix nanoseconds; 0 before
	// the first): Alive reads it for the readiness probe.
	passed atomic.Int64
}

// Register adds a job. A job with the same name as one registered before
// is a Conflict; a job without a name, Run function or valid schedule is
// Invalid.
func (r *Runner) Register(j Job) error {
	j, err := j.withDefaults()
	if err != nil {
		return fmt.Errorf("register job: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, found := slices.BinarySearchFunc(r.jobs, j.Name, byName)
	if found || r.workers[j.Name] {
		return errs.Conflict("job %s is registered twice", j.Name)
	}
	r.jobs = slices.Insert(r.jobs, i, j)
	return nil
}

// Tick makes one pass: it claims every registered job that is due and
// runs the claimed ones, concurrently, and returns when they have finished.
// Tests drive the runner with it; Run calls the same pass without waiting.
// The error joins the store errors of the pass; a job's own failure is
// recorded in its history, not returned.
func (r *Runner) Tick(ctx context.Context) error {
	var wg sync.WaitGroup
	err := r.pass(ctx, &wg)
	wg.Wait()
	return err
}

// Run makes passes until ctx ends, waking at the earliest time a job may be
// claimed, when one of its own runs finishes, or after Poll at the latest.
// On return every run it started has finished: their contexts end with
// ctx, and a run cut short that way is recorded as a failed attempt, to be
// retried after the backoff by whichever node claims it. It returns nil
// when ctx ends, and an error only when the runner is not set up.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.setUp(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if err := r.pass(ctx, &wg); err != nil && ctx.Err() == nil {
			r.log().Warn("jobs: pass failed", "node", r.Node, "err", err)
		}
		r.passed.Store(r.Now().UnixNano())
		t := time.NewTimer(r.untilNext(ctx))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-r.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Alive says whether Run is making its passes: it has passed within three
// Polls (a pass waits at most Poll for the next, plus the store's answer).
// A node whose runner stopped or hangs on the store does no scheduled work,
// which is what the readiness probe reports.
func (r *Runner) Alive(now time.Time) error {
	last := r.passed.Load()
	if last == 0 {
		return errors.New("jobs: the runner has not made a pass yet")
	}
	if ago := now.Sub(time.Unix(0, last)); ago > 3*r.poll() {
		return fmt.Errorf("jobs: the runner's last pass was %s ago", ago.Round(time.Second))
	}
	return nil
}

// Status lists every job's row in the store, with the readable schedule of
// those registered on this node, and every leased worker's lease (see
// [Runner.Hold]). Rows of jobs this node does not know (an older or newer
// version runs elsewhere) are listed too.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	st, err := r.Store.ListJobs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range st {
		if st[i].Kind == KindLease {
			st[i].Description = leaseDescription(st[i].Schedule)
			continue
		}
		for _, j := range r.jobs {
			if j.Name == st[i].Name {
				st[i].Description = cmp.Or(j.Description, j.Schedule.String())
			}
		}
	}
	return st, nil
}

// Runs lists the latest attempts of a job, newest first.
func (r *Runner) Runs(ctx context.Context, name string, limit int) ([]RunRecord, error) {
	runs, err := r.Store.ListRuns(ctx, name, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", name, err)
	}
	return runs, nil
}

// setUp checks the fields and makes the maps; it is idempotent.
func (r *Runner) setUp() error {
	if r.Store == nil || r.Node == "" || r.Now == nil {
		return errs.Invalid("a jobs runner needs a Store, a Node name and a Now clock")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wake == nil {
		r.workers = map[string]bool{}
		r.ensured = map[string]bool{}
		r.running = map[string]bool{}
		r.wake = make(chan struct{}, 1)
	}
	return nil
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// now is the clock at the store's precision (microseconds, UTC), so a time
// written and read back compares equal to the one the runner holds.
func (r *Runner) now() time.Time { return r.Now().UTC().Truncate(time.Microsecond) }

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return DefaultLease
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return DefaultPoll
}

func (r *Runner) keep() int {
	if r.Keep > 0 {
		return r.Keep
	}
	return DefaultKeep
}

// pass ensures the rows of new jobs, claims the due ones that this node is
// not already running and starts each claimed run on wg.
func (r *Runner) pass(ctx context.Context, wg *sync.WaitGroup) error {
	if err := r.setUp(); err != nil {
		return err
	}
	r.mu.Lock()
	registered := slices.Clone(r.jobs)
	r.mu.Unlock()
	var errList []error
	for _, j := range registered {
		if ctx.Err() != nil {
			break
		}
		r.mu.Lock()
		ensured, running := r.ensured[j.Name], r.running[j.Name]
		r.mu.Unlock()
		if running {
			continue
		}
		if !ensured {
			now := r.now()
			if err := r.Store.EnsureJob(ctx, j.Name, j.Schedule.Spec(), r.nextDue(j, now, now), now); err != nil {
				errList = append(errList, fmt.Errorf("ensure job %s: %w", j.Name, err))
				continue
			}
			r.mu.Lock()
			r.ensured[j.Name] = true
			r.mu.Unlock()
		}
		now := r.now()
		c, ok, err := r.Store.ClaimJob(ctx, j.Name, r.Node, now, now.Add(r.lease()))
		if err != nil {
			errList = append(errList, fmt.Errorf("claim job %s: %w", j.Name, err))
			continue
		}
		if !ok {
			continue
		}
		r.mu.Lock()
		r.running[j.Name] = true
		r.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.execute(ctx, j, c)
			r.mu.Lock()
			delete(r.running, j.Name)
			r.mu.Unlock()
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}()
	}
	return errors.Join(errList...)
}

// untilNext is how long Run may sleep: until the earliest time one of its
// idle jobs may be claimed (its next run, or the end of another node's
// lease), between minWait and Poll.
func (r *Runner) untilNext(ctx context.Context) time.Duration {
	wait := r.poll()
	st, err := r.Store.ListJobs(ctx)
	if err != nil {
		return wait
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range st {
		_, known := slices.BinarySearchFunc(r.jobs, s.Name, byName)
		if !known || r.running[s.Name] {
			continue
		}
		at := s.NextRunAt
		if s.Holder != "" && s.LeaseUntil != nil && s.LeaseUntil.After(at) {
			at = s.LeaseUntil.Add(time.Microsecond) // a lease is free once lease_until < now
		}
		wait = min(wait, at.Sub(now))
	}
	return max(wait, minWait)
}

// byName orders jobs by name for binary search.
func byName(j Job, name string) int { return strings.Compare(j.Name, name) }

// nextDue is the schedule's first due time after due that is later than
// now: missed due times (the node was down, or a run outlasted the
// interval) are skipped, not run one after another. When the schedule has
// no next time (a calendar without working days) the job is looked at
// again in a day rather than never.
func (r *Runner) nextDue(j Job, due, now time.Time) time.Time {
	n := j.Schedule.Next(due)
	if !n.IsZero() && !n.After(now) {
		n = j.Schedule.Next(now)
	}
	if n.IsZero() {
		r.log().Error("jobs: the schedule has no next due time; looking again in a day", "job", j.Name, "schedule", j.Schedule.Spec())
		return now.Add(24 * time.Hour)
	}
	return n.UTC()
}

// execute runs one claimed attempt with its timeout and heartbeat, and
// records it unless the lease was lost meanwhile.
func (r *Runner) execute(ctx context.Context, j Job, c Claim) {
	log := r.log().With("job", j.Name, "node", r.Node, "due_at", c.DueAt, "attempt", c.Attempt)
	started := r.now()
	if c.Attempt > j.MaxAttempts {
		// Attempts are counted at claim time, so this is a due time whose
		// nodes stopped mid-run (crashed, or killed by the work itself):
		// give it up instead of feeding it to one node after another.
		r.finish(ctx, log, j, c, started, started,
			fmt.Errorf("not run: %d attempts were already made at this due time and their nodes stopped before finishing", c.Attempt-1))
		return
	}
	runCtx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	var lost atomic.Bool
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		r.heartbeat(runCtx, log, c, &lost, cancel)
	}()
	err := safeRun(runCtx, j.Run)
	if err != nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("timed out after %s: %w", j.Timeout, err)
	}
	cancel()
	<-hbDone
	var pe *PanicError
	if errors.As(err, &pe) {
		log.Error("jobs: the job panicked", "panic", pe.Value, "stack", string(pe.Stack))
	}
	if lost.Load() {
		log.Warn("jobs: the lease was lost during the run (another node may run this due time again); the attempt is not recorded", "err", err)
		return
	}
	r.finish(ctx, log, j, c, started, r.now(), err)
}

// heartbeat extends c's lease every Lease/3 until ctx ends. When the store
// says the lease is gone it sets lost and cancels the run: another node may
// already be running this due time. A failed write is only logged while
// the lease it last got still holds, and the next beat tries again; once
// that lease has run out the run is cancelled as lost too, since another
// node may now claim the due time.
func (r *Runner) heartbeat(ctx context.Context, log *slog.Logger, c Claim, lost *atomic.Bool, cancel context.CancelFunc) {
	t := time.NewTicker(r.lease() / 3)
	defer t.Stop()
	until := c.LeaseUntil
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next := r.now().Add(r.lease())
		ok, err := r.Store.ExtendLease(ctx, c, next)
		switch {
		case err == nil && ok:
			until = next
		case err == nil && !ok, ctx.Err() == nil && !r.now().Before(until):
			lost.Store(true)
			cancel()
			return
		case ctx.Err() == nil:
			log.Warn("jobs: extend lease", "err", err, "lease_until", until)
		}
	}
}

// finish decides what comes after the attempt and writes it: on success,
// or when the attempts at this due time are used up, the schedule's next
// due time; otherwise a retry of the same due time after [Backoff], unless
// that retry would come after the next due time anyway.
func (r *Runner) finish(ctx context.Context, log *slog.Logger, j Job, c Claim, started, finished time.Time, runErr error) {
	o := Outcome{StartedAt: started, FinishedAt: finished, Keep: r.keep()}
	if errors.Is(runErr, ErrNothingDue) {
		o.Skip, runErr = true, nil
	}
	if r.OnFinish != nil && !o.Skip {
		r.OnFinish(j.Name, finished.Sub(started), runErr)
	}
	next := r.nextDue(j, c.DueAt, finished)
	if runErr != nil {
		o.Error = errorText(runErr)
		if retryAt := finished.Add(Backoff(c.Attempt)); c.Attempt < j.MaxAttempts && retryAt.Before(next) {
			o.NextDue, o.NextRun, o.Retry = c.DueAt, retryAt, true
		}
	}
	if !o.Retry {
		o.NextDue, o.NextRun = next, next
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	ok, err := r.Store.FinishRun(wctx, c, o)
	switch {
	case err != nil:
		// The lease stays until it expires; then this due time is claimed
		// and run again (the at-least-once case of doc.go).
		log.Error("jobs: record the finished run", "err", err, "run_err", runErr)
	case !ok:
		log.Warn("jobs: the lease was lost before the run was recorded (another node may run this due time again)", "run_err", runErr)
	case runErr != nil && o.Retry:
		log.Warn("jobs: attempt failed; will retry", "err", runErr, "retry_at", o.NextRun)
	case runErr != nil:
		log.Error("jobs: last attempt failed; waiting for the next due time", "err", runErr, "next_due", o.NextDue)
	}
}

// PanicError is a panic in a job's Run, recovered and recorded as the
// attempt's failure so one bad job cannot take the node down.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func safeRun(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}
