package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// The list totals in a bulk load (migration 00016). The tally triggers
// upsert seven case_tally rows per case row: in a load of thousands of
// cases per transaction that is tens of thousands of upserts for a few
// hundred distinct rows. bulkCreate therefore puts the marker row into
// case_bulk_load at the start of its transaction, which makes the triggers
// skip, adds the same counts computed here in one multi-row upsert, and
// deletes the marker before COMMIT. Nobody else ever sees the marker: on
// SQLite the transaction is the only writer, on PostgreSQL the row is never
// committed. Recounting the counters once at the end of a load instead
// (the GROUP BY backfills of migrations 00012 and 00013) was measured
// slower: the rollup recount of a 100,000-case demo took longer than
// writing its rollups batch by batch, and a load that died half-way would
// leave the counters wrong.

// tallyCols are the columns of case_tally.
var tallyCols = []string{"dim", "val", "status", "overdue", "n"}

// tallyDims are the case_tally dimensions with the case column each counts
// by ("" for the row of every case, "day" for the report day), as the
// triggers of migrations 00013 and 00016 write them.
var tallyDims = []struct{ dim, col string }{
	{"", ""}, {"district", "district"}, {"street", "street"}, {"department", "department"},
	{"category", "category"}, {"source", "source"}, {"day", "reported_at"},
}

// tallyKey is one case_tally row; val, status and overdue hold the values
// as encoded for the cases row, so they are what a trigger would read.
type tallyKey struct {
	dim, val        string
	status, overdue any
}

// tallyCounts adds up what the tally triggers would add for the case rows
// (caseCols order), sorted by key so concurrent writers lock rows in one
// order on PostgreSQL.
func tallyCounts(rows [][]any) ([][]any, error) {
	col := func(name string) int { return slices.Index(caseCols, name) }
	status, overdue := col("status"), col("overdue")
	counts := map[tallyKey]int64{}
	for _, r := range rows {
		for _, d := range tallyDims {
			k := tallyKey{dim: d.dim, status: r[status], overdue: r[overdue]}
			switch d.dim {
			case "":
			case "day":
				micros, ok := r[col(d.col)].(int64)
				if !ok {
					return nil, fmt.Errorf("tally: report time %T is not microseconds", r[col(d.col)])
				}
				// printf('%08d', reported_at / 86400000000) in the triggers
				k.val = fmt.Sprintf("%08d", micros/int64(tallyDay/time.Microsecond))
			default:
				v, ok := r[col(d.col)].(string)
				if !ok {
					return nil, fmt.Errorf("tally: %s %T is not text", d.col, r[col(d.col)])
				}
				k.val = v
			}
			counts[k]++
		}
	}
	out := make([][]any, 0, len(counts))
	for k, n := range counts {
		out = append(out, []any{k.dim, k.val, k.status, k.overdue, n})
	}
	slices.SortFunc(out, func(a, b []any) int {
		for i := range 4 {
			if c := cmp.Compare(fmt.Sprint(a[i]), fmt.Sprint(b[i])); c != 0 {
				return c
			}
		}
		return 0
	})
	return out, nil
}

// tallyUpsertSQL adds rows rows of counts to case_tally.
func (db *DB) tallyUpsertSQL(rows int) string {
	return db.bulkInsertSQL("case_tally", tallyCols, rows) +
		" ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = case_tally.n + excluded.n"
}

// tallyRowsPerStmt keeps an upsert far below the parameter limits (× 5).
const tallyRowsPerStmt = 1000

// suspendTally makes the tally triggers skip for the rest of tx; the caller
// adds the counts itself (writeTally) and calls resumeTally before COMMIT.
func (db *DB) suspendTally(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO case_bulk_load (id) VALUES (1)"); err != nil {
		return fmt.Errorf("suspend list totals: %w", db.norm(err))
	}
	return nil
}

func (db *DB) resumeTally(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM case_bulk_load"); err != nil {
		return fmt.Errorf("resume list totals: %w", db.norm(err))
	}
	return nil
}

// writeTally upserts counts (from tallyCounts) in tx.
func (db *DB) writeTally(ctx context.Context, tx *sql.Tx, counts [][]any) error {
	for start := 0; start < len(counts); start += tallyRowsPerStmt {
		chunk := counts[start:min(start+tallyRowsPerStmt, len(counts))]
		args := make([]any, 0, len(chunk)*len(tallyCols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, db.tallyUpsertSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("update list totals: %w", db.norm(err))
		}
	}
	return nil
}
