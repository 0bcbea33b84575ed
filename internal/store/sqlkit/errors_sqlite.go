package sqlkit

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"cityloop/internal/errs"
)

// normSQLite maps SQLite result codes: constraint violations become
// Conflict, a lock held past busy_timeout becomes Unavailable. ok is false
// for anything else.
func normSQLite(err error) (k errs.Kind, msg string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0, "", false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return errs.KindConflict, msgExists, true
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errs.KindConflict, msgMissingRef, true
	}
	if retrySQLite(err) {
		return errs.KindUnavailable, msgBusy, true
	}
	return 0, "", false
}

// retrySQLite reports SQLITE_BUSY or SQLITE_LOCKED, with any extended code:
// another connection held the write lock for longer than busy_timeout.
func retrySQLite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}
