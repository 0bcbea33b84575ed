package permit

import (
	"math"
	"time"

	"cityloop/internal/worktime"
)

// Turnaround is the permit-turnaround figure of the decisions taken in
// [From, To), for the analytics issue, with its formulas.
type Turnaround struct {
	From, To        time.Time `json:"-"`
	Decided         int       `json:"decided"`
	Granted         int       `json:"granted"`
	OnTime          int       `json:"on_time"`
	MeanWorkingDays *float64  `json:"mean_working_days"` // null without decisions
	OnTimeRate      *float64  `json:"on_time_rate"`      // %
	GrantRate       *float64  `json:"grant_rate"`        // %
	Formulas        [3]string `json:"formulas"`
}

// TurnaroundOf computes the figure over ps (any permits: those decided in
// [from, to) count). Working days are counted on cal as the review clock
// counts them.
func TurnaroundOf(ps []*Permit, cal *worktime.Calendar, from, to time.Time) Turnaround {
	t := Turnaround{From: from, To: to, Formulas: [3]string{
		"平均审查工作日 = Σ(决定时间 − 受理时间，按工作日计) ÷ 决定件数 / mean review = Σ working time from application to decision ÷ decisions",
		"按时办结率 = 在审查时限内决定的件数 ÷ 决定件数 × 100 / on-time rate = decisions by due_at ÷ decisions × 100",
		"准予许可率 = 准予许可件数 ÷ 决定件数 × 100 / grant rate = grants ÷ decisions × 100",
	}}
	var sum time.Duration
	for _, p := range ps {
		if p.DecidedAt == nil || p.DecidedAt.Before(from) || !p.DecidedAt.Before(to) {
			continue
		}
		t.Decided++
		if p.Status == StatusApproved {
			t.Granted++
		}
		if !p.DecidedAt.After(p.DueAt) {
			t.OnTime++
		}
		sum += cal.Elapsed(p.SubmittedAt, *p.DecidedAt, worktime.WorkingDays)
	}
	if t.Decided == 0 {
		return t
	}
	r := func(v float64) *float64 { v = math.Round(v*100) / 100; return &v }
	t.MeanWorkingDays = r(float64(sum) / float64(cal.DayLength()) / float64(t.Decided))
	t.OnTimeRate = r(float64(t.OnTime) * 100 / float64(t.Decided))
	t.GrantRate = r(float64(t.Granted) * 100 / float64(t.Decided))
	return t
}
