package casework

import (
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

func TestParsePredicate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // the predicate spelled back; "" for none
		invalid bool
	}{
		{"", "", false},
		{"closed", "closed", false},
		{"closed,!closed_late", "closed,!closed_late", false},
		{" due_to_close , ! reworked ,", "due_to_close,!reworked", false},
		{"closed,sleeping", "", true},
		{"!", "", true},
		{strings.Repeat("closed,", maxTests+1), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePredicate(tc.in)
			if tc.invalid {
				if !errs.Is(err, errs.KindInvalid) {
					t.Fatalf("ParsePredicate(%q) = %v, %v; want Invalid", tc.in, p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tc.want {
				t.Errorf("ParsePredicate(%q) = %q, want %q", tc.in, p.String(), tc.want)
			}
		})
	}
}

// FuzzParsePredicate: any input parses or is Invalid, and what parses
// spells back to itself.
func FuzzParsePredicate(f *testing.F) {
	for _, s := range []string{"closed", "closed,!closed_late", " ! due_to_close,,", "!!closed", "x,y", "满意", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePredicate(s)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("ParsePredicate(%q): %v is not Invalid", s, err)
			}
			return
		}
		again, err := ParsePredicate(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("round trip of %q: %q, %v", s, again.String(), err)
		}
	})
}

func TestFact_Holds(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	disposed := &Case{Status: StatusPendingCheck, DispatchedAt: &now, DisposedAt: &now, Returns: 1, Shirks: 1}
	overdueOpen := &Case{Status: StatusInDisposal, DispatchedAt: &now, Overdue: true}
	suspended := &Case{Status: StatusSuspended, DispatchedAt: &now, DisposedAt: &now, Overdue: true}
	closedLate := &Case{Status: StatusClosed, DisposedAt: &now, ClosedLate: true, Satisfaction: "basic", Source: SourceCamera}
	tests := []struct {
		name string
		c    *Case
		fact Fact
		want bool
	}{
		{"disposed is due to close", disposed, FactDueToClose, true},
		{"overdue undisposed is due to close", overdueOpen, FactDueToClose, true},
		{"挂账 is never due to close", suspended, FactDueToClose, false},
		{"a rejected return keeps the dispatch accurate", disposed, FactAccurateDisp, true},
		{"an upheld return does not", &Case{DispatchedAt: &now, Returns: 1}, FactAccurateDisp, false},
		{"closed late is not on time", closedLate, FactClosedOnTime, false},
		{"closed late", closedLate, FactClosedLate, true},
		{"basic counts as satisfied", closedLate, FactSatisfied, true},
		{"unsatisfied does not", &Case{Satisfaction: "unsatisfied"}, FactSatisfied, false},
		{"a camera finds automatically", closedLate, FactAutomatic, true},
		{"disposed on time", disposed, FactDisposedOnTime, true},
		{"disposed late", &Case{DisposedAt: &now, DisposedLate: true}, FactDisposedOnTime, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fact.Holds(tc.c); got != tc.want {
				t.Errorf("%s.Holds = %v, want %v", tc.fact, got, tc.want)
			}
		})
	}
	for _, f := range Facts {
		if _, ok := FactNames[f]; !ok {
			t.Errorf("fact %s has no name", f)
		}
	}
	if len(Facts) != len(FactNames) {
		t.Errorf("%d facts listed, %d named", len(Facts), len(FactNames))
	}
}

// TestDecide_DisposedLate: a disposal fed back after the disposal stage's
// deadline is 超期处置, and stays so through a rework; one in time is not.
func TestDecide_DisposedLate(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration // from sign-off to the feedback
		late  bool
	}{
		{"in time", 30 * time.Minute, false},
		{"a week later", 7 * 24 * time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
			c := newTestCase(t, env)
			op, lead, disp, sup := actor(org.PostOperator, ""), actor(org.PostShiftLead, ""), actor(org.PostDispatcher, ""), actor(org.PostSupervisor, "")
			c = step(t, c, &env, 5*time.Minute, Command{Action: ActAccept, Actor: op})
			c = step(t, c, &env, 5*time.Minute, Command{Action: ActFile, Actor: lead})
			c = step(t, c, &env, 5*time.Minute, Command{Action: ActDispatch, Actor: disp, Department: c.Suggested})
			h := actor(org.PostHandler, c.Department)
			c = step(t, c, &env, 10*time.Minute, Command{Action: ActSign, Actor: h})
			c = step(t, c, &env, tc.after, Command{Action: ActDispose, Actor: h, Note: "已处置", Photos: []string{"p1"}})
			if c.DisposedLate != tc.late || FactDisposedOnTime.Holds(&c) == tc.late {
				t.Fatalf("disposed_late %v, want %v", c.DisposedLate, tc.late)
			}
			c = step(t, c, &env, 20*time.Minute, Command{Action: ActCheck, Actor: sup, Passed: boolp(false), Note: "未清理干净", Photos: []string{"p2"}})
			c = step(t, c, &env, 10*time.Minute, Command{Action: ActDispose, Actor: h, Note: "再次处置", Photos: []string{"p3"}})
			if c.DisposedLate != tc.late {
				t.Errorf("after a rework in time: disposed_late %v, want %v", c.DisposedLate, tc.late)
			}
		})
	}
}
