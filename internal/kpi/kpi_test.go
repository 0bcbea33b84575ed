package kpi

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

var cst = time.FixedZone("CST", 8*3600)

func TestDefault(t *testing.T) {
	s := Default()
	defs := s.InForce(time.Date(2026, 3, 1, 0, 0, 0, 0, cst))
	got := map[string]*Indicator{}
	for _, d := range defs {
		got[d.Code] = d
	}
	// Every count and rate the issue names, and the plan's targets the
	// data carries.
	for _, code := range []string{"reported", "filed", "dispatched", "disposed", "closed", "overdue", "due_to_close",
		"suspended", "closure_rate", "on_time_closure_rate", "on_time_disposal_rate", "satisfaction_rate",
		"rework_rate", "return_rate", "recurrence_rate", "avg_response_hours", "disposal_rate",
		"overdue_undisposed_rate", "extension_rate", "automatic_accuracy_rate",
		// The per-post counts and rates of DOMAIN.md §5.
		"missed_reports", "missed_report_rate", "verify_due", "on_time_verification_rate", "check_due",
		"on_time_check_rate", "on_time_filing_rate", "dispatch_due", "on_time_dispatch_rate",
		"verify_sent_on_time_rate", "patrol_valid_report_rate"} {
		if got[code] == nil {
			t.Errorf("the default book lacks %s", code)
		}
	}
	for code, target := range map[string]float64{"satisfaction_rate": 90, "avg_response_hours": 2, "closure_rate": 90, "on_time_closure_rate": 70} {
		if d := got[code]; d == nil || d.Target == nil || *d.Target != target {
			t.Errorf("%s: target %v, want %v", code, d.Target, target)
		}
	}
	// A rate's numerator is inside its denominator: every test of the
	// denominator is a test of the numerator, so no rate passes 100 %.
	for _, d := range defs {
		if d.Kind != KindRate {
			continue
		}
		for _, t2 := range d.Den() {
			found := false
			for _, n := range d.Num() {
				found = found || n == t2
			}
			if !found {
				t.Errorf("%s: numerator %q does not include the denominator's %s", d.Code, d.Numerator, t2)
			}
		}
	}
	if len(s.CompositesInForce(time.Date(2026, 3, 1, 0, 0, 0, 0, cst))) == 0 {
		t.Error("no composite in force")
	}
	if len(s.InForce(time.Date(2025, 12, 31, 0, 0, 0, 0, cst))) != 0 {
		t.Error("definitions in force before their effective date")
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		name, json, field string
	}{
		{"not JSON", `{`, ""},
		{"unknown field", `{"indicatorz": []}`, ""},
		{"bad code", `{"indicators":[{"code":"Closure Rate","name":{"zh":"结案率","en":"x"},"kind":"rate","direction":"higher","unit":"%","version":1,"effective":"2026-01-01"}]}`, "indicators[0] Closure Rate"},
		{"unknown fact", `{"indicators":[{"code":"x_rate","name":{"zh":"x","en":"x"},"kind":"rate","numerator":"sleeping","direction":"higher","unit":"%","version":1,"effective":"2026-01-01"}]}`, "indicators[0] x_rate"},
		{"bad kind", `{"indicators":[{"code":"x_rate","name":{"zh":"x","en":"x"},"kind":"sum","direction":"higher","unit":"%","version":1,"effective":"2026-01-01"}]}`, "indicators[0] x_rate"},
		{"bad date", `{"indicators":[{"code":"x_rate","name":{"zh":"x","en":"x"},"kind":"count","direction":"higher","unit":"件","version":1,"effective":"1 Jan"}]}`, "indicators[0] x_rate"},
		{"composite of a count", `{"indicators":[{"code":"n","name":{"zh":"x","en":"x"},"kind":"count","direction":"higher","unit":"件","version":1,"effective":"2026-01-01"}],
			"composites":[{"code":"s_score","name":{"zh":"x","en":"x"},"parts":[{"indicator":"nn","weight":1}],"version":1,"effective":"2026-01-01"}]}`, "composites[0] s_score"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("Parse: %v, want Invalid", err)
			}
			if tc.field == "" {
				return
			}
			for _, f := range e.Fields {
				if f.Field == tc.field {
					return
				}
			}
			t.Errorf("fields %+v lack %q", e.Fields, tc.field)
		})
	}
}

