package sensing

import (
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
)

// Mode says what happens when a camera sees a new problem.
type Mode string

const (
	// ModeConfirm files nothing by itself: the case waits in 待受理 until an
	// operator confirms it. It is the default (DOMAIN.md §8: ~70 % accuracy
	// in the field means people must keep judging).
	ModeConfirm Mode = "confirm"
	// ModeAuto files the case at once, but only while the class has earned
	// it: measured precision at or over AutoFloor on at least MinSamples
	// judged cases. Otherwise it falls back to ModeConfirm by itself.
	ModeAuto Mode = "auto"
	// ModeRemind tells the party first (the vendor's display, an SMS
	// template) and files a case only if a capture RemindAfter later still
	// shows the problem (萧山/平湖 柔性执法, DOMAIN.md §7.4).
	ModeRemind Mode = "remind"
)

// Policy is how one sub-class of AI events is handled.
type Policy struct {
	Category      string   `json:"category"`
	MinConfidence float64  `json:"min_confidence"`
	Window        Duration `json:"dedup_window"` // one track per camera and place within this window
	Mode          Mode     `json:"mode"`
	RemindAfter   Duration `json:"remind_after,omitempty"`
	Template      string   `json:"reminder_template,omitempty"`
	AutoFloor     float64  `json:"auto_floor"`  // precision needed for automatic filing
	MinSamples    int      `json:"min_samples"` // judged cases needed before precision counts
	Condition     int      `json:"condition,omitempty"`
}

// PolicyFields are the fields a policy PUT must send. A PUT replaces the
// whole policy, and Validate fills a zero with a default (or takes 0 as
// meant: min_confidence 0 lets every detection through), so a field left
// out would silently reset what an administrator set before.
var PolicyFields = []string{"min_confidence", "dedup_window", "mode", "auto_floor", "min_samples"}

