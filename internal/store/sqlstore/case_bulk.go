package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityloop/internal/casework"
	"cityloop/internal/rollup"
	"cityloop/internal/store/sqlkit"
)

// Sizes of the bulk loader: cases per transaction and rows per INSERT
// statement (each statement stays well below SQLite's 32,766 and
// PostgreSQL's 65,535 bound parameters).
const (
	bulkCasesPerTx    = 10_000
	bulkCasesPerStmt  = 200 // × 52 columns
	bulkEventsPerStmt = 500 // × 15 columns
)

// BulkCreateCases stores many cases and their events as fast as the
// database allows, for the demo generator and imports: codes are reserved
// per year in one counter update per transaction, and rows go in with
// multi-row INSERTs of a prepared statement, bulkCasesPerTx cases per
// transaction; the list totals and rollups are added once per transaction
// (see bulk_load.go), not per row. events is nil or has one entry per case. Like CreateCase it
// sets each case's Code and Version (1) and each event's CaseID, Seq and ID
// (when empty). Codes follow the order of cases.
//
// A failure leaves the transactions before it committed: the error says
// which range of cases was not stored.
func (db *DB) BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error {
	if events != nil && len(events) != len(cases) {
		return fmt.Errorf("bulk create cases: %d cases but %d event lists", len(cases), len(events))
	}
	for start := 0; start < len(cases); start += bulkCasesPerTx {
		end := min(start+bulkCasesPerTx, len(cases))
		var evs [][]casework.Event
		if events != nil {
			evs = events[start:end]
		}
		if err := db.bulkCreate(ctx, cases[start:end], evs); err != nil {
			return fmt.Errorf("bulk create cases %d to %d of %d: %w", start+1, end, len(cases), err)
		}
	}
	return nil
}

func (db *DB) bulkCreate(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error {
	// Encode everything before taking the write lock.
	rows := make([][]any, len(cases))
	years := make([]int, len(cases))
	var evRows [][]any
	var sums rollup.Batch
	for i, c := range cases {
		sums.Add(nil, c)
		if c.ID == "" || c.ReportedAt.IsZero() {
			return fmt.Errorf("case %d has no id or no report time", i)
		}
		row, err := db.caseArgs(c, "", 1)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		rows[i] = row
		years[i] = c.ReportedAt.Year()
		if events != nil {
			er, err := prepareEvents(c.ID, events[i], 1)
			if err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			evRows = append(evRows, er...)
		}
	}
	entries := sums.Entries()
	tally, err := tallyCounts(rows)
	if err != nil {
		return err
	}
	codes := make([]string, len(cases))
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		book, err := db.openCodes(ctx, tx, years)
		if err != nil {
			return err
		}
		if err := db.suspendTally(ctx, tx); err != nil {
			return err
		}
		for i, row := range rows {
			code, n := book.peek(years[i])
			book.take(years[i], n)
			codes[i], row[1] = code, code
		}
		if err := book.save(ctx, db, tx); err != nil {
			return err
		}
		if err := db.insertMany(ctx, tx, "cases", caseCols, rows, bulkCasesPerStmt); err != nil {
			return err
		}
		if err := db.insertMany(ctx, tx, "case_events", eventCols, evRows, bulkEventsPerStmt); err != nil {
			return err
		}
		if err := db.writeTally(ctx, tx, tally); err != nil {
			return err
		}
		if err := db.resumeTally(ctx, tx); err != nil {
			return err
		}
		return db.writeRollups(ctx, tx, entries)
	})
	if err != nil {
		return err
	}
	for i, c := range cases {
		c.Code, c.Version = codes[i], 1
	}
	return nil
}

// insertMany inserts rows with statements of per rows each; the full-size
// statement is prepared once, the last partial one runs unprepared.
func (db *DB) insertMany(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, per int) error {
	full := db.bulkInsertSQL(table, cols, per)
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		var err error
		if len(chunk) == per {
			_, err = db.txExec(ctx, tx, full, args...)
		} else {
			_, err = tx.ExecContext(ctx, db.bulkInsertSQL(table, cols, len(chunk)), args...)
		}
		if err != nil {
			return fmt.Errorf("insert %s: %w", table, db.norm(err))
		}
	}
	return nil
}

// bulkInsertSQL is an INSERT of rows rows into table. SQLite gets
// anonymous "?" parameters: its parser looks every "$N" up in a list, which
// is quadratic in their number and takes most of a second for the
// 10,000-parameter statements here; "?" are numbered in order for free.
func (db *DB) bulkInsertSQL(table string, cols []string, rows int) string {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	if db.dialect != DialectSQLite {
		return head + sqlkit.Placeholders(rows, len(cols), 1)
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}
