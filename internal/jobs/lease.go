package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// ErrLeaseLost is the cause ([context.Cause]) of a worker's context when
// its node lost the lease, or could not confirm it in time: another node
// may be about to take over, so the worker must stop, and must not hand
// over state it no longer owns. A worker whose context ends for any other
// cause is being stopped with its node.
var ErrLeaseLost = errors.New("jobs: the lease was lost")

// Worker is continuous work (a delivery engine, a subscription, a state
// only one node may hold) that one node at a time runs, under a named lease
// in the store; see [Runner.Hold].
type Worker struct {
	// Name is the lease's name, listed beside the jobs; it must not be a
	// scheduled job's name.
	Name string
	// TTL is how long the lease holds without a renewal (DefaultLease when
	// zero): after a node dies, another takes over within about TTL.
	TTL time.Duration
	// Every is how often the holder renews the lease and the other nodes
	// try to take it (TTL/3 when zero); it must be less than TTL/2.
	Every time.Duration
	// Holder is how this node shows as the lease's holder (the runner's
	// Node when empty); it may say more, such as how other nodes reach it.
	Holder string
	// Run does the work until ctx ends, and should return promptly then:
	// its context ends at least Every before the lease could run out, so
	// two nodes never run it at once as long as it returns within Every.
	// An error, or a return before ctx ends, gives the lease up; the node
	// tries to take it again after Every.
	Run func(ctx context.Context) error
}

func (w Worker) withDefaults() (Worker, error) {
	if w.Name == "" || len(w.Name) > maxName || !utf8.ValidString(w.Name) {
		return w, errs.Invalid("a worker needs a name of 1 to %d bytes", maxName)
	}
	if w.Run == nil {
		return w, errs.Invalid("worker %s has no Run function", w.Name)
	}
	if w.TTL < 0 || w.Every < 0 {
		return w, errs.Invalid("worker %s: TTL and Every cannot be negative", w.Name)
	}
	if w.TTL == 0 {
		w.TTL = DefaultLease
	}
	if w.Every == 0 {
		w.Every = w.TTL / 3
	}
	if w.TTL < 3*minWait || w.Every <= 0 || 2*w.Every >= w.TTL {
		return w, errs.Invalid("worker %s: Every (%s) must be less than half of TTL (%s), and TTL at least %s", w.Name, w.Every, w.TTL, 3*minWait)
	}
	return w, nil
}

// Hold runs w on this node whenever it holds w's lease, until ctx ends.
// Every w.Every it takes the lease if it is free, or renews it while w
// runs. When a renewal is refused (another node holds the lease), or no
// renewal has succeeded by one Every before the lease runs out, w's context
// ends with [ErrLeaseLost] and the node waits to take the lease again. When
// ctx ends, w's context ends too, and once w has returned the lease is
// released, so another node takes over at its next try rather than after
// the TTL. Hold returns nil when ctx ends, and an error only when w or the
// runner is not set up. The lease is listed by [Runner.Status] beside the
// jobs, with its holder and since when.
func (r *Runner) Hold(ctx context.Context, w Worker) error {
	w, err := w.withDefaults()
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	if err := r.setUp(); err != nil {
		return err
	}
	r.mu.Lock()
	_, isJob := slices.BinarySearchFunc(r.jobs, w.Name, byName)
	if !isJob {
		r.workers[w.Name] = true
	}
	r.mu.Unlock()
	if isJob {
		return errs.Conflict("worker %s has the name of a scheduled job", w.Name)
	}
	for ctx.Err() == nil {
		r.holdOnce(ctx, w)
		t := time.NewTimer(w.Every)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// holdOnce takes w's lease if it can and runs w while it keeps it.
func (r *Runner) holdOnce(ctx context.Context, w Worker) {
	holder := cmp.Or(w.Holder, r.Node)
	log := r.log().With("worker", w.Name, "node", r.Node)
	ok, err := r.TryHold(ctx, w.Name, holder, w.TTL)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("jobs: take the lease", "err", err)
		}
		return
	}
	if !ok {
		return
	}
	until := r.now().Add(w.TTL)
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan error, 1)
	go func() { done <- safeRun(runCtx, w.Run) }()
	t := time.NewTicker(w.Every)
	defer t.Stop()
	var runErr error
	finished, lost := false, false
