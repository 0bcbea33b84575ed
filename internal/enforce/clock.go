package enforce

import (
	"fmt"
	"math"
	"sort"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/worktime"
)

// ClockKind names a legal clock.
type ClockKind string

const (
	ClockLimitation     ClockKind = "limitation"      // 追责时效: 2 years, 5 for grave acts (第三十六条)
	ClockDecision       ClockKind = "decision"        // 90 days from 立案 to 决定 (第六十条)
	ClockPreservation   ClockKind = "preservation"    // 7 days to decide on preserved evidence (第五十六条)
	ClockHearingRequest ClockKind = "hearing_request" // 5 days after 告知 to ask for a hearing (第六十四条第一项)
	ClockStatement      ClockKind = "statement"       // the 陈述申辩 window after 告知 (policy; 第四十五条)
	ClockHearingNotice  ClockKind = "hearing_notice"  // notice at least 7 days before the hearing (第六十四条第二项)
	ClockService        ClockKind = "service"         // 7 days to serve the decision (第六十一条)
	ClockPayment        ClockKind = "payment"         // 15 days to pay from receipt (第六十七条第三款)
	ClockCashHandIn     ClockKind = "cash_hand_in"    // 2 days to hand in cash collected on the spot (第七十一条)
	ClockWithdrawal     ClockKind = "withdrawal"      // 3 days to withdraw a published decision that changed (第四十八条第二款)
	ClockPublication    ClockKind = "publication"     // 7 working days to publish a decision (国办发〔2018〕118号)
)

// Term is a period of the law: an amount of days (or years) and whether they
// are working days. 第八十五条 makes the law's "二日、三日、五日、七日"
// working days without statutory holidays; every longer period is calendar
// days.
type Term struct {
	Kind    ClockKind    `json:"kind"`
	Name    catalog.Text `json:"name"`
	Article string       `json:"article"`
	Days    int          `json:"days,omitempty"`
	Years   int          `json:"years,omitempty"`
	Working bool         `json:"working"`
}

// TermOf returns the period of a clock kind. The limitation term is the
// two-year one; [LimitationTerm] gives the five-year one for grave acts.
func TermOf(k ClockKind) Term {
	switch k {
	case ClockLimitation:
		return LimitationTerm(false)
	case ClockDecision:
		return Term{k, catalog.Text{Zh: "作出处罚决定", En: "Decision"}, "行政处罚法第六十条", 90, 0, false}
	case ClockPreservation:
		return Term{k, catalog.Text{Zh: "先行登记保存处理", En: "Decide on preserved evidence"}, "行政处罚法第五十六条、第八十五条", 7, 0, true}
	case ClockHearingRequest:
		return Term{k, catalog.Text{Zh: "听证申请期", En: "Hearing request window"}, "行政处罚法第六十四条第一项、第八十五条", 5, 0, true}
	case ClockStatement:
		return Term{k, catalog.Text{Zh: "陈述申辩期", En: "Statement window"}, "行政处罚法第四十五条", 3, 0, true}
	case ClockHearingNotice:
		return Term{k, catalog.Text{Zh: "听证通知提前期", En: "Hearing notice period"}, "行政处罚法第六十四条第二项、第八十五条", 7, 0, true}
	case ClockService:
		return Term{k, catalog.Text{Zh: "送达", En: "Service"}, "行政处罚法第六十一条、第八十五条", 7, 0, true}
	case ClockPayment:
		return Term{k, catalog.Text{Zh: "缴纳罚款", En: "Payment"}, "行政处罚法第六十七条第三款", 15, 0, false}
	case ClockCashHandIn:
		return Term{k, catalog.Text{Zh: "当场收缴罚款交纳", En: "Hand in cash fines"}, "行政处罚法第七十一条、第八十五条", 2, 0, true}
	case ClockWithdrawal:
		return Term{k, catalog.Text{Zh: "撤回公开的决定", En: "Withdraw a published decision"}, "行政处罚法第四十八条第二款、第八十五条", 3, 0, true}
	case ClockPublication:
		return Term{k, catalog.Text{Zh: "处罚决定公示", En: "Publish the decision"}, "国办发〔2018〕118号", 7, 0, true}
	}
	return Term{Kind: k}
}

// LimitationTerm is 第三十六条's period: two years, five when the act
// endangered life, health or financial safety and caused harm.
func LimitationTerm(grave bool) Term {
	t := Term{ClockLimitation, catalog.Text{Zh: "追责时效", En: "Limitation"}, "行政处罚法第三十六条", 0, 2, false}
	if grave {
		t.Years = 5
	}
	return t
}

// Due is the instant the period ends: midnight after its last day, because
// the last day runs to 24:00 (民法典第二百零三条第二款). The day of start is
// not counted (民法典第二百零一条). Working-day periods count only the
// calendar's working days, so holidays are skipped and 调休 working weekends
// count. A calendar-day period whose last day is a rest day ends on the next
// working day instead (民法典第二百零三条第一款).
func (t Term) Due(cal *worktime.Calendar, start time.Time) time.Time {
	d := dateOf(cal, start)
	switch {
	case t.Working:
		for n := 0; n < t.Days; {
			d = d.AddDate(0, 0, 1)
			if cal.Day(noon(d)).Working {
				n++
			}
		}
	default:
		d = d.AddDate(t.Years, 0, t.Days)
		for !cal.Day(noon(d)).Working {
			d = d.AddDate(0, 0, 1)
		}
	}
	return d.AddDate(0, 0, 1)
}

