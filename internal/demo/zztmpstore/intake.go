package zztmpstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"cityloop/internal/errs"
)

// Group commit for intake.
//
// Reports arrive from many goroutines at once (64 concurrent HTTP clients
// and more). Committing each in its own transaction makes SQLite write every
// touched page of a dozen indexes to the WAL per case, and makes PostgreSQL
// flush the WAL per case while the year's counter row is locked. Instead,
// CreateCase encodes its rows in the caller's goroutine and queues them; a
// single writer goroutine takes whatever is queued (up to maxBatch), writes
// it in one transaction with each case in its own SAVEPOINT, commits, and
// only then answers each caller with its own result. One bad case (say a
// duplicate id) is rolled back to its savepoint and fails alone; a failed
// COMMIT fails the whole batch. Nobody hears "stored" before COMMIT returned.

const (
	// maxBatchSQLite bounds a group commit on SQLite: large enough to
	// amortise the commit, small enough that a batch takes a few ms.
	maxBatchSQLite = 256
	// maxBatchPostgres stays within the 64 subtransactions PostgreSQL
	// caches per backend; past that every snapshot in the cluster becomes
	// "suboverflowed" and slower.
	maxBatchPostgres = 64
	// batchTimeout bounds one batch so a hung database cannot hold the
	// writer forever.
	batchTimeout = 30 * time.Second
)

type intakeReq struct {
	ctx    context.Context
	year   int
	row    []any   // caseCols order; row[1], the code, is filled by the writer
	events [][]any // eventCols order
	done   chan intakeResult
}

type intakeResult struct {
	code string
	err  error
}

type batcher struct {
	db       *DB
	maxBatch int
	reqs     chan *intakeReq
	stopped  chan struct{}

	mu     sync.RWMutex // guards closed and sends on reqs
	closed bool
}

func newBatcher(db *DB) *batcher {
	b := &batcher{db: db, maxBatch: maxBatchSQLite, stopped: make(chan struct{})}
	if db.dialect == DialectPostgres {
		b.maxBatch = maxBatchPostgres
	}
	b.reqs = make(chan *intakeReq, 4*b.maxBatch)
	go b.run()
	return b
}

// submit queues r and waits for its result.
func (b *batcher) submit(ctx context.Context, r *intakeReq) (string, error) {
	r.done = make(chan intakeResult, 1)
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return "", errs.E(errs.KindUnavailable, "the store is closed")
	}
	select {
	case b.reqs <- r:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return "", ctx.Err()
	}
	select {
	case res := <-r.done:
		return res.code, res.err
	case <-ctx.Done():
		// The case may still be written: the caller gave up waiting.
		return "", ctx.Err()
	}
}

// close stops taking requests, lets the writer finish the queue and waits.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.reqs)
	}
	b.mu.Unlock()
	<-b.stopped
}

func (b *batcher) run() {
	defer close(b.stopped)
	batch := make([]*intakeReq, 0, b.maxBatch)
	results := make([]intakeResult, b.maxBatch)
	for r := range b.reqs {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < b.maxBatch {
			select {
			case r, ok := <-b.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		res := results[:len(batch)]
		b.write(batch, res)
		for i, r := range batch {
			r.done <- res[i]
			batch[i] = nil
		}
	}
}

// write stores a batch in one transaction, retrying the whole transaction
// when the database is busy.
func (b *batcher) write(batch []*intakeReq, res []intakeResult) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	err := b.db.writeTx(ctx, func(tx *sql.Tx) error {
		clear(res)
		if len(batch) == 1 {
			// Nothing to isolate: the transaction is the savepoint.
			r := batch[0]
			if err := r.ctx.Err(); err != nil {
				res[0].err = err
				return nil
			}
			code, err := b.db.insertCase(ctx, tx, r.year, r.row, r.events)
			res[0].code = code
			return err
		}
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				res[i].err = err // the caller has gone; do not write
				continue
			}
			if _, err := b.db.txExec(ctx, tx, "SAVEPOINT intake"); err != nil {
				return fmt.Errorf("savepoint: %w", b.db.norm(err))
			}
			code, err := b.db.insertCase(ctx, tx, r.year, r.row, r.events)
			if err != nil {
				res[i].err = err
				if _, rerr := b.db.txExec(ctx, tx, "ROLLBACK TO SAVEPOINT intake"); rerr != nil {
					return fmt.Errorf("rollback to savepoint: %w", b.db.norm(rerr))
				}
			} else {
				res[i].code = code
			}
			if _, err := b.db.txExec(ctx, tx, "RELEASE SAVEPOINT intake"); err != nil {
				return fmt.Errorf("release savepoint: %w", b.db.norm(err))
			}
		}
		return nil
	})
	if err != nil {
		err = b.db.norm(err)
		for i := range res {
			if res[i].err == nil || len(batch) == 1 {
				res[i] = intakeResult{err: err}
			}
		}
	}
}
