package catalog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func mustDefault(t *testing.T) *Dictionary {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return d
}

func TestDefault(t *testing.T) {
	d := mustDefault(t)
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	subs := d.SubClasses(now)
	if len(subs) < 50 {
		t.Fatalf("%d sub-classes, want at least 50", len(subs))
	}

	t.Run("both trees share 0101", func(t *testing.T) {
		c, okC := d.Lookup(Ref{Component, "0101"}, now)
		e, okE := d.Lookup(Ref{Event, "0101"}, now)
		if !okC || !okE || c.Name.Zh != "上水井盖" || e.Name.Zh != "私搭乱建" {
			t.Fatalf("component 0101 = %q, event 0101 = %q", c.Name.Zh, e.Name.Zh)
		}
	})
	t.Run("sorted, named and complete", func(t *testing.T) {
		for i, s := range subs {
			if i > 0 && compareRefs(subs[i-1].Ref, s.Ref) >= 0 {
				t.Errorf("%s listed after %s", s.Ref, subs[i-1].Ref)
			}
			if s.Name.En == "" || s.MajorName.En == "" || s.LegalBasis == "" {
				t.Errorf("%s lacks an English name, major name or legal basis", s.Ref)
			}
			for _, c := range s.Conditions {
				if c.Text.En == "" || c.Closing.En == "" {
					t.Errorf("%s condition %d lacks English text", s.Ref, c.No)
				}
			}
			if len(s.Conditions) > 3 {
				t.Errorf("%s has %d conditions, the file promises 1-3", s.Ref, len(s.Conditions))
			}
		}
	})
	t.Run("water cover conditions", func(t *testing.T) {
		s, _ := d.Lookup(Ref{Component, "0101"}, now)
		c1, _ := s.Condition(1)
		c2, _ := s.Condition(2)
		if c1.Urgency != Urgent || c1.Limit.Amount != 6 || c1.Limit.Unit != "natural_hours" ||
			c2.Urgency != Normal || c2.Limit.Amount != 1 || c2.Limit.Unit != "working_days" {
			t.Fatalf("conditions = %+v", s.Conditions)
		}
	})
	t.Run("expected codes", func(t *testing.T) {
		for _, r := range []string{
			"component:0105", "component:0106", "component:0107", "component:0108", "component:0109", "component:0110",
			"component:0405", "event:0507", "event:0601", "event:0602", "component:0701", "event:0603",
		} {
			if _, ok := d.Lookup(MustParseRef(r), now); !ok {
				t.Errorf("%s missing", r)
			}
		}
		if got := d.Majors(Event)["06"].Zh; got != "扩展事件" {
			t.Errorf("event major 06 = %q", got)
		}
		if got := d.Majors(Component)["05"].Zh; got != "房屋土地" {
			t.Errorf("component major 05 = %q", got)
		}
	})
	t.Run("local extensions", func(t *testing.T) {
		// Sensing depends on these two: offline devices and cameras file
		// under component:0701, AI mixed-sorting sightings under event:0603.
		tests := []struct {
			ref, name, major, dept string
			limit                  float64
			unit                   string
		}{
			{"component:0701", "感知监控设备", "扩展部件", "info-center", 2, "working_days"},
			{"event:0603", "垃圾分类投放不规范", "扩展事件", "sanitation", 4, "working_hours"},
		}
		for _, tt := range tests {
			s, ok := d.Lookup(MustParseRef(tt.ref), now)
			if !ok {
				t.Fatalf("%s missing", tt.ref)
			}
			c, _ := s.Condition(1)
			if s.Name.Zh != tt.name || s.MajorName.Zh != tt.major || s.Department != tt.dept ||
				c.Limit.Amount != tt.limit || string(c.Limit.Unit) != tt.unit || c.Closing.Zh == "" {
				t.Errorf("%s = %q in %q to %s, condition 1 %+v", tt.ref, s.Name.Zh, s.MajorName.Zh, s.Department, c)
			}
			if sg, ok := d.Route(s.Ref, []string{"3201"}, now); !ok || sg.Department != tt.dept {
				t.Errorf("%s routes to %+v", tt.ref, sg)
			}
		}
		if dep, ok := d.Department("info-center"); !ok || dep.Name.Zh != "城市管理信息中心" {
			t.Errorf("info-center = %+v, %v", dep, ok)
		}
	})
	t.Run("departments", func(t *testing.T) {
		if n := len(d.Departments()); n < 12 {
			t.Fatalf("%d departments", n)
		}
		if dep, ok := d.Department(StreetOffice); !ok || dep.Kind != "street" {
			t.Fatalf("street office = %+v, %v", dep, ok)
		}
	})
	t.Run("rules route", func(t *testing.T) {
		if len(d.Rules()) == 0 {
			t.Fatal("no rules")
		}
		s, ok := d.Route(Ref{Event, "0403"}, []string{"3201"}, now)
		if !ok || s.Department != "gas" || !s.Auto || s.Rule == nil {
			t.Fatalf("gas leak routes to %+v", s)
		}
	})
	t.Run("stage limits", func(t *testing.T) {
		for _, u := range Urgencies() {
			if err := d.StageLimits(u).Validate(); err != nil {
				t.Errorf("%s: %v", u, err)
			}
		}
		if got := d.StageLimits(Urgent)[StageAccept]; got.Unit != "natural_hours" || got.Amount*60 < 10 || got.Amount*60 > 10.01 {
			t.Errorf("urgent accept = %v, want 10 natural minutes", got)
		}
		if !reflect.DeepEqual(d.StageLimits(Normal), DefaultStageLimits()[Normal]) {
			t.Errorf("file and built-in normal stage limits differ")
		}
	})
}

func TestParse_roundTrip(t *testing.T) {
	d := mustDefault(t)
	edit, _ := d.Lookup(Ref{Event, "0104"}, t2024)
	edit.EffectiveFrom = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	edit.Conditions[0].Limit.Amount = 1
	d, err := d.WithSubClass(edit)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(Marshal(d)): %v", err)
	}
	for _, r := range d.Refs() {
		if !reflect.DeepEqual(d.Versions(r), back.Versions(r)) {
			t.Errorf("%s versions differ after a round trip", r)
		}
	}
	if len(back.Versions(Ref{Event, "0104"})) != 2 {
		t.Errorf("edit lost")
	}
	if !reflect.DeepEqual(d.Departments(), back.Departments()) || !reflect.DeepEqual(d.Rules(), back.Rules()) ||
		!reflect.DeepEqual(d.Majors(Component), back.Majors(Component)) ||
		!reflect.DeepEqual(d.StageLimits(Complex), back.StageLimits(Complex)) {
		t.Errorf("departments, rules, majors or stage limits differ after a round trip")
	}
}

func TestParse_errors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", `{`, "not valid JSON"},
		{"unknown field", `{"subclasess": []}`, "not valid JSON"},
		{"bare code", `{"subclasses": [{"ref": "0101"}]}`, "not valid JSON"},
		{"trailing data", `{} {}`, "after its JSON object"},
		{"missing stage", `{"stage_limits": {"urgent": {}}}`, "stage_limits.urgent.accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("err = %v, want KindInvalid", err)
			}
			msg := err.Error()
			if e, ok := errs.As(err); ok {
				for _, f := range e.Fields {
					msg += " " + f.Field
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("err = %q, want it to mention %q", msg, tt.want)
			}
		})
	}
}
