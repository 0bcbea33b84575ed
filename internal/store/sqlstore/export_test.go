package sqlstore

import (
	"database/sql"
	"io/fs"
)

// Hooks for the external tests in package sqlstore_test (which cannot be
// in package sqlstore: they import storetest, which imports sqlstore).

// MigrationFiles lists the embedded migration file names of a dialect.
func MigrationFiles(dialect string) ([]string, error) {
	fsys, err := migrations(dialect)
	if err != nil {
		return nil, err
	}
	return fs.Glob(fsys, "*.sql")
}

// ReadPool exposes the read pool for schema inspection.
func (db *DB) ReadPool() *sql.DB { return db.r }

// SetMaxBatch changes the group-commit batch size; 1 means one
// transaction per case.
func (db *DB) SetMaxBatch(n int) { db.intake.maxBatch = n }

// SetFastIntake switches the multi-row fast path of group commit.
func (db *DB) SetFastIntake(on bool) { db.intake.fast = on }