// dateOf is local midnight of t's date in the calendar's zone.
func dateOf(cal *worktime.Calendar, t time.Time) time.Time {
	t = t.In(cal.Location())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cal.Location())
}

func noon(d time.Time) time.Time { return d.Add(12 * time.Hour) }

// counted is the time in [from, to) that the period counts: all of it for
// calendar days, only the hours of working days for working days. Lights use
// it so that a five-working-day window over a holiday turns yellow on its
// fourth working day, not part-way through the holiday. It stops early once
// past cap, since lights only need to know "over".
func counted(cal *worktime.Calendar, from, to time.Time, working bool, cap time.Duration) time.Duration {
	if !to.After(from) {
		return 0
	}
	if !working {
		return to.Sub(from)
	}
	var sum time.Duration
	for d := dateOf(cal, from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if !cal.Day(noon(d)).Working {
			continue
		}
		lo, hi := d, d.AddDate(0, 0, 1)
		if lo.Before(from) {
			lo = from
		}
		if hi.After(to) {
			hi = to
		}
		if hi.After(lo) {
			sum += hi.Sub(lo)
		}
		if sum > cap {
			return sum
		}
	}
	return sum
}

// ClockView is one running legal clock on a case.
type ClockView struct {
	Term    Term           `json:"term"`
	Start   time.Time      `json:"start"`
	Due     time.Time      `json:"due"`
	Light   worktime.Light `json:"light"`
	Warning string         `json:"warning,omitempty"`
}

// View grades a term started at start against now: green below 80 % of the
// counted time, yellow up to the due instant, red after (worktime.LightOf).
func (t Term) View(cal *worktime.Calendar, start, now time.Time) ClockView {
	due := t.Due(cal, start)
	begin := dateOf(cal, start).AddDate(0, 0, 1) // day one is the day after start
	limit := counted(cal, begin, due, t.Working, math.MaxInt64)
	used := counted(cal, begin, now, t.Working, limit)
	v := ClockView{Term: t, Start: start, Due: due, Light: worktime.LightOf(used, limit)}
	loc := cal.Location()
	last := due.Add(-time.Second).In(loc).Format("2006-01-02")
	switch v.Light {
	case worktime.Yellow:
		v.Warning = fmt.Sprintf("%s将于 %s 届满（%s）/ %s ends on %s (%s)", t.Name.Zh, last, t.Article, t.Name.En, last, t.Article)
	case worktime.Red:
		v.Warning = fmt.Sprintf("%s已于 %s 届满（%s）/ %s ended on %s (%s)", t.Name.Zh, last, t.Article, t.Name.En, last, t.Article)
	}
	return v
}

// Clocks lists the legal clocks running on a case at now, soonest due first.
func Clocks(c Case, cal *worktime.Calendar, p Policy, now time.Time) []ClockView {
	var out []ClockView
	if c.Status == StatusLead && !c.OccurredAt.IsZero() {
		out = append(out, LimitationTerm(c.Grave).View(cal, c.OccurredAt, now))
	}
	if c.FiledAt != nil && c.Decision == nil && c.Procedure == Ordinary && !terminal(c.Status) {
		t := TermOf(ClockDecision)
		t.Days += c.ExtendDays
		out = append(out, t.View(cal, *c.FiledAt, now))
	}
	for _, r := range openPreservations(c) {
		out = append(out, TermOf(ClockPreservation).View(cal, r.At, now))
	}
	if c.Status == StatusNotified && c.NotifiedAt != nil {
		out = append(out, statementTerm(c, p).View(cal, *c.NotifiedAt, now))
	}
	if c.Status == StatusDecided && c.Decision != nil {
		out = append(out, TermOf(ClockService).View(cal, c.Decision.At, now))
	}
	if c.Status == StatusExecuting && c.ServedAt != nil && c.Decision != nil && c.Decision.Penalty.Fine > 0 && c.PaidAt == nil {
		out = append(out, TermOf(ClockPayment).View(cal, *c.ServedAt, now))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out
}

// statementTerm is the window after 告知: five working days to ask for a
// hearing when the party has that right, else the policy's statement days.
func statementTerm(c Case, p Policy) Term {
	if c.Proposal != nil && c.Proposal.Hearing {
		return TermOf(ClockHearingRequest)
	}
	t := TermOf(ClockStatement)
	if p.StatementDays > 0 {
		t.Days = p.StatementDays
	}
	return t
}

func openPreservations(c Case) []Record {
	var open []Record
	for _, r := range c.Records {
		switch r.Kind {
		case RecPreservation:
			open = append(open, r)
		case RecPreserveDone:
			if len(open) > 0 {
				open = open[1:]
			}
		}
	}
	return open
}

func terminal(s Status) bool {
	return s == StatusNotFiled || s == StatusClosed || s == StatusArchived
}

// Surcharge is the late-payment surcharge of 第七十二条第一款第一项: 3 % of
// the fine for each day after the payment period, never more than the fine.
// paymentDue is the instant the period ended ([Term.Due] of the payment
// clock); a day started counts as a day.
func Surcharge(cal *worktime.Calendar, fine float64, paymentDue, now time.Time) float64 {
	if fine <= 0 || now.Before(paymentDue) {
		return 0
	}
	days := int(dateOf(cal, now).Sub(dateOf(cal, paymentDue)).Hours()/24) + 1
	return cents(math.Min(fine*0.03*float64(days), fine))
}
