package casework

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// scopeStore is a fake case store that applies a scope the way the SQL
// store does (Scope.Allows) and remembers the scopes it was asked with, so
// the tests see what the service passed down.
type scopeStore struct {
	Store
	cases  []*Case
	events map[string][]Event
	scopes []*Scope
}

func (m *scopeStore) FindCaseByIDIn(ctx context.Context, id string, sc *Scope) (*Case, error) {
	m.scopes = append(m.scopes, sc)
	for _, c := range m.cases {
		if c.ID == id && sc.Allows(c) {
			cp := *c
			return &cp, nil
		}
	}
	return nil, errs.NotFound("case %s does not exist", id)
}

func (m *scopeStore) FindCaseByCode(ctx context.Context, code string) (*Case, error) {
	for _, c := range m.cases {
		if c.Code == code {
			cp := *c
			return &cp, nil
		}
	}
	return nil, errs.NotFound("case %s does not exist", code)
}

func (m *scopeStore) FindCasesByPhone(ctx context.Context, phone string, limit int) ([]*Case, error) {
	var out []*Case
	for _, c := range m.cases {
		if c.Phone == phone && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *scopeStore) FindCases(ctx context.Context, f Filter) ([]*Case, int, error) {
	m.scopes = append(m.scopes, f.Scope)
	var out []*Case
	for _, c := range m.cases {
		if f.Scope.Allows(c) && (f.ReporterID == "" || c.ReporterID == f.ReporterID) && (f.ExternalRef == "" || c.ExternalRef == f.ExternalRef) {
			out = append(out, c)
		}
	}
	return out, len(out), nil
}

func (m *scopeStore) FindNearby(ctx context.Context, q NearbyQuery) ([]*Case, error) {
	var out []*Case
	for _, c := range m.cases {
		if c.ID != q.Exclude && c.Category != nil && *c.Category == q.Category && q.Bounds.Contains(c.Point) &&
			!c.Status.Terminal() && !c.ReportedAt.Before(q.Since) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *scopeStore) Timeline(ctx context.Context, id string) ([]Event, error) {
	return m.events[id], nil
}

func (m *scopeStore) CaseStats(ctx context.Context, q StatsQuery) (CaseStats, error) {
	m.scopes = append(m.scopes, q.Scope)
	return CaseStats{}, nil
}

const (
	gridA = "320101001001010" // the west grid of testService's city
	gridB = "320101001001011"
)

func readFixture(t *testing.T) (*Service, *scopeStore) {
	t.Helper()
	svc, _ := testService(t)
	ref := catalog.Ref{Kind: catalog.Event, Code: "0501"}
	at := svc.Now().Add(-time.Hour)
	mk := func(id, code, grid, dept string, lng float64) *Case {
		return &Case{ID: id, Code: code, Status: StatusDispatched, Category: &ref, Point: geo.Point{Lng: lng, Lat: 32.01},
			Grid: grid, Community: "320101001001", Street: "320101001", District: "320101", Department: dept,
			ReporterID: "rep-" + id, ExternalRef: "ref-" + id, Phone: "13912345678", Reporter: "张三", ReportedAt: at}
	}
	st := &scopeStore{
		cases: []*Case{
			mk("a", "C-A", gridA, "parks", 118.71),
			mk("b", "C-B", gridB, "roads", 118.7101), // about 10 m from a, in the next grid
		},
		events: map[string][]Event{"a": {{CaseID: "a", Action: ActReport}}, "b": {{CaseID: "b", Action: ActReport}}},
	}
	svc.Store = st
	return svc, st
}

// TestService_ReadScope: every read method applies the actor's
// jurisdiction; a case outside it is NotFound, as if it did not exist.
func TestService_ReadScope(t *testing.T) {
	tests := []struct {
		name  string
		actor org.Actor
		sees  []string // case ids, sorted
	}{
		{"operator sees the city", org.Actor{ID: "op", Grants: []org.Grant{{Post: org.PostOperator}}}, []string{"a", "b"}},
		{"handler sees its department", org.Actor{ID: "h", Grants: []org.Grant{{Post: org.PostHandler, Department: "parks"}}}, []string{"a"}},
		{"supervisor sees its grid", org.Actor{ID: "s", Grants: []org.Grant{{Post: org.PostSupervisor, Region: gridB}}}, []string{"b"}},
		{"street handler sees its department in its street", org.Actor{ID: "sh", Grants: []org.Grant{{Post: org.PostHandler, Region: "320101001", Department: "roads"}}}, []string{"b"}},
		{"unknown region sees nothing", org.Actor{ID: "x", Grants: []org.Grant{{Post: org.PostSupervisor, Region: "999"}}}, nil},
		{"citizen sees nothing", org.Actor{ID: "c", Grants: []org.Grant{{Post: org.PostCitizen}}}, nil},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, st := readFixture(t)
			want := map[string]bool{}
			for _, id := range tt.sees {
				want[id] = true
			}

			items, total, err := svc.FindCases(ctx, tt.actor, Filter{Scope: &Scope{All: true}}) // a caller's scope is ignored
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range items {
				got = append(got, c.ID)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.sees, got); diff != "" || total != len(tt.sees) {
				t.Errorf("FindCases (total %d) (-want +got):\n%s", total, diff)
			}

			for _, c := range st.cases {
				_, err := svc.FindCase(ctx, tt.actor, c.ID)
				checkSeen(t, "FindCase "+c.ID, want[c.ID], err)
				_, err = svc.FindCaseByCode(ctx, tt.actor, c.Code)
				checkSeen(t, "FindCaseByCode "+c.Code, want[c.ID], err)
				tl, err := svc.Timeline(ctx, tt.actor, c.ID)
				checkSeen(t, "Timeline "+c.ID, want[c.ID], err)
				if err == nil && len(tl) != 1 {
					t.Errorf("Timeline %s = %d events, want 1", c.ID, len(tl))
				}
				got, tl2, err := svc.FindCaseWithTimeline(ctx, tt.actor, c.ID)
				checkSeen(t, "FindCaseWithTimeline "+c.ID, want[c.ID], err)
				if err == nil && (got.ID != c.ID || len(tl2) != 1) {
					t.Errorf("FindCaseWithTimeline %s = %s with %d events", c.ID, got.ID, len(tl2))
				}
			}

			scope := svc.ScopeOf(tt.actor)
			for i, sc := range st.scopes {
				if diff := cmp.Diff(scope, sc); diff != "" {
					t.Errorf("store call %d got another scope than the actor's (-want +got):\n%s", i, diff)
				}
			}

			// Duplicates of a: b is one if the actor sees b.
			a := *st.cases[0]
			dups, err := svc.Duplicates(ctx, tt.actor, &a)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(dups) == 1 && dups[0].ID == "b"; got != want["b"] {
				t.Errorf("Duplicates of a = %+v; the actor sees b: %v", dups, want["b"])
			}

			st.scopes = nil
			if _, err := svc.Stats(ctx, tt.actor, StatsQuery{}); err != nil {
				t.Fatal(err)
			}
			if len(st.scopes) != 1 || !cmp.Equal(scope, st.scopes[0]) {
				t.Errorf("Stats asked the store with %+v, want the actor's scope %+v", st.scopes, scope)
			}
		})
	}
}