// Validate checks a policy and fills defaults.
func (p *Policy) Validate() error {
	bad := errs.Invalid("the AI policy is not valid")
	if _, err := catalog.ParseRef(p.Category); err != nil {
		bad.WithField("category", "a catalog ref such as event:0501")
	}
	if p.MinConfidence < 0 || p.MinConfidence > 1 || p.AutoFloor < 0 || p.AutoFloor > 1 {
		bad.WithField("min_confidence", "0–1")
	}
	switch p.Mode {
	case "":
		p.Mode = ModeConfirm
	case ModeConfirm, ModeAuto, ModeRemind:
	default:
		bad.WithField("mode", "confirm, auto or remind")
	}
	if p.Window < 0 || p.Window.D() > 7*24*time.Hour || p.RemindAfter < 0 || p.RemindAfter.D() > 24*time.Hour {
		bad.WithField("dedup_window", "0–168h (remind_after 0–24h)")
	}
	if p.MinSamples < 0 {
		bad.WithField("min_samples", "0 or more")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	if p.Window == 0 {
		p.Window = Duration(time.Hour)
	}
	if p.AutoFloor == 0 {
		p.AutoFloor = 0.9
	}
	if p.MinSamples == 0 {
		p.MinSamples = 20
	}
	if p.Mode == ModeRemind && p.RemindAfter == 0 {
		p.RemindAfter = Duration(10 * time.Minute)
	}
	return nil
}

// DefaultPolicy is the policy of a sub-class nobody configured.
func DefaultPolicy(category string) Policy {
	p := Policy{Category: category, MinConfidence: 0.6, Mode: ModeConfirm}
	_ = p.Validate()
	return p
}

// DefaultPolicies are the policies a new city starts with.
func DefaultPolicies() []Policy {
	ps := []Policy{
		{Category: "event:0501", MinConfidence: 0.7, Window: Duration(time.Hour)}, // 游商: people confirm
		{Category: "event:0504", MinConfidence: 0.7, Window: Duration(2 * time.Hour), Mode: ModeRemind,
			RemindAfter: Duration(15 * time.Minute), Template: "【城管提醒】您的店铺存在店外经营，请于15分钟内自行整改。"},
		{Category: "event:0505", MinConfidence: 0.8, Window: Duration(time.Hour), Mode: ModeRemind,
			RemindAfter: Duration(10 * time.Minute), Template: "【城管提醒】您的车辆停放违规，请于10分钟内驶离。"},
		{Category: "component:0305", MinConfidence: 0.8, Window: Duration(4 * time.Hour), Mode: ModeAuto},
		{Category: "event:0102", MinConfidence: 0.7, Window: Duration(4 * time.Hour), Mode: ModeAuto},
		// 垃圾混投: what is in a bag is hard to see, so people confirm; one
		// case per bin station and half day.
		{Category: MixedSortingCategory, MinConfidence: 0.75, Window: Duration(4 * time.Hour)},
		{Category: "event:0101", MinConfidence: 0.8, Window: Duration(72 * time.Hour)}, // 私搭乱建: always a person
	}
	for i := range ps {
		_ = ps[i].Validate()
	}
	return ps
}

// Tally counts judged AI cases: confirmed by a person (accepted, filed,
// verified, dispatched) or rejected as false positives.
type Tally struct {
	Confirmed int `json:"confirmed"`
	False     int `json:"false_positive"`
}

// N is the number of judged cases.
func (t Tally) N() int { return t.Confirmed + t.False }

// Precision is Confirmed / (Confirmed + False); ok is false with no judged cases.
func (t Tally) Precision() (p float64, ok bool) {
	if t.N() == 0 {
		return 0, false
	}
	return float64(t.Confirmed) / float64(t.N()), true
}

// Add adds an outcome.
func (t *Tally) Add(o Outcome) {
	switch o {
	case OutcomeConfirmed:
		t.Confirmed++
	case OutcomeFalse:
		t.False++
	}
}

// EffectiveMode is the mode in force for p given the class's measured
// precision: ModeAuto holds only while earned.
func EffectiveMode(p Policy, t Tally) Mode {
	if p.Mode != ModeAuto {
		return p.Mode
	}
	if prec, ok := t.Precision(); ok && t.N() >= p.MinSamples && prec >= p.AutoFloor {
		return ModeAuto
	}
	return ModeConfirm
}

// Outcome is how a person judged an AI case.
type Outcome string

const (
	OutcomeNone      Outcome = ""          // not judged yet
	OutcomeConfirmed Outcome = "confirmed" // a person accepted, filed, verified or dispatched it
	OutcomeFalse     Outcome = "false"     // a person rejected or voided it
	OutcomeUnjudged  Outcome = "unjudged"  // merged, or ended by the system before anyone judged it
)

// TrackPhase is where a de-duplication track stands.
type TrackPhase string

const (
	TrackOpen     TrackPhase = "open"     // a case was proposed
	TrackReminded TrackPhase = "reminded" // the party was reminded; no case yet
	TrackCleared  TrackPhase = "cleared"  // a later capture showed it gone
	TrackDropped  TrackPhase = "dropped"  // reminded, and never seen again
)

// Track is one problem at one place of one camera's frame, collecting every
// sighting within the policy's window: one stall seen 200 times in an hour
// is one track and one case.
type Track struct {
	ID         string     `json:"id"`
	Camera     string     `json:"camera_id"`
	Vendor     string     `json:"vendor"`
	Category   string     `json:"category"`
	Cell       string     `json:"cell"`
	Phase      TrackPhase `json:"phase"`
	FirstAt    time.Time  `json:"first_at"`
	LastAt     time.Time  `json:"last_at"`
	Count      int        `json:"count"`
	Confidence float64    `json:"confidence"` // the highest seen
	Snapshot   string     `json:"snapshot,omitempty"`
	RemindedAt *time.Time `json:"reminded_at,omitempty"`
	CaseID     string     `json:"case_id,omitempty"`
	AutoFiled  bool       `json:"auto_filed"`
	Outcome    Outcome    `json:"outcome,omitempty"`
	Community  string     `json:"community,omitempty"`
}

// Key is the de-duplication key: camera, sub-class and place in the frame.
func (t *Track) Key() string { return t.Camera + "|" + t.Category + "|" + t.Cell }

// EventKey is the key of the track an event belongs to.
func EventKey(e *Event) string { return e.Camera + "|" + e.Category + "|" + e.Cell() }

// Live reports whether a sighting at `at` still belongs to the track.
func (t *Track) Live(p Policy, at time.Time) bool {
	if t.Phase == TrackCleared || t.Phase == TrackDropped {
		return false
	}
	return at.Sub(t.LastAt) <= p.Window.D()
}

// Verdict is what became of one camera event.
type Verdict string

const (
	VerdictLowConfidence Verdict = "ignored_low_confidence" // under the class's minimum confidence
	VerdictUnwatched     Verdict = "ignored_unwatched"      // the camera is not set to watch the class
	VerdictAllowedZone   Verdict = "allowed_zone"           // trading in a vending zone at its hours
	VerdictDuplicate     Verdict = "duplicate"              // another sighting of a live track
	VerdictCase          Verdict = "case"                   // a new case (confirm or auto)
	VerdictRemind        Verdict = "remind"                 // the party is reminded first
	VerdictEscalate      Verdict = "escalate"               // still there after the reminder: now a case
	VerdictCleared       Verdict = "cleared"                // a later capture shows it gone
	VerdictNothing       Verdict = "nothing_to_clear"       // a "gone" capture with no live track
)

// Decision is Decide's answer.
type Decision struct {
	Verdict  Verdict `json:"verdict"`
	Mode     Mode    `json:"mode"`      // the mode in force for the class
	AutoFile bool    `json:"auto_file"` // file at once, without a person
}

// Decide turns one event into a decision. tr is the live track for the
// event's key (nil if none); inZone tells whether a vending zone allows it;
// tally is the class's measured precision.
func Decide(p Policy, tally Tally, e *Event, tr *Track, watched, inZone bool) Decision {
	mode := EffectiveMode(p, tally)
	d := Decision{Mode: mode}
	if tr != nil && !tr.Live(p, e.At) {
		tr = nil
	}
	switch {
	case e.Gone && tr != nil:
		d.Verdict = VerdictCleared
	case e.Gone:
		d.Verdict = VerdictNothing
	case !watched:
		d.Verdict = VerdictUnwatched
	case e.Confidence < p.MinConfidence:
		d.Verdict = VerdictLowConfidence
	case inZone:
		d.Verdict = VerdictAllowedZone
	case tr != nil && tr.Phase == TrackReminded && tr.RemindedAt != nil && e.At.Sub(*tr.RemindedAt) >= p.RemindAfter.D():
		d.Verdict = VerdictEscalate
	case tr != nil:
		d.Verdict = VerdictDuplicate
	case mode == ModeRemind:
		d.Verdict = VerdictRemind
	default:
		d.Verdict = VerdictCase
		d.AutoFile = mode == ModeAuto
	}
	return d
}
