package sqlkit

import (
	"context"
	"database/sql"
	"errors"

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
		return kindErr(k, msg, err)
	}
	if k, msg, ok := normPostgres(err); ok {
		return kindErr(k, msg, err)
	}
	return err
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
