package catalog

import (
	"fmt"
	"math"
	"slices"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// Text is a name or sentence in both languages the platform serves. Zh is
// authoritative (it is what the standards and local manuals say); En helps
// non-Chinese staff and API clients.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Urgency decides which clock a disposal limit runs on (DOMAIN.md §4).
type Urgency string

const (
	Urgent  Urgency = "urgent"  // 紧急: danger to life or traffic; natural hours, 24×7
	Normal  Urgency = "normal"  // 一般: working hours or days
	Complex Urgency = "complex" // 工程/复杂: engineering work; working days
)

// Valid reports whether u is one of the three known urgencies.
func (u Urgency) Valid() bool { return u == Urgent || u == Normal || u == Complex }

// Urgencies lists the urgencies in display order.
func Urgencies() []Urgency { return []Urgency{Urgent, Normal, Complex} }

// Condition is one numbered filing condition (立案条件 n) of a sub-class.
// Local 立案结案标准 manuals give each condition its own disposal limit and
// its own closing condition (结案条件), so a missing cover and a rattling
// cover of the same sub-class get different clocks; a case records which
// number it was filed under.
type Condition struct {
	No      int            `json:"no"`
	Text    Text           `json:"text"`
	Urgency Urgency        `json:"urgency"`
	Limit   worktime.Limit `json:"limit"`
	Closing Text           `json:"closing"`
}

// Defaults for duplicate detection, used when a sub-class leaves them zero.
const (
	DefaultDupRadiusM     = 50
	DefaultDupWindowHours = 72
)

// SubClass is one version of a sub-class (小类) in the dictionary. Versions
// are never edited in place: an edit adds a version whose EffectiveFrom ends
// the previous one, so a case filed last year is still judged by last year's
// conditions and limits.
type SubClass struct {
	Ref        Ref         `json:"ref"`
	Major      string      `json:"major"` // 2 digits; "" means take it from Ref.Code
	MajorName  Text        `json:"major_name"`
	Name       Text        `json:"name"`
	Conditions []Condition `json:"conditions"`
	// Department is the default responsible unit when no rule in the joint
	// enforcement list matches; it may be [StreetOffice].
	Department string `json:"department"`
	LegalBasis string `json:"legal_basis,omitempty"`
	// Duplicate detection: a new report of the same sub-class within this
	// radius and window is offered as a duplicate. Zero means the default.
	DupRadiusM     float64 `json:"dup_radius_m"`
	DupWindowHours float64 `json:"dup_window_hours"`
	// The version is in force during [EffectiveFrom, EffectiveTo); a nil
	// EffectiveTo means open-ended.
	EffectiveFrom time.Time  `json:"effective_from"`
	EffectiveTo   *time.Time `json:"effective_to,omitempty"`
	Version       int        `json:"version"`
}

// Condition returns filing condition no.
func (s SubClass) Condition(no int) (Condition, bool) {
	for _, c := range s.Conditions {
		if c.No == no {
			return c, true
		}
	}
	return Condition{}, false
}

// EffectiveAt reports whether this version is in force at t.
func (s SubClass) EffectiveAt(t time.Time) bool {
	return !t.Before(s.EffectiveFrom) && (s.EffectiveTo == nil || t.Before(*s.EffectiveTo))
}

// Validate checks the sub-class on its own, without the dictionary around
// it (whether its department exists is checked by [New] and the With
// methods). It returns a KindInvalid *errs.Error listing every bad field, so
// an admin form can mark them all at once.
func (s SubClass) Validate() error {
	e := errs.Invalid("sub-class %s is not valid", s.Ref)
	if err := s.Ref.Validate(); err != nil {
		e.WithField("ref", errMessage(err))
	} else if s.Major != "" && s.Major != s.Ref.Major() {
		e.WithField("major", fmt.Sprintf("major %q does not match code %s", s.Major, s.Ref.Code))
	}
	if s.MajorName.Zh == "" {
		e.WithField("major_name.zh", "the major class needs a Chinese name")
	}
	if s.Name.Zh == "" {
		e.WithField("name.zh", "the sub-class needs a Chinese name")
	}
	if s.Department == "" {
		e.WithField("department", "a default responsible department is required")
	}
	if s.DupRadiusM < 0 || !finite(s.DupRadiusM) {
		e.WithField("dup_radius_m", "must be zero (default) or a positive number of metres")
	}
	if s.DupWindowHours < 0 || !finite(s.DupWindowHours) {
		e.WithField("dup_window_hours", "must be zero (default) or a positive number of hours")
	}
	if s.EffectiveFrom.IsZero() {
		e.WithField("effective_from", "required")
	}
	if s.EffectiveTo != nil && !s.EffectiveTo.After(s.EffectiveFrom) {
		e.WithField("effective_to", "must be after effective_from")
	}
	if s.Version < 0 {
		e.WithField("version", "must not be negative")
	}
	if len(s.Conditions) == 0 {
		e.WithField("conditions", "at least one filing condition is required")
	}
	for i, c := range s.Conditions {
		f := fmt.Sprintf("conditions[%d].", i)
		if c.No != i+1 {
			// Numbers are what cases and reports cite ("立案条件 2"), so they
			// must be dense and in order, never reused for something else.
			e.WithField(f+"no", fmt.Sprintf("condition numbers must run 1..%d in order; got %d at position %d", len(s.Conditions), c.No, i+1))
		}
		if c.Text.Zh == "" {
			e.WithField(f+"text.zh", "the filing condition needs a Chinese text")
		}
		if !c.Urgency.Valid() {
			e.WithField(f+"urgency", fmt.Sprintf("unknown urgency %q, want urgent, normal or complex", c.Urgency))
		}
		switch {
		case !c.Limit.Unit.Valid():
			e.WithField(f+"limit.unit", fmt.Sprintf("unknown unit %q, want working_hours, working_days or natural_hours", c.Limit.Unit))
		case c.Urgency == Urgent && c.Limit.Unit != worktime.NaturalHours:
			// An emergency clock that stops at 17:30 on Friday would let a
			// missing manhole cover wait for Monday.
			e.WithField(f+"limit.unit", "an urgent condition must run on natural_hours")
		}
		if !(c.Limit.Amount > 0) || !finite(c.Limit.Amount) {
			e.WithField(f+"limit.amount", "the disposal limit must be a positive number")
		}
		if c.Closing.Zh == "" {
			e.WithField(f+"closing.zh", "the closing condition (结案条件) is required")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// withDefaults fills the fields whose zero value means "the usual": the
// major from the code, the duplicate radius and window, and UTC times.
func (s SubClass) withDefaults() SubClass {
	s = s.clone()
	if s.Major == "" {
		s.Major = s.Ref.Major()
	}
	if s.DupRadiusM == 0 {
		s.DupRadiusM = DefaultDupRadiusM
	}
	if s.DupWindowHours == 0 {
		s.DupWindowHours = DefaultDupWindowHours
	}
	s.EffectiveFrom = s.EffectiveFrom.UTC()
	if s.EffectiveTo != nil {
		t := s.EffectiveTo.UTC()
		s.EffectiveTo = &t
	}
	return s
}

// clone copies the parts a caller could otherwise change behind a
// snapshot's back.
func (s SubClass) clone() SubClass {
	s.Conditions = slices.Clone(s.Conditions)
	if s.EffectiveTo != nil {
		t := *s.EffectiveTo
		s.EffectiveTo = &t
	}
	return s
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// errMessage is the user-safe message of err.
func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}