func TestInForce_Versions(t *testing.T) {
	book := `{"indicators":[
	 {"code":"closure_rate","name":{"zh":"结案率","en":"Closure rate"},"kind":"rate","numerator":"due_to_close,closed","denominator":"due_to_close","target":90,"direction":"higher","unit":"%","version":1,"effective":"2026-01-01"},
	 {"code":"closure_rate","name":{"zh":"结案率","en":"Closure rate"},"kind":"rate","numerator":"due_to_close,closed","denominator":"due_to_close,!reworked","target":95,"direction":"higher","unit":"%","version":2,"effective":"2026-07-01"}]}`
	s, err := Parse([]byte(book))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		day     time.Time
		version int
	}{
		{time.Date(2026, 6, 30, 0, 0, 0, 0, cst), 1},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, cst), 2},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, cst), 2},
	}
	for _, tc := range tests {
		defs := s.InForce(tc.day)
		if len(defs) != 1 || defs[0].Version != tc.version {
			t.Errorf("on %s: %v, want version %d", tc.day.Format("2006-01-02"), defs, tc.version)
		}
	}
}

func TestCompute(t *testing.T) {
	s := Default()
	defs := s.InForce(time.Date(2026, 3, 1, 0, 0, 0, 0, cst))
	sets, num, den := Sets(defs)
	row := &casework.TallyRow{Counts: make([]int, len(sets)), Response: 9 * time.Hour, Dispatched: 3}
	set := func(pred string, n int) {
		for i, p := range sets {
			if p.String() == pred {
				row.Counts[i] = n
				return
			}
		}
		t.Fatalf("no set %q among %v", pred, sets)
	}
	set("due_to_close", 972)
	set("due_to_close,closed", 911)
	set("due_to_close,closed_on_time", 737)
	set("rated", 0)
	figs := Compute(defs, num, den, row)
	by := map[string]Figure{}
	for _, f := range figs {
		by[f.Def.Code] = f
	}
	tests := []struct {
		code  string
		value *float64
		meets *bool
	}{
		// The monthly bulletin of DOMAIN.md §5: 911 of 972 is 93.72 %, 737 is 75.82 %.
		{"closure_rate", ptr(93.72), ptr(true)},
		{"on_time_closure_rate", ptr(75.82), ptr(true)},
		{"satisfaction_rate", nil, nil}, // nobody called back: no value, no verdict
		{"avg_response_hours", ptr(3.0), ptr(false)},
		{"due_to_close", ptr(972.0), nil},
	}
	for _, tc := range tests {
		f := by[tc.code]
		if !eqPtr(f.Value, tc.value) || !eqPtr(f.MeetsTarget, tc.meets) {
			t.Errorf("%s: value %v meets %v, want %v %v", tc.code, show(f.Value), show(f.MeetsTarget), show(tc.value), show(tc.meets))
		}
	}
	if f := by["avg_response_hours"]; f.NumCases != nil || f.DenCases.String() != "dispatched" || f.Numerator != 9 {
		t.Errorf("mean: numerator %v cases %v/%v", f.Numerator, f.NumCases, f.DenCases)
	}
	if f := by["closure_rate"]; f.NumCases.String() != "due_to_close,closed" || f.DenCases.String() != "due_to_close" {
		t.Errorf("closure_rate cases: %q / %q", f.NumCases, f.DenCases)
	}
}

