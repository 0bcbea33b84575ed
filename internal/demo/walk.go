package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// walker takes one case round the loop. Every change goes through
// casework.Decide at the walker's simulated time, which only moves forward
// and never passes now; the system's overdue marks (超期) and automatic
// urging are Decide calls too, at the moment a sweeper would have made them.
type walker struct {
	g      *gen
	p      *plan
	rng    *rand.Rand
	c      casework.Case
	evs    []casework.Event
	t      time.Time
	stop   bool // reached now, or the planned open state
	err    error
	marked time.Time // start of the stage clock already marked overdue
}

func (g *gen) walk(p *plan) (*walker, error) {
	w := &walker{g: g, p: p, rng: stream(g.seed, saltWalk, uint64(p.i)), t: p.at}
	svc := *g.svc
	svc.NewID = func() string { return p.id }
	svc.Now = func() time.Time { return p.at } // Draft reads the clock even when the report carries its time
	reporter := g.reporter(p)
	lng, lat := p.point.Lng, p.point.Lat
	c, err := svc.Draft(reporter, casework.Report{
		Source: sourceOf(p.src), Category: p.ref.String(), Condition: p.cond.No, Description: p.desc,
		Address: p.addr, Lng: &lng, Lat: &lat, Photos: []string{g.photo(p, shotBefore)},
		Reporter: p.reporter, Phone: p.phone, At: p.at,
	})
	if err != nil {
		return nil, fmt.Errorf("draft: %w", err)
	}
	w.c = *c
	at := w.c.Point
	post := org.PostCitizen
	if len(reporter.Grants) > 0 {
		post = reporter.Grants[0].Post
	}
	// The intake event, as Service.Report writes it.
	w.evs = append(w.evs, casework.Event{CaseID: c.ID, Action: casework.ActReport, To: c.Status, Actor: reporter.ID,
		Name: reporter.Name, Post: post, At: p.at, Note: c.Description, Photos: c.Photos, Point: &at,
		Data: map[string]any{"source": c.Source}})
	if w.holds() {
		w.stop = true
	}
	w.run()
	if w.err != nil {
		return nil, w.err
	}
	if !w.c.Status.Terminal() {
		w.sweep(g.now.Add(time.Nanosecond))
	}
	return w, w.err
}

func sourceOf(src int) casework.Source { return sources[src].src }

func (g *gen) reporter(p *plan) org.Actor {
	switch p.src {
	case srcPatrol:
		return g.staff.supervisor(p.comm.street)
	case srcHotline:
		return g.staff.operator // the operator takes the call and types it in
	case srcCamera:
		return g.staff.camera
	case srcSensor:
		return g.staff.sensor
	case srcPartner:
		return g.staff.partner
	case srcLeader:
		return g.staff.leader
	}
	return g.staff.citizen
}

func (g *gen) photo(p *plan, shot int) string { return g.photos[groupOf(p.ref)][shot] }

// act runs one command at `at` (moved up to the walker's clock, never past
// now). It reports whether the case moved and the walk should go on.
func (w *walker) act(at time.Time, cmd casework.Command) bool {
	if w.stop || w.err != nil {
		return false
	}
	at = at.Truncate(time.Second)
	if at.Before(w.t) {
		at = w.t
	}
	w.sweep(at)
	if w.err != nil {
		return false
	}
	if at.After(w.g.now) {
		w.stop = true
		return false
	}
	if !w.decide(at, cmd) {
		return false
	}
	if w.holds() {
		w.stop = true
		return false
	}
	return !w.c.Status.Terminal()
}

// holds reports whether the case stops in its current state: the planned
// open state, entered lately enough that its queue looks like a live one
// (mostly green and yellow lights, some red); stale stalls are the backlog.
func (w *walker) holds() bool {
	pp := &w.p.path
	if pp.stall == "" || w.c.Status != pp.stall {
		return false
	}
	if pp.stallStale {
		return true
	}
	fresh := 3 * time.Hour
	switch {
	case pp.stall == casework.StatusInDisposal && pp.stallLong:
		fresh = 7 * 24 * time.Hour
	case pp.stall == casework.StatusInDisposal:
		fresh = 8 * time.Hour
	}
	if pp.stallWide {
		fresh *= 4
	}
	// The reports of [Span] are spread over two years, half as many a day
	// as over one: twice the window keeps as many cases in each queue.
	fresh *= Span / (365 * 24 * time.Hour)
	return w.g.now.Sub(w.t) <= fresh
}

