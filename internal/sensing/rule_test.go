package sensing

import (
	"testing"
	"time"
)

func TestStep_Hysteresis(t *testing.T) {
	fumes := Rule{ID: "fumes", Kind: KindFumes, Metric: "fumes_mg", Threshold: 2.0, Clear: 1.6,
		For: Duration(10 * time.Minute), ClearFor: Duration(30 * time.Minute), Category: "event:0602", Condition: 2}
	tilt := Rule{ID: "cover-tilt", Kind: KindCover, Metric: "tilt_deg", Threshold: 15, Clear: 5, ClearFor: Duration(5 * time.Minute)}
	noise := Rule{ID: "noise-night", Kind: KindNoise, Metric: "noise_db", ZoneLimit: true, Band: 3, Window: Night,
		For: Duration(10 * time.Minute), ClearFor: Duration(10 * time.Minute)}
	dev := &Device{ID: "d1", Kind: KindFumes, ZoneClass: "1"}
	// 2024-06-10 22:30 China time: night.
	night := time.Date(2024, 6, 10, 22, 30, 0, 0, chinaTime)
	noon := time.Date(2024, 6, 10, 12, 0, 0, 0, chinaTime)
	type step struct {
		min  int
		v    float64
		want Phase
		eff  Effect
	}
	tests := []struct {
		name  string
		rule  Rule
		start time.Time
		steps []step
	}{
		{"fumes over 2.0 for 10 minutes opens once", fumes, noon, []step{
			{0, 2.5, PhasePending, EffectNone}, {5, 2.6, PhasePending, EffectNone}, {10, 2.4, PhaseFiring, EffectOpen},
			{11, 3.0, PhaseFiring, EffectNone}}},
		{"a dip under the threshold before 10 minutes resets", fumes, noon, []step{
			{0, 2.5, PhasePending, EffectNone}, {5, 1.9, PhaseNormal, EffectNone}, {10, 2.5, PhasePending, EffectNone}, {20, 2.5, PhaseFiring, EffectOpen}}},
		{"the dead band between clear and threshold holds a firing rule", fumes, noon, []step{
			{0, 2.5, PhasePending, EffectNone}, {10, 2.5, PhaseFiring, EffectOpen}, {20, 1.8, PhaseFiring, EffectNone}, {60, 1.9, PhaseFiring, EffectNone}}},
		{"normal for 30 minutes resolves", fumes, noon, []step{
			{0, 2.5, PhasePending, EffectNone}, {10, 2.5, PhaseFiring, EffectOpen}, {20, 1.0, PhaseClearing, EffectNone},
			{40, 1.0, PhaseClearing, EffectNone}, {50, 1.2, PhaseNormal, EffectResolve}}},
		{"a flapping cover opens one case", tilt, noon, []step{
			{0, 30, PhaseFiring, EffectOpen}, {1, 2, PhaseClearing, EffectNone}, {2, 40, PhaseFiring, EffectNone},
			{3, 1, PhaseClearing, EffectNone}, {4, 25, PhaseFiring, EffectNone}, {5, 3, PhaseClearing, EffectNone},
			{9, 3, PhaseClearing, EffectNone}, {10, 2, PhaseNormal, EffectResolve}}},
		{"noise over the class-1 night limit of 45 dB for 10 minutes", noise, night, []step{
			{0, 50, PhasePending, EffectNone}, {10, 48, PhaseFiring, EffectOpen}, {12, 43, PhaseFiring, EffectNone}, // 43 > 42 (band 3): hold
			{13, 41, PhaseClearing, EffectNone}, {23, 40, PhaseNormal, EffectResolve}}},
		{"the same noise at noon is under the day limit of 55", noise, noon, []step{
			{0, 50, PhaseNormal, EffectNone}, {20, 54, PhaseNormal, EffectNone}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := RuleState{Device: dev.ID, Rule: tt.rule.ID}
			for i, s := range tt.steps {
				var eff Effect
				st, eff = Step(&tt.rule, dev, st, tt.start.Add(time.Duration(s.min)*time.Minute), map[string]float64{tt.rule.Metric: s.v})
				if st.Phase != s.want || eff != s.eff {
					t.Fatalf("step %d (t+%dm, %.1f): phase %s effect %s, want %s %s", i, s.min, s.v, st.Phase, eff, s.want, s.eff)
				}
			}
		})
	}
}

func TestStep_IgnoresRedeliveryAndOtherMetrics(t *testing.T) {
	r := Rule{ID: "cover-tilt", Kind: KindCover, Metric: "tilt_deg", Threshold: 15, Clear: 5}
	d := &Device{ID: "c1", Kind: KindCover}
	t0 := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	st, eff := Step(&r, d, RuleState{}, t0, map[string]float64{"tilt_deg": 30})
	if eff != EffectOpen {
		t.Fatalf("effect %s", eff)
	}
	if _, eff := Step(&r, d, st, t0, map[string]float64{"tilt_deg": 30}); eff != EffectNone {
		t.Fatalf("a redelivered reading acted again: %s", eff)
	}
	if st2, _ := Step(&r, d, st, t0.Add(time.Second), map[string]float64{"battery_pct": 80}); st2 != st {
		t.Fatalf("a reading without the metric changed the state")
	}
}

func TestHours_Contains(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2024, 1, 1, h, m, 0, 0, chinaTime) }
	for _, c := range []struct {
		h    Hours
		t    time.Time
		want bool
	}{
		{Night, at(22, 0), true}, {Night, at(5, 59), true}, {Night, at(6, 0), false}, {Night, at(12, 0), false},
		{Day, at(6, 0), true}, {Day, at(21, 59), true}, {Hours{}, at(3, 0), true},
		{Hours{From: "17:00", To: "21:00"}, at(18, 30), true}, {Hours{From: "17:00", To: "21:00"}, at(21, 0), false},
	} {
		if got := c.h.Contains(c.t); got != c.want {
			t.Errorf("%v contains %s = %v, want %v", c.h, c.t.Format("15:04"), got, c.want)
		}
	}
}

func TestDefaultRulesValid(t *testing.T) {
	for _, r := range DefaultRules() {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
	}
}