hold:
	for {
		select {
		case runErr = <-done:
			finished = true
			break hold
		case <-ctx.Done():
			break hold
		case <-t.C:
		}
		now := r.now()
		ok, err := r.TryHold(ctx, w.Name, holder, w.TTL)
		switch {
		case err == nil && ok:
			until = now.Add(w.TTL)
		case err == nil:
			log.Warn("jobs: another node took the lease; stopping")
			lost = true
		case ctx.Err() != nil:
		case !now.Before(until.Add(-w.Every)):
			// Unsure whether the lease is still ours: stop before it could
			// run out, so two nodes never run w at once.
			log.Warn("jobs: the lease could not be renewed before it runs out; stopping", "err", err)
			lost = true
		default:
			log.Warn("jobs: renew the lease", "err", err, "lease_until", until)
		}
		if lost {
			cancel(ErrLeaseLost)
			break hold
		}
	}
	// early: w returned by itself, while its context was still live.
	early := finished && runCtx.Err() == nil
	cancel(context.Canceled)
	if !finished {
		runErr = <-done
	}
	var pe *PanicError
	switch {
	case errors.As(runErr, &pe):
		log.Error("jobs: the worker panicked", "panic", pe.Value, "stack", string(pe.Stack))
	case early && runErr != nil:
		log.Error("jobs: the worker stopped", "err", runErr)
	case early:
		log.Warn("jobs: the worker returned while holding its lease; giving it up")
	}
	lastErr := ""
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		lastErr = errorText(runErr)
	}
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer rcancel()
	if err := r.Release(rctx, w.Name, holder, lastErr); err != nil {
		log.Warn("jobs: release the lease", "err", err)
	}
}

// TryHold takes the lease called name for holder for ttl, or renews it
// when holder holds it already; it reports false when another holder's
// lease has not run out. Most callers want [Runner.Hold] alone; TryHold is
// for a part that also takes its lease on demand (the sensing owner takes
// it on a request when nobody holds it, and its Hold then finds the lease
// its own). holder is usually the runner's Node; it may say more (how
// other nodes reach it).
func (r *Runner) TryHold(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := r.setUp(); err != nil {
		return false, err
	}
	now := r.now()
	_, ok, err := r.Store.HoldLease(ctx, name, holder, ttl, now, now.Add(ttl))
	if err != nil {
		return false, fmt.Errorf("hold lease %s: %w", name, err)
	}
	return ok, nil
}

// Release gives up holder's lease called name (a stopping node does, so
// another takes over at once), noting lastErr as how the hold ended.
func (r *Runner) Release(ctx context.Context, name, holder, lastErr string) error {
	if err := r.setUp(); err != nil {
		return err
	}
	if err := r.Store.ReleaseLease(ctx, name, holder, r.now(), lastErr); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// Holder returns who holds the lease called name now; ok is false when
// nobody does.
func (r *Runner) Holder(ctx context.Context, name string) (holder string, ok bool, err error) {
	if err := r.setUp(); err != nil {
		return "", false, err
	}
	holder, ok, err = r.Store.LeaseHolder(ctx, name, r.now())
	if err != nil {
		return "", false, fmt.Errorf("read lease %s: %w", name, err)
	}
	return holder, ok, nil
}

// leaseDescription is the readable form of a lease's "lease <ttl>" spec.
func leaseDescription(spec string) string {
	ttl := spec
	if len(spec) > len("lease ") {
		ttl = spec[len("lease "):]
	}
	return fmt.Sprintf("一个节点持续运行，租约 %s / run by one node at a time, lease %s", ttl, ttl)
}

// LeaseSpec is the Schedule text a store lists for a lease of ttl.
func LeaseSpec(ttl time.Duration) string { return "lease " + ttl.String() }
