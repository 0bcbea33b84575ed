package httpkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func TestProblemFor_ClientGone(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"client went away during a query", cancelled, fmt.Errorf("find cases: %w", context.Canceled), StatusClientClosed},
		{"driver words for the interrupted query", cancelled, errors.New("interrupted (9)"), StatusClientClosed},
		{"a caller's mistake is still theirs", cancelled, errs.Invalid("bad"), 400},
		{"cancelled inside the server, client still there", context.Background(), context.Canceled, 500},
		{"out of time", expired, fmt.Errorf("query: %w", context.DeadlineExceeded), 503},
		{"plain internal error", context.Background(), errors.New("boom"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/cases", nil).WithContext(tc.ctx)
			if got := ProblemFor(r, tc.err).Status; got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
}

// syncBuffer is a log sink the server's goroutines write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMiddleware_ClientCancels: a client that hangs up mid-request gets no
// ERROR line and no 500; the access log says 499 at INFO, the error goes
// to DEBUG.
func TestMiddleware_ClientCancels(t *testing.T) {
	var access, app syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&app, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	started, logged := make(chan struct{}), make(chan struct{})
	h := Handle(func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-r.Context().Done() // a slow query, cancelled with the request
		return fmt.Errorf("find cases: %w", r.Context().Err())
	})
	mw := Middleware(h, Options{Logger: slog.New(slog.NewTextHandler(&access, nil)), Timeout: 30 * time.Second})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(logged)
		mw.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/cases", nil)
	go func() {
		<-started
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want context.Canceled", err)
	}
	select {
	case <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not finish the cancelled request")
	}
	if !strings.Contains(access.String(), "level=INFO") || !strings.Contains(access.String(), "status=499") {
		t.Errorf("access log %q: want an INFO line with status=499", access.String())
	}
	for name, out := range map[string]string{"access": access.String(), "default": app.String()} {
		if strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
			t.Errorf("%s log has an error for a client that hung up: %q", name, out)
		}
	}
	if !strings.Contains(app.String(), "level=DEBUG") || !strings.Contains(app.String(), "client went away") {
		t.Errorf("default log %q: want the cause at DEBUG", app.String())
	}
}
