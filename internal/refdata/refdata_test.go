package refdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// memStore keeps regions and the edit log in memory.
type memStore struct {
	regions []org.Region
	edits   []Edit
	actors  []string
	fail    error // returned by every write when set
}

func (m *memStore) CurrentRegions(ctx context.Context) ([]org.Region, error) {
	var cur []org.Region
	for _, r := range m.regions {
		if r.ValidTo == nil {
			cur = append(cur, r)
		}
	}
	return cur, nil
}

func (m *memStore) ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error {
	if m.fail != nil {
		return m.fail
	}
	gone := map[string]bool{}
	for _, id := range plan.Supersede {
		gone[id] = true
	}
	for i := range m.regions {
		if gone[m.regions[i].ID] {
			m.regions[i].ValidTo = &at
		}
	}
	m.regions = append(m.regions, plan.Insert...)
	return nil
}

func (m *memStore) DictEdits(ctx context.Context) ([]Edit, error) { return m.edits, m.fail }

func (m *memStore) AppendDictEdit(ctx context.Context, kind, key string, body []byte, actor string, at time.Time) error {
	if m.fail != nil {
		return m.fail
	}
	m.edits = append(m.edits, Edit{Kind: kind, Key: key, Body: body})
	m.actors = append(m.actors, actor)
	return nil
}

// city is a GeoJSON city of one district, one street, one community and
// `grids` grids side by side; a grid without a parent breaks the tree.
func city(grids int, orphan bool) []byte {
	type feat struct {
		code, level, parent string
		x0, x1              float64
	}
	fs := []feat{{"3201", "city", "", 118.7, 118.8}, {"320101", "district", "3201", 118.7, 118.8},
		{"320101001", "street", "320101", 118.7, 118.8}, {"320101001001", "community", "320101001", 118.7, 118.8}}
	w := 0.1 / float64(grids)
	for i := 0; i < grids; i++ {
		parent := "320101001001"
		if orphan && i == 0 {
			parent = "320101001999"
		}
		fs = append(fs, feat{fmt.Sprintf("320101001001%02d", i+1), "grid", parent, 118.7 + float64(i)*w, 118.7 + float64(i+1)*w})
	}
	var feats []map[string]any
	for _, f := range fs {
		ring := [][]float64{{f.x0, 32.0}, {f.x1, 32.0}, {f.x1, 32.1}, {f.x0, 32.1}, {f.x0, 32.0}}
		props := map[string]any{"code": f.code, "name": f.code, "level": f.level}
		if f.parent != "" {
			props["parent"] = f.parent
		}
		feats = append(feats, map[string]any{"type": "Feature", "properties": props,
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}})
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	return b
}

func mustNew(t *testing.T, st *memStore, edits []Edit) *Service {
	t.Helper()
	base, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	s := New(st, func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		func() string { n++; return fmt.Sprintf("0000000000000-%04d", n) })
	if err := s.Load(context.Background(), base, edits); err != nil {
		t.Fatal(err)
	}
	return s
}

var admin = org.Actor{ID: "admin-1", Grants: []org.Grant{{Post: org.PostAdmin}}}

func TestService_ImportRegions(t *testing.T) {
	ctx := context.Background()
	t.Run("swaps in the new tree", func(t *testing.T) {
		st := &memStore{}
		s := mustNew(t, st, nil)
		if s.Atlas().Len() != 0 {
			t.Fatalf("empty store, atlas has %d regions", s.Atlas().Len())
		}
		plan, err := s.ImportRegions(ctx, admin, city(2, false))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Added != 6 || s.Atlas().Len() != 6 {
			t.Fatalf("added %d, atlas %d; want 6 and 6", plan.Added, s.Atlas().Len())
		}
		plan, err = s.ImportRegions(ctx, admin, city(3, false))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Added != 1 || s.Atlas().Len() != 7 {
			t.Errorf("second import: added %d (want 1), atlas %d (want 7)", plan.Added, s.Atlas().Len())
		}
		// A fresh service over the same store reads the same tree.
		if again := mustNew(t, st, nil); again.Atlas().Len() != 7 {
			t.Errorf("reloaded atlas has %d regions, want 7", again.Atlas().Len())
		}
	})
	t.Run("a broken tree changes nothing", func(t *testing.T) {
		st := &memStore{}
		s := mustNew(t, st, nil)
		if _, err := s.ImportRegions(ctx, admin, city(2, false)); err != nil {
			t.Fatal(err)
		}
		before := s.Atlas()
		_, err := s.ImportRegions(ctx, admin, city(2, true))
		if !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("orphan grid: %v, want Invalid", err)
		}
		if s.Atlas() != before || len(st.regions) != 6 {
			t.Errorf("a refused import changed the tree (%d stored regions)", len(st.regions))
		}
	})
	t.Run("a preview writes nothing", func(t *testing.T) {
		st := &memStore{}
		s := mustNew(t, st, nil)
		plan, err := s.PreviewRegions(ctx, city(2, false))
		if err != nil {
			t.Fatal(err)
		}
		if !plan.DryRun || plan.Added != 6 {
			t.Errorf("preview plan %+v; want DryRun and 6 added", plan)
		}
		if s.Atlas().Len() != 0 || len(st.regions) != 0 {
			t.Errorf("a preview changed the tree: atlas %d, stored %d", s.Atlas().Len(), len(st.regions))
		}
	})
	t.Run("a failed write keeps the old tree", func(t *testing.T) {
		st := &memStore{}
		s := mustNew(t, st, nil)
		st.fail = errors.New("disk full")
		if _, err := s.ImportRegions(ctx, admin, city(2, false)); err == nil {
			t.Fatal("import succeeded on a failing store")
		}
		if s.Atlas().Len() != 0 {
			t.Errorf("atlas swapped although the store failed: %d regions", s.Atlas().Len())
		}
	})
}

