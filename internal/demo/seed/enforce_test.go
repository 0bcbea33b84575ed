package seed

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/photo"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/worktime"
)

type accountList struct{ accs []*org.Account }

// memVault keeps the demo's deposited evidence as the vault would list it.
type memVault map[string][]enforce.Exhibit

func (m memVault) Deposit(_ context.Context, it evidence.Item, content []byte) (evidence.Item, error) {
	if _, kind, err := evidence.KindOf(evidence.Sniff(content)); err != nil || kind != it.Kind {
		return it, fmt.Errorf("content of %s is not a %s", it.ID, it.Kind)
	}
	if it.Kind == evidence.Photo { // the vault re-encodes photos: they must decode
		if _, _, err := photo.Sanitize(content, "image/png"); err != nil {
			return it, err
		}
	}
	m[it.CaseID] = append(m[it.CaseID], enforce.Exhibit{ID: it.ID, Media: enforce.Media(it.Kind)})
	return it, nil
}

func (a *accountList) CreateAccount(ctx context.Context, acc *org.Account) error {
	a.accs = append(a.accs, acc)
	return nil
}

func runEnforcement(t *testing.T, n int) (*EnforceInfo, *enforcestore.DB, *accountList, memVault) {
	t.Helper()
	db, err := enforcestore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	sq := func(x float64) geo.MultiPolygon {
		return geo.MultiPolygon{{{{Lng: x, Lat: 32}, {Lng: x + 0.1, Lat: 32}, {Lng: x + 0.1, Lat: 32.1}, {Lng: x, Lat: 32.1}, {Lng: x, Lat: 32}}}}
	}
	atlas, err := org.NewAtlas([]org.Region{{Code: "3201", Level: org.LevelCity, Shape: sq(118.7)},
		{Code: "320101", Level: org.LevelDistrict, Parent: "3201", Shape: sq(118.7)}, {Code: "320102", Level: org.LevelDistrict, Parent: "3201", Shape: sq(118.8)}})
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := worktime.Default()
	rb, _ := enforce.Default()
	accs, vault := &accountList{}, memVault{}
	info, err := Enforcement(context.Background(), accs, db, atlas, cal, rb, enforce.DefaultPolicy(), EnforceOptions{Seed: 7, Cases: n,
		Now: time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC), PasswordHash: "x", Leader: org.Actor{ID: "leader", Name: "领导", Grants: []org.Grant{{Post: org.PostLeader}}}, Vault: vault})
	if err != nil {
		t.Fatal(err)
	}
	return info, db, accs, vault
}

// TestEnforcement_EveryState: the demo's penalty cases cover every state,
// come out the same for the same seed, and every decided one has every
// record the law requires.
func TestEnforcement_EveryState(t *testing.T) {
	info, db, accs, vault := runEnforcement(t, 2*len(scenarios))
	for st := range enforce.StatusNames {
		if info.ByStatus[st] == 0 {
			t.Errorf("no demo case is %s (%s): %v", st, st.Zh(), info.ByStatus)
		}
	}
	names := map[string]bool{}
	for _, a := range accs.accs {
		names[a.Username] = true
	}
	for _, u := range []string{"enforcer", "enforcer_320101", "enforcer_320102", "legalreviewer", "director"} {
		if !names[u] {
			t.Errorf("no demo account %s", u)
		}
	}
	ctx := context.Background()
	decided, err := db.FindDecided(ctx, nil, time.Time{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var recs []enforce.DecisionRecord
	for _, c := range decided {
		r, _ := enforce.RecordOf(*c, vault[c.ID])
		recs = append(recs, r)
	}
	fig := enforce.Measure(recs)
	if fig.Completeness.Value != 1 || fig.ExemptionRate.Numerator == 0 || fig.FlexibleShare.Numerator == 0 {
		t.Fatalf("figures %+v", fig)
	}
	if _, total, _ := db.FindDisclosures(ctx, enforce.DisclosureQuery{}); total == 0 {
		t.Fatal("nothing published")
	}
	if _, red, _ := db.FindCases(ctx, enforce.Filter{Light: worktime.Red}); red == 0 {
		t.Fatal("no overdue clock among the demo cases")
	}
	again, _, _, _ := runEnforcement(t, 2*len(scenarios))
	for st, n := range info.ByStatus {
		if again.ByStatus[st] != n {
			t.Fatalf("not deterministic: %v vs %v", info.ByStatus, again.ByStatus)
		}
	}
	t.Logf("%d cases in %s: %v", info.Cases, info.Duration, info.ByStatus)
}

// BenchmarkEnforcementDemo measures the demo's enforcement part at its
// largest (400 penalty cases, the default demo city's share):
//
//	go test ./internal/demo/seed/ -run XXX -bench EnforcementDemo -benchtime 1x
func BenchmarkEnforcementDemo(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		db, err := enforcestore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "e.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		atlas, _ := org.NewAtlas([]org.Region{{Code: "3201", Level: org.LevelCity}, {Code: "320101", Level: org.LevelDistrict, Parent: "3201"},
			{Code: "320102", Level: org.LevelDistrict, Parent: "3201"}, {Code: "320103", Level: org.LevelDistrict, Parent: "3201"}})
		cal, _ := worktime.Default()
		rb, _ := enforce.Default()
		b.StartTimer()
		info, err := Enforcement(context.Background(), &accountList{}, db, atlas, cal, rb, enforce.DefaultPolicy(), EnforceOptions{Seed: 1, Cases: 400,
			Now: time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC), PasswordHash: "x", Leader: org.Actor{ID: "leader", Grants: []org.Grant{{Post: org.PostLeader}}}})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(info.Cases), "cases")
		db.Close()
	}
}

func TestDemoID_IsUUIDShaped(t *testing.T) {
	for _, name := range []string{"account:enforcer", "penalty:0", "penalty:399"} {
		id := demoID(1, name)
		if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[14] != '7' || id[18] != '-' || id[19] != '8' || id[23] != '-' {
			t.Errorf("demoID(%s) = %q", name, id)
		}
		if demoID(1, name) != id || demoID(2, name) == id {
			t.Errorf("demoID(%s) is not a function of seed and name", name)
		}
	}
}
