package caseindex

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/share"
)

// Changes is the hub's outbox of changes, in order: one node's feeder
// copies every case event into it, and every node tails it.
type Changes interface {
	LastPos(ctx context.Context) (int64, error)
	ChangesAfter(ctx context.Context, pos int64, limit int) ([]share.Change, error)
}

// Follower keeps an index current with what other nodes write: it builds
// the index (retrying until the store answers), then reads the change feed
// every Every and re-reads the cases it names. Its own node's writes come
// round too and are put again, which changes nothing.
type Follower struct {
	Index   *Index
	Changes Changes
	Every   time.Duration // default 1 s
	Log     *slog.Logger

	pos int64
}

// Start makes an index over src and runs its Follower in a goroutine from
// now on, rather than from the node's Run, so that tests and benchmarks
// serving the handler without running the node use it too; until the
// build is done the searches go to src. changes may be nil: the index then
// hears only of this node's writes. stop ends the goroutine and waits for
// it; call it before the store closes.
func Start(src Source, changes Changes, now func() time.Time, log *slog.Logger) (ix *Index, stop func() error) {
	ix = New(src, now, 0)
	if log != nil {
		log = log.With("part", "caseindex")
	}
	f := &Follower{Index: ix, Changes: changes, Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	return ix, func() error {
		cancel()
		<-done
		return nil
	}
}

// feedBatch is how many changes one read of the feed takes.
const feedBatch = 1000

// Run builds the index if it is not built yet and follows the feed until
// ctx ends. The feed's position is taken before the build, so a change
// made during the scan is read again.
func (f *Follower) Run(ctx context.Context) error {
	if f.Every <= 0 {
		f.Every = time.Second
	}
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	for {
		var pos int64
		var err error
		if f.Changes != nil {
			pos, err = f.Changes.LastPos(ctx)
		}
		if err == nil {
			f.pos = pos
			if f.Index.Ready() {
				break
			}
			if err = f.Index.Build(ctx); err == nil {
				break
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("duplicate index: not built yet; duplicate searches use the database", "err", err)
		if !sleep(ctx, 30*time.Second) {
			return nil
		}
	}
	lastPrune := time.Now()
	for sleep(ctx, f.Every) {
		if f.Changes == nil {
			// only this node's writes reach the index
		} else if _, err := f.Step(ctx); err != nil && ctx.Err() == nil {
			log.Warn("duplicate index: reading the change feed failed; will retry", "err", err)
		}
		if time.Since(lastPrune) > 10*time.Minute {
			f.Index.Prune()
			lastPrune = time.Now()
		}
	}
	return nil
}

// Step reads what the feed has after the last position it read, puts the
// current state of the cases it names, and returns how many cases it
// re-read.
func (f *Follower) Step(ctx context.Context) (int, error) {
	n := 0
	for {
		changes, err := f.Changes.ChangesAfter(ctx, f.pos, feedBatch)
		if err != nil {
			return n, fmt.Errorf("duplicate index: read the change feed after %d: %w", f.pos, err)
		}
		seen := map[string]bool{}
		var ids []string
		for _, c := range changes {
			if c.CaseID != "" && !seen[c.CaseID] {
				seen[c.CaseID] = true
				ids = append(ids, c.CaseID)
			}
		}
		if len(ids) > 0 {
			cases, err := f.Index.src.IndexedCases(ctx, ids)
			if err != nil {
				return n, fmt.Errorf("duplicate index: re-read %d changed cases: %w", len(ids), err)
			}
			for _, c := range cases {
				f.Index.Stored(c)
			}
			n += len(cases)
		}
		if len(changes) > 0 {
			f.pos = changes[len(changes)-1].Pos
		}
		if len(changes) < feedBatch {
			return n, nil
		}
	}
}

// sleep waits d or until ctx ends, and reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
