package catalog

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

func testDepartments() []Department {
	return []Department{
		{Code: "water", Name: Text{Zh: "自来水公司"}, Kind: "utility"},
		{Code: "enforcement", Name: Text{Zh: "城管执法局"}, Kind: "enforcement"},
		{Code: "traffic-police", Name: Text{Zh: "交警支队"}, Kind: "police"},
		{Code: StreetOffice, Name: Text{Zh: "属地街道办事处"}, Kind: "street"},
	}
}

func parking() SubClass {
	return SubClass{
		Ref:       Ref{Event, "0505"},
		MajorName: Text{Zh: "街面秩序"},
		Name:      Text{Zh: "机动车乱停放"},
		Conditions: []Condition{{No: 1, Text: Text{Zh: "停放在人行道"}, Urgency: Normal,
			Limit: worktime.Limit{Amount: 1, Unit: worktime.WorkingHours}, Closing: Text{Zh: "车辆已驶离"}}},
		Department:    "enforcement",
		EffectiveFrom: t2024,
	}
}

func mustNew(t *testing.T, subs []SubClass, rules []Rule) *Dictionary {
	t.Helper()
	d, err := New(subs, testDepartments(), rules)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func TestNew_defaults(t *testing.T) {
	d := mustNew(t, []SubClass{validCover()}, nil)
	s, ok := d.Lookup(Ref{Component, "0101"}, t2024)
	if !ok {
		t.Fatal("Lookup failed")
	}
	if s.Major != "01" || s.Version != 1 || s.DupRadiusM != DefaultDupRadiusM || s.DupWindowHours != DefaultDupWindowHours {
		t.Fatalf("defaults not applied: major %q version %d radius %g window %g", s.Major, s.Version, s.DupRadiusM, s.DupWindowHours)
	}
	if got := d.StageLimits(Normal)[StageSign]; got != (worktime.Limit{Amount: 1, Unit: worktime.WorkingHours}) {
		t.Fatalf("normal sign limit = %v", got)
	}
	if d.StageLimits("soon") != nil {
		t.Fatal("unknown urgency has stage limits")
	}
}

func TestNew_errors(t *testing.T) {
	end := t2024.AddDate(1, 0, 0)
	closed := validCover()
	closed.EffectiveTo = &end
	later := validCover()
	later.EffectiveFrom = end
	overlapping := validCover()
	overlapping.EffectiveFrom = t2024.AddDate(0, 6, 0)

	badDept := validCover()
	badDept.Department = "nobody"
	invalid := validCover()
	invalid.Conditions = nil

	tests := []struct {
		name  string
		subs  []SubClass
		depts []Department
		rules []Rule
		want  string // substring of a field error message or name
	}{
		{name: "unknown department in sub-class", subs: []SubClass{badDept}, want: `unknown department "nobody"`},
		{name: "invalid sub-class", subs: []SubClass{invalid}, want: "subclasses[0].conditions"},
		{name: "open version overlapped", subs: []SubClass{validCover(), later}, want: "overlaps"},
		{name: "closed version overlapped", subs: []SubClass{closed, overlapping}, want: "overlaps"},
		{name: "duplicate identical versions", subs: []SubClass{validCover(), validCover()}, want: "overlaps"},
		{name: "unknown department in rule", subs: []SubClass{validCover()},
			rules: []Rule{{ID: "r1", Category: Ref{Component, "0101"}, Department: "nobody"}}, want: `unknown department "nobody"`},
		{name: "rule for unknown category", subs: []SubClass{validCover()},
			rules: []Rule{{ID: "r1", Category: Ref{Event, "0101"}, Department: "water"}}, want: "unknown category event:0101"},
		{name: "duplicate rule id", subs: []SubClass{validCover()},
			rules: []Rule{{ID: "r1", Category: Ref{Component, "0101"}, Department: "water"},
				{ID: "r1", Category: Ref{Component, "0101"}, Department: "water"}}, want: "appears twice"},
		{name: "bad rule region", subs: []SubClass{validCover()},
			rules: []Rule{{ID: "r1", Category: Ref{Component, "0101"}, RegionCode: "32x", Department: "water"}}, want: "rules[0].region_code"},
		{name: "duplicate department", subs: nil,
			depts: append(testDepartments(), Department{Code: "water", Name: Text{Zh: "又一个"}}), want: "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			depts := tt.depts
			if depts == nil {
				depts = testDepartments()
			}
			_, err := New(tt.subs, depts, tt.rules)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("New = %v, want KindInvalid", err)
			}
			for _, f := range e.Fields {
				if strings.Contains(f.Field+" "+f.Message, tt.want) {
					return
				}
			}
			t.Fatalf("no field error mentions %q: %+v", tt.want, e.Fields)
		})
	}

	t.Run("explicitly closed versions are fine", func(t *testing.T) {
		d := mustNew(t, []SubClass{later, closed}, nil) // order in the input does not matter
		vs := d.Versions(Ref{Component, "0101"})
		if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || !vs[1].EffectiveFrom.Equal(end) {
			t.Fatalf("versions = %+v", vs)
		}
	})
}

