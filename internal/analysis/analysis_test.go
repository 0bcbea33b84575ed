package analysis

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var cst = time.FixedZone("CST", 8*3600)

func TestWeekAndHourOfWeek(t *testing.T) {
	tests := []struct {
		name     string
		at       time.Time
		offset   time.Duration
		hour     int
		weekFrom time.Time
	}{
		{"Monday midnight in the city", time.Date(2026, 3, 2, 0, 0, 0, 0, cst), 8 * time.Hour, 0, time.Date(2026, 3, 2, 0, 0, 0, 0, cst)},
		{"Sunday late in the city", time.Date(2026, 3, 1, 23, 59, 0, 0, cst), 8 * time.Hour, 167, time.Date(2026, 2, 23, 0, 0, 0, 0, cst)},
		{"the same instant on UTC's clock", time.Date(2026, 3, 1, 23, 59, 0, 0, cst), 0, 6*24 + 15, time.Date(2026, 2, 23, 0, 0, 0, 0, time.UTC)},
		{"Wednesday 14:20", time.Date(2025, 12, 31, 14, 20, 0, 0, cst), 8 * time.Hour, 2*24 + 14, time.Date(2025, 12, 29, 0, 0, 0, 0, cst)},
		{"before 1970", time.Date(1969, 12, 28, 12, 0, 0, 0, time.UTC), 0, 6*24 + 12, time.Date(1969, 12, 22, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HourOfWeekOf(tc.at, tc.offset); got != tc.hour {
				t.Errorf("HourOfWeekOf = %d, want %d", got, tc.hour)
			}
			w := WeekOf(tc.at, tc.offset)
			if got := WeekStart(w, tc.offset); !got.Equal(tc.weekFrom) {
				t.Errorf("WeekStart(WeekOf) = %v, want %v", got, tc.weekFrom)
			}
			if WeekOf(WeekStart(w, tc.offset), tc.offset) != w || WeekOf(WeekStart(w+1, tc.offset).Add(-time.Microsecond), tc.offset) != w {
				t.Errorf("week %d does not round-trip at its edges", w)
			}
		})
	}
}