func checkSeen(t *testing.T, what string, want bool, err error) {
	t.Helper()
	switch {
	case want && err != nil:
		t.Errorf("%s: %v, want the case", what, err)
	case !want && !errs.Is(err, errs.KindNotFound):
		t.Errorf("%s: err = %v, want NotFound", what, err)
	}
}

// TestService_ReadWithoutScope: the reads that stand outside any
// jurisdiction, each for its own reason.
func TestService_ReadWithoutScope(t *testing.T) {
	ctx := context.Background()
	citizen := org.Actor{ID: "rep-b", Grants: []org.Grant{{Post: org.PostCitizen}}}
	t.Run("tracking code", func(t *testing.T) {
		svc, _ := readFixture(t)
		c, err := svc.TrackCase(ctx, "C-B")
		if err != nil || c.ID != "b" {
			t.Fatalf("TrackCase = %v, %v", c, err)
		}
		if _, err := svc.TrackCase(ctx, "C-Z"); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("TrackCase of an unknown code: %v, want NotFound", err)
		}
		if tl, err := svc.TimelineWithKey(ctx, "b"); err != nil || len(tl) != 1 {
			t.Errorf("TimelineWithKey = %v, %v", tl, err)
		}
	})
	t.Run("own report by reference", func(t *testing.T) {
		svc, _ := readFixture(t)
		c, err := svc.FindOwnCaseByRef(ctx, citizen, "ref-b")
		if err != nil || c.ID != "b" {
			t.Fatalf("FindOwnCaseByRef = %v, %v", c, err)
		}
		for _, ref := range []string{"ref-a", "", "ref-z"} {
			if _, err := svc.FindOwnCaseByRef(ctx, citizen, ref); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("FindOwnCaseByRef(%q): %v, want NotFound (not the reporter's)", ref, err)
			}
		}
		if _, err := svc.FindOwnCaseByRef(ctx, org.Actor{}, "ref-b"); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("an anonymous actor found a case by reference: %v", err)
		}
	})
	t.Run("phone proven by a code", func(t *testing.T) {
		svc, _ := readFixture(t)
		list, err := svc.FindCasesByPhoneWithCode(ctx, "13912345678", 1)
		if err != nil || len(list) != 1 {
			t.Fatalf("FindCasesByPhoneWithCode = %v, %v; want one case (the limit)", list, err)
		}
	})
	t.Run("no statistics", func(t *testing.T) {
		svc, _ := readFixture(t)
		svc.Store = &memStore{}
		if _, err := svc.Stats(ctx, citizen, StatsQuery{}); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("Stats without an aggregate store: %v, want NotFound", err)
		}
	})
}

