package casework

import (
	"slices"
	"strings"

	"cityloop/internal/errs"
)

// Fact is a yes/no question about a stored case that the indicators of
// DOMAIN.md §5 count by (立案? 按期处置? 返工?). A fact depends only on the
// case's own columns, so the store can answer it in SQL both in a list
// filter ([Filter.Is]) and in an aggregate ([TallyQuery]): the two always
// agree, which is what lets every figure open into the cases behind it.
type Fact string

const (
	FactFiled          Fact = "filed"                 // 立案 (incl. 自行处置, which files itself)
	FactVoided         Fact = "voided"                // 作废
	FactRejected       Fact = "rejected"              // 不予受理
	FactMerged         Fact = "merged"                // 合并 (a duplicate)
	FactDispatched     Fact = "dispatched"            // 派遣 (应处置)
	FactAccurateDisp   Fact = "accurately_dispatched" // 准确派遣: no founded return (回退 that led to re-dispatch)
	FactDisposed       Fact = "disposed"              // 处置
	FactDisposedOnTime Fact = "disposed_on_time"      // 按期处置
	FactDisposedLate   Fact = "disposed_late"         // 超期处置
	FactOverdue        Fact = "overdue"               // 超期 at any stage
	FactDueToClose     Fact = "due_to_close"          // 应结案 = 处置 + 超期未处置, 挂账 excluded
	FactClosed         Fact = "closed"                // 结案
	FactClosedOnTime   Fact = "closed_on_time"        // 按期结案
	FactClosedLate     Fact = "closed_late"           // 超期结案
	FactSuspended      Fact = "suspended"             // 挂账
	FactReworked       Fact = "reworked"              // 返工 at least once
	FactReturned       Fact = "returned"              // 回退 at least once
	FactShirked        Fact = "shirked"               // 推诿 at least once
	FactExtended       Fact = "extended"              // 延期 at least once
	FactUrged          Fact = "urged"                 // 督办 at least once
	FactSelfHandled    Fact = "self_handled"          // 自行处置
	FactRated          Fact = "rated"                 // 回访/评价 done
	FactSatisfied      Fact = "satisfied"             // 满意 or 基本满意
	FactRecurrent      Fact = "recurrent"             // 复发: closed where a case was recently closed
	FactAutomatic      Fact = "automatic"             // found by a camera or sensor (自动发现)
	FactPublic         Fact = "public"                // reported by the public (公众举报: 随手拍, 12345)

	// The per-post facts (DOMAIN.md §5), read from the stage record
	// (stages.go); all false for cases stored before it.
	FactPatrol           Fact = "patrol"              // reported by a supervisor on patrol (监督员上报)
	FactVerifySent       Fact = "verify_sent"         // 发核实: sent for verification
	FactVerifySentOnTime Fact = "verify_sent_on_time" // 按时发核实: sent before the acceptance stage ran out
	FactVerifyDue        Fact = "verify_due"          // 应核实: verified, or overdue for it
	FactVerifiedOnTime   Fact = "verified_on_time"    // 按时核实
	FactCheckDue         Fact = "check_due"           // 应核查: checked, or overdue for it
	FactCheckedOnTime    Fact = "checked_on_time"     // 按时核查: every check on time (a rework's included)
	FactFilingTimed      Fact = "filing_timed"        // 立案 with the filing stage on record
	FactFiledOnTime      Fact = "filed_on_time"       // 按时立案
	FactDispatchDue      Fact = "dispatch_due"        // 应派遣: dispatched, or overdue for it
	FactDispatchedOnTime Fact = "dispatched_on_time"  // 按时派遣: every dispatch (a re-dispatch's included) on time
)

