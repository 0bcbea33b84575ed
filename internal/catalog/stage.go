package catalog

import (
	"fmt"
	"maps"
	"slices"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// Stages of the closed loop that carry their own limit (环节时限), as
// opposed to the whole-case disposal limit of a filing condition.
const (
	StageAccept   = "accept"   // 受理: register a report
	StageVerify   = "verify"   // 核实: supervisor confirms a public report on site
	StageFile     = "file"     // 立案: shift lead files the case
	StageDispatch = "dispatch" // 派遣: dispatcher sends it to a unit
	StageSign     = "sign"     // 签收: the unit acknowledges it
	StageCheck    = "check"    // 核查: supervisor re-checks the disposal on site
)

// Stages lists the stage keys in loop order.
func Stages() []string {
	return []string{StageAccept, StageVerify, StageFile, StageDispatch, StageSign, StageCheck}
}

// StageLimits maps a stage key to its limit.
type StageLimits map[string]worktime.Limit

// Validate requires a positive limit in a known unit for every stage, since
// a stage without a limit would silently never turn red.
func (s StageLimits) Validate() error {
	e := errs.Invalid("stage limits are not valid")
	for _, st := range Stages() {
		l, ok := s[st]
		switch {
		case !ok:
			e.WithField(st, "missing")
		case !l.Unit.Valid():
			e.WithField(st+".unit", fmt.Sprintf("unknown unit %q", l.Unit))
		case !(l.Amount > 0) || !finite(l.Amount):
			e.WithField(st+".amount", "must be a positive number")
		}
	}
	for k := range s {
		if !isStage(k) {
			e.WithField(k, "unknown stage")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func isStage(k string) bool { return slices.Contains(Stages(), k) }

// tenMinutes is 10 minutes in hours, rounded up so that converting it to a
// duration never lands a nanosecond short of 10 minutes.
const tenMinutes = 0.1666667

// DefaultStageLimits are the built-in stage limits, drawn from the practice
// collected in DOMAIN.md §2.5: urgent cases run on the natural clock in
// minutes (立案+派遣 within 10 min, LOC-TY), ordinary ones on working hours
// (受理 30 min, 核实 1 h, 立案+派遣 within 1 working hour, 签收 within 1 h,
// LOC-FZ), and engineering cases allow longer site visits. The embedded data
// file repeats them so a city can change them without a rebuild.
func DefaultStageLimits() map[Urgency]StageLimits {
	nat := func(h float64) worktime.Limit { return worktime.Limit{Amount: h, Unit: worktime.NaturalHours} }
	wh := func(h float64) worktime.Limit { return worktime.Limit{Amount: h, Unit: worktime.WorkingHours} }
	return map[Urgency]StageLimits{
		Urgent: {
			StageAccept: nat(tenMinutes), StageVerify: nat(0.5), StageFile: nat(tenMinutes),
			StageDispatch: nat(tenMinutes), StageSign: nat(0.5), StageCheck: nat(1),
		},
		Normal: {
			StageAccept: wh(0.5), StageVerify: wh(1), StageFile: wh(0.5),
			StageDispatch: wh(0.5), StageSign: wh(1), StageCheck: wh(1),
		},
		Complex: {
			StageAccept: wh(0.5), StageVerify: wh(2), StageFile: wh(1),
			StageDispatch: wh(1), StageSign: wh(1), StageCheck: wh(2),
		},
	}
}

func validateStageTable(t map[Urgency]StageLimits) error {
	e := errs.Invalid("stage limits are not valid")
	for _, u := range Urgencies() {
		if err := t[u].Validate(); err != nil {
			se, _ := errs.As(err)
			for _, f := range se.Fields {
				e.WithField(string(u)+"."+f.Field, f.Message)
			}
		}
	}
	for u := range t {
		if !u.Valid() {
			e.WithField(string(u), "unknown urgency")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func cloneStageTable(t map[Urgency]StageLimits) map[Urgency]StageLimits {
	out := make(map[Urgency]StageLimits, len(t))
	for u, l := range t {
		out[u] = maps.Clone(l)
	}
	return out
}