// TestService_DuplicatesClock: the window runs back from the case's report,
// not from now, so the console finds what intake found.
func TestService_DuplicatesClock(t *testing.T) {
	svc, st := readFixture(t)
	op := org.Actor{ID: "op", Grants: []org.Grant{{Post: org.PostOperator}}}
	old := *st.cases[0]
	old.ID, old.Code = "old", "C-OLD"
	old.ReportedAt = svc.Now().AddDate(0, 0, -10)
	st.cases[1].ReportedAt = old.ReportedAt.Add(-time.Hour)
	dups, err := svc.Duplicates(context.Background(), op, &old)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range dups {
		ids = append(ids, d.ID)
	}
	if diff := cmp.Diff([]string{"a", "b"}, ids); diff != "" {
		t.Errorf("Duplicates of a case reported 10 days ago: want a (since) and b (an hour before it) (-want +got):\n%s", diff)
	}
}

func TestMaskContact(t *testing.T) {
	for _, tt := range []struct {
		post  org.Post
		clear bool
	}{{org.PostOperator, true}, {org.PostShiftLead, true}, {org.PostDispatcher, false}, {org.PostHandler, false}, {org.PostCitizen, false}} {
		t.Run(string(tt.post), func(t *testing.T) {
			a := org.Actor{Grants: []org.Grant{{Post: tt.post}}}
			c := &Case{Phone: "13912345678", Reporter: "张三"}
			if SeesContact(a) != tt.clear || MaskContact(a, c) != tt.clear {
				t.Fatalf("%s: SeesContact/MaskContact want %v", tt.post, tt.clear)
			}
			if masked := c.Phone != "13912345678"; masked == tt.clear {
				t.Errorf("%s: phone %q", tt.post, c.Phone)
			}
		})
	}
	if MaskContact(org.Actor{Grants: []org.Grant{{Post: org.PostOperator}}}, &Case{}) {
		t.Error("an empty contact reported as read")
	}
}
