package open311

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteError_ClientGone: a request whose client went away is answered
// 499 with nothing logged as an error; a real failure still is.
func TestWriteError_ClientGone(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/open311/v2/requests.json", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.writeError(w, r, formatJSON, fmt.Errorf("find requests: %w", ctx.Err()))
	if w.Code != 499 || strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("client gone: status %d, log %q; want 499 and no error line", w.Code, logs.String())
	}

	r = httptest.NewRequest("GET", "/open311/v2/requests.json", nil)
	w = httptest.NewRecorder()
	s.writeError(w, r, formatJSON, fmt.Errorf("disk on fire"))
	if w.Code != 500 || !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("real failure: status %d, log %q; want 500 and an error line", w.Code, logs.String())
	}
}
