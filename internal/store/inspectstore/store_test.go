package inspectstore_test

import (
	"cityloop/internal/store/sqlkit/sqlkittest"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up

	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/store/inspectstore"
	"cityloop/internal/worktime"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// mustOpen opens and migrates a store on dsn with a keyring, closed at cleanup.
func mustOpen(t testing.TB, dsn string) *inspectstore.DB {
	t.Helper()
	db, err := inspectstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := pii.ParseKeyring("t1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(k)
	dsns.Store(db, strings.TrimPrefix(dsn, "sqlite:"))
	return db
}

func sqliteDSN(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "inspect.db") }

func postgresDSN(t *testing.T) string {
	return sqlkittest.PostgresDSN(t, "cl_inspect", "the inspection store")
}

var dialects = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return sqliteDSN(t) }},
	{"postgres", postgresDSN},
}

// service is the domain service on a store, on a fixed clock.
func service(t testing.TB, st inspect.Store, now time.Time) *inspect.Service {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var mu sync.Mutex
	return &inspect.Service{Store: st, Cal: cal, Now: func() time.Time { return now },
		NewID: func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("plan-%03d", n) }}
}

var (
	leader = org.Actor{ID: "acc-leader", Name: "领导", Grants: []org.Grant{{Post: org.PostLeader}}}
	t0     = time.Date(2026, 9, 1, 1, 30, 0, 0, time.UTC) // Tuesday 09:30 in Beijing
)

// input is a plan of n objects and m inspectors.
func input(n, m, count, per int) inspect.PlanInput {
	in := inspect.PlanInput{Name: "2026年第三季度市容抽查", Period: "2026Q3", Count: count, PerObject: per}
	for i := range n {
		in.Objects = append(in.Objects, inspect.Object{ID: fmt.Sprintf("o%04d", i), Name: fmt.Sprintf("便利店%d", i), Kind: inspect.KindVendor,
			District: []string{"玄武区", "鼓楼区"}[i%2], Address: fmt.Sprintf("珠江路%d号", i), Contact: "王小二", Phone: "13812345678"})
	}
	for i := range m {
		in.Inspectors = append(in.Inspectors, inspect.Inspector{ID: fmt.Sprintf("i%03d", i), Name: fmt.Sprintf("执法队员%d", i),
			Certificate: fmt.Sprintf("3201%06d", i), Phone: "13900001111", Excluded: []string{"秦淮区"}})
	}
	in.Conflicts = []inspect.Conflict{{Inspector: "i000", Object: "o0001", Reason: "配偶经营"}}
	return in
}

// TestContract runs the plan's whole life on each database.
func TestContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Run("life of a plan", func(t *testing.T) { t.Parallel(); testLife(t, mustOpen(t, d.dsn(t))) })
			t.Run("personal data sealed", func(t *testing.T) { t.Parallel(); testSealed(t, mustOpen(t, d.dsn(t))) })
			t.Run("concurrent commits", func(t *testing.T) { t.Parallel(); testRace(t, d.dsn(t)) })
			t.Run("tampering shows", func(t *testing.T) { t.Parallel(); testTamper(t, mustOpen(t, d.dsn(t))) })
			t.Run("listing", func(t *testing.T) { t.Parallel(); testList(t, mustOpen(t, d.dsn(t))) })
		})
	}
}