// composite finds a composite of the default book in force in March 2026.
func composite(t *testing.T, code string) *Composite {
	t.Helper()
	for _, c := range Default().CompositesInForce(time.Date(2026, 3, 1, 0, 0, 0, 0, cst)) {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("the default book has no composite %s", code)
	return nil
}

func TestComposite_Score(t *testing.T) {
	fig := func(v float64) Figure { return Figure{Value: &v} }
	// The post composites of DOMAIN.md §5 and the LOC-JN table, each out
	// of 100 points.
	for _, tc := range []struct {
		code string
		figs map[string]Figure
		want float64
	}{
		{"jn_score", map[string]Figure{"disposal_rate": fig(100), "on_time_disposal_rate": fig(80), "rework_rate": fig(10),
			"overdue_undisposed_rate": fig(5), "extension_rate": fig(20)}, 91}, // 30 + 16 + 18 + 19 + 8
		{"supervisor_score", map[string]Figure{"patrol_valid_report_rate": fig(90), "missed_report_rate": fig(25),
			"on_time_verification_rate": fig(80), "on_time_check_rate": fig(100)}, 87}, // 36 + 15 + 16 + 20
		{"shift_lead_score", map[string]Figure{"on_time_filing_rate": fig(100), "accurate_filing_rate": fig(95),
			"on_time_closure_rate": fig(60)}, 84}, // 25 + 38 + 21
		{"dispatcher_score", map[string]Figure{"on_time_dispatch_rate": fig(90), "accurate_dispatch_rate": fig(70)}, 80}, // 45 + 35
	} {
		c := composite(t, tc.code)
		if got, ok := c.Score(tc.figs); !ok || got != tc.want {
			t.Errorf("%s: score %v %v, want %v", tc.code, got, ok, tc.want)
		}
		total := 0.0
		for _, p := range c.Parts {
			total += p.Weight
		}
		if total != 100 {
			t.Errorf("%s is out of %v points, want 100", tc.code, total)
		}
	}
	c := composite(t, "jn_score")
	figs := map[string]Figure{"disposal_rate": fig(100), "on_time_disposal_rate": fig(80), "rework_rate": fig(10),
		"overdue_undisposed_rate": fig(5), "extension_rate": fig(20)}
	if g := Default().Grade(91); g != "A" {
		t.Errorf("grade of 91: %q", g)
	}
	if g := Default().Grade(59.99); g != "D" {
		t.Errorf("grade of 59.99: %q", g)
	}
	delete(figs, "extension_rate")
	if _, ok := c.Score(figs); ok {
		t.Error("scored without every part")
	}
}

func TestPeriods(t *testing.T) {
	at := time.Date(2026, 3, 18, 15, 4, 0, 0, cst) // a Wednesday
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, cst) }
	tests := []struct {
		name     string
		p        Period
		from, to time.Time
	}{
		{"day", Day(at), d(2026, 3, 18), d(2026, 3, 19)},
		{"week from Monday", Week(at), d(2026, 3, 16), d(2026, 3, 23)},
		{"week of a Sunday", Week(d(2026, 3, 22)), d(2026, 3, 16), d(2026, 3, 23)},
		{"month", Month(at), d(2026, 3, 1), d(2026, 4, 1)},
		{"quarter", Quarter(at), d(2026, 1, 1), d(2026, 4, 1)},
		{"year", Year(at), d(2026, 1, 1), d(2027, 1, 1)},
		{"month on month", Month(at).Previous(), d(2026, 2, 1), d(2026, 3, 1)},
		{"quarter on quarter", Quarter(at).Previous(), d(2025, 10, 1), d(2026, 1, 1)},
		{"days before a range", Period{From: d(2026, 3, 10), To: d(2026, 3, 17)}.Previous(), d(2026, 3, 3), d(2026, 3, 10)},
		{"year on year", Month(at).YearAgo(), d(2025, 3, 1), d(2025, 4, 1)},
	}
	for _, tc := range tests {
		if !tc.p.From.Equal(tc.from) || !tc.p.To.Equal(tc.to) {
			t.Errorf("%s: %s, want %s…%s", tc.name, tc.p, tc.from.Format("2006-01-02"), tc.to.AddDate(0, 0, -1).Format("2006-01-02"))
		}
	}
	if c := Change(ptr(110.0), ptr(100.0)); c == nil || *c < 0.0999 || *c > 0.1001 {
		t.Errorf("change 100 → 110: %v", show(c))
	}
	if Change(ptr(1.0), ptr(0.0)) != nil {
		t.Error("a change from 0 was stated")
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		from, to string
		days     int
		bad      string
	}{
		{"2026-01-01", "2026-01-31", 31, ""},
		{"2026-02-01", "2026-02-01", 1, ""},
		{"2026-01-31", "2026-01-01", 0, "to"},
		{"2026-1-1", "2026-01-31", 0, "from"},
		{"", "", 0, "from"},
		{"2020-01-01", "2026-01-01", 0, "to"},
	}
	for _, tc := range tests {
		p, err := ParseDays(tc.from, tc.to, cst)
		if tc.bad != "" {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || !hasField(e, tc.bad) {
				t.Errorf("ParseDays(%q, %q) = %v, want Invalid on %s", tc.from, tc.to, err, tc.bad)
			}
			continue
		}
		if err != nil || p.Days() != tc.days {
			t.Errorf("ParseDays(%q, %q) = %s (%d days), %v", tc.from, tc.to, p, p.Days(), err)
		}
	}
}

