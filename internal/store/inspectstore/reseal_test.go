package inspectstore_test

import (
	"context"
	"strings"
	"testing"

	"cityloop/internal/inspect"
	"cityloop/internal/pii"
	"cityloop/internal/store/inspectstore"
)

// TestResealPII: values written in plain (no keyring) and under an old key
// are sealed under the new key; after the old key is dropped every value
// still opens and the committed plan still draws.
func TestResealPII(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := d.dsn(t)
			oldKey, newKey := "old:"+pii.NewKey(), "new:"+pii.NewKey()
			ring := func(spec string) *pii.Keyring {
				k, err := pii.ParseKeyring(spec)
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			plain := mustOpen(t, dsn)
			plain.SetKeyring(nil)
			s := service(t, plain, t0)
			a, err := s.CreatePlan(ctx, leader, input(6, 4, 2, 2)) // stored in plain
			if err != nil {
				t.Fatal(err)
			}
			old, err := inspectstore.OpenReady(ctx, dsn, ring(oldKey))
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			s.Store = old
			b, err := s.CreatePlan(ctx, leader, input(6, 4, 2, 2)) // under the old key
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(ctx, leader, b.ID); err != nil {
				t.Fatal(err)
			}
			rotating, err := inspectstore.OpenReady(ctx, dsn, ring(newKey+","+oldKey))
			if err != nil {
				t.Fatal(err)
			}
			defer rotating.Close()
			n, err := rotating.ResealPII(ctx)
			// Plan a: 6 contacts, 6 phones, 4 inspector phones, 1 reason; plan b the same and its seed.
			if err != nil || n != 2*17+1 {
				t.Fatalf("resealed %d (%v), want 35", n, err)
			}
			if n, err := rotating.ResealPII(ctx); err != nil || n != 0 {
				t.Fatalf("second reseal: %d %v", n, err)
			}
			after, err := inspectstore.OpenReady(ctx, dsn, ring(newKey))
			if err != nil {
				t.Fatal(err)
			}
			defer after.Close()
			for _, id := range []string{a.ID, b.ID} {
				p, err := after.FindPlanByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if p.Objects[0].Phone != "13812345678" || p.Objects[0].Contact != "王小二" || p.Inspectors[0].Phone != "13900001111" || p.Conflicts[0].Reason != "配偶经营" {
					t.Errorf("plan %s after rotation: %+v %+v", id, p.Objects[0], p.Conflicts)
				}
			}
			s.Store = after
			p, err := s.Draw(ctx, leader, b.ID)
			if err != nil || p.Status != inspect.StatusDrawn {
				t.Fatalf("draw after rotation: %v", err)
			}
			var v string
			if err := after.ReadPool().QueryRow(`SELECT phone FROM inspection_objects WHERE plan_id = $1 AND id = 'o0000'`, a.ID).Scan(&v); err != nil ||
				!strings.HasPrefix(v, "v1:new:") {
				t.Errorf("phone stored as %q (%v)", v, err)
			}
		})
	}
}