func TestDictionary_WithSubClass(t *testing.T) {
	old := mustNew(t, []SubClass{validCover(), parking()}, nil)
	ref := Ref{Component, "0101"}
	edit := validCover()
	edit.EffectiveFrom = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	edit.Conditions[0].Limit.Amount = 2 // a stricter manual from March 2025
	edit.MajorName = Text{}             // taken from the dictionary
	edit.Version = 42                   // ignored

	d, err := old.WithSubClass(edit)
	if err != nil {
		t.Fatalf("WithSubClass: %v", err)
	}

	tests := []struct {
		name        string
		dict        *Dictionary
		at          time.Time
		wantVersion int // 0: not found
		wantLimit   float64
	}{
		{"before the dictionary", d, t2024.Add(-time.Second), 0, 0},
		{"first day", d, t2024, 1, 6},
		{"just before the edit", d, edit.EffectiveFrom.Add(-time.Nanosecond), 1, 6},
		{"the moment of the edit", d, edit.EffectiveFrom, 2, 2},
		{"long after", d, edit.EffectiveFrom.AddDate(5, 0, 0), 2, 2},
		{"old snapshot after the edit date", old, edit.EffectiveFrom.AddDate(0, 1, 0), 1, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := tt.dict.Lookup(ref, tt.at)
			if tt.wantVersion == 0 {
				if ok {
					t.Fatalf("found version %d", s.Version)
				}
				return
			}
			if !ok || s.Version != tt.wantVersion || s.Conditions[0].Limit.Amount != tt.wantLimit {
				t.Fatalf("Lookup = v%d limit %g (found %v), want v%d limit %g", s.Version, s.Conditions[0].Limit.Amount, ok, tt.wantVersion, tt.wantLimit)
			}
		})
	}

	t.Run("versions chain", func(t *testing.T) {
		vs := d.Versions(ref)
		if len(vs) != 2 || vs[0].EffectiveTo == nil || !vs[0].EffectiveTo.Equal(edit.EffectiveFrom) || vs[1].EffectiveTo != nil {
			t.Fatalf("versions = %+v", vs)
		}
		if vs[1].MajorName.Zh != "公用设施" {
			t.Fatalf("major name not filled: %+v", vs[1].MajorName)
		}
	})
	t.Run("old snapshot untouched", func(t *testing.T) {
		vs := old.Versions(ref)
		if len(vs) != 1 || vs[0].EffectiveTo != nil {
			t.Fatalf("old versions = %+v", vs)
		}
	})
	t.Run("edit before the newest version conflicts", func(t *testing.T) {
		_, err := d.WithSubClass(validCover()) // from 2024 again
		if !errs.Is(err, errs.KindConflict) {
			t.Fatalf("err = %v, want KindConflict", err)
		}
	})
	t.Run("edit with an end date is invalid", func(t *testing.T) {
		s := validCover()
		s.EffectiveFrom = edit.EffectiveFrom.AddDate(1, 0, 0)
		end := s.EffectiveFrom.AddDate(1, 0, 0)
		s.EffectiveTo = &end
		if _, err := d.WithSubClass(s); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("err = %v, want KindInvalid", err)
		}
	})
	t.Run("unknown department is invalid", func(t *testing.T) {
		s := validCover()
		s.EffectiveFrom = edit.EffectiveFrom.AddDate(1, 0, 0)
		s.Department = "nobody"
		if _, err := d.WithSubClass(s); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("err = %v, want KindInvalid", err)
		}
	})
	t.Run("brand new ref", func(t *testing.T) {
		s := validCover()
		s.Ref = Ref{Component, "0199"}
		s.MajorName = Text{}
		d2, err := d.WithSubClass(s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := d2.Lookup(s.Ref, t2024)
		if !ok || got.Version != 1 || got.MajorName.Zh != "公用设施" {
			t.Fatalf("Lookup = %+v, %v", got, ok)
		}
		if n := len(d2.SubClasses(t2024)); n != 3 {
			t.Fatalf("SubClasses = %d, want 3", n)
		}
		if _, ok := d.Lookup(s.Ref, t2024); ok {
			t.Fatal("the new ref leaked into the old snapshot")
		}
	})
	t.Run("returned values are copies", func(t *testing.T) {
		s, _ := d.Lookup(ref, t2024)
		s.Conditions[0].Limit.Amount = 999
		*s.EffectiveTo = time.Time{}
		again, _ := d.Lookup(ref, t2024)
		if again.Conditions[0].Limit.Amount != 6 || again.EffectiveTo.IsZero() {
			t.Fatal("mutating a returned sub-class changed the snapshot")
		}
	})
}