func TestService_DictionaryEdits(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	s := mustNew(t, st, nil)
	dep := catalog.Department{Code: "parks2", Name: catalog.Text{Zh: "园林二处", En: "Parks 2"}, Kind: "bureau"}
	if err := s.PutDepartment(ctx, admin, dep); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Dict().Department("parks2"); !ok || got.Name != dep.Name {
		t.Fatalf("department not swapped in: %+v", got)
	}
	sc := s.Dict().SubClasses(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))[0]
	sc.Name.Zh += "（改）"
	sc.EffectiveFrom = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	saved, err := s.PutSubClass(ctx, admin, sc)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Name.Zh != sc.Name.Zh || saved.Version < 2 {
		t.Errorf("PutSubClass saved %+v", saved)
	}
	r, err := s.PutRule(ctx, admin, catalog.Rule{Category: sc.Ref, Department: "parks2"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "r-0000000000000" {
		t.Errorf("a new rule got id %q", r.ID)
	}
	if err := s.DeleteRule(ctx, admin, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutRule(ctx, admin, catalog.Rule{ID: "r-x", Category: sc.Ref, Department: "nobody"}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("a rule for an unknown department: %v, want Invalid", err)
	}
	if err := s.DeleteRule(ctx, admin, "r-missing"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("deleting an unknown rule: %v, want NotFound", err)
	}

	var kinds []string
	for _, e := range st.edits {
		kinds = append(kinds, e.Kind+" "+e.Key)
	}
	want := []string{"department parks2", "subclass " + sc.Ref.String(), "rule r-0000000000000", "rule_delete r-0000000000000"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("stored edits (-want +got):\n%s", diff)
	}
	for _, a := range st.actors {
		if a != admin.ID {
			t.Errorf("edit recorded by %q, want %q", a, admin.ID)
		}
	}

	// Replaying the log over the built-in dictionary gives the same one.
	again := mustNew(t, &memStore{}, st.edits)
	if _, ok := again.Dict().Department("parks2"); !ok {
		t.Error("replay lost the department")
	}
	got, _ := again.Dict().Lookup(sc.Ref, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if got.Name != saved.Name || got.Version != saved.Version {
		t.Errorf("replay gives %+v, want %+v", got, saved)
	}
	if len(again.Dict().Rules()) != len(s.Dict().Rules()) {
		t.Errorf("replay has %d rules, want %d", len(again.Dict().Rules()), len(s.Dict().Rules()))
	}

	t.Run("a failed write keeps the old dictionary", func(t *testing.T) {
		before := s.Dict()
		st.fail = errors.New("disk full")
		defer func() { st.fail = nil }()
		if err := s.PutDepartment(ctx, admin, catalog.Department{Code: "parks3", Name: catalog.Text{Zh: "三", En: "3"}, Kind: "bureau"}); err == nil {
			t.Fatal("edit succeeded on a failing store")
		}
		if s.Dict() != before {
			t.Error("dictionary swapped although the store failed")
		}
	})
}

func TestService_LoadRefusesABrokenLog(t *testing.T) {
	base, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Edit{{Kind: "colour", Key: "x", Body: []byte(`{}`)}, {Kind: editDepartment, Key: "x", Body: []byte(`{`)},
		{Kind: editRuleDelete, Key: "r-never"}} {
		s := New(&memStore{}, time.Now, func() string { return "id" })
		if err := s.Load(context.Background(), base, []Edit{e}); err == nil {
			t.Errorf("Load accepted the edit %+v", e)
		}
	}
}
