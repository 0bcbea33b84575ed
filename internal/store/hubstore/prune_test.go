package hubstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/hub"
	"cityloop/internal/share"
	"cityloop/internal/store/hubstore"
)

var dialects = []string{hubstore.DialectSQLite, hubstore.DialectPostgres}

// mustOpenStore opens a migrated hub store on a temporary SQLite file or a
// fresh PostgreSQL schema (skipped without CITYLOOP_TEST_POSTGRES_URL).
func mustOpenStore(t *testing.T, dialect string) *hubstore.DB {
	t.Helper()
	db, _ := mustOpenStoreAt(t, dialect)
	return db
}

// mustOpenStoreAt is mustOpenStore that also returns the SQLite file ("" on
// PostgreSQL).
func mustOpenStoreAt(t *testing.T, dialect string) (*hubstore.DB, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	dsn := "sqlite:" + path
	if dialect == hubstore.DialectPostgres {
		path = ""
		base := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("CITYLOOP_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run")
		}
		dsn = freshSchema(t, base)
	}
	db, err := hubstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// outbox appends n changes (event ids prefix-1…n); changedAt gives each one's time.
func outbox(t *testing.T, db *hubstore.DB, prefix string, n int, changedAt func(i int) time.Time) {
	t.Helper()
	changes := make([]share.Change, n)
	for i := range changes {
		at := changedAt(i + 1)
		changes[i] = share.Change{EventID: fmt.Sprintf("%s-%03d", prefix, i+1), Dataset: "cases", Kind: "case.report", ChangedAt: at, FedAt: at,
			Payload: []byte(`{"id":"x"}`)}
	}
	if _, err := db.AppendChanges(context.Background(), changes, "w"); err != nil {
		t.Fatal(err)
	}
}

func positions(t *testing.T, db *hubstore.DB) []int64 {
	t.Helper()
	list, err := db.ChangesAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, c := range list {
		out = append(out, c.Pos)
	}
	return out
}