// FactNames gives each fact's standard Chinese term and English name.
var FactNames = map[Fact][2]string{
	FactFiled: {"立案", "Filed"}, FactVoided: {"作废", "Voided"}, FactRejected: {"不予受理", "Rejected"},
	FactMerged: {"合并", "Merged"}, FactDispatched: {"派遣", "Dispatched"},
	FactAccurateDisp: {"准确派遣", "Accurately dispatched"}, FactDisposed: {"处置", "Disposed"},
	FactDisposedOnTime: {"按期处置", "Disposed on time"}, FactDisposedLate: {"超期处置", "Disposed late"},
	FactOverdue: {"超期", "Overdue"}, FactDueToClose: {"应结案", "Due to close"}, FactClosed: {"结案", "Closed"},
	FactClosedOnTime: {"按期结案", "Closed on time"}, FactClosedLate: {"超期结案", "Closed late"},
	FactSuspended: {"挂账", "Suspended"}, FactReworked: {"返工", "Reworked"}, FactReturned: {"回退", "Returned"},
	FactShirked: {"推诿", "Shirked"}, FactExtended: {"延期", "Extended"}, FactUrged: {"督办", "Urged"},
	FactSelfHandled: {"自行处置", "Self-handled"}, FactRated: {"已回访", "Rated"},
	FactSatisfied: {"满意", "Satisfied"}, FactRecurrent: {"复发", "Recurrent"},
	FactAutomatic: {"自动发现", "Found automatically"}, FactPublic: {"公众举报", "Public report"},
	FactPatrol: {"监督员上报", "Patrol report"}, FactVerifySent: {"发核实", "Sent for verification"},
	FactVerifySentOnTime: {"按时发核实", "Sent for verification on time"}, FactVerifyDue: {"应核实", "Due for verification"},
	FactVerifiedOnTime: {"按时核实", "Verified on time"}, FactCheckDue: {"应核查", "Due for check"},
	FactCheckedOnTime: {"按时核查", "Checked on time"}, FactFilingTimed: {"立案（有立案环节记录）", "Filed, filing stage on record"},
	FactFiledOnTime: {"按时立案", "Filed on time"}, FactDispatchDue: {"应派遣", "Due for dispatch"},
	FactDispatchedOnTime: {"按时派遣", "Dispatched on time"},
}

// Facts lists every fact, in the order of the loop.
var Facts = []Fact{FactFiled, FactVoided, FactRejected, FactMerged, FactDispatched, FactAccurateDisp,
	FactDisposed, FactDisposedOnTime, FactDisposedLate, FactOverdue, FactDueToClose, FactClosed,
	FactClosedOnTime, FactClosedLate, FactSuspended, FactReworked, FactReturned, FactShirked,
	FactExtended, FactUrged, FactSelfHandled, FactRated, FactSatisfied, FactRecurrent, FactAutomatic, FactPublic,
	FactPatrol, FactVerifySent, FactVerifySentOnTime, FactVerifyDue, FactVerifiedOnTime, FactCheckDue, FactCheckedOnTime,
	FactFilingTimed, FactFiledOnTime, FactDispatchDue, FactDispatchedOnTime}

// Valid reports whether f is a known fact.
func (f Fact) Valid() bool { _, ok := FactNames[f]; return ok }

// excludedFromDue are the states a case leaves the 应结案 base in: 挂账 by
// the standard, and the ends that are not a closure (作废, 不予受理, 合并).
var excludedFromDue = []Status{StatusSuspended, StatusVoided, StatusRejected, StatusMerged}