// FuzzParseDays: any pair of strings is a range of at most MaxDays or
// Invalid; never a panic or another error.
func FuzzParseDays(f *testing.F) {
	f.Add("2026-01-01", "2026-01-31")
	f.Add("2026-02-29", "2026-03-01")
	f.Add("0000-01-01", "9999-12-31")
	f.Add("2026-01-01T00:00:00Z", "x")
	f.Fuzz(func(t *testing.T, from, to string) {
		p, err := ParseDays(from, to, cst)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.KindInvalid {
				t.Fatalf("ParseDays(%q, %q): %v is not Invalid", from, to, err)
			}
			return
		}
		if n := p.Days(); n < 1 || n > MaxDays || !p.From.Before(p.To) {
			t.Fatalf("ParseDays(%q, %q) = %s, %d days", from, to, p, n)
		}
	})
}

// FuzzParse: a city's edited book is either accepted, with every
// predicate valid, or Invalid.
func FuzzParse(f *testing.F) {
	f.Add(string(defaultsJSON))
	f.Add(`{"indicators":[{"code":"x_rate","name":{"zh":"x","en":"x"},"kind":"rate","numerator":"closed","denominator":"","direction":"higher","unit":"%","version":1,"effective":"2026-01-01"}]}`)
	f.Add(`{"composites":[{"code":"s","parts":[]}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		s, err := Parse([]byte(data))
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("Parse: %v is not Invalid", err)
			}
			return
		}
		for _, d := range s.InForce(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) {
			if strings.Contains(d.Num().String()+d.Den().String(), " ") {
				t.Fatalf("%s: predicates not normalised", d.Code)
			}
		}
	})
}

func hasField(e *errs.Error, f string) bool {
	for _, x := range e.Fields {
		if x.Field == f {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func show[T any](p *T) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestProblems(t *testing.T) {
	_, err := Parse([]byte(`{"indicators":[{"code":"x_rate","name":{"zh":"x","en":"x"},"kind":"rate","numerator":"sleeping","direction":"up","unit":"%","version":1,"effective":"2026-01-01"}]}`))
	got := Problems(err)
	for _, want := range []string{"indicators[0] x_rate: numerator", "direction must be higher or lower"} {
		if !strings.Contains(got, want) {
			t.Errorf("Problems = %q, lacks %q", got, want)
		}
	}
}