func span(from, to int64) []int64 {
	out := []int64{}
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

type subAt struct {
	id     string
	cursor int64
	active bool
}

type deadAt struct {
	sub         string
	first, last int64
	replayed    bool
}

// TestPruneChanges: which outbox changes retention removes, and which it
// keeps (undelivered, dead-lettered, recent, the newest).
func TestPruneChanges(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cutoff := now.AddDate(0, 0, -90)
	old, recent := now.AddDate(0, 0, -100), now.AddDate(0, 0, -1)
	oldUpTo := func(n int) func(int) time.Time {
		return func(pos int) time.Time {
			if pos <= n {
				return old
			}
			return recent
		}
	}
	tests := []struct {
		name    string
		changed func(pos int) time.Time // of positions 1…10
		subs    []subAt
		dead    []deadAt
		batch   int
		want    []int64 // positions kept
		through int64
	}{
		{name: "no subscription: old ones go, recent stay", changed: oldUpTo(8), want: span(9, 10), through: 8},
		{name: "everything old and delivered: the newest stays", changed: oldUpTo(10),
			subs: []subAt{{"a", 10, true}}, want: span(10, 10), through: 9},
		{name: "all recent: nothing goes", changed: oldUpTo(0), subs: []subAt{{"a", 10, true}}, want: span(1, 10)},
		{name: "a subscriber behind keeps its changes", changed: oldUpTo(8),
			subs: []subAt{{"a", 10, true}, {"b", 3, true}}, want: span(4, 10), through: 3},
		{name: "an inactive subscription holds too", changed: oldUpTo(8),
			subs: []subAt{{"a", 10, true}, {"b", 5, false}}, want: span(6, 10), through: 5},
		{name: "undelivered: a new subscription from position 0", changed: oldUpTo(8),
			subs: []subAt{{"a", 0, true}}, want: span(1, 10)},
		{name: "an open dead letter keeps its changes", changed: oldUpTo(8),
			subs: []subAt{{"a", 10, true}}, dead: []deadAt{{"a", 4, 6, false}}, want: span(4, 10), through: 3},
		{name: "a replayed dead letter does not", changed: oldUpTo(8),
			subs: []subAt{{"a", 10, true}}, dead: []deadAt{{"a", 4, 6, true}}, want: span(9, 10), through: 8},
		{name: "nor one of a deleted subscription (it cannot be replayed)", changed: oldUpTo(8),
			subs: []subAt{{"a", 10, true}}, dead: []deadAt{{"gone", 2, 2, false}}, want: span(9, 10), through: 8},
		{name: "the first recent change stops the prefix", changed: func(pos int) time.Time {
			if pos == 5 {
				return recent
			}
			return old
		}, subs: []subAt{{"a", 10, true}}, want: span(5, 10), through: 4},
		{name: "small batches get as far", changed: oldUpTo(8), subs: []subAt{{"a", 10, true}}, batch: 3, want: span(9, 10), through: 8},
	}
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					ctx := context.Background()
					db := mustOpenStore(t, dialect)
					outbox(t, db, "ev", 10, tc.changed)
					for _, s := range tc.subs {
						sub := &share.Subscription{ID: s.id, Name: s.id, Department: "d", Kind: share.KindWebhook, URL: "http://127.0.0.1:1/",
							Secret: "s", MaxBatch: 10, Active: s.active, Cursor: s.cursor, CreatedAt: now, UpdatedAt: now}
						if err := db.CreateSubscription(ctx, sub); err != nil {
							t.Fatal(err)
						}
					}
					for i, d := range tc.dead {
						dl := share.DeadLetter{ID: fmt.Sprintf("dl-%d", i), SubscriptionID: d.sub, FirstPos: d.first, LastPos: d.last,
							Events: int(d.last - d.first + 1), Attempts: 8, CreatedAt: recent}
						if d.replayed {
							dl.ReplayedAt = &recent
						}
						if err := db.AddDeadLetter(ctx, dl); err != nil {
							t.Fatal(err)
						}
					}
					batch := tc.batch
					if batch == 0 {
						batch = 1000
					}
					total := 0
					for {
						n, err := db.PruneChanges(ctx, cutoff, batch)
						if err != nil {
							t.Fatal(err)
						}
						total += n
						if n < batch {
							break
						}
					}
					if diff := cmp.Diff(tc.want, positions(t, db)); diff != "" {
						t.Errorf("kept positions (-want +got):\n%s", diff)
					}
					if total != 10-len(tc.want) {
						t.Errorf("reported %d pruned, want %d", total, 10-len(tc.want))
					}
					through, err := db.PrunedThrough(ctx)
					if err != nil || through != tc.through {
						t.Errorf("PrunedThrough = %d, %v; want %d", through, err, tc.through)
					}
					// Numbering goes on from the newest change, never reusing a position.
					outbox(t, db, "next", 1, func(int) time.Time { return now })
					if last, err := db.LastPos(ctx); err != nil || last != 11 {
						t.Errorf("next position %d, %v; want 11", last, err)
					}
				})
			}
		})
	}
}

