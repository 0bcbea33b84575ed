package enforce

import (
	"time"

	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Actions that are recorded by the platform rather than requested: they are
// not rows of the transition table, so [Decide] refuses them and
// [Allowed] never offers them.
const (
	ActOpen         Action = "open"          // 线索登记: the case is opened as a lead
	ActClockWarning Action = "clock_warning" // 期限预警: a legal clock turned yellow or red
)

// lightRank orders lights so that a sweep warns only when one worsens.
func lightRank(l worktime.Light) int {
	switch l {
	case worktime.Yellow:
		return 1
	case worktime.Red:
		return 2
	}
	return 0
}

// WorstLight is the worst light among clocks; green when none runs. The
// store keeps it as a column so lists filter by light without computing
// every clock of every case.
func WorstLight(clocks []ClockView) worktime.Light {
	w := worktime.Green
	for _, v := range clocks {
		if lightRank(v.Light) > lightRank(w) {
			w = v.Light
		}
	}
	return w
}

// Sweep grades the legal clocks of c at now, like the loop's overdue
// sweep: when a clock's light is worse than the one last warned about, it
// returns the case with one system event listing the clocks that turned
// yellow or red (with their warning texts and due instants) and true. The
// event takes the next Seq, so the store's version check stops two nodes
// from warning twice. A case whose lights did not worsen is returned as it
// was, with false.
func Sweep(c Case, cal *worktime.Calendar, p Policy, now time.Time) (Case, []Event, bool) {
	if terminal(c.Status) {
		return c, nil, false
	}
	clocks := Clocks(c, cal, p, now)
	var warned []map[string]any
	lights := map[ClockKind]worktime.Light{}
	for _, v := range clocks {
		k := v.Term.Kind
		if _, seen := lights[k]; !seen || lightRank(v.Light) > lightRank(lights[k]) {
			lights[k] = v.Light
		}
	}
	done := map[ClockKind]bool{}
	for _, v := range clocks { // soonest due first, so the note reads in order
		k := v.Term.Kind
		if !done[k] && v.Light == lights[k] && lightRank(v.Light) > lightRank(c.Lights[k]) {
			done[k] = true
			warned = append(warned, map[string]any{"clock": string(k), "light": string(v.Light), "due": v.Due, "warning": v.Warning})
		}
	}
	if len(warned) == 0 {
		return c, nil, false
	}
	next := c.clone()
	next.Lights = lights
	note := ""
	for i, w := range warned {
		if i > 0 {
			note += "；"
		}
		note += w["warning"].(string)
	}
	ev := Event{CaseID: c.ID, Seq: c.Version + 1, Action: ActClockWarning, From: c.Status, To: c.Status,
		Actor: org.SystemActor.ID, Name: org.SystemActor.Name, Post: org.PostSystem, At: now, Note: note,
		Data: map[string]any{"clocks": warned}}
	next.Version = c.Version + 1
	next.UpdatedAt = now
	next.NextDue = NextSweep(next, cal, p)
	return next, []Event{ev}, true
}

// NextSweep is the first instant at which one of c's legal clocks turns a
// light worse than the one last warned about (c.Lights): yellow at 80 % of
// its counted time, red once past due. [Sweep] has nothing to say about c
// before then, so the store keeps it as an indexed column and the clock
// job reads only the cases it has reached, not every running case. It is
// nil when no clock runs or every running clock has warned red. The
// instant is found to the minute by bisection over [Term.View], the same
// grading Sweep applies, so the two cannot disagree.
func NextSweep(c Case, cal *worktime.Calendar, p Policy) *time.Time {
	if terminal(c.Status) {
		return nil
	}
	var next *time.Time
	for _, v := range Clocks(c, cal, p, c.UpdatedAt) {
		warned := lightRank(c.Lights[v.Term.Kind])
		if warned >= lightRank(worktime.Red) {
			continue
		}
		target := lightRank(worktime.Yellow)
		if warned >= target {
			target = lightRank(worktime.Red)
		}
		at := turns(v, cal, target)
		if next == nil || at.Before(*next) {
			next = &at
		}
	}
	return next
}

// turns is the first minute at which clock v's light reaches rank target.
// The light only worsens with time; a working-day clock can stay yellow
// over a holiday after its due day, so the search runs to 60 days past due.
func turns(v ClockView, cal *worktime.Calendar, target int) time.Time {
	lo, hi := v.Start, v.Due.AddDate(0, 0, 60)
	reached := func(t time.Time) bool { return lightRank(v.Term.View(cal, v.Start, t).Light) >= target }
	if reached(lo) {
		return lo
	}
	for hi.Sub(lo) > time.Minute {
		mid := lo.Add(hi.Sub(lo) / 2)
		if reached(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi.Truncate(time.Minute).Add(time.Minute)
}
