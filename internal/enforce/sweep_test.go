package enforce

import (
	"testing"
	"time"
)

// TestNextSweep: the sweep has nothing to say about a case before its
// NextSweep and warns at it, for each clock and light in turn; a case
// whose clocks all warned red, or that ended, has none.
func TestNextSweep(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	cases := map[string]Case{"lead (limitation)": lead(Person, env.Now.Add(-300*24*time.Hour))}
	c := investigated(t, &env) // the 90-day decision clock
	cases["investigating"] = c
	n := notified(t, &env) // the hearing-request window, in working days
	cases["notified"] = n
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.UpdatedAt = env.Now
			for light := 0; light < 2; light++ {
				due := NextSweep(c, env.Cal, env.Policy)
				if due == nil {
					t.Fatalf("no next sweep after %d warnings", light)
				}
				if _, _, ok := Sweep(c, env.Cal, env.Policy, due.Add(-2*time.Minute)); ok {
					t.Fatalf("the sweep warns before %s", due)
				}
				next, _, ok := Sweep(c, env.Cal, env.Policy, *due)
				if !ok {
					t.Fatalf("the sweep does not warn at %s", due)
				}
				if next.NextDue != nil && !next.NextDue.After(*due) {
					t.Fatalf("the next sweep %s is not after %s", next.NextDue, due)
				}
				c = next
			}
		})
	}
	closed := cases["investigating"]
	closed.Status = StatusClosed
	if NextSweep(closed, env.Cal, env.Policy) != nil {
		t.Fatal("a closed case has a next sweep")
	}
}
