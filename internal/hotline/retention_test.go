package hotline_test

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/hotline"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/workorder"
)

// TestHotline_CallerPurgedWithCase: the caller of a 12345 order is kept
// sealed while the case is in the loop and erased by the retention purge
// once the case has left it before the cutoff, like the case's reporter;
// the rest of the order stays, an order of an open case keeps its caller,
// and a later step on the order does not bring the caller back.
func TestHotline_CallerPurgedWithCase(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			env := hubtest.Open(t, pg)
			k, err := pii.ParseKeyring("k1:" + pii.NewKey())
			if err != nil {
				t.Fatal(err)
			}
			env.Hub.SetKeyring(k)
			ctx := context.Background()
			a := &hotline.Adapter{Store: env.Hub, Cases: env.Cases, Hub: env.Hub, Cal: env.Cal, Now: func() time.Time { return time.Now().UTC() }}
			op := org.Actor{ID: "hotline-acc", Grants: []org.Grant{{Post: org.PostOperator}}}
			closed, _, err := a.Ingest(ctx, op, order("GD-RET-1", 0))
			if err != nil {
				t.Fatal(err)
			}
			open, _, err := a.Ingest(ctx, op, order("GD-RET-2", 1))
			if err != nil {
				t.Fatal(err)
			}
			want := workorder.Caller{Name: "李四", Phone: "13900139000"}
			if o, err := env.Hub.FindOrder(ctx, closed.OrderNo); err != nil || o.Caller != want {
				t.Fatalf("caller before: %+v, %v", o, err)
			}
			env.Walk(t, closed.CaseID)
			if n, err := env.Hub.PurgeCallers(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
				t.Fatalf("purge before the retention passed: %d, %v", n, err)
			}
			before, err := env.Hub.FindOrder(ctx, closed.OrderNo)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := env.Hub.PurgeCallers(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
				t.Fatalf("purge: %d, %v; want 1", n, err)
			}
			// A step written from a copy read before the purge.
			before.Reply = "已处理"
			if err := env.Hub.UpdateOrder(ctx, *before); err != nil {
				t.Fatal(err)
			}
			got, err := env.Hub.FindOrder(ctx, closed.OrderNo)
			if err != nil || !got.Caller.IsZero() || got.Reply != "已处理" || got.CaseID != closed.CaseID || len(got.Raw) < 10 {
				t.Fatalf("after the purge: %+v, %v", got, err)
			}
			if o, err := env.Hub.FindOrder(ctx, open.OrderNo); err != nil || o.Caller != want {
				t.Fatalf("the open case's order lost its caller: %+v, %v", o, err)
			}
		})
	}
}
