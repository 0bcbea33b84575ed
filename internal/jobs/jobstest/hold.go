package jobstest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/jobs"
)

// down is a store whose leases fail while it is set, as a node that lost
// its database would see them.
type down struct {
	jobs.Store
	down atomic.Bool
}

var errDown = errors.New("the database does not answer")

func (d *down) HoldLease(ctx context.Context, name, holder string, ttl time.Duration, now, until time.Time) (time.Time, bool, error) {
	if d.down.Load() {
		return time.Time{}, false, errDown
	}
	return d.Store.HoldLease(ctx, name, holder, ttl, now, until)
}

func (d *down) ReleaseLease(ctx context.Context, name, holder string, now time.Time, lastErr string) error {
	if d.down.Load() {
		return errDown
	}
	return d.Store.ReleaseLease(ctx, name, holder, now, lastErr)
}

// Takeover runs [jobs.Runner.Hold] for one worker on two runners, one per
// store (the stores share one database), on a fake clock. Node a takes the
// lease and runs the worker; then its database stops answering, so it
// stops renewing: its worker is stopped with [jobs.ErrLeaseLost] before the
// lease runs out, node b takes the lease once it has, and the two never run
// the worker at once. When b stops it releases the lease. The waits end on
// events; their deadline only stops a broken runner from hanging the test.
func Takeover(t *testing.T, stores [2]jobs.Store) {
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	clock := NewClock(start)
	const ttl = 30 * time.Second
	// every is both how often the runners try (real time) and how long
	// before the lease runs out a node that cannot renew stops (clock time).
	const every = 20 * time.Millisecond
	a := &down{Store: stores[0]}
	nodes := []*jobs.Runner{
		{Store: a, Node: "node-a", Now: clock.Now},
		{Store: stores[1], Node: "node-b", Now: clock.Now},
	}
	var running, overlaps atomic.Int32
	type ended struct {
		node  string
		cause error
	}
	started, stopped := make(chan string, 4), make(chan ended, 4)
	worker := func(node string) jobs.Worker {
		return jobs.Worker{Name: "engine", TTL: ttl, Every: every, Run: func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			started <- node
			<-ctx.Done()
			running.Add(-1)
			stopped <- ended{node, context.Cause(ctx)}
			return nil
		}}
	}
	wait := func(what string) string {
		t.Helper()
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case n := <-started:
			return n
		}
		return ""
	}
	waitEnded := func(what string) ended {
		t.Helper()
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case e := <-stopped:
			return e
		}
		return ended{}
	}
	cancels := make([]context.CancelFunc, 2)
	returned := make([]chan struct{}, 2)
	for i, r := range nodes {
		var hctx context.Context
		hctx, cancels[i] = context.WithCancel(ctx)
		returned[i] = make(chan struct{})
		go func() {
			defer close(returned[i])
			if err := r.Hold(hctx, worker(r.Node)); err != nil {
				t.Error(err)
			}
		}()
		if i == 0 {
			if n := wait("node a to take the lease"); n != "node-a" {
				t.Fatalf("%v started the worker first, want node-a", n)
			}
		}
	}
	defer func() {
		for i := range nodes {
			cancels[i]()
			<-returned[i]
		}
	}()

	a.down.Store(true)
	clock.Add(ttl - every) // a cannot have renewed: it must stop now
	if e := waitEnded("node a to stop its worker"); e.node != "node-a" || !errors.Is(e.cause, jobs.ErrLeaseLost) {
		t.Fatalf("%s's worker ended with %v, want node-a's with ErrLeaseLost", e.node, e.cause)
	}
	select {
	case n := <-started:
		t.Fatalf("%s started the worker before node a's lease ran out", n)
	default:
	}
	clock.Add(every + time.Second) // the lease has run out
	if n := wait("node b to take over"); n != "node-b" {
		t.Fatalf("%v took over, want node-b", n)
	}
	st, err := nodes[1].Status(ctx)
	if err != nil || len(st) != 1 || st[0].Kind != jobs.KindLease || st[0].Holder != "node-b" || st[0].HeldSince == nil ||
		!st[0].HeldSince.After(start) || st[0].Description == "" {
		t.Fatalf("Status = %+v, %v; want the lease held by node-b since the takeover", st, err)
	}
	a.down.Store(false) // a is back, but b holds the lease

	cancels[1]()
	<-returned[1]
	if e := waitEnded("node b to stop its worker"); e.node != "node-b" || errors.Is(e.cause, jobs.ErrLeaseLost) {
		t.Fatalf("%s's worker ended with %v, want node-b's stopped with its node", e.node, e.cause)
	}
	if overlaps.Load() != 0 {
		t.Fatal("both nodes ran the worker at once")
	}
	// b released the lease as it stopped, so a takes it without waiting
	// for it to run out.
	if n := wait("node a to take the released lease"); n != "node-a" {
		t.Fatalf("%v took the released lease, want node-a", n)
	}
}
