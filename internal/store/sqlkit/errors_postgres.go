package sqlkit

import (
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"cityloop/internal/errs"
)

// normPostgres maps SQLSTATE codes: integrity violations become Conflict;
// serialization failures, deadlocks, lock timeouts, a full connection
// table, shutdowns and connection failures become Unavailable. ok is false
// for anything else.
func normPostgres(err error) (k errs.Kind, msg string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return errs.KindConflict, msgExists, true
		case "23503": // foreign_key_violation
			return errs.KindConflict, msgMissingRef, true
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return errs.KindUnavailable, msgBusy, true
		case "53300", "57P01", "57P02", "57P03": // too_many_connections, admin_shutdown, crash_shutdown, cannot_connect_now
			return errs.KindUnavailable, msgUnreachable, true
		}
		return 0, "", false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return errs.KindUnavailable, msgUnreachable, true
	}
	return 0, "", false
}

// retryPostgres reports a serialization failure, a deadlock, a lock
// timeout or a full connection table: the transaction was rolled back (or
// never began) and may succeed a moment later.
func retryPostgres(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01", "55P03", "53300":
		return true
	}
	return false
}
