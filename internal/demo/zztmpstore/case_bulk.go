package zztmpstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"cityloop/internal/casework"
)

// Sizes of the bulk loader: cases per transaction and rows per INSERT
// statement (each statement stays well below SQLite's 32,766 and
// PostgreSQL's 65,535 bound parameters).
const (
	bulkCasesPerTx    = 10_000
	bulkCasesPerStmt  = 200 // × 50 columns
	bulkEventsPerStmt = 500 // × 15 columns
)

// BulkCreateCases stores many cases and their events as fast as the
// database allows, for the demo generator and imports: codes are reserved
// per year in one counter update per transaction, and rows go in with
// multi-row INSERTs of a prepared statement, bulkCasesPerTx cases per
// transaction. events is nil or has one entry per case. Like CreateCase it
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
	perYear := map[int]int64{}
	var evRows [][]any
	for i, c := range cases {
		if c.ID == "" || c.ReportedAt.IsZero() {
			return fmt.Errorf("case %d has no id or no report time", i)
		}
		row, err := caseArgs(c, "", 1)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		rows[i] = row
		years[i] = c.ReportedAt.Year()
		perYear[years[i]]++
		if events != nil {
			er, err := prepareEvents(c.ID, events[i], 1)
			if err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			evRows = append(evRows, er...)
		}
	}
	// Lock counter rows in a fixed order so concurrent loaders cannot deadlock.
	ys := make([]int, 0, len(perYear))
	for y := range perYear {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	codes := make([]string, len(cases))
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		next := map[int]int64{}
		for _, y := range ys {
			var last int64
			if err := db.txQueryRow(ctx, tx, nextCodeSQL, codeCounter(y), perYear[y]).Scan(&last); err != nil {
				return fmt.Errorf("reserve case numbers: %w", db.norm(err))
			}
			next[y] = last - perYear[y] + 1
		}
		for i, row := range rows {
			codes[i] = caseCode(years[i], next[years[i]])
			next[years[i]]++
			row[1] = codes[i]
		}
		if err := db.insertMany(ctx, tx, "cases", caseCols, rows, bulkCasesPerStmt); err != nil {
			return err
		}
		return db.insertMany(ctx, tx, "case_events", eventCols, evRows, bulkEventsPerStmt)
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
	full := bulkInsertSQL(table, cols, per)
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
			_, err = tx.ExecContext(ctx, bulkInsertSQL(table, cols, len(chunk)), args...)
		}
		if err != nil {
			return fmt.Errorf("insert %s: %w", table, db.norm(err))
		}
	}
	return nil
}

// bulkInsertSQL is an INSERT of rows rows into table.
func bulkInsertSQL(table string, cols []string, rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
}
