package hub_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/share"
)

// TestDelivery_DeadLetterWithoutNetworkDetail: a receiver whose port is
// closed and one that accepts but never answers leave dead letters worded
// alike ("could not connect"), with no address, port or socket error, so
// dead letters cannot be used to map which ports are open; a URL stored
// before the egress check (or a name that now resolves to loopback) is
// refused at dial time and the receiver is never reached.
func TestDelivery_DeadLetterWithoutNetworkDetail(t *testing.T) {
	env := hubtest.Open(t, false)
	ctx := context.Background()
	if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer hang.Close()
	var reached atomic.Int32
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer forbidden.Close()

	now := time.Now()
	subs := map[string]string{"closed": "http://" + closedAddr + "/hook", "hang": hang.URL + "/hook", "forbidden": forbidden.URL + "/hook"}
	for id, u := range subs {
		if err := env.Hub.CreateSubscription(ctx, &share.Subscription{ID: id, Name: id, Department: "drainage", Kind: share.KindWebhook, URL: u,
			Secret: "s", Datasets: []string{"cases"}, Sources: []string{}, Actions: []string{}, MaxBatch: 10, Active: true, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	// Loopback is allowed only for the two that test the wording; the
	// third goes through a client with no allow-list.
	allowed, err := egress.Parse(strings.Join([]string{closedAddr, strings.TrimPrefix(hang.URL, "http://")}, ","))
	if err != nil {
		t.Fatal(err)
	}
	e := &hub.Engine{Store: env.Hub, Client: allowed.Client(300 * time.Millisecond), Feeder: &hub.Feeder{Store: env.Hub},
		BaseBackoff: 5 * time.Millisecond, MaxAttempts: 2, Poll: 20 * time.Millisecond, FlushEvery: 20 * time.Millisecond}
	stop := runEngine(t, e)
	defer stop()
	time.Sleep(60 * time.Millisecond)
	report(t, env, 1)
	got := map[string]string{}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && len(got) < 3; time.Sleep(20 * time.Millisecond) {
		for id := range subs {
			if dls, _ := env.Hub.FindDeadLetters(ctx, id, false); len(dls) > 0 {
				got[id] = dls[0].LastError
			}
		}
	}
	if len(got) != 3 {
		t.Fatalf("dead letters: %v", got)
	}
	_, closedPort, _ := net.SplitHostPort(closedAddr)
	_, hangPort, _ := net.SplitHostPort(strings.TrimPrefix(hang.URL, "http://"))
	for id, msg := range got {
		for _, leak := range []string{"127.0.0.1", closedPort, hangPort, "refused", "timeout", "deadline", "dial", "EOF"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: the dead letter says %q: %s", id, leak, msg)
			}
		}
	}
	if got["closed"] != got["hang"] || !strings.Contains(got["closed"], "could not connect") || !strings.Contains(got["closed"], "连接失败") {
		t.Errorf("closed port %q, silent port %q: want the same could-not-connect wording", got["closed"], got["hang"])
	}
	if !strings.Contains(got["forbidden"], "not allowed") {
		t.Errorf("forbidden: %q", got["forbidden"])
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("the refused receiver was reached %d times", n)
	}
}
