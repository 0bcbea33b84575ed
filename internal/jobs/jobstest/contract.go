package jobstest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
)

// Open makes a fresh, empty store for one subtest.
type Open func(t *testing.T) jobs.Store

// t0 is the contract's reference time, at the stores' precision.
var t0 = time.Date(2026, 2, 13, 1, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr(t time.Time) *time.Time { return &t }

// Run checks the contract of [jobs.Store] documented on its methods.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s jobs.Store)
	}{
		{"ensure creates once and applies a changed schedule", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Minute), t0))
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Hour), t0)) // same spec: keeps its due time
			want := jobs.Status{Name: "a", Schedule: "every 1m0s", DueAt: at(time.Minute), NextRunAt: at(time.Minute)}
			wantJobs(t, s, want)
			must(t, s.EnsureJob(ctx, "a", "daily 02:30", at(2*time.Hour), t0))
			want.Schedule, want.DueAt, want.NextRunAt = "daily 02:30", at(2*time.Hour), at(2*time.Hour)
			wantJobs(t, s, want)
		}},
		{"ensure leaves a held job's schedule alone", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Minute), t0))
			c := claim(t, s, "a", "n1", at(time.Minute), at(2*time.Minute))
			must(t, s.EnsureJob(ctx, "a", "daily 02:30", at(time.Hour), at(time.Minute)))
			wantJobs(t, s, jobs.Status{Name: "a", Schedule: "every 1m0s", DueAt: at(time.Minute), NextRunAt: at(time.Minute),
				Holder: "n1", LeaseUntil: ptr(c.LeaseUntil), Attempt: 1})
		}},
		{"claim only when due and free", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Minute), t0))
			noClaim(t, s, "nobody", "n1", at(time.Minute))
			noClaim(t, s, "a", "n1", at(time.Minute-time.Microsecond))
			c := claim(t, s, "a", "n1", at(time.Minute), at(2*time.Minute))
			want := jobs.Claim{Name: "a", Node: "n1", Seq: c.Seq, DueAt: at(time.Minute), Attempt: 1, LeaseUntil: at(2 * time.Minute)}
			if diff := cmp.Diff(want, c); diff != "" {
				t.Fatalf("claim (-want +got):\n%s", diff)
			}
			noClaim(t, s, "a", "n2", at(90*time.Second))
			noClaim(t, s, "a", "n2", at(2*time.Minute)) // lease_until itself still holds
			c2 := claim(t, s, "a", "n2", at(2*time.Minute+time.Microsecond), at(3*time.Minute))
			if c2.Attempt != 2 || c2.Seq <= c.Seq || !c2.DueAt.Equal(c.DueAt) {
				t.Fatalf("claim after the lease expired: %+v, first %+v; want attempt 2 at the same due time and a later seq", c2, c)
			}
		}},
		{"extend only while holding", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", t0, t0))
			c := claim(t, s, "a", "n1", t0, at(time.Minute))
			for _, tt := range []struct {
				name string
				c    jobs.Claim
				ok   bool
			}{
				{"holder", c, true},
				{"other node", jobs.Claim{Name: "a", Node: "n2", Seq: c.Seq}, false},
				{"stale seq", jobs.Claim{Name: "a", Node: "n1", Seq: c.Seq - 1}, false},
				{"unknown job", jobs.Claim{Name: "b", Node: "n1", Seq: c.Seq}, false},
			} {
				ok, err := s.ExtendLease(ctx, tt.c, at(5*time.Minute))
				if err != nil || ok != tt.ok {
					t.Errorf("%s: ExtendLease = %v, %v; want %v", tt.name, ok, err, tt.ok)
				}
			}
			noClaim(t, s, "a", "n2", at(3*time.Minute)) // extended to 5m
			claim(t, s, "a", "n2", at(6*time.Minute), at(7*time.Minute))
			if ok, err := s.ExtendLease(ctx, c, at(10*time.Minute)); err != nil || ok {
				t.Fatalf("ExtendLease after a takeover = %v, %v; want false", ok, err)
			}
		}},
		{"finish records, reschedules and frees", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Minute), t0))
			c := claim(t, s, "a", "n1", at(time.Minute), at(2*time.Minute))
			o := jobs.Outcome{StartedAt: at(time.Minute), FinishedAt: at(time.Minute + 1500*time.Millisecond),
				NextDue: at(2 * time.Minute), NextRun: at(2 * time.Minute), Keep: 10}
			finish(t, s, c, o, true)
			wantJobs(t, s, jobs.Status{Name: "a", Schedule: "every 1m0s", DueAt: at(2 * time.Minute), NextRunAt: at(2 * time.Minute),
				LastNode: "n1", LastStartedAt: ptr(o.StartedAt), LastFinishedAt: ptr(o.FinishedAt), LastDuration: 1500 * time.Millisecond})
			wantRuns(t, s, "a", 10, jobs.RunRecord{Name: "a", DueAt: at(time.Minute), Attempt: 1, Node: "n1",
				StartedAt: o.StartedAt, FinishedAt: o.FinishedAt, Duration: 1500 * time.Millisecond})
			finish(t, s, c, o, false) // a second finish of the same claim
			wantRuns(t, s, "a", 10, jobs.RunRecord{Name: "a", DueAt: at(time.Minute), Attempt: 1, Node: "n1",
				StartedAt: o.StartedAt, FinishedAt: o.FinishedAt, Duration: 1500 * time.Millisecond})
		}},
		{"a retry keeps counting attempts at the due time", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1h0m0s", at(time.Minute), t0))
			c := claim(t, s, "a", "n1", at(time.Minute), at(2*time.Minute))
			finish(t, s, c, jobs.Outcome{StartedAt: c.DueAt, FinishedAt: c.DueAt, Error: "boom",
				NextDue: c.DueAt, NextRun: at(time.Minute + 10*time.Second), Retry: true, Keep: 10}, true)
			wantJobs(t, s, jobs.Status{Name: "a", Schedule: "every 1h0m0s", DueAt: at(time.Minute), NextRunAt: at(time.Minute + 10*time.Second),
				Attempt: 1, LastNode: "n1", LastStartedAt: ptr(c.DueAt), LastFinishedAt: ptr(c.DueAt), LastError: "boom"})
			noClaim(t, s, "a", "n2", at(time.Minute+5*time.Second))
			c2 := claim(t, s, "a", "n2", at(time.Minute+10*time.Second), at(3*time.Minute))
			if c2.Attempt != 2 || !c2.DueAt.Equal(at(time.Minute)) {
				t.Fatalf("retry claim %+v, want attempt 2 at the first due time", c2)
			}
			finish(t, s, c2, jobs.Outcome{StartedAt: c2.DueAt, FinishedAt: c2.DueAt, NextDue: at(time.Hour), NextRun: at(time.Hour), Keep: 10}, true)
			c3 := claim(t, s, "a", "n1", at(time.Hour), at(time.Hour+time.Minute))
			if c3.Attempt != 1 || !c3.DueAt.Equal(at(time.Hour)) {
				t.Fatalf("claim of the next due time %+v, want attempt 1", c3)
			}
		}},
		{"a lost lease finishes nothing", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", t0, t0))
			c := claim(t, s, "a", "n1", t0, at(time.Minute))
			c2 := claim(t, s, "a", "n2", at(2*time.Minute), at(3*time.Minute))
			finish(t, s, c, jobs.Outcome{StartedAt: t0, FinishedAt: at(2 * time.Minute), NextDue: at(time.Hour), NextRun: at(time.Hour), Keep: 10}, false)
			wantRuns(t, s, "a", 10)
			wantJobs(t, s, jobs.Status{Name: "a", Schedule: "every 1m0s", DueAt: t0, NextRunAt: t0, Holder: "n2", LeaseUntil: ptr(c2.LeaseUntil), Attempt: 2})
		}},
		{"a changed schedule fences an expired claim", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", t0, t0))
			c := claim(t, s, "a", "n1", t0, at(time.Minute))
			// n1 stalls past its lease; a node with a new schedule starts.
			must(t, s.EnsureJob(ctx, "a", "daily 02:30", at(time.Hour), at(2*time.Minute)))
			finish(t, s, c, jobs.Outcome{StartedAt: t0, FinishedAt: at(3 * time.Minute), NextDue: at(4 * time.Minute), NextRun: at(4 * time.Minute), Keep: 10}, false)
			noClaim(t, s, "a", "n2", at(59*time.Minute))
			if c2 := claim(t, s, "a", "n2", at(time.Hour), at(time.Hour+time.Minute)); c2.Attempt != 1 || !c2.DueAt.Equal(at(time.Hour)) {
				t.Fatalf("claim under the new schedule %+v, want attempt 1 due at +1h", c2)
			}
		}},
		{"history newest first, limited and pruned per job", func(t *testing.T, s jobs.Store) {
			for _, name := range []string{"b", "a"} {
				must(t, s.EnsureJob(ctx, name, "every 1m0s", t0, t0))
			}
			for i := range 5 {
				for _, name := range []string{"a", "b"} {
					due := at(time.Duration(i) * time.Minute)
					c := claim(t, s, name, "n1", due, due.Add(time.Minute))
					finish(t, s, c, jobs.Outcome{StartedAt: due, FinishedAt: due, NextDue: due.Add(time.Minute), NextRun: due.Add(time.Minute), Keep: 3}, true)
				}
			}
			run := func(name string, i int) jobs.RunRecord {
				due := at(time.Duration(i) * time.Minute)
				return jobs.RunRecord{Name: name, DueAt: due, Attempt: 1, Node: "n1", StartedAt: due, FinishedAt: due}
			}
			wantRuns(t, s, "a", 0, run("a", 4), run("a", 3), run("a", 2))
			wantRuns(t, s, "b", 2, run("b", 4), run("b", 3))
			if _, err := s.ListRuns(ctx, "nobody", 10); !errs.Is(err, errs.KindNotFound) {
				t.Fatalf("ListRuns of an unknown job: %v, want NotFound", err)
			}
			st, err := s.ListJobs(ctx)
			if err != nil || len(st) != 2 || st[0].Name != "a" || st[1].Name != "b" {
				t.Fatalf("ListJobs = %+v, %v; want a and b by name", st, err)
			}
		}},
		{"a skipped run moves on without history", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "a", "every 1m0s", at(time.Minute), t0))
			c := claim(t, s, "a", "n1", at(time.Minute), at(2*time.Minute))
			finish(t, s, c, jobs.Outcome{StartedAt: at(time.Minute), FinishedAt: at(time.Minute), NextDue: at(2 * time.Minute),
				NextRun: at(2 * time.Minute), Keep: 10, Skip: true}, true)
			wantJobs(t, s, jobs.Status{Name: "a", Schedule: "every 1m0s", DueAt: at(2 * time.Minute), NextRunAt: at(2 * time.Minute)})
			wantRuns(t, s, "a", 10)
			finish(t, s, c, jobs.Outcome{NextDue: at(3 * time.Minute), NextRun: at(3 * time.Minute), Keep: 10, Skip: true}, false)
		}},
		{"a lease has one holder until it runs out", func(t *testing.T, s jobs.Store) {
			hold := func(holder string, now time.Duration, want bool) time.Time {
				t.Helper()
				since, ok, err := s.HoldLease(ctx, "w", holder, 30*time.Second, at(now), at(now+30*time.Second))
				if err != nil || ok != want {
					t.Fatalf("HoldLease(%s at +%s) = %v, %v; want %v", holder, now, ok, err, want)
				}
				return since
			}
			holderIs := func(now time.Duration, want string) {
				t.Helper()
				h, ok, err := s.LeaseHolder(ctx, "w", at(now))
				if err != nil || h != want || ok != (want != "") {
					t.Fatalf("LeaseHolder at +%s = %q, %v, %v; want %q", now, h, ok, err, want)
				}
			}
			holderIs(0, "")
			if since := hold("n1", 0, true); !since.Equal(t0) {
				t.Fatalf("held since %v, want %v", since, t0)
			}
			hold("n2", 10*time.Second, false)
			if since := hold("n1", 20*time.Second, true); !since.Equal(t0) { // a renewal keeps since
				t.Fatalf("renewed: held since %v, want %v", since, t0)
			}
			holderIs(50*time.Second, "n1") // until itself still holds
			hold("n2", 50*time.Second, false)
			wantJobs(t, s, jobs.Status{Name: "w", Kind: jobs.KindLease, Schedule: "lease 30s", Holder: "n1",
				LeaseUntil: ptr(at(50 * time.Second)), HeldSince: ptr(t0), DueAt: at(20 * time.Second), NextRunAt: at(50 * time.Second)})
			holderIs(51*time.Second, "")
			if since := hold("n2", 51*time.Second, true); !since.Equal(at(51 * time.Second)) { // n1 stopped renewing
				t.Fatalf("taken over: held since %v", since)
			}
			must(t, s.ReleaseLease(ctx, "w", "n1", at(55*time.Second), "")) // not n1's any more: nothing
			holderIs(55*time.Second, "n2")
			must(t, s.ReleaseLease(ctx, "w", "n2", at(60*time.Second), "boom"))
			holderIs(60*time.Second, "")
			wantJobs(t, s, jobs.Status{Name: "w", Kind: jobs.KindLease, Schedule: "lease 30s", DueAt: at(60 * time.Second),
				NextRunAt: at(60 * time.Second), LastNode: "n2", LastError: "boom"})
			hold("n1", 61*time.Second, true)
		}},
		{"jobs and leases listed together by name", func(t *testing.T, s jobs.Store) {
			must(t, s.EnsureJob(ctx, "b", "every 1m0s", t0, t0))
			for _, name := range []string{"c", "a"} {
				if _, ok, err := s.HoldLease(ctx, name, "n1", time.Minute, t0, at(time.Minute)); err != nil || !ok {
					t.Fatalf("HoldLease(%s) = %v, %v", name, ok, err)
				}
			}
			st, err := s.ListJobs(ctx)
			if err != nil || len(st) != 3 || st[0].Name != "a" || st[1].Name != "b" || st[2].Name != "c" ||
				st[0].Kind != jobs.KindLease || st[1].Kind != "" {
				t.Fatalf("ListJobs = %+v, %v; want a, b and c by name, a lease and a job", st, err)
			}
		}},
		{"times keep microseconds", func(t *testing.T, s jobs.Store) {
			due := t0.Add(123456 * time.Microsecond)
			must(t, s.EnsureJob(ctx, "a", "every 1s", due, t0))
			c := claim(t, s, "a", "n1", due, due.Add(time.Second))
			if !c.DueAt.Equal(due) || c.DueAt.Location() != time.UTC {
				t.Fatalf("due at %v, want %v in UTC", c.DueAt, due)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func claim(t *testing.T, s jobs.Store, name, node string, now, until time.Time) jobs.Claim {
	t.Helper()
	c, ok, err := s.ClaimJob(context.Background(), name, node, now, until)
	if err != nil || !ok {
		t.Fatalf("ClaimJob(%s, %s, %v) = %v, %v; want a claim", name, node, now, ok, err)
	}
	return c
}

func noClaim(t *testing.T, s jobs.Store, name, node string, now time.Time) {
	t.Helper()
	c, ok, err := s.ClaimJob(context.Background(), name, node, now, now.Add(time.Minute))
	if err != nil || ok {
		t.Fatalf("ClaimJob(%s, %s, %v) = %+v, %v, %v; want no claim", name, node, now, c, ok, err)
	}
}

func finish(t *testing.T, s jobs.Store, c jobs.Claim, o jobs.Outcome, want bool) {
	t.Helper()
	ok, err := s.FinishRun(context.Background(), c, o)
	if err != nil || ok != want {
		t.Fatalf("FinishRun(%+v) = %v, %v; want %v", c, ok, err, want)
	}
}

func wantJobs(t *testing.T, s jobs.Store, want ...jobs.Status) {
	t.Helper()
	got, err := s.ListJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("jobs (-want +got):\n%s", diff)
	}
}

func wantRuns(t *testing.T, s jobs.Store, name string, limit int, want ...jobs.RunRecord) {
	t.Helper()
	got, err := s.ListRuns(context.Background(), name, limit)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].ID = 0 // assigned by the store
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("runs of %s (-want +got):\n%s", name, diff)
	}
}
