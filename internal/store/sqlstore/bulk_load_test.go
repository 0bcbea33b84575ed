package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/catalog"
	"cityloop/internal/demo"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/worktime"
)

// TestBulkCountersMatchRowByRow builds a small demo city twice, once with
// BulkCreateCases (tally triggers suspended, counts added per transaction)
// and once a case per transaction (the triggers count each row), and
// compares every case_tally and case_rollups row; then it adds the same
// cases in bulk on top of the row-by-row store, so the bulk upsert also
// meets existing rows. Both stores are checked against a recount too.
func TestBulkCountersMatchRowByRow(t *testing.T) {
	dict, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	gen := func() *demo.Memory {
		m := &demo.Memory{}
		if _, err := demo.Build(context.Background(), m, dict, cal, demo.Options{Seed: 3, Cases: 1500, Now: now, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	stores := []struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}{{"sqlite", mustOpenSQLite}}
	if os.Getenv(postgresEnv) != "" {
		stores = append(stores, struct {
			name string
			open func(testing.TB) *sqlstore.DB
		}{"postgres", mustOpenPostgres})
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			bulk, rows := st.open(t), st.open(t)
			m := gen()
			for start := 0; start < len(m.Cases); start += 400 { // several transactions
				end := min(start+400, len(m.Cases))
				if err := bulk.BulkCreateCases(ctx, m.Cases[start:end], m.Events[start:end]); err != nil {
					t.Fatal(err)
				}
			}
			m = gen()
			for i, c := range m.Cases {
				if err := rows.CreateCaseDirect(ctx, c, m.Events[i]); err != nil {
					t.Fatal(err)
				}
			}
			a, b := counterRows(t, bulk), counterRows(t, rows)
			if len(a) < 100 {
				t.Fatalf("only %d counter rows: the demo did not load", len(a))
			}
			if d := cmp.Diff(b, a); d != "" {
				t.Errorf("counters after a bulk load differ from row by row (-rows +bulk):\n%s", d)
			}
			// Bulk on top of existing rows: fresh ids, same everything else.
			m = gen()
			for _, c := range m.Cases {
				c.ID += "-2"
			}
			for i := range m.Events {
				for k := range m.Events[i] {
					m.Events[i][k].ID = ""
				}
			}
			if err := rows.BulkCreateCases(ctx, m.Cases, m.Events); err != nil {
				t.Fatal(err)
			}
			for k, n := range b {
				if k[0] == "tally" {
					b[k] = 2 * n
				}
			}
			c := counterRows(t, rows)
			for k, n := range c {
				if k[0] == "tally" && b[k] != n {
					t.Errorf("%v: %d after loading the cases twice, want %d", k, n, b[k])
				}
			}
			for _, db := range []*sqlstore.DB{bulk, rows} {
				if diff, err := db.CheckRollups(ctx); err != nil || len(diff) > 0 {
					t.Errorf("rollups differ from a recount (%v): %v", err, diff)
				}
			}
		})
	}
}

// counterRows reads case_tally (keyed "tally", dim, val, status, overdue)
// and case_rollups (keyed "rollup", key columns, measure) as counts; zero
// counts are left out, as a missing row means zero.
func counterRows(t *testing.T, db *sqlstore.DB) map[[6]string]int64 {
	t.Helper()
	out := map[[6]string]int64{}
	rows, err := db.ReadPool().Query("SELECT dim, val, status, CASE WHEN overdue THEN 1 ELSE 0 END, n FROM case_tally")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k [6]string
		var n int64
		k[0] = "tally"
		if err := rows.Scan(&k[1], &k[2], &k[3], &k[4], &n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			out[k] = n
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err = db.ReadPool().Query("SELECT * FROM case_rollups")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		key := ""
		for i, c := range cols {
			if len(c) < 2 || c[:2] != "r_" {
				key += fmt.Sprintf("%v|", vals[i])
			}
		}
		for i, c := range cols {
			if len(c) > 2 && c[:2] == "r_" {
				n, ok := vals[i].(int64)
				if !ok {
					t.Fatalf("case_rollups.%s is %T", c, vals[i])
				}
				if n != 0 {
					out[[6]string{"rollup", key, c}] = n
				}
			}
		}
	}
	return out
}