func (w *walker) decide(at time.Time, cmd casework.Command) bool {
	next, evs, err := casework.Decide(w.c, cmd, w.g.svc.EnvAt(at))
	if err != nil {
		w.err = fmt.Errorf("%s at %s in %s: %w", cmd.Action, at.Format(time.RFC3339), w.c.Status, err)
		return false
	}
	w.c = next
	w.evs = append(w.evs, evs...)
	w.t = at
	return true
}

// urgeable are the states the urge action (督办) applies to.
var urgeable = map[casework.Status]bool{
	casework.StatusPendingDispatch: true, casework.StatusDispatched: true, casework.StatusInDisposal: true,
	casework.StatusReturned: true, casework.StatusPendingCheck: true, casework.StatusPendingClose: true,
}

// sweep marks the current stage overdue, as the scheduler's sweep would a
// little after the deadline, if that moment comes before `until` and now;
// like Service.SweepOverdue it then urges the department.
func (w *walker) sweep(until time.Time) {
	c := &w.c
	if c.StageDue == nil || c.StageClock == nil || c.StageClock.Start.Equal(w.marked) || c.Status.Terminal() {
		return
	}
	mark := c.StageDue.Truncate(time.Second).Add(time.Duration(20+w.rng.IntN(280)) * time.Second)
	if !mark.Before(until) || mark.After(w.g.now) || mark.Before(w.t) {
		return
	}
	w.marked = c.StageClock.Start
	stage := c.Stage
	if !w.decide(mark, casework.Command{Action: casework.ActOverdue, Actor: org.SystemActor}) {
		return
	}
	if urgeable[c.Status] {
		w.decide(mark, casework.Command{Action: casework.ActUrge, Actor: org.SystemActor,
			Note: "超期自动督办：" + casework.StageName(stage) + "环节已超时"})
	}
}

// Delays. Centre staff work 07:00–22:00 every day, supervisors patrol
// 07:30–19:00, departments keep office hours; urgent cases are handled at
// once, day and night.

func (w *walker) urgent() bool { return w.c.Urgency == catalog.Urgent }

// minutes draws a delay between lo and hi minutes, short ones likelier.
func (w *walker) minutes(lo, hi float64) time.Duration {
	u := w.rng.Float64()
	return time.Duration((lo + (hi-lo)*u*u) * float64(time.Minute))
}

// window moves t into the daily window [from, to) hours, local time.
func (w *walker) window(t time.Time, from, to float64) time.Time {
	lt := t.In(w.g.loc)
	mid := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, w.g.loc)
	h := lt.Sub(mid).Hours()
	switch {
	case h < from:
		return mid.Add(time.Duration(from*float64(time.Hour)) + w.minutes(0, 20))
	case h >= to:
		return mid.AddDate(0, 0, 1).Add(time.Duration(from*float64(time.Hour)) + w.minutes(0, 20))
	}
	return t
}

func (w *walker) centre(lo, hi float64) time.Time {
	if w.urgent() {
		return w.t.Add(w.minutes(lo/3, hi/3))
	}
	return w.window(w.t, 7, 22).Add(w.minutes(lo, hi))
}

func (w *walker) field(lo, hi float64) time.Time {
	if w.urgent() {
		return w.t.Add(w.minutes(lo/2, hi/2))
	}
	return w.window(w.t, 7.5, 19).Add(w.minutes(lo, hi))
}

func (w *walker) office(lo, hi float64) time.Time {
	if w.urgent() {
		return w.t.Add(w.minutes(lo/2, hi/2))
	}
	return w.g.cal.Add(w.t, w.minutes(lo, hi), worktime.WorkingHours)
}

// stageAt is the moment share of the current stage's budget is used.
func (w *walker) stageAt(share float64) time.Time {
	k := w.c.StageClock
	if k == nil {
		return w.t
	}
	start := k.Start
	if len(k.Paused) > 0 {
		start = w.t // resumed after a suspension: count from now
	}
	budget := time.Duration(share * float64(k.Limit.Duration(w.g.cal)+k.Extra))
	var t time.Time
	if k.Limit.Unit.Working() {
		t = w.g.cal.Add(start, budget, worktime.WorkingHours)
	} else {
		t = start.Add(budget)
	}
	if min := w.t.Add(3 * time.Minute); t.Before(min) {
		t = min
	}
	return t
}

