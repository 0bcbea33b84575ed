package inspect

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// OutcomeKind is what an inspection found.
type OutcomeKind string

const (
	OutcomePassed   OutcomeKind = "passed"   // 合格
	OutcomeFailed   OutcomeKind = "failed"   // 不合格
	OutcomeRectify  OutcomeKind = "rectify"  // 责令整改
	OutcomeReferred OutcomeKind = "referred" // 移送立案
	OutcomeAbsent   OutcomeKind = "absent"   // 未发现检查对象（已停业、已迁址）
)

// Outcomes lists the kinds in the order forms show them.
var Outcomes = []OutcomeKind{OutcomePassed, OutcomeFailed, OutcomeRectify, OutcomeReferred, OutcomeAbsent}

// OutcomeName is the standard term of an outcome.
func OutcomeName(k OutcomeKind) string {
	switch k {
	case OutcomePassed:
		return "合格"
	case OutcomeFailed:
		return "不合格"
	case OutcomeRectify:
		return "责令整改"
	case OutcomeReferred:
		return "移送立案"
	case OutcomeAbsent:
		return "未发现检查对象"
	}
	return string(k)
}

// Outcome is the recorded result of inspecting one drawn object. It is
// public as soon as it is recorded; PublishBy is the legal deadline for
// that (ResultDays working days after the inspection), so a result
// entered late shows as late.
type Outcome struct {
	Object      string      `json:"object_id"`
	Kind        OutcomeKind `json:"outcome"`
	Note        string      `json:"note"`
	InspectedAt time.Time   `json:"inspected_at"`
	RecordedAt  time.Time   `json:"recorded_at"`
	RecordedBy  string      `json:"recorded_by"`
	PublishBy   time.Time   `json:"publish_by"`
}

// OnTime reports whether the result was public by its deadline.
func (o *Outcome) OnTime() bool { return !o.RecordedAt.After(o.PublishBy) }

// OutcomeInput is what an inspector reports.
type OutcomeInput struct {
	Object      string      `json:"object_id"`
	Kind        OutcomeKind `json:"outcome"`
	Note        string      `json:"note"`
	InspectedAt time.Time   `json:"inspected_at"`
}

// maxNote bounds an outcome's note.
const maxNote = 1000

// DecideOutcome checks an outcome against the drawn plan and computes its
// publication deadline on the working calendar. now is the recording time.
func DecideOutcome(p *Plan, in OutcomeInput, by string, now time.Time, cal *worktime.Calendar) (Outcome, error) {
	if p.Status != StatusDrawn || p.Draw == nil {
		return Outcome{}, errs.Conflict("计划 %s 尚未抽取，不能登记检查结果 / plan %s has not been drawn yet; record outcomes after the draw", p.ID, p.ID).
			With("status", p.Status)
	}
	bad := errs.Invalid("检查结果有误 / the outcome is not valid")
	in.Object = strings.TrimSpace(in.Object)
	in.Note = strings.TrimSpace(in.Note)
	found := false
	for _, a := range p.Draw.Assignments {
		if a.Object.ID == in.Object {
			found = true
			break
		}
	}
	if !found {
		bad.WithField("object_id", "此对象未被抽中 / this object was not drawn in the plan")
	}
	okKind := false
	for _, k := range Outcomes {
		okKind = okKind || k == in.Kind
	}
	if !okKind {
		bad.WithField("outcome", "须为 passed（合格）、failed（不合格）、rectify（责令整改）、referred（移送立案）或 absent（未发现检查对象）/ one of passed, failed, rectify, referred, absent")
	}
	if utf8.RuneCountInString(in.Note) > maxNote || strings.ContainsFunc(in.Note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		bad.WithField("note", "最多 1000 个字符，不含控制字符 / at most 1000 characters, no control characters")
	}
	switch {
	case in.InspectedAt.IsZero():
		bad.WithField("inspected_at", "必填，RFC 3339 时间 / required, an RFC 3339 time")
	case in.InspectedAt.Before(p.Draw.DrawnAt):
		bad.WithField("inspected_at", "不能早于抽取时间 / cannot be before the draw")
	case in.InspectedAt.After(now.Add(5 * time.Minute)):
		bad.WithField("inspected_at", "不能晚于现在 / cannot be in the future")
	}
	if len(bad.Fields) > 0 {
		return Outcome{}, bad
	}
	days := p.ResultDays
	if days <= 0 {
		days = DefaultResultDays
	}
	return Outcome{Object: in.Object, Kind: in.Kind, Note: in.Note, InspectedAt: in.InspectedAt.UTC(), RecordedAt: now.UTC(), RecordedBy: by,
		PublishBy: cal.Deadline(in.InspectedAt, worktime.Limit{Amount: float64(days), Unit: worktime.WorkingDays}).UTC()}, nil
}
