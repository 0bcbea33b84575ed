package sqlstore

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"cityloop/internal/errs"
)

// normSQLite maps SQLite result codes to errs kinds: constraint violations
// become Conflict, a lock held past busy_timeout becomes Unavailable.
// Anything else is returned unchanged (an internal error).
func normSQLite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return kindErr(errs.KindConflict, msgExists, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return kindErr(errs.KindConflict, msgMissingRef, err)
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return kindErr(errs.KindUnavailable, msgBusy, err)
	}
	return err
}

// busySQLite reports SQLITE_BUSY or SQLITE_LOCKED (any extended code): the
// write lock was held by another process for longer than busy_timeout.
func busySQLite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}