func (w *walker) run() {
	g, p, pp := w.g, w.p, &w.p.path
	st := &g.staff
	if w.stop {
		return
	}
	if pp.selfHandle && p.src == srcPatrol {
		if !w.act(p.at, casework.Command{Action: casework.ActSelfHandle, Actor: g.reporter(p), Condition: p.cond.No,
			Photos: []string{g.photo(p, shotAfter)}, Note: "现场自行处置：" + p.cond.Closing.Zh}) {
			return
		}
		w.close()
		return
	}

	// 受理: merge a duplicate, reject, send for verification, or accept.
	t := w.centre(2, 25)
	if p.role == roleDuplicate && w.primaryOpen(t) {
		w.act(t, casework.Command{Action: casework.ActMerge, Actor: st.operator, Into: w.primaryID(),
			Note: "与在办案件为同一问题，合并处理"})
		return
	}
	if pp.rejectAccept {
		w.act(t, casework.Command{Action: casework.ActReject, Actor: st.operator, Note: rejectReasons[w.rng.IntN(len(rejectReasons))]})
		return
	}
	if pp.verify {
		if !w.act(t, casework.Command{Action: casework.ActSendVerify, Actor: st.operator, Note: "请监督员现场核实"}) {
			return
		}
		valid := !pp.verifyInvalid
		cmd := casework.Command{Action: casework.ActVerify, Actor: st.checker(w.c.Community, w.c.Street, w.rng), Valid: &valid,
			Note: "现场核实属实"}
		if !valid {
			cmd.Photos, cmd.Note = []string{g.photo(p, shotAfter)}, "现场核实未发现反映的问题"
		}
		if !w.act(w.field(15, 70), cmd) {
			return
		}
	} else if !w.act(t, casework.Command{Action: casework.ActAccept, Actor: st.operator}) {
		return
	}

	// 立案 (with auto-dispatch under the joint enforcement list) or not.
	t = w.centre(3, 25)
	auto := false
	if s, ok := g.dict.Route(*w.c.Category, g.svc.Atlas().Path(w.c.Grid), t); ok && s.Auto && s.Department == w.c.Suggested {
		auto = true
	}
	switch {
	case pp.rejectFile:
		w.act(t, casework.Command{Action: casework.ActReject, Actor: st.shiftLead, Note: "不符合立案条件，不予立案"})
		return
	case pp.void && auto:
		w.act(t, casework.Command{Action: casework.ActVoid, Actor: st.shiftLead, Note: "经复核属重复上报，作废"})
		return
	}
	if !w.act(t, casework.Command{Action: casework.ActFile, Actor: st.shiftLead}) {
		return
	}

	// 派遣, to the wrong unit now and then.
	ret := pp.ret
	if w.c.Status == casework.StatusPendingDispatch {
		t = w.centre(3, 25)
		if pp.void {
			w.act(t, casework.Command{Action: casework.ActVoid, Actor: st.shiftLead, Note: "经复核不属于城市管理问题，作废"})
			return
		}
		dept := w.c.Suggested
		if ret == retRedispatch || ret == retVoid {
			if wrong := g.confused(dept, w.rng); wrong != "" {
				dept = wrong
			} else {
				ret = retShirk
			}
		}
		if !w.act(t, casework.Command{Action: casework.ActDispatch, Actor: st.dispatcher, Department: dept}) {
			return
		}
	} else if ret == retRedispatch {
		ret = 0 // auto-dispatched to the listed unit: no dispatcher error to correct
	}

	// 回退 and what the dispatcher makes of it.
	if ret != 0 {
		if !w.act(w.office(10, 50), casework.Command{Action: casework.ActReturn, Actor: st.handler(w.c.Department),
			Note: "经核实不属于本单位职责范围，申请回退"}) {
			return
		}
		t = w.centre(10, 40)
		var ok bool
		switch ret {
		case retRedispatch:
			ok = w.act(t, casework.Command{Action: casework.ActRedispatch, Actor: st.dispatcher, Department: w.c.Suggested,
				Note: "回退理由成立，改派责任单位"})
		case retShirk:
			ok = w.act(t, casework.Command{Action: casework.ActRejectReturn, Actor: st.dispatcher,
				Note: "经核实属于该单位职责范围，驳回回退"})
		case retVoid:
			w.act(t, casework.Command{Action: casework.ActVoid, Actor: st.shiftLead, Note: "回退核实问题已不存在，作废"})
			return
		}
		if !ok {
			return
		}
	}

	// 签收.
	if w.c.Status == casework.StatusDispatched {
		if !w.act(w.office(5, 45), casework.Command{Action: casework.ActSign, Actor: st.handler(w.c.Department)}) {
			return
		}
	}
	if !w.dispose() {
		return
	}
	w.close()
}

