package sensing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
)

// China keeps one offset all year, so local hours need no tz database.
var chinaTime = time.FixedZone("CST", 8*3600)

// Hours is a daily window in China time, "HH:MM"–"HH:MM"; a window whose end
// is before its start runs over midnight (22:00–06:00). Zero means all day.
type Hours struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Contains reports whether t falls in the window.
func (h Hours) Contains(t time.Time) bool {
	if h.From == "" && h.To == "" {
		return true
	}
	from, err1 := minuteOfDay(h.From)
	to, err2 := minuteOfDay(h.To)
	if err1 != nil || err2 != nil {
		return false
	}
	lt := t.In(chinaTime)
	m := lt.Hour()*60 + lt.Minute()
	if from <= to {
		return m >= from && m < to
	}
	return m >= from || m < to
}

// Validate checks the two times.
func (h Hours) Validate() error {
	if h.From == "" && h.To == "" {
		return nil
	}
	if _, err := minuteOfDay(h.From); err != nil {
		return err
	}
	_, err := minuteOfDay(h.To)
	return err
}

func minuteOfDay(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, errs.Invalid("time %q must be HH:MM", clip(s, 20))
	}
	return h*60 + m, nil
}

// Night is GB 3096's night, 22:00–06:00; Day is the rest.
var (
	Night = Hours{From: "22:00", To: "06:00"}
	Day   = Hours{From: "06:00", To: "22:00"}
)

// NoiseLimits are the GB 3096-2008 environmental noise limits in dB(A) Leq
// per acoustic zone class: {day, night}.
var NoiseLimits = map[string][2]float64{
	"0": {50, 40}, "1": {55, 45}, "2": {60, 50}, "3": {65, 55}, "4a": {70, 55}, "4b": {70, 60},
}

// Rule is a threshold held for a duration, inside a daily window, with a
// hysteresis band: a breach is value > Threshold (or < when Below), and the
// reading counts as normal again only past Clear, so a value hovering at
// the threshold neither opens nor closes anything.
type Rule struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Metric string `json:"metric"`
	Below  bool   `json:"below,omitempty"`
	// Threshold and Clear are fixed values, unless ZoneLimit takes the
	// threshold from the device's GB 3096 zone class for the window (day or
	// night); then Clear is Threshold minus Band.
	Threshold float64 `json:"threshold"`
	Clear     float64 `json:"clear"`
	ZoneLimit bool    `json:"zone_limit,omitempty"`
	Band      float64 `json:"band,omitempty"`
	Window    Hours   `json:"window"`
	// For is how long the breach must last before a case opens; ClearFor
	// how long readings must stay normal before the case resolves.
	For      Duration `json:"for"`
	ClearFor Duration `json:"clear_for"`
	// Category is the sub-class the case files under; empty means the
	// device's own Category.
	Category  string `json:"category"`
	Condition int    `json:"condition"`
	// AutoFile files the case at once (high-confidence rules); otherwise it
	// waits in 待受理 for an operator.
	AutoFile bool   `json:"auto_file"`
	Title    string `json:"title"`
	Disabled bool   `json:"disabled,omitempty"`
}

// Duration is a time.Duration written as "10m" in JSON.
type Duration time.Duration

// D is the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalText writes "10m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "10m", "90s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errs.Invalid("duration %q must look like 90s, 10m or 1h", clip(string(b), 20))
	}
	*d = Duration(v)
	return nil
}