// Holds answers the fact for c. It is the meaning the store's SQL must
// match; the contract suite checks the two against each other.
func (f Fact) Holds(c *Case) bool {
	switch f {
	case FactFiled:
		return c.FiledAt != nil
	case FactVoided:
		return c.Status == StatusVoided
	case FactRejected:
		return c.Status == StatusRejected
	case FactMerged:
		return c.Status == StatusMerged
	case FactDispatched:
		return c.DispatchedAt != nil
	case FactAccurateDisp:
		// A return the dispatcher upheld moved the case to another unit
		// (a dispatch error); a rejected one is the unit's 推诿.
		return c.DispatchedAt != nil && c.Returns == c.Shirks
	case FactDisposed:
		return c.DisposedAt != nil
	case FactDisposedOnTime:
		return c.DisposedAt != nil && !c.DisposedLate
	case FactDisposedLate:
		return c.DisposedAt != nil && c.DisposedLate
	case FactOverdue:
		return c.Overdue
	case FactDueToClose:
		return !slices.Contains(excludedFromDue, c.Status) && (c.DisposedAt != nil || c.Overdue)
	case FactClosed:
		return c.Status == StatusClosed
	case FactClosedOnTime:
		return c.Status == StatusClosed && !c.ClosedLate
	case FactClosedLate:
		return c.Status == StatusClosed && c.ClosedLate
	case FactSuspended:
		return c.Status == StatusSuspended
	case FactReworked:
		return c.Reworks > 0
	case FactReturned:
		return c.Returns > 0
	case FactShirked:
		return c.Shirks > 0
	case FactExtended:
		return c.Extensions > 0
	case FactUrged:
		return c.Urges > 0
	case FactSelfHandled:
		return c.SelfHandled
	case FactRated:
		return c.Satisfaction != ""
	case FactSatisfied:
		return c.Satisfaction == "satisfied" || c.Satisfaction == "basic"
	case FactRecurrent:
		return c.Recurrence != ""
	case FactAutomatic:
		return c.Source.Machine()
	case FactPublic:
		return c.Source == SourceCitizen || c.Source == SourceHotline
	case FactPatrol:
		return c.Source == SourcePatrol
	case FactVerifySent:
		return c.StagesSeen&StageBitVerify != 0
	case FactVerifySentOnTime:
		// Only pending_accept sends for verification, so the acceptance
		// stage's verdict is the sending's.
		return c.StagesSeen&StageBitVerify != 0 && c.StagesLate&StageBitAccept == 0
	case FactVerifyDue:
		return c.stageDue(StageBitVerify)
	case FactVerifiedOnTime:
		return c.stageDoneOnTime(StageBitVerify)
	case FactCheckDue:
		return c.stageDue(StageBitCheck)
	case FactCheckedOnTime:
		return c.stageDoneOnTime(StageBitCheck)
	case FactFilingTimed:
		return c.FiledAt != nil && c.stageDue(StageBitFile)
	case FactFiledOnTime:
		return c.FiledAt != nil && c.stageDoneOnTime(StageBitFile)
	case FactDispatchDue:
		return c.stageDue(StageBitDispatch)
	case FactDispatchedOnTime:
		return c.stageDoneOnTime(StageBitDispatch)
	}
	return false
}

// FactTest is one condition of a predicate: the fact holds, or (Not) it
// does not.
type FactTest struct {
	Fact Fact
	Not  bool
}

// String spells the test as the API does: "closed" or "!closed_late".
func (t FactTest) String() string {
	if t.Not {
		return "!" + string(t.Fact)
	}
	return string(t.Fact)
}

// Holds answers the test for c.
func (t FactTest) Holds(c *Case) bool { return t.Fact.Holds(c) != t.Not }

// Predicate is an AND of fact tests; the empty predicate holds for every case.
type Predicate []FactTest

// Holds reports whether every test holds for c.
func (p Predicate) Holds(c *Case) bool {
	for _, t := range p {
		if !t.Holds(c) {
			return false
		}
	}
	return true
}

// String spells the predicate as the API's "is" parameter: tests joined by
// commas.
func (p Predicate) String() string {
	s := make([]string, len(p))
	for i, t := range p {
		s[i] = t.String()
	}
	return strings.Join(s, ",")
}

// maxTests bounds a parsed predicate: more tests than facts say nothing new
// and only make the SQL longer.
const maxTests = 2 * 37

// ParsePredicate reads the "is" parameter of a case list: fact names
// separated by commas, each optionally preceded by "!" for "not", e.g.
// "closed,!closed_late". Blank items are skipped. An unknown fact is
// Invalid with a message that lists the known ones.
func ParsePredicate(s string) (Predicate, error) {
	var p Predicate
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		t := FactTest{}
		if rest, ok := strings.CutPrefix(item, "!"); ok {
			t.Not, item = true, strings.TrimSpace(rest)
		}
		t.Fact = Fact(item)
		if !t.Fact.Valid() {
			known := make([]string, len(Facts))
			for i, f := range Facts {
				known[i] = string(f)
			}
			return nil, errs.Invalid("未知的案件条件 %q / unknown case condition %q; use one of %s, each optionally preceded by !",
				shorten(item), shorten(item), strings.Join(known, ", ")).WithField("is", "unknown condition "+shorten(item))
		}
		if len(p) == maxTests {
			return nil, errs.Invalid("条件过多 / too many conditions: at most %d", maxTests).WithField("is", "too many conditions")
		}
		p = append(p, t)
	}
	return p, nil
}

// shorten keeps an echoed input short in a message.
func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