var rejectReasons = []string{
	"不属于城市管理职责范围，不予受理",
	"反映信息不全，无法定位问题位置，不予受理",
	"经查询属重复举报，不予受理",
	"问题已自行消失，不予受理",
}

// confused is a department a dispatcher might wrongly pick instead of dept.
func (g *gen) confused(dept string, rng *rand.Rand) string {
	alts := confusedWith[dept]
	if len(alts) == 0 {
		return ""
	}
	alt := alts[rng.IntN(len(alts))]
	if _, ok := g.dict.Department(alt); !ok || alt == dept {
		return ""
	}
	return alt
}

// dispose runs the disposal stage: suspension or extension requests,
// urging, the disposal itself and the check, with rework until it passes.
func (w *walker) dispose() bool {
	g, p, pp := w.g, w.p, &w.p.path
	st := &g.staff
	h := st.handler(w.c.Department)

	switch pp.suspend {
	case susResume, susStay, susDeny:
		if !w.act(w.stageAt(0.1+0.2*w.rng.Float64()), casework.Command{Action: casework.ActSuspend, Actor: h,
			Note: "需纳入工程计划统筹实施，申请挂账"}) {
			return false
		}
		t := w.centre(60, 600)
		if pp.suspend == susDeny {
			if !w.act(t, casework.Command{Action: casework.ActDenySuspension, Actor: st.leader, Note: "不符合挂账条件，请按期处置"}) {
				return false
			}
			break
		}
		if !w.act(t, casework.Command{Action: casework.ActApproveSuspension, Actor: st.leader, Note: "同意挂账，纳入问题台账"}) {
			return false
		}
		if pp.suspend == susStay {
			return false
		}
		w.t = w.t.Add(time.Duration(5+w.rng.IntN(55)) * 24 * time.Hour)
		if !w.act(w.centre(0, 120), casework.Command{Action: casework.ActResume, Actor: st.leader, Note: "工程已排期，恢复办理"}) {
			return false
		}
	}

	if pp.extend != 0 && w.c.StageDue != nil {
		t := w.stageAt(0.3 + 0.3*w.rng.Float64())
		if t.Before(*w.c.StageDue) {
			extra := w.extra(0.5 + 0.5*w.rng.Float64())
			if !w.act(t, casework.Command{Action: casework.ActExtend, Actor: h, Extra: &extra,
				Note: "涉及多部门协调，现场处置需要时间，申请延期"}) {
				return false
			}
			t = w.centre(10, 90)
			if pp.extend == extDeny {
				if !w.act(t, casework.Command{Action: casework.ActDenyExtension, Actor: st.dispatcher, Note: "理由不充分，不予延期"}) {
					return false
				}
			} else if !w.act(t, casework.Command{Action: casework.ActApproveExtension, Actor: st.dispatcher, Note: "同意延期"}) {
				return false
			}
			if pp.extend == extTwice && w.c.StageDue != nil {
				t = w.stageAt(0.6 + 0.2*w.rng.Float64())
				if t.After(w.t) && t.Before(*w.c.StageDue) {
					extra := w.extra(1 + w.rng.Float64())
					if !w.act(t, casework.Command{Action: casework.ActExtend, Actor: h, Extra: &extra,
						Note: "材料采购周期较长，再次申请延期"}) {
						return false
					}
					if !w.act(w.centre(30, 240), casework.Command{Action: casework.ActApproveExtension, Actor: st.leader,
						Note: "同意再次延期，请抓紧办结"}) {
						return false
					}
				}
			}
		}
	}

	for round := 0; ; round++ {
		share := 0.15 + 0.7*w.rng.Float64()
		if pp.late && round == 0 {
			share = 1.1 + 1.4*w.rng.Float64()
		}
		if round > 0 {
			share = 0.1 + 0.5*w.rng.Float64()
		}
		td := w.stageAt(share)
		if round == 0 && (pp.urge || pp.leaderUrge) && w.c.StageWarn != nil && w.c.StageWarn.Before(td) {
			by, note := st.urger(w.c.Street, w.rng), "临近处置时限，请抓紧处置并反馈"
			if pp.leaderUrge {
				by, note = st.leader, "领导督办：请加快处置，按期办结"
			}
			tu := w.c.StageWarn.Add(w.minutes(2, 30))
			if tu.Before(td) && !w.act(tu, casework.Command{Action: casework.ActUrge, Actor: by, Note: note}) {
				return false
			}
		}
		if !w.act(td, casework.Command{Action: casework.ActDispose, Actor: h, Photos: []string{g.photo(p, shotAfter)},
			Note: "已处置完毕：" + p.cond.Closing.Zh}) {
			return false
		}
		pass := round >= pp.reworks
		cmd := casework.Command{Action: casework.ActCheck, Actor: st.checker(w.c.Community, w.c.Street, w.rng), Passed: &pass, Photos: []string{g.photo(p, shotCheck)},
			Note: "现场核查，处置到位"}
		if !pass {
			cmd.Photos, cmd.Note = []string{g.photo(p, shotBefore)}, "现场核查未通过：问题仍然存在，请返工"
		}
		if !w.act(w.field(10, 55), cmd) {
			return false
		}
		if pass {
			return true
		}
	}
}

