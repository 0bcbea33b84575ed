package casework

import (
	"testing"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

func testEnv(t *testing.T, now time.Time) Env {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return Env{Now: now, Cal: cal, Dict: d, Path: func(g string) []string { return []string{"3201", "320101", g} }}
}

func actor(p org.Post, dept string) org.Actor {
	return org.Actor{ID: string(p), Name: string(p), Grants: []org.Grant{{Post: p, Department: dept}}}
}

func newTestCase(t *testing.T, env Env) Case {
	t.Helper()
	ref := catalog.MustParseRef("event:0504")
	c := Case{ID: "c1", Code: "20250000001", Status: StatusPendingAccept, Source: SourcePatrol, Category: &ref,
		Condition: 1, Urgency: "normal", Grid: "g1", Photos: []string{"p0"}, ReportedAt: env.Now}
	if err := startStage(&c, "accept", env); err != nil {
		t.Fatal(err)
	}
	return c
}

func boolp(b bool) *bool { return &b }

// step runs one command and fails the test on error.
func step(t *testing.T, c Case, env *Env, d time.Duration, cmd Command) Case {
	t.Helper()
	env.Now = env.Now.Add(d)
	next, evs, err := Decide(c, cmd, *env)
	if err != nil {
		t.Fatalf("%s from %s: %v", cmd.Action, c.Status, err)
	}
	if len(evs) == 0 || evs[0].Action != cmd.Action || evs[0].From != c.Status {
		t.Fatalf("%s: bad events %+v", cmd.Action, evs)
	}
	return next
}

func TestDecide_FullLoopWithExceptions(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))) // a Monday
	c := newTestCase(t, env)
	op, lead, disp := actor(org.PostOperator, ""), actor(org.PostShiftLead, ""), actor(org.PostDispatcher, "")
	sup, leader := actor(org.PostSupervisor, ""), actor(org.PostLeader, "")

	c = step(t, c, &env, 5*time.Minute, Command{Action: ActAccept, Actor: op})
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActFile, Actor: lead})
	if c.Status != StatusPendingDispatch || c.CaseDue == nil || c.Suggested == "" {
		t.Fatalf("after file: status %s due %v suggested %q", c.Status, c.CaseDue, c.Suggested)
	}
	wrong := "police"
	if c.Suggested == wrong {
		wrong = "sanitation"
	}
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActDispatch, Actor: disp, Department: wrong})
	h1 := actor(org.PostHandler, wrong)
	c = step(t, c, &env, 10*time.Minute, Command{Action: ActReturn, Actor: h1, Note: "不属于本单位职责"})
	if c.Status != StatusReturned || c.Returns != 1 {
		t.Fatalf("after return: %s returns=%d", c.Status, c.Returns)
	}
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActRedispatch, Actor: disp, Department: c.Suggested})
	h := actor(org.PostHandler, c.Department)
	c = step(t, c, &env, 10*time.Minute, Command{Action: ActSign, Actor: h})
	dueBefore := *c.StageDue
	c = step(t, c, &env, 10*time.Minute, Command{Action: ActExtend, Actor: h, Note: "需要协调", Extra: &worktime.Limit{Amount: 1, Unit: worktime.WorkingHours}})
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActApproveExtension, Actor: lead})
	if !c.StageDue.After(dueBefore) || c.Extensions != 1 || c.Pending != nil {
		t.Fatalf("extension did not move the deadline: %v → %v", dueBefore, c.StageDue)
	}
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActSuspend, Actor: h, Note: "需工程改造"})
	c = step(t, c, &env, 5*time.Minute, Command{Action: ActApproveSuspension, Actor: leader})
	if c.Status != StatusSuspended || c.StageDue != nil {
		t.Fatalf("suspension: %s due %v", c.Status, c.StageDue)
	}
	dueAtPause := dueBefore
	c = step(t, c, &env, 48*time.Hour, Command{Action: ActResume, Actor: leader})
	if c.Status != StatusInDisposal || !c.StageDue.After(dueAtPause.Add(24*time.Hour)) {
		t.Fatalf("resume did not stop the clock: due %v", c.StageDue)
	}
	c = step(t, c, &env, 30*time.Minute, Command{Action: ActDispose, Actor: h, Note: "已清理", Photos: []string{"p1"}})
	c = step(t, c, &env, 20*time.Minute, Command{Action: ActCheck, Actor: sup, Passed: boolp(false), Note: "仍有摊位", Photos: []string{"p2"}})
	if c.Status != StatusInDisposal || c.Reworks != 1 || c.Department != h.Grants[0].Department {
		t.Fatalf("rework: %s reworks=%d dept=%s", c.Status, c.Reworks, c.Department)
	}
	c = step(t, c, &env, 30*time.Minute, Command{Action: ActDispose, Actor: h, Note: "再次清理", Photos: []string{"p3"}})
	c = step(t, c, &env, 20*time.Minute, Command{Action: ActCheck, Actor: sup, Passed: boolp(true), Photos: []string{"p4"}})
	c = step(t, c, &env, 10*time.Minute, Command{Action: ActClose, Actor: lead, Recurrence: "old"})
	if c.Status != StatusClosed || c.Recurrence != "old" || c.ClosedAt == nil {
		t.Fatalf("close: %+v", c)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActCallback, Actor: op, Satisfaction: "satisfied"})
	if c.Satisfaction != "satisfied" {
		t.Fatal("satisfaction not kept")
	}
}

