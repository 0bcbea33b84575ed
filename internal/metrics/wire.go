package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/store/hubstore"
)

// Parts are what the node already opened, as app holds them.
type Parts struct {
	Census func(ctx context.Context, now time.Time) (casework.Census, error)
	// Hub is the hub's store; its backlog is read when it has one.
	Hub any
	// MQTT reads the subscriber's counters; nil without --mqtt-addr.
	MQTT func() sensing.IntakeCounters
	// Authenticate resolves bearer tokens as the API does.
	Authenticate func(r *http.Request) (org.Actor, bool, error)
	Token, Addr  string // --metrics-token, --metrics-addr
	Now          func() time.Time
	Log          *slog.Logger
}

// Wired is what app hands on: the instruments, the guarded /metrics
// handler and, with --metrics-addr, the separate listener to run.
type Wired struct {
	*Metrics
	Handler httpkit.HandlerFunc
	Serve   func(ctx context.Context) error // nil without --metrics-addr
}

// Wire builds the node's metrics from p.
func Wire(p Parts) Wired {
	src := Sources{Census: p.Census, Now: p.Now, Log: p.Log, MQTT: p.MQTT}
	if h, ok := p.Hub.(interface {
		Backlog(context.Context) (hubstore.Backlog, error)
	}); ok {
		src.Backlog = h.Backlog
	}
	m := New(src)
	w := Wired{Metrics: m, Handler: m.Guarded(Access{Token: p.Token, Authenticate: p.Authenticate})}
	if p.Addr != "" {
		w.Serve = func(ctx context.Context) error { return serve(ctx, p.Addr, m.Open()) }
	}
	return w
}

// serve answers /metrics (only) on addr until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: serve on %s: %w", addr, err)
	}
	return nil
}
