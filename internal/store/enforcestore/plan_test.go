package enforcestore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlans_SweepAndStartUpUseTheirIndexes: on SQLite, the clock sweep's
// query reads the next_due index and the start-up indexing of earlier
// publications the partial index of unindexed ones, not the tables.
func TestPlans_SweepAndStartUpUseTheirIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, query, index string }{
		{"clock sweep", `SELECT id, next_due FROM enforce_cases WHERE next_due IS NOT NULL AND next_due <= 5
AND (next_due > -1 OR (next_due = -1 AND id > '')) ORDER BY next_due, id LIMIT 10`, "enforce_cases_next_due"},
		{"start-up indexing", `SELECT case_id, number, code, violation, violation_name, party_label, district, decided_at
FROM enforce_disclosures WHERE state = 'published' AND indexed = 0 LIMIT 500`, "enforce_disclosures_unindexed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+tc.query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if p := strings.Join(plan, "; "); !strings.Contains(p, tc.index) || strings.Contains(p, "SCAN") {
				t.Fatalf("plan %q does not read %s", p, tc.index)
			}
		})
	}
}