// Validate checks a rule.
func (r *Rule) Validate() error {
	bad := errs.Invalid("the rule is not valid")
	if !ValidID(r.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	} else if pseudoRules[r.ID] {
		// Their states share the table (and the keys) of the rules' states.
		bad.WithField("id", fmt.Sprintf("%q names a built-in check; pick another id", r.ID))
	}
	if !r.Kind.Valid() {
		bad.WithField("kind", "unknown device kind")
	} else if _, ok := Metrics[r.Kind][r.Metric]; !ok {
		bad.WithField("metric", fmt.Sprintf("%s devices report no metric %q", r.Kind, r.Metric))
	}
	if r.ZoneLimit && r.Kind != KindNoise {
		bad.WithField("zone_limit", "only noise rules take GB 3096 zone limits")
	}
	if !r.ZoneLimit {
		if r.Below && r.Clear < r.Threshold || !r.Below && r.Clear > r.Threshold {
			bad.WithField("clear", "the clear level must sit on the normal side of the threshold")
		}
	}
	if err := r.Window.Validate(); err != nil {
		bad.WithField("window", "HH:MM–HH:MM")
	}
	if r.For < 0 || r.ClearFor < 0 || r.For.D() > 24*time.Hour || r.ClearFor.D() > 24*time.Hour {
		bad.WithField("for", "0–24h")
	}
	if r.Category != "" {
		if _, err := catalog.ParseRef(r.Category); err != nil {
			bad.WithField("category", "a catalog ref such as event:0602")
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// pseudoRules are the ids of the built-in checks that are not threshold rules.
var pseudoRules = map[string]bool{RuleOffline: true, RuleCameraOffline: true, RuleOverstay: true, RuleMissed: true}

// Limits returns the threshold and clear level in force for d at t.
func (r *Rule) Limits(d *Device, t time.Time) (threshold, clear float64) {
	if !r.ZoneLimit {
		return r.Threshold, r.Clear
	}
	lim, ok := NoiseLimits[d.ZoneClass]
	if !ok {
		lim = NoiseLimits["2"]
	}
	threshold = lim[0]
	if Night.Contains(t) {
		threshold = lim[1]
	}
	return threshold, threshold - r.Band
}

// CategoryFor is the sub-class a breach of r by d files under.
func (r *Rule) CategoryFor(d *Device) string {
	if r.Category != "" {
		return r.Category
	}
	return d.Category
}

// DefaultRules are the rules a new city starts with (DOMAIN.md §8).
func DefaultRules() []Rule {
	return []Rule{
		{ID: "noise-night", Kind: KindNoise, Metric: "noise_db", ZoneLimit: true, Band: 3, Window: Night,
			For: Duration(10 * time.Minute), ClearFor: Duration(10 * time.Minute), Category: "event:0301", Condition: 1,
			Title: "夜间噪声超过 GB 3096 区域限值"},
		{ID: "noise-day", Kind: KindNoise, Metric: "noise_db", ZoneLimit: true, Band: 3, Window: Day,
			For: Duration(30 * time.Minute), ClearFor: Duration(15 * time.Minute), Category: "event:0301", Condition: 2,
			Title: "昼间噪声超过 GB 3096 区域限值"},
		{ID: "fumes", Kind: KindFumes, Metric: "fumes_mg", Threshold: 2.0, Clear: 1.6,
			For: Duration(10 * time.Minute), ClearFor: Duration(30 * time.Minute), Category: "event:0602", Condition: 2,
			Title: "油烟排放浓度超过 GB 18483 限值 2.0 mg/m³"},
		{ID: "cover-tilt", Kind: KindCover, Metric: "tilt_deg", Threshold: 15, Clear: 5,
			ClearFor: Duration(5 * time.Minute), Condition: 2, AutoFile: true,
			Title: "井盖倾斜或移位"},
		{ID: "cover-level", Kind: KindCover, Metric: "level_cm", Threshold: 80, Clear: 60,
			For: Duration(5 * time.Minute), ClearFor: Duration(15 * time.Minute), Category: "event:0404", Condition: 1,
			Title: "井内水位过高，可能堵塞或满溢"},
		{ID: "dust", Kind: KindAir, Metric: "pm10", Threshold: 150, Clear: 120,
			For: Duration(30 * time.Minute), ClearFor: Duration(30 * time.Minute), Category: "event:0302", Condition: 1,
			Title: "PM10 超过 150 µg/m³，疑似扬尘"},
		{ID: "bin-full", Kind: KindBin, Metric: "fill_pct", Threshold: 90, Clear: 50,
			ClearFor: Duration(time.Minute), Category: "component:0305", Condition: 1, AutoFile: true,
			Title: "垃圾桶满溢"},
		{ID: "waterlogging", Kind: KindWater, Metric: "water_cm", Threshold: 15, Clear: 5,
			For: Duration(5 * time.Minute), ClearFor: Duration(10 * time.Minute), Category: "event:0406", Condition: 1,
			Title: "道路积水超过 15 cm"},
	}
}

// Phase is where a rule stands for one device.
type Phase string

const (
	PhaseNormal   Phase = "normal"   // no breach
	PhasePending  Phase = "pending"  // breaching, not yet for long enough
	PhaseFiring   Phase = "firing"   // breach held: a case is (being) opened
	PhaseClearing Phase = "clearing" // normal again, not yet for long enough
)

// RuleState is one rule's state for one device.
type RuleState struct {
	Device string    `json:"device_id"`
	Rule   string    `json:"rule_id"`
	Phase  Phase     `json:"phase"`
	Since  time.Time `json:"since"`   // when the current phase began (by reading time)
	LastTS time.Time `json:"last_ts"` // the newest reading applied
	Peak   float64   `json:"peak"`    // worst value of the episode
	// CaseID is the case of the current or last episode; it stays after
	// the episode ends while the case waits to be resolved.
	CaseID string `json:"case_id,omitempty"`
	// Resolve asks for CaseID to be resolved (the episode ended).
	Resolve bool `json:"resolve,omitempty"`
}

// Effect is what a step asks the service to do.
type Effect int

const (
	EffectNone    Effect = iota
	EffectOpen           // open (or keep) a case for the episode
	EffectResolve        // readings are normal again: resolve the episode's case
)

func (e Effect) String() string {
	return [...]string{"none", "open", "resolve"}[e]
}

// Step applies one reading to one rule's state. It ignores readings without
// the rule's metric and readings not newer than the last one applied, so a
// redelivered MQTT message changes nothing.
func Step(r *Rule, d *Device, s RuleState, ts time.Time, values map[string]float64) (RuleState, Effect) {
	v, ok := values[r.Metric]
	if !ok || r.Disabled || (!s.LastTS.IsZero() && !ts.After(s.LastTS)) {
		return s, EffectNone
	}
	s.LastTS = ts
	if s.Phase == "" {
		s.Phase = PhaseNormal
	}
	threshold, clear := r.Limits(d, ts)
	in := r.Window.Contains(ts)
	breach := in && (v > threshold && !r.Below || v < threshold && r.Below)
	normal := !in || (v <= clear && !r.Below || v >= clear && r.Below)
	worse := func() {
		if r.Below && v < s.Peak || !r.Below && v > s.Peak {
			s.Peak = v
		}
	}
	switch s.Phase {
	case PhaseNormal:
		if !breach {
			return s, EffectNone
		}
		s.Phase, s.Since, s.Peak = PhasePending, ts, v
		if r.For <= 0 {
			s.Phase = PhaseFiring
			return s, EffectOpen
		}
	case PhasePending:
		if !breach {
			s.Phase, s.Since = PhaseNormal, ts
			return s, EffectNone
		}
		worse()
		if ts.Sub(s.Since) >= r.For.D() {
			s.Phase, s.Since = PhaseFiring, ts
			return s, EffectOpen
		}
	case PhaseFiring:
		worse()
		if normal {
			s.Phase, s.Since = PhaseClearing, ts
			if r.ClearFor <= 0 {
				s.Phase = PhaseNormal
				return s, EffectResolve
			}
		}
	case PhaseClearing:
		if !normal {
			// Back over the clear level: the same episode goes on.
			worse()
			s.Phase, s.Since = PhaseFiring, ts
			return s, EffectNone
		}
		if ts.Sub(s.Since) >= r.ClearFor.D() {
			s.Phase, s.Since = PhaseNormal, ts
			return s, EffectResolve
		}
	}
	return s, EffectNone
}