func testLife(t *testing.T, db *inspectstore.DB) {
	ctx := context.Background()
	s := service(t, db, t0)
	p, err := s.CreatePlan(ctx, leader, input(40, 8, 6, 2))
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.FindPlanByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash() != p.Hash() || got.Status != inspect.StatusDraft || got.ObjectCount != 40 || len(got.Conflicts) != 1 ||
		got.Conflicts[0].Reason != "配偶经营" || got.Objects[1].Phone != "13812345678" || !slices.Equal(got.Inspectors[0].Excluded, []string{"秦淮区"}) {
		t.Fatalf("round trip: %+v", got)
	}
	// A draft may change.
	in := input(40, 9, 6, 2)
	p, err = s.UpdatePlan(ctx, leader, p.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindPlanByID(ctx, p.ID); got.InspectorCount != 9 || len(got.Inspectors) != 9 || got.Version != 2 {
		t.Fatalf("after update: %+v", got)
	}
	// Draw before commit: 409.
	if _, err := s.Draw(ctx, leader, p.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("draw of a draft: %v", err)
	}
	p, err = s.Commit(ctx, leader, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != inspect.StatusCommitted || p.Commitment == nil || p.Commitment.PlanHash != p.Hash() || p.Draw != nil {
		t.Fatalf("committed: %+v", p)
	}
	// Frozen: no change, no second commitment.
	if _, err := s.UpdatePlan(ctx, leader, p.ID, input(40, 10, 6, 2)); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("update after commit: %v", err)
	}
	stale := *p
	stale.Version = 2
	stale.Name = "改名"
	if err := db.UpdatePlan(ctx, &stale); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("store update after commit: %v", err)
	}
	if _, err := s.Commit(ctx, leader, p.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("second commit: %v", err)
	}
	// The public sees the commitment but not the seed.
	pub, total, err := s.Public(ctx, 10, 0)
	if err != nil || total != 1 || pub[0].Commitment != p.Commitment.SeedHash || pub[0].Seed != "" || len(pub[0].Results) != 0 {
		t.Fatalf("public before the draw: %+v %d %v", pub, total, err)
	}
	if _, err := s.VerifyStored(ctx, p.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("verify before the draw: %v", err)
	}
	p, err = s.Draw(ctx, leader, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != inspect.StatusDrawn || p.Draw == nil || len(p.Draw.Assignments) != 6 {
		t.Fatalf("drawn: %+v", p)
	}
	seed, _ := hex.DecodeString(p.Draw.Seed)
	if inspect.SeedHash(seed) != p.Commitment.SeedHash {
		t.Fatal("the revealed seed is not the committed one")
	}
	if err := inspect.Verify(p, seed, p.Commitment.SeedHash, p.Draw.Result); err != nil {
		t.Fatalf("the stored draw does not verify: %v", err)
	}
	if _, err := s.Draw(ctx, leader, p.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("second draw: %v", err)
	}
	// Outcomes.
	obj := p.Draw.Assignments[3].Object.ID
	s.Now = func() time.Time { return t0.Add(48 * time.Hour) }
	o, err := s.RecordOutcome(ctx, leader, p.ID, inspect.OutcomeInput{Object: obj, Kind: inspect.OutcomeRectify, Note: "占道经营", InspectedAt: t0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordOutcome(ctx, leader, p.ID, inspect.OutcomeInput{Object: "o9999", Kind: inspect.OutcomePassed, InspectedAt: t0.Add(time.Hour)}); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("outcome of an object not drawn: %v", err)
	}
	if err := db.SaveOutcome(ctx, p.ID, inspect.Outcome{Object: "o9999", Kind: inspect.OutcomePassed}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("store outcome of an object not drawn: %v", err)
	}
	got, err = db.FindPlanByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Draw.Assignments[3]
	if a.Outcome == nil || a.Outcome.Kind != inspect.OutcomeRectify || !a.Outcome.PublishBy.Equal(o.PublishBy) || a.Outcome.RecordedBy != leader.ID ||
		!a.Outcome.PublishBy.After(t0.AddDate(0, 0, 28)) {
		t.Fatalf("outcome read back: %+v (recorded %+v)", a.Outcome, o)
	}
	rep, err := s.VerifyStored(ctx, p.ID)
	if err != nil || !rep.Match || rep.Seed != p.Draw.Seed {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	doc, err := s.PublicDocument(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := inspect.PlanFromCanonical(doc); err != nil || q.Hash() != p.Commitment.PlanHash {
		t.Fatalf("the published document does not hash to the commitment: %v", err)
	}
	if _, err := db.FindPlanByID(ctx, "nope"); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("missing plan: %v", err)
	}
}

// testSealed: phones, contacts, reasons and the unrevealed seed are not in
// the database in plain.
func testSealed(t *testing.T, db *inspectstore.DB) {
	ctx := context.Background()
	s := service(t, db, t0)
	p, err := s.CreatePlan(ctx, leader, input(10, 4, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.Commit(ctx, leader, p.ID); err != nil {
		t.Fatal(err)
	}
	seed, err := db.FindSeed(ctx, p.ID)
	if err != nil || inspect.SeedHash(seed) != p.Commitment.SeedHash {
		t.Fatalf("seed: %v", err)
	}
	for _, q := range []string{
		`SELECT contact || ' ' || phone FROM inspection_objects`,
		`SELECT phone FROM inspection_inspectors`,
		`SELECT reason FROM inspection_conflicts`,
		`SELECT seed FROM inspection_commitments`,
	} {
		rows, err := db.ReadPool().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			for _, plain := range []string{"13812345678", "13900001111", "王小二", "配偶经营", hex.EncodeToString(seed)} {
				if strings.Contains(v, plain) {
					t.Errorf("%s: %q holds %q in plain", q, v, plain)
				}
			}
			if !strings.HasPrefix(v, "v1:") && !strings.Contains(v, " v1:") {
				t.Errorf("%s: %q is not sealed", q, v)
			}
		}
		rows.Close()
	}
}

// testRace: several nodes commit and draw one plan at once; exactly one
// of each wins and the others get 409.
func testRace(t *testing.T, dsn string) {
	ctx := context.Background()
	stores := []*inspectstore.DB{mustOpen(t, dsn), mustOpen(t, dsn), mustOpen(t, dsn)}
	// One keyring for all, as the nodes of one city share it.
	k, _ := pii.ParseKeyring("t1:" + pii.NewKey())
	for _, s := range stores {
		s.SetKeyring(k)
	}
	p, err := service(t, stores[0], t0).CreatePlan(ctx, leader, input(20, 5, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"commit", "draw"} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := service(t, stores[i%len(stores)], t0)
				var err error
				if step == "commit" {
					_, err = s.Commit(ctx, leader, p.ID)
				} else {
					_, err = s.Draw(ctx, leader, p.ID)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errs.Is(err, errs.KindConflict):
					conflicts++
				default:
					t.Errorf("%s: %v", step, err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 5 {
			t.Fatalf("%s: %d won, %d conflicts; want 1 and 5", step, wins, conflicts)
		}
	}
	got, err := stores[1].FindPlanByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(got.Draw.Seed)
	if err := inspect.Verify(got, seed, got.Commitment.SeedHash, got.Draw.Result); err != nil {
		t.Fatalf("the winning draw does not verify: %v", err)
	}
}

// testTamper: a plan changed behind the store's back after its commitment
// cannot be drawn, and a result changed after the draw fails verification.
func testTamper(t *testing.T, db *inspectstore.DB) {
	ctx := context.Background()
	s := service(t, db, t0)
	exec := func(q string, args ...any) {
		t.Helper()
		w, err := sql.Open(driverOf(db), dsnOf(t, db))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := w.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.CreatePlan(ctx, leader, input(20, 5, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, leader, p.ID); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE inspection_inspectors SET name = 'x' WHERE plan_id = $1 AND id = 'i002'`, p.ID)
	if _, err := s.Draw(ctx, leader, p.ID); !errs.Is(err, errs.KindConflict) || !strings.Contains(err.Error(), "differs from the committed") {
		t.Fatalf("draw of a changed plan: %v", err)
	}
	exec(`UPDATE inspection_inspectors SET name = '执法队员2' WHERE plan_id = $1 AND id = 'i002'`, p.ID)
	if p, err = s.Draw(ctx, leader, p.ID); err != nil {
		t.Fatal(err)
	}
	// Swap the first result's inspectors for others.
	first := p.Draw.Assignments[0]
	var others []string
	for _, x := range p.Inspectors {
		if !slices.ContainsFunc(first.Inspectors, func(o inspect.Officer) bool { return o.ID == x.ID }) {
			others = append(others, fmt.Sprintf(`{"id":%q,"name":%q,"certificate":%q}`, x.ID, x.Name, x.Certificate))
		}
	}
	exec(`UPDATE inspection_results SET inspectors = $1 WHERE plan_id = $2 AND seq = 0`, "["+strings.Join(others[:2], ",")+"]", p.ID)
	rep, err := s.VerifyStored(ctx, p.ID)
	if err != nil || rep.Match || !strings.Contains(rep.Problem, "should have inspectors") {
		t.Fatalf("verify of a changed result: %+v %v", rep, err)
	}
	exec(`UPDATE inspection_draws SET seed = $1 WHERE plan_id = $2`, strings.Repeat("00", 32), p.ID)
	if rep, err := s.VerifyStored(ctx, p.ID); err != nil || rep.Match || !strings.Contains(rep.Problem, "commitment") {
		t.Fatalf("verify of a changed seed: %+v %v", rep, err)
	}
}

// dsnOf and driverOf reopen a test database outside the store, to tamper.
var dsns sync.Map // *DB → dsn

func dsnOf(t *testing.T, db *inspectstore.DB) string {
	v, ok := dsns.Load(db)
	if !ok {
		t.Fatal("no dsn recorded")
	}
	return v.(string)
}

func driverOf(db *inspectstore.DB) string {
	if db.Dialect() == inspectstore.DialectPostgres {
		return "pgx"
	}
	return "sqlite"
}

func testList(t *testing.T, db *inspectstore.DB) {
	ctx := context.Background()
	s := service(t, db, t0)
	var ids []string
	for i := range 5 {
		s.Now = func() time.Time { return t0.Add(time.Duration(i) * time.Minute) }
		p, err := s.CreatePlan(ctx, leader, input(12, 4, 2, 2))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		if i >= 2 {
			if _, err := s.Commit(ctx, leader, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		if i == 4 {
			if _, err := s.Draw(ctx, leader, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, total, err := s.FindPlans(ctx, inspect.Filter{Limit: 2})
	if err != nil || total != 5 || len(all) != 2 || all[0].ID != ids[4] || all[0].Objects != nil || all[0].ObjectCount != 12 ||
		all[0].Draw == nil || len(all[0].Draw.Assignments) != 2 {
		t.Fatalf("page 1: %d %v %+v", total, err, all)
	}
	pub, total, err := s.Public(ctx, 10, 1)
	if err != nil || total != 3 || len(pub) != 2 || pub[0].ID != ids[3] || pub[1].ID != ids[2] {
		t.Fatalf("public page 2: %d %v %+v", total, err, pub)
	}
	drafts, total, err := s.FindPlans(ctx, inspect.Filter{Statuses: []inspect.Status{inspect.StatusDraft}})
	if err != nil || total != 2 || len(drafts) != 2 || drafts[0].Commitment != nil {
		t.Fatalf("drafts: %d %v %+v", total, err, drafts)
	}
}
