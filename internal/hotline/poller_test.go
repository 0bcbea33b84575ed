package hotline_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
	"cityloop/internal/workorder"
)

// TestHotline_PollerKeepsInterval: the jobs runner calls RunPoller every
// few seconds; it polls only when the settings' pull_every has passed since
// the last poll (kept in the store, so any node keeps it), and not at all
// without a pull URL.
func TestHotline_PollerKeepsInterval(t *testing.T) {
	env := hubtest.Open(t, false)
	ctx := context.Background()
	if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
		t.Fatal(err)
	}
	var pulls atomic.Int32
	hot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pulls.Add(1)
		_, _ = w.Write([]byte(`{"orders":[],"next_cursor":""}`))
	}))
	defer hot.Close()
	loopback, err := egress.Parse("loopback")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := &hotline.Adapter{Store: env.Hub, Cases: env.Cases, Hub: env.Hub, Cal: env.Cal, Now: clock, Egress: loopback}
	step := func(what string, wantPolled bool, wantPulls int32) {
		t.Helper()
		polled, err := a.RunPoller(ctx)
		if err != nil || polled != wantPolled || pulls.Load() != wantPulls {
			t.Fatalf("%s: RunPoller = %v, %v after %d pulls; want %v after %d", what, polled, err, pulls.Load(), wantPolled, wantPulls)
		}
	}
	step("no pull URL", false, 0)
	admin := org.Actor{ID: "adm", Grants: []org.Grant{{Post: org.PostAdmin}}}
	if _, _, err := a.SaveSettings(ctx, admin, workorder.Settings{PullURL: hot.URL + "/orders", PullEvery: "1m",
		CallbackURL: hot.URL + "/callback", ContactDays: 3, ReplyDays: 5}); err != nil {
		t.Fatal(err)
	}
	step("first", true, 1)
	now = now.Add(30 * time.Second)
	step("within pull_every", false, 1)
	now = now.Add(30 * time.Second)
	step("pull_every passed", true, 2)
	// Another node's adapter on the same store keeps the same interval.
	b := &hotline.Adapter{Store: env.Hub, Cases: env.Cases, Hub: env.Hub, Cal: env.Cal, Now: clock, Egress: loopback}
	now = now.Add(5 * time.Second)
	if polled, err := b.RunPoller(ctx); err != nil || polled {
		t.Fatalf("another node polled %v (%v) within pull_every", polled, err)
	}
}
