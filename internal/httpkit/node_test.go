package httpkit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNode: Addr is the configured address until Listen, then the real
// one; Run serves and runs the background work; CloseAll runs the cleanup
// newest first, once, joining the errors.
func TestNode(t *testing.T) {
	n := &Node{Address: "127.0.0.1:0"}
	if n.Addr() != "127.0.0.1:0" || n.Listener() != nil {
		t.Fatalf("before Listen: %q", n.Addr())
	}
	ran := make(chan struct{})
	n.Go(func(ctx context.Context) error { close(ran); <-ctx.Done(); return nil })
	var order []string
	boom := errors.New("boom")
	n.OnClose(func() error { order = append(order, "first"); return nil })
	n.OnClose(func() error { order = append(order, "second"); return boom })
	if err := n.Listen(); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(n.Addr(), ":0") {
		t.Fatalf("after Listen the address is still %q", n.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.Run(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") }), slog.New(slog.DiscardHandler))
	}()
	<-ran
	res, err := http.Get("http://" + n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "up" {
		t.Fatalf("body %q", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
	}
	if err := n.CloseAll(); !errors.Is(err, boom) || strings.Join(order, ",") != "second,first" {
		t.Fatalf("CloseAll = %v, order %v", err, order)
	}
	if err := n.CloseAll(); err != nil || len(order) != 2 {
		t.Fatalf("second CloseAll ran the cleanup again: %v %v", err, order)
	}
}
