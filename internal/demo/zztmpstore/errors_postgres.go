package zztmpstore

import (
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"cityloop/internal/errs"
)

// normPostgres maps SQLSTATE codes to errs kinds: integrity violations
// become Conflict; serialization failures, deadlocks, shutdowns and
// connection failures become Unavailable. Anything else is returned
// unchanged (an internal error).
func normPostgres(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return kindErr(errs.KindConflict, msgExists, err)
		case "23503": // foreign_key_violation
			return kindErr(errs.KindConflict, msgMissingRef, err)
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return kindErr(errs.KindUnavailable, msgBusy, err)
		case "53300", "57P01", "57P02", "57P03": // too_many_connections, admin_shutdown, crash_shutdown, cannot_connect_now
			return kindErr(errs.KindUnavailable, msgUnreachable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return kindErr(errs.KindUnavailable, msgUnreachable, err)
	}
	return err
}

// busyPostgres reports an error after which the whole transaction may be
// retried: a serialization failure or a deadlock.
func busyPostgres(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