// extra is an extension of share times the current stage's limit, in its unit.
func (w *walker) extra(share float64) worktime.Limit {
	l := w.c.StageClock.Limit
	amt := float64(int(l.Amount*share*2+0.5)) / 2
	if amt <= 0 {
		amt = 0.5
	}
	if amt > l.Amount && w.c.Extensions == 0 {
		amt = l.Amount
	}
	return worktime.Limit{Amount: amt, Unit: l.Unit}
}

// close has the shift lead close the case (noting a recurrence where a case
// of the same sub-class closed here within 30 days) and the operator call
// public reporters back (回访).
func (w *walker) close() {
	g, p, pp := w.g, w.p, &w.p.path
	st := &g.staff
	t := w.centre(5, 25)
	cmd := casework.Command{Action: casework.ActClose, Actor: st.shiftLead}
	if p.role == roleRecurrence && !w.stop && !t.After(g.now) {
		cmd.Recurrence = w.recurrenceOf(t)
	}
	if !w.act(t, cmd) && w.c.Status != casework.StatusClosed {
		return
	}
	if w.c.Status != casework.StatusClosed || !pp.callback {
		return
	}
	w.t = w.t.Add(time.Duration(2+w.rng.IntN(46)) * time.Hour)
	sat := "satisfied"
	bad := 0.05
	if w.c.ClosedLate || w.c.Reworks > 0 {
		bad = 0.15
	}
	switch r := w.rng.Float64(); {
	case r < bad:
		sat = "unsatisfied"
	case r < bad+0.15:
		sat = "basic"
	}
	w.act(w.centre(0, 30), casework.Command{Action: casework.ActCallback, Actor: st.operator, Satisfaction: sat,
		Note: "电话回访处置结果"})
}

// primaryID is the case a duplicate repeats.
func (w *walker) primaryID() string {
	bp := w.g.plan(w.p.base)
	return bp.id
}

// primaryOpen reports whether the case this duplicate repeats is still in
// the loop at t (so the operator can merge into it).
func (w *walker) primaryOpen(t time.Time) bool {
	if w.p.base < 0 || t.After(w.g.now) {
		return false
	}
	bw, err := w.g.walk(w.g.plan(w.p.base))
	if err != nil {
		return false
	}
	st := bw.evs[0].To
	for _, e := range bw.evs {
		if e.At.After(t) {
			break
		}
		st = e.To
	}
	return !st.Terminal()
}

// recurrenceOf returns the earlier case this one recurs after, if it was
// closed within the recurrence window before t.
func (w *walker) recurrenceOf(t time.Time) string {
	bw, err := w.g.walk(w.g.plan(w.p.base))
	if err != nil {
		return ""
	}
	c := bw.c
	if c.Status != casework.StatusClosed || c.ClosedAt == nil || !c.ClosedAt.Before(t) || t.Sub(*c.ClosedAt) > recurrenceWindow {
		return ""
	}
	return c.ID
}
