package communitystore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/permit"
	"cityloop/internal/store/communitystore"
)

func TestPermitContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := d.dsn(t)
			db := mustOpen(t, dsn)
			now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
			mk := func(id string, k permit.Kind, sub time.Time, to time.Time) *permit.Permit {
				return &permit.Permit{ID: id, Kind: k, Status: permit.StatusSubmitted, Applicant: "某某建设有限公司", Phone: "13800001111", Address: "中山路1号",
					Point: geo.Point{Lng: 118.78, Lat: 32.04}, District: "320101", Details: "两辆渣土车，夜间22点至次日5点", ValidFrom: sub, ValidTo: to,
					SubmittedAt: sub, DueAt: sub.Add(72 * time.Hour), Version: 1}
			}
			ps := []*permit.Permit{
				mk("p1", permit.KindMuck, now.Add(-3*time.Hour), now.AddDate(0, 1, 0)),
				mk("p2", permit.KindMuck, now.Add(-2*time.Hour), now.Add(time.Hour)),
				mk("p3", permit.KindOutdoorAd, now.Add(-1*time.Hour), now.AddDate(1, 0, 0)),
			}
			for _, p := range ps {
				if err := db.CreatePermit(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if raw := rawPermitPhone(t, dsn, "p1"); strings.Contains(raw, "13800001111") || !strings.HasPrefix(raw, "v1:") {
				t.Fatalf("phone stored as %q", raw)
			}
			decide := func(p *permit.Permit, status permit.Status, prefix string) error {
				at := now
				p.Status, p.DecidedAt, p.DecidedBy, p.Version = status, &at, "u1", p.Version+1
				return db.DecidePermit(ctx, p, prefix)
			}
			// Two approvals at once: both numbered, gapless, no number twice.
			var wg sync.WaitGroup
			errs2 := make([]error, 2)
			for i, p := range ps[:2] {
				wg.Add(1)
				go func() { defer wg.Done(); errs2[i] = decide(p, permit.StatusApproved, "ZT-2026-") }()
			}
			wg.Wait()
			if errs2[0] != nil || errs2[1] != nil || ps[0].Number == ps[1].Number || !strings.HasPrefix(ps[0].Number, "ZT-2026-0000") {
				t.Fatalf("%v %v: %q %q", errs2[0], errs2[1], ps[0].Number, ps[1].Number)
			}
			stale := *ps[2]
			if err := decide(ps[2], permit.StatusRejected, ""); err != nil {
				t.Fatal(err)
			}
			if err := decide(&stale, permit.StatusApproved, "GG-2026-"); !errs.Is(err, errs.KindConflict) {
				t.Fatalf("a second decision on a stale copy: %v", err)
			}
			got, err := db.FindPermitByID(ctx, "p3")
			if err != nil || got.Status != permit.StatusRejected || got.Number != "" || got.Phone != "13800001111" || got.DecidedAt == nil || got.Version != 2 {
				t.Fatalf("%v %+v", err, got)
			}
			if _, err := db.FindPermitByID(ctx, "nope"); !errs.Is(err, errs.KindNotFound) {
				t.Fatalf("missing: %v", err)
			}
			later := now.Add(2 * time.Hour) // p2 has ended
			for _, tc := range []struct {
				f   permit.Filter
				ids string
			}{
				{permit.Filter{}, "p3 p2 p1"},
				{permit.Filter{Kind: permit.KindMuck}, "p2 p1"},
				{permit.Filter{Status: permit.StatusApproved}, "p1"},
				{permit.Filter{Status: permit.StatusExpired}, "p2"},
				{permit.Filter{Status: permit.StatusRejected}, "p3"},
				{permit.Filter{Status: permit.StatusSubmitted}, ""},
			} {
				tc.f.Now, tc.f.Limit = later, 10
				list, total, err := db.FindPermits(ctx, tc.f)
				var ids []string
				for _, p := range list {
					ids = append(ids, p.ID)
				}
				if err != nil || strings.Join(ids, " ") != tc.ids || total != len(ids) {
					t.Errorf("%+v: %v %v %d", tc.f, err, ids, total)
				}
			}
			due, err := db.PermitsToRemind(ctx, now.Add(7*24*time.Hour))
			if err != nil || len(due) != 1 || due[0].ID != "p2" {
				t.Fatalf("to remind: %v %+v", err, due)
			}
			if err := db.MarkReminded(ctx, "p2", now); err != nil {
				t.Fatal(err)
			}
			if due, _ := db.PermitsToRemind(ctx, now.Add(7*24*time.Hour)); len(due) != 0 {
				t.Fatalf("reminded twice: %+v", due)
			}
		})
	}
}

func rawPermitPhone(t *testing.T, dsn, id string) string {
	t.Helper()
	db := mustOpen(t, dsn)
	var s string
	if err := communitystore.RawRow(db, `SELECT phone_sealed FROM permits WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