func TestDecide_AutoDispatchOnFiling(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	for _, r := range env.Dict.Rules() {
		if !r.Auto || r.RegionCode != "" {
			continue
		}
		c := newTestCase(t, env)
		c.Category = &r.Category
		next, evs, err := Decide(c, Command{Action: ActAccept, Actor: actor(org.PostOperator, "")}, env)
		if err != nil {
			t.Fatal(err)
		}
		next, evs, err = Decide(next, Command{Action: ActFile, Actor: actor(org.PostShiftLead, "")}, env)
		if err != nil {
			t.Fatal(err)
		}
		if next.Status != StatusDispatched || next.Department != r.Department || len(evs) != 2 || evs[1].Post != org.PostSystem {
			t.Fatalf("rule %s: status %s dept %s events %d", r.ID, next.Status, next.Department, len(evs))
		}
		return
	}
	t.Skip("the default dictionary has no automatic city-wide rule")
}

func TestDecide_Refusals(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	base := newTestCase(t, env)
	dispatched := base
	dispatched.Status, dispatched.Department = StatusDispatched, "sanitation"
	inDisposal := dispatched
	inDisposal.Status = StatusInDisposal
	tests := []struct {
		name string
		c    Case
		cmd  Command
		kind errs.Kind
	}{
		{"sign before dispatch", base, Command{Action: ActSign, Actor: actor(org.PostHandler, "sanitation")}, errs.KindConflict},
		{"close while awaiting acceptance", base, Command{Action: ActClose, Actor: actor(org.PostShiftLead, "")}, errs.KindConflict},
		{"operator cannot file", func() Case { c := base; c.Status = StatusPendingFile; return c }(), Command{Action: ActFile, Actor: actor(org.PostOperator, "")}, errs.KindForbidden},
		{"handler of another department", dispatched, Command{Action: ActSign, Actor: actor(org.PostHandler, "police")}, errs.KindForbidden},
		{"disposal without photo", inDisposal, Command{Action: ActDispose, Actor: actor(org.PostHandler, "sanitation"), Note: "done"}, errs.KindInvalid},
		{"reject without reason", base, Command{Action: ActReject, Actor: actor(org.PostOperator, "")}, errs.KindInvalid},
		{"approve without request", inDisposal, Command{Action: ActApproveExtension, Actor: actor(org.PostShiftLead, "")}, errs.KindConflict},
		{"unknown action", base, Command{Action: "teleport", Actor: actor(org.PostOperator, "")}, errs.KindInvalid},
		{"handler cannot close own case", func() Case { c := inDisposal; c.Status = StatusPendingClose; return c }(), Command{Action: ActClose, Actor: actor(org.PostHandler, "sanitation")}, errs.KindForbidden},
		{"dispatch to unknown department", func() Case { c := base; c.Status = StatusPendingDispatch; return c }(), Command{Action: ActDispatch, Actor: actor(org.PostDispatcher, ""), Department: "nowhere"}, errs.KindInvalid},
		{"check without verdict", func() Case { c := inDisposal; c.Status = StatusPendingCheck; return c }(), Command{Action: ActCheck, Actor: actor(org.PostSupervisor, "")}, errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decide(tt.c, tt.cmd, env)
			if errs.KindOf(err) != tt.kind {
				t.Fatalf("got %v (kind %s), want kind %s", err, errs.KindOf(err), tt.kind)
			}
		})
	}
}

func TestDecide_ConflictNamesStateAndAllowedActions(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	c := newTestCase(t, env)
	_, _, err := Decide(c, Command{Action: ActDispatch, Actor: actor(org.PostOperator, "")}, env)
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindConflict {
		t.Fatalf("want conflict, got %v", err)
	}
	if e.Details["status"] != StatusPendingAccept {
		t.Fatalf("status detail = %v", e.Details["status"])
	}
	allowed, _ := e.Details["allowed_actions"].([]Action)
	want := map[Action]bool{ActAccept: true, ActSendVerify: true, ActReject: true, ActMerge: true}
	if len(allowed) != len(want) {
		t.Fatalf("allowed = %v", allowed)
	}
	for _, a := range allowed {
		if !want[a] {
			t.Fatalf("unexpected allowed action %s", a)
		}
	}
}

func TestDecide_SecondExtensionNeedsLeader(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	c := newTestCase(t, env)
	c.Status, c.Department, c.Extensions = StatusInDisposal, "sanitation", 1
	if err := startStage(&c, "dispose", env); err != nil {
		t.Fatal(err)
	}
	h := actor(org.PostHandler, "sanitation")
	c = step(t, c, &env, time.Minute, Command{Action: ActExtend, Actor: h, Note: "再延", Extra: &worktime.Limit{Amount: 1, Unit: worktime.WorkingHours}})
	if _, _, err := Decide(c, Command{Action: ActApproveExtension, Actor: actor(org.PostShiftLead, "")}, env); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("shift lead approved a second extension: %v", err)
	}
	step(t, c, &env, time.Minute, Command{Action: ActApproveExtension, Actor: actor(org.PostLeader, "")})
}

func TestCase_Light(t *testing.T) {
	env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	c := newTestCase(t, env)
	if c.StageDue == nil || c.StageWarn == nil {
		t.Fatal("no deadlines")
	}
	cases := []struct {
		at   time.Time
		want worktime.Light
	}{
		{env.Now, worktime.Green},
		{c.StageWarn.Add(-time.Second), worktime.Green},
		{*c.StageWarn, worktime.Yellow},
		{*c.StageDue, worktime.Yellow},
		{c.StageDue.Add(time.Second), worktime.Red},
	}
	for _, tt := range cases {
		if got := c.Light(tt.at); got != tt.want {
			t.Errorf("light at %v = %s, want %s", tt.at, got, tt.want)
		}
	}
}
