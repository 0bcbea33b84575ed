package evidence_test

import (
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
	"cityloop/internal/org"
)

func TestMemStore_Contract(t *testing.T) {
	evidencetest.Run(t, func(t *testing.T) evidence.Store { return &evidencetest.Mem{} })
}

func TestService_ReleaseRecordsFirst(t *testing.T) {
	st := &evidencetest.Mem{}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s := &evidence.Service{Store: st, Access: evidence.PostAccess{}, Now: func() time.Time { return now }}
	it := evidencetest.Item("ev-1", "case-1")
	if _, _, err := s.Record(t.Context(), it); err != nil {
		t.Fatal(err)
	}
	enforcer := org.Actor{ID: "u-enf", Grants: []org.Grant{{Post: org.PostEnforcer}}}
	citizen := org.Actor{ID: "u-cit", Grants: []org.Grant{{Post: org.PostCitizen}}}
	for _, tc := range []struct {
		name  string
		actor org.Actor
		id    string
		act   evidence.Action
		kind  errs.Kind
	}{
		{"enforcer exports", enforcer, "ev-1", evidence.Exported, 0},
		{"enforcer views", enforcer, "ev-1", evidence.Viewed, 0},
		{"citizen refused", citizen, "ev-1", evidence.Exported, errs.KindForbidden},
		{"unknown evidence", enforcer, "ev-x", evidence.Exported, errs.KindNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := st.Custody(t.Context(), "case-1")
			_, e, err := s.Release(t.Context(), tc.actor, tc.id, tc.act, "法制审核")
			after, _ := st.Custody(t.Context(), "case-1")
			if tc.kind != 0 {
				if !errs.Is(err, tc.kind) || len(after) != len(before) {
					t.Fatalf("err %v (want kind %v), entries %d → %d", err, tc.kind, len(before), len(after))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before)+1 || e.Action != tc.act || e.Actor != tc.actor.ID {
				t.Fatalf("entry %+v; entries %d → %d", e, len(before), len(after))
			}
		})
	}
	r, err := s.VerifyCase(t.Context(), enforcer, "case-1")
	if err != nil || !r.OK || r.Entries != 3 || r.Items != 1 {
		t.Fatalf("report %+v %v", r, err)
	}
	st.Tamper("case-1", 1, func(e *evidence.Entry) { e.Actor = "forger" })
	r, err = s.VerifyCase(t.Context(), enforcer, "case-1")
	if err != nil || r.OK || r.Broken == nil || r.Broken.Seq != 2 {
		t.Fatalf("tampered report %+v %v, want broken at 2", r, err)
	}
}

func TestPostAccess(t *testing.T) {
	for _, tc := range []struct {
		post org.Post
		id   string
		kind errs.Kind
	}{
		{org.PostEnforcer, "case-1", 0},
		{org.PostLegalReviewer, "case-1", 0},
		{org.PostLeader, "case-1", 0},
		{org.PostAdmin, "case-1", 0},
		{org.PostDispatcher, "case-1", errs.KindForbidden},
		{org.PostEnforcer, "../etc", errs.KindInvalid},
		{org.PostEnforcer, "", errs.KindInvalid},
	} {
		err := evidence.PostAccess{}.CaseAccess(t.Context(), org.Actor{ID: "x", Grants: []org.Grant{{Post: tc.post}}}, tc.id)
		if (tc.kind == 0) != (err == nil) || (tc.kind != 0 && !errs.Is(err, tc.kind)) {
			t.Errorf("%s %q: %v, want kind %v", tc.post, tc.id, err, tc.kind)
		}
	}
}
