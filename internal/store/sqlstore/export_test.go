package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"

	"cityloop/internal/casework"
	"cityloop/internal/rollup"
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

// WritePool exposes the write pool for fixtures built in SQL.
func (db *DB) WritePool() *sql.DB { return db.w }

// SetFastIntake switches the multi-row fast path of group commit.
func (db *DB) SetFastIntake(on bool) { db.intake.fast = on }

// CreateCaseDirect is CreateCase without group commit: a transaction of
// its own in the caller's goroutine, for comparison in benchmarks.
func (db *DB) CreateCaseDirect(ctx context.Context, c *casework.Case, events []casework.Event) error {
	row, err := db.caseArgs(c, "", 1)
	if err != nil {
		return err
	}
	evs, err := prepareEvents(c.ID, events, 1)
	if err != nil {
		return err
	}
	res := make([]intakeResult, 1)
	db.intake.writeItems(ctx, []*intakeReq{{ctx: ctx, year: c.ReportedAt.Year(), row: row, events: evs, rollup: rollup.Delta(nil, c)}}, []int{0}, res)
	c.Code, c.Version = res[0].code, 1
	return res[0].err
}