func TestDictionary_WithoutSubClass(t *testing.T) {
	d := mustNew(t, []SubClass{validCover()}, nil)
	ref := Ref{Component, "0101"}
	retire := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d2, err := d.WithoutSubClass(ref, retire)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d2.Lookup(ref, retire); ok {
		t.Fatal("still in force after retirement")
	}
	if _, ok := d2.Lookup(ref, retire.Add(-time.Second)); !ok {
		t.Fatal("gone before retirement")
	}
	if _, ok := d.Lookup(ref, retire); !ok {
		t.Fatal("old snapshot changed")
	}
	if _, err := d2.WithoutSubClass(ref, retire.AddDate(1, 0, 0)); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("retiring twice: %v", err)
	}
	if _, err := d.WithoutSubClass(Ref{Event, "0909"}, retire); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("retiring unknown: %v", err)
	}

	t.Run("reinstated after a gap", func(t *testing.T) {
		s := validCover()
		s.EffectiveFrom = retire.AddDate(0, 6, 0)
		d3, err := d2.WithSubClass(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d3.Lookup(ref, retire.AddDate(0, 3, 0)); ok {
			t.Fatal("in force during the gap")
		}
		if got, ok := d3.Lookup(ref, s.EffectiveFrom); !ok || got.Version != 2 {
			t.Fatalf("after reinstatement: %+v, %v", got, ok)
		}
	})
}

func TestDictionary_departmentsAndRules(t *testing.T) {
	d := mustNew(t, []SubClass{validCover(), parking()}, nil)
	r := Rule{ID: "parking", Category: Ref{Event, "0505"}, Department: "traffic-police"}

	d2, err := d.WithRule(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rules()) != 0 || len(d2.Rules()) != 1 {
		t.Fatalf("rules: old %d new %d", len(d.Rules()), len(d2.Rules()))
	}
	r.Auto = true
	d3, err := d2.WithRule(r) // same ID replaces
	if err != nil {
		t.Fatal(err)
	}
	if got := d3.Rules(); len(got) != 1 || !got[0].Auto || d2.Rules()[0].Auto {
		t.Fatalf("replace: %+v / %+v", got, d2.Rules())
	}
	if _, err := d3.WithRule(Rule{ID: "x", Category: Ref{Event, "0505"}, Department: "nobody"}); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("unknown department: %v", err)
	}
	d4, err := d3.WithoutRule("parking")
	if err != nil || len(d4.Rules()) != 0 || len(d3.Rules()) != 1 {
		t.Fatalf("WithoutRule: %v", err)
	}
	if _, err := d4.WithoutRule("parking"); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("removing twice: %v", err)
	}

	dep := Department{Code: "gas", Name: Text{Zh: "燃气公司"}, Kind: "utility"}
	d5, err := d.WithDepartment(dep)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Department("gas"); ok {
		t.Fatal("old snapshot got the department")
	}
	if got, ok := d5.Department("gas"); !ok || !reflect.DeepEqual(got, dep) {
		t.Fatalf("Department = %+v, %v", got, ok)
	}
	if _, err := d.WithDepartment(Department{Code: "Bad Code"}); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("bad department: %v", err)
	}

	sl := d.StageLimits(Urgent)
	sl[StageSign] = worktime.Limit{Amount: 0.25, Unit: worktime.NaturalHours}
	d6, err := d.WithStageLimits(Urgent, sl)
	if err != nil {
		t.Fatal(err)
	}
	if d6.StageLimits(Urgent)[StageSign].Amount != 0.25 || d.StageLimits(Urgent)[StageSign].Amount != 0.5 {
		t.Fatal("WithStageLimits leaked or did not apply")
	}
	delete(sl, StageCheck)
	if _, err := d.WithStageLimits(Urgent, sl); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("missing stage: %v", err)
	}
}

// TestDictionary_concurrentReads is for -race: readers share one snapshot
// while an editor derives new ones from it.
func TestDictionary_concurrentReads(t *testing.T) {
	d := mustDefault(t)
	path := []string{"3201", "320102"}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				d.SubClasses(t2024)
				d.Route(Ref{Event, "0505"}, path, t2024)
				d.StageLimits(Normal)
			}
		}()
	}
	at := t2024
	for i := range 50 {
		s, _ := d.Lookup(Ref{Event, "0505"}, at)
		at = at.Add(time.Hour)
		s.EffectiveFrom = at
		s.Name.En = "edit"
		if _, err := d.WithSubClass(s); err != nil && i == 0 {
			t.Error(err)
		}
	}
	for range 4 {
		<-done
	}
}
