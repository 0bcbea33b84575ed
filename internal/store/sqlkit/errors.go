package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"

	"cityloop/internal/errs"
)

// Messages of the errors [Norm] returns. They are safe to show; callers
// that know better (a taken username, a lost update) say so instead.
const (
	msgNotFound    = "not found"
	msgExists      = "the record already exists"
	msgMissingRef  = "the record refers to something that does not exist"
	msgBusy        = "the database is busy; try again in a moment"
	msgUnreachable = "the database cannot be reached; try again later"
)

// Norm maps a driver error to an errs kind, by code, for both dialects (see
// errors_sqlite.go and errors_postgres.go): no rows becomes NotFound; a
// unique, primary-key or foreign-key violation becomes Conflict; a busy or
// locked database, a serialization failure, a deadlock, too many
// connections, a shutdown or a lost connection becomes Unavailable. The
// driver error stays in the chain as the cause, so [Retryable] still sees
// it. Context errors, errors that already carry a kind and anything else
// are returned as they are (anything else is an internal error).
//
// The dialect need not be given: each driver's errors have their own type.
func Norm(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return kindErr(errs.KindNotFound, msgNotFound, err)
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	if k, msg, ok := normSQLite(err); ok {
		countError(k)
		return kindErr(k, msg, err)
	}
	if k, msg, ok := normPostgres(err); ok {
		countError(k)
		return kindErr(k, msg, err)
	}
	countError(errs.KindInternal)
	return err
}

// storeErrors counts the database's errors that Norm saw, by the kind it
// gave them (absent rows and context ends are not errors of the database).
var storeErrors sync.Map // errs.Kind → *atomic.Int64

func countError(k errs.Kind) {
	n, _ := storeErrors.LoadOrStore(k, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// ErrorCounts are the errors of every store of this process that passed
// through Norm, by kind (conflict, unavailable, internal): what /metrics
// shows as store errors.
func ErrorCounts() map[string]int64 {
	out := map[string]int64{}
	storeErrors.Range(func(k, v any) bool {
		out[k.(errs.Kind).String()] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// Retryable reports an error after which the whole write transaction may be
// run again (the retry predicate for [Tx]): SQLite's write lock held past
// busy_timeout, or a PostgreSQL serialization failure, deadlock, lock
// timeout or full connection table. In each case the transaction certainly
// did not commit. A lost connection or a server shutdown is not retried: it
// may strike after COMMIT took effect. It looks through errors [Norm]
// already mapped, since they keep the driver error as their cause.
func Retryable(err error) bool {
	return retrySQLite(err) || retryPostgres(err)
}

// kindErr is an errs.Error of kind k that keeps the driver error as its cause.
func kindErr(k errs.Kind, msg string, cause error) error {
	e := errs.E(k, "%s", msg)
	e.Err = cause
	return e
}
