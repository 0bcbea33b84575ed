package casework

import (
	"testing"
	"time"

	"cityloop/internal/org"
)

// TestStageRecord: the per-post facts of DOMAIN.md §5 follow from the
// stages a case went through and whether each ran out, whatever the path.
func TestStageRecord(t *testing.T) {
	op, lead, disp := actor(org.PostOperator, ""), actor(org.PostShiftLead, ""), actor(org.PostDispatcher, "")
	sup := actor(org.PostSupervisor, "")
	quick, week := 5*time.Minute, 7*24*time.Hour
	type move struct {
		wait time.Duration
		cmd  Command
	}
	accept := func(d time.Duration) move { return move{d, Command{Action: ActAccept, Actor: op}} }
	sendVerify := func(d time.Duration) move { return move{d, Command{Action: ActSendVerify, Actor: op}} }
	verify := func(d time.Duration) move {
		return move{d, Command{Action: ActVerify, Actor: sup, Valid: boolp(true), Photos: []string{"v"}}}
	}
	file := func(d time.Duration) move { return move{d, Command{Action: ActFile, Actor: lead}} }
	dispatch := func(d time.Duration) move {
		return move{d, Command{Action: ActDispatch, Actor: disp, Department: "sanitation"}}
	}
	overdue := func(d time.Duration) move { return move{d, Command{Action: ActOverdue, Actor: org.SystemActor}} }
	h := actor(org.PostHandler, "sanitation")
	toCheck := []move{{quick, Command{Action: ActSign, Actor: h}},
		{quick, Command{Action: ActDispose, Actor: h, Note: "已清理", Photos: []string{"a"}}}}
	check := func(d time.Duration) move {
		return move{d, Command{Action: ActCheck, Actor: sup, Passed: boolp(true), Photos: []string{"c"}}}
	}
	cat := func(parts ...[]move) []move {
		var out []move
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		moves []move
		hold  []Fact // the per-post facts that hold; the others must not
	}{
		{"fresh report", nil, []Fact{FactPatrol}},
		{"all on time", cat([]move{accept(quick), file(quick), dispatch(quick)}, toCheck, []move{check(quick)}),
			[]Fact{FactPatrol, FactFilingTimed, FactFiledOnTime, FactDispatchDue, FactDispatchedOnTime, FactCheckDue, FactCheckedOnTime}},
		{"sent for verification late, verified on time", []move{sendVerify(week), verify(quick)},
			[]Fact{FactPatrol, FactVerifySent, FactVerifyDue, FactVerifiedOnTime}},
		{"verified late", []move{sendVerify(quick), verify(week)},
			[]Fact{FactPatrol, FactVerifySent, FactVerifySentOnTime, FactVerifyDue}},
		{"overdue for verification, not yet verified", []move{sendVerify(quick), overdue(week)},
			[]Fact{FactPatrol, FactVerifySent, FactVerifySentOnTime, FactVerifyDue}},
		{"filed late, dispatched late", []move{accept(quick), file(week), dispatch(week)},
			[]Fact{FactPatrol, FactFilingTimed, FactDispatchDue}},
		{"overdue for dispatch, still waiting", []move{accept(quick), file(quick), overdue(week)},
			[]Fact{FactPatrol, FactFilingTimed, FactFiledOnTime, FactDispatchDue}},
		{"checked late", cat([]move{accept(quick), file(quick), dispatch(quick)}, toCheck, []move{check(week)}),
			[]Fact{FactPatrol, FactFilingTimed, FactFiledOnTime, FactDispatchDue, FactDispatchedOnTime, FactCheckDue}},
		{"voided before filing", []move{accept(quick), {quick, Command{Action: ActVoid, Actor: lead, Note: "重复"}}},
			[]Fact{FactPatrol}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))) // a Monday
			c := newTestCase(t, env)
			for _, m := range tc.moves {
				c = step(t, c, &env, m.wait, m.cmd)
			}
			want := map[Fact]bool{}
			for _, f := range tc.hold {
				want[f] = true
			}
			for _, f := range Facts[len(Facts)-11:] {
				if got := f.Holds(&c); got != want[f] {
					t.Errorf("%s: %v, want %v (seen %b done %b late %b)", f, got, want[f], c.StagesSeen, c.StagesDone, c.StagesLate)
				}
			}
		})
	}
}