func TestHeatOf(t *testing.T) {
	counts := []Count{{"g1", 10}, {"g2", 10}, {"g3", 1}, {"gone", 2}}
	tests := []struct {
		name    string
		grids   map[string]GridInfo
		measure string
		order   []string
		density []float64
	}{
		{"area only", map[string]GridInfo{"g1": {Name: "一", AreaM2: 10_000}, "g2": {Name: "二", AreaM2: 20_000}, "g3": {Name: "三", AreaM2: 500}},
			"per_km2", []string{"g3", "g1", "g2", "gone"}, []float64{2000, 1000, 500, 0}},
		{"every grid with residents", map[string]GridInfo{"g1": {AreaM2: 10_000, Population: 2000}, "g2": {AreaM2: 10_000, Population: 500},
			"g3": {AreaM2: 10_000, Population: 1000}, "gone": {Population: 4000}},
			"per_1000_residents", []string{"g2", "g1", "g3", "gone"}, []float64{20, 5, 1, 0.5}},
		{"one grid without residents", map[string]GridInfo{"g1": {AreaM2: 10_000, Population: 2000}, "g2": {AreaM2: 10_000}, "g3": {AreaM2: 10_000, Population: 1000}},
			"per_km2", []string{"g1", "g2", "g3", "gone"}, []float64{1000, 1000, 100, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := HeatOf(counts, tc.grids)
			if h.Measure != tc.measure || h.Total != 23 {
				t.Fatalf("measure %q total %d", h.Measure, h.Total)
			}
			var order []string
			var dens []float64
			for _, g := range h.Grids {
				order = append(order, g.Grid)
				dens = append(dens, g.Density)
			}
			if d := cmp.Diff(tc.order, order); d != "" {
				t.Errorf("order (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.density, dens); d != "" {
				t.Errorf("density (-want +got):\n%s", d)
			}
			if h.Max != tc.density[0] {
				t.Errorf("max %v", h.Max)
			}
		})
	}
	t.Run("per 1000 residents is absent, not zero, when unknown", func(t *testing.T) {
		h := HeatOf([]Count{{"g", 3}}, map[string]GridInfo{"g": {AreaM2: 1e6}})
		if h.Grids[0].Per1000 != nil || h.Grids[0].PerKm2 != 3 {
			t.Errorf("%+v", h.Grids[0])
		}
	})
}

func TestHourOfWeek(t *testing.T) {
	var h HourOfWeek
	h[0], h[9], h[33], h[167] = 1, 5, 5, 2
	m := h.Matrix()
	if m[0][9] != 5 || m[1][9] != 5 || m[6][23] != 2 || h.Total() != 13 {
		t.Fatalf("matrix %v", m)
	}
	got := h.Peaks(3)
	want := []Peak{{Day: 0, Hour: 9, Name: "周一 09:00–10:00 / Mon 09:00–10:00", Count: 5, Share: 0.3846},
		{Day: 1, Hour: 9, Name: "周二 09:00–10:00 / Tue 09:00–10:00", Count: 5, Share: 0.3846},
		{Day: 6, Hour: 23, Name: "周日 23:00–24:00 / Sun 23:00–24:00", Count: 2, Share: 0.1538}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Peaks (-want +got):\n%s", d)
	}
	if p := (HourOfWeek{}).Peaks(5); len(p) != 0 {
		t.Errorf("peaks of an empty week: %v", p)
	}
}

func TestTopCategories(t *testing.T) {
	cur := []Count{{"event:0501", 30}, {"event:0102", 30}, {"component:0101", 5}, {"", 35}}
	prev := []Count{{"event:0501", 20}, {"component:0101", 10}, {"event:0104", 4}}
	got := TopCategories(cur, prev, 2)
	f := func(v float64) *float64 { return &v }
	want := []CategoryChange{
		{Category: "event:0102", Count: 30, Previous: 0, Change: nil, Share: 0.3},
		{Category: "event:0501", Count: 30, Previous: 20, Change: f(0.5), Share: 0.3},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("TopCategories (-want +got):\n%s", d)
	}
	if all := TopCategories(cur, prev, 0); len(all) != 3 || *all[2].Change != -0.5 {
		t.Errorf("all: %+v", all)
	}
}

func TestTargets(t *testing.T) {
	may := Window{From: time.Date(2026, 5, 1, 0, 0, 0, 0, cst).UTC(), To: time.Date(2026, 6, 1, 0, 0, 0, 0, cst).UTC()}
	bw := BaselineWindow(may, 2025, cst)
	if !bw.From.Equal(time.Date(2025, 5, 1, 0, 0, 0, 0, cst)) || !bw.To.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, cst)) {
		t.Fatalf("baseline window %v", bw)
	}
	tests := []struct {
		name        string
		count, base int
		target      float64
		change      *float64
		meets       bool
	}{
		{"halved meets −50 %", 50, 100, IncidenceTarget, ptr(-0.5), true},
		{"down 40 % misses −50 %", 60, 100, IncidenceTarget, ptr(-0.4), false},
		{"down 40 % meets −30 %", 60, 100, ComplaintTarget, ptr(-0.4), true},
		{"up", 120, 100, ComplaintTarget, ptr(0.2), false},
		{"no baseline: no change, not met", 5, 0, IncidenceTarget, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Figure(tc.count, tc.base, may, bw, tc.target)
			if d := cmp.Diff(tc.change, f.Change); d != "" || f.MeetsTarget != tc.meets {
				t.Errorf("Figure = %+v; change diff %s, want meets %v", f, d, tc.meets)
			}
		})
	}
	t.Run("daily rates: February of a leap year", func(t *testing.T) {
		feb := Window{From: time.Date(2028, 2, 1, 0, 0, 0, 0, cst), To: time.Date(2028, 3, 1, 0, 0, 0, 0, cst)}
		b := BaselineWindow(feb, 2027, cst)
		// 29 days with 29 cases against 28 days with 28: no change.
		if f := Figure(29, 28, feb, b, IncidenceTarget); f.Change == nil || *f.Change != 0 {
			t.Errorf("leap February: %+v", f)
		}
	})
	t.Run("per sub-class", func(t *testing.T) {
		got := IncidenceBySubClass([]Count{{"event:0501", 10}, {"event:0102", 3}, {"", 9}}, []Count{{"event:0501", 40}, {"component:0101", 7}}, may, bw)
		var keys []string
		for _, f := range got {
			keys = append(keys, f.Category)
		}
		if d := cmp.Diff([]string{"event:0501", "component:0101", "event:0102"}, keys); d != "" {
			t.Fatalf("order (-want +got):\n%s", d)
		}
		if !got[0].MeetsTarget || *got[0].Change != -0.75 || got[1].Count != 0 || !got[1].MeetsTarget || got[2].Change != nil {
			t.Errorf("%+v", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestHotspots(t *testing.T) {
	rows := []RecurrenceRow{
		{Cell: Cell{"g1", "event:0501"}, Cases: 10, Recurring: 4},
		{Cell: Cell{"g2", "event:0501"}, Cases: 5, Recurring: 4},
		{Cell: Cell{"g3", "event:0102"}, Cases: 3, Recurring: 1},
		{Cell: Cell{"g4", ""}, Cases: 9, Recurring: 9},
	}
	got := Hotspots(rows, 2, 0)
	if len(got) != 2 || got[0].Grid != "g2" || got[0].Rate != 0.8 || got[1].Grid != "g1" {
		t.Errorf("Hotspots = %+v; want g2 (rate 0.8) then g1, no single recurrences, no unclassified", got)
	}
}

func TestParsePopulation(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]int
		bad  bool
	}{
		{"", map[string]int{}, false},
		{"320101=850000, 320102=0\n32010100100101=1200", map[string]int{"320101": 850000, "320102": 0, "32010100100101": 1200}, false},
		{"320101=850000;", map[string]int{"320101": 850000}, false},
		{"320101", nil, true},
		{"=5", nil, true},
		{"abc=5", nil, true},
		{"320101=-1", nil, true},
		{"320101=1e6", nil, true},
		{"320101=1,320101=2", nil, true},
		{"320101=100000001", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePopulation(tc.in)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want bad %v", err, tc.bad)
			}
			if !tc.bad {
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
				again, err := ParsePopulation(FormatPopulation(got))
				if err != nil || !cmp.Equal(got, again) {
					t.Errorf("round trip: %v, %v", again, err)
				}
			}
		})
	}
}

// FuzzParsePopulation: the setting's parser never panics, and what it
// accepts formats and parses back to the same map.
func FuzzParsePopulation(f *testing.F) {
	for _, s := range []string{"", "320101=850000", "1=2,3=4\n5=6", "a=b", "320101=", "=,=,", "1=0;2=99999999", "１=２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParsePopulation(s)
		if err != nil {
			return
		}
		again, err := ParsePopulation(FormatPopulation(m))
		if err != nil || !cmp.Equal(m, again) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}