// TestPruneDeadLetters: replayed ones go with the changes' retention after
// their replay, open ones only after the longer dead-letter retention.
func TestPruneDeadLetters(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	letters := []struct {
		id       string
		created  time.Time
		replayed *time.Time
		stays    bool
	}{
		{"open-recent", ago(10), nil, true},
		{"open-200-days", ago(200), nil, true},
		{"open-400-days", ago(400), nil, false},
		{"replayed-recently", ago(300), ptr(ago(30)), true},
		{"replayed-long-ago", ago(300), ptr(ago(100)), false},
	}
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpenStore(t, dialect)
			var want []string
			for _, l := range letters {
				if err := db.AddDeadLetter(ctx, share.DeadLetter{ID: l.id, SubscriptionID: "s", FirstPos: 1, LastPos: 1, Events: 1,
					Attempts: 8, CreatedAt: l.created, ReplayedAt: l.replayed}); err != nil {
					t.Fatal(err)
				}
				if l.stays {
					want = append(want, l.id)
				}
			}
			for {
				n, err := db.PruneDeadLetters(ctx, ago(90), ago(365), 1)
				if err != nil {
					t.Fatal(err)
				}
				if n < 1 {
					break
				}
			}
			list, err := db.FindDeadLetters(ctx, "", true)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range list {
				got = append(got, d.ID)
			}
			slices.Sort(got)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dead letters kept (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRollUpDeliveries_FiguresUnchanged prunes old deliveries into the
// hourly roll-up and checks that the figures of every window on whole hours
// are what they were from the rows.
func TestRollUpDeliveries_FiguresUnchanged(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	start := now.AddDate(0, 0, -120)
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpenStore(t, dialect)
			if err := hub.EnsureBuiltins(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			// 600 deliveries over 120 days to three departments, with delays
			// from 40 ms to a few minutes, many sharing a millisecond.
			var ds []share.Delivery
			depts := []string{"police", "water", "hotline"}
			for i := 0; i < 600; i++ {
				p50 := time.Duration(40+(i*7919)%5000)*time.Millisecond + time.Duration((i*389)%1000)*time.Microsecond
				if i%50 == 0 {
					p50 += 3 * time.Minute
				}
				ds = append(ds, share.Delivery{ID: fmt.Sprintf("d-%d", i), SubscriptionID: "s", Department: depts[i%3],
					FirstPos: int64(i), LastPos: int64(i), Events: 1 + i%40, Attempts: 1, HTTPStatus: 204, DelayP50: p50,
					DelayMax: p50 + time.Duration(i%13)*time.Second, Checks: i % 3, DeliveredAt: start.Add(time.Duration(i) * 4 * time.Hour).Add(time.Duration(i%59) * time.Minute)})
			}
			if err := db.SaveProgress(ctx, nil, ds); err != nil {
				t.Fatal(err)
			}
			depts2 := map[string]string{"police": "公安", "water": "水务"}
			windows := [][2]time.Time{
				{start.Add(-time.Hour), now},                           // everything
				{start.AddDate(0, 0, 10), start.AddDate(0, 0, 40)},     // rolled up only
				{now.AddDate(0, 0, -100), now.AddDate(0, 0, -80)},      // across the cut
				{now.AddDate(0, 0, -7).Truncate(time.Hour), now},       // the default week, rows only
				{start.Add(17 * time.Hour), start.Add(17 * time.Hour)}, // empty
			}
			before := make([]hub.Figures, len(windows))
			for i, w := range windows {
				f, err := hub.ComputeFigures(ctx, db, depts2, w[0], w[1])
				if err != nil {
					t.Fatal(err)
				}
				before[i] = f
			}
			cut := now.AddDate(0, 0, -90).Truncate(time.Hour)
			rolled := 0
			for {
				n, err := db.RollUpDeliveries(ctx, cut, 64)
				if err != nil {
					t.Fatal(err)
				}
				rolled += n
				if n < 64 {
					break
				}
			}
			wantRolled := 0
			for _, d := range ds {
				if d.DeliveredAt.Before(cut) {
					wantRolled++
				}
			}
			if rolled != wantRolled || rolled == 0 {
				t.Fatalf("rolled up %d deliveries, want %d", rolled, wantRolled)
			}
			var left int
			if err := db.ReadPool().QueryRowContext(ctx, `SELECT COUNT(*) FROM hub_deliveries`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != len(ds)-wantRolled {
				t.Fatalf("%d delivery rows left, want %d", left, len(ds)-wantRolled)
			}
			for i, w := range windows {
				after, err := hub.ComputeFigures(ctx, db, depts2, w[0], w[1])
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(before[i], after); diff != "" {
					t.Errorf("figures of %s – %s changed (-before +after):\n%s", w[0], w[1], diff)
				}
			}
		})
	}
}
