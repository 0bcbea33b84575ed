package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

// TestIntakeBatch drives one group commit directly, on both write paths, so
// the isolation of a failing case does not depend on goroutine timing: a
// duplicate id in the middle of a batch fails alone, the others are stored
// and numbered without a gap.
func TestIntakeBatch(t *testing.T) {
	dialects := []struct {
		name string
		open func(t *testing.T) *DB
	}{{"sqlite", openTestSQLite}}
	if os.Getenv("CITYLOOP_TEST_POSTGRES_URL") != "" {
		dialects = append(dialects, struct {
			name string
			open func(t *testing.T) *DB
		}{"postgres", func(t *testing.T) *DB { return openTestPostgres(t) }})
	}
	for _, d := range dialects {
		for _, fast := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/rows=%v", d.name, fast), func(t *testing.T) {
				db := d.open(t)
				db.intake.fast = fast
				ctx := context.Background()
				at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
				mk := func(id string) *casework.Case {
					return &casework.Case{ID: id, Status: casework.StatusPendingAccept, Source: casework.SourceCitizen, ReportedAt: at, UpdatedAt: at}
				}
				if err := db.CreateCase(ctx, mk("first"), nil); err != nil {
					t.Fatal(err)
				}
				ids := []string{"a", "b", "first", "c"}
				batch := make([]*intakeReq, len(ids))
				for i, id := range ids {
					c := mk(id)
					row, err := db.caseArgs(c, "", 1)
					if err != nil {
						t.Fatal(err)
					}
					evs, err := prepareEvents(id, []casework.Event{{Action: casework.ActReport, To: c.Status, At: at}}, 1)
					if err != nil {
						t.Fatal(err)
					}
					batch[i] = &intakeReq{ctx: ctx, year: 2026, row: row, events: evs}
				}
				res := make([]intakeResult, len(batch))
				db.intake.write(batch, res)
				want := []string{"20260000002", "20260000003", "", "20260000004"}
				for i, r := range res {
					if r.code != want[i] {
						t.Errorf("item %d: code %q, want %q (err %v)", i, r.code, want[i], r.err)
					}
				}
				if !errs.Is(res[2].err, errs.KindConflict) {
					t.Errorf("duplicate item: %v, want a Conflict", res[2].err)
				}
				if n, err := db.CountCases(ctx); err != nil || n != 4 {
					t.Errorf("CountCases = %d, %v; want 4", n, err)
				}
				tl, err := db.Timeline(ctx, "first")
				if err != nil || len(tl) != 0 {
					t.Errorf("the duplicate's event landed on the first case: %v, %v", tl, err)
				}
			})
		}
	}
}

func openTestSQLite(t *testing.T) *DB {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func openTestPostgres(t testing.TB) *DB {
	base := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	schema := fmt.Sprintf("cl_test_intake_%d", time.Now().UnixNano())
	// The "pgx" driver is registered by pgx/v5/stdlib, which Open uses.
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
