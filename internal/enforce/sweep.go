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
	return next, []Event{ev}, true
}
