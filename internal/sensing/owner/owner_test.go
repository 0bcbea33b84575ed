package owner

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOwner_GateRefusesASecondHop: a request another node already passed
// on is never passed on again; while this node is not the owner it gets a
// 503 with Retry-After, as a problem document for the API and as the
// bilingual page that reloads itself for browsers.
func TestOwner_GateRefusesASecondHop(t *testing.T) {
	o := New(nil, nil, "node-b", func() string { return "http://127.0.0.1:1" }, nil, nil)
	served := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, c := range []struct{ path, accept, wantType, wantBody string }{
		{"/api/v1/sensing/figures", "application/json", "application/problem+json", "moving between nodes"},
		{"/api/v1/sensing/figures", "text/html", "application/problem+json", "moving between nodes"},
		{"/citizen/parking", "text/html,application/xhtml+xml", "text/html; charset=utf-8", "正在切换节点"},
	} {
		t.Run(c.path+" "+c.accept, func(t *testing.T) {
			req := httptest.NewRequest("GET", c.path, nil)
			req.Header.Set("Accept", c.accept)
			req.Header.Set(ForwardedHeader, "node-a")
			rec := httptest.NewRecorder()
			o.Gate(served).ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
				rec.Header().Get("Content-Type") != c.wantType || !strings.Contains(rec.Body.String(), c.wantBody) {
				t.Errorf("%d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})
	}
}

func TestOwner_ProxyNeedsAnAddress(t *testing.T) {
	o := New(nil, nil, "node-b", func() string { return "" }, nil, nil)
	if _, err := o.proxy("node-a "); err == nil || !strings.Contains(err.Error(), "--advertise") {
		t.Fatalf("proxy to a holder without an address: %v; want an error naming --advertise", err)
	}
	p1, err := o.proxy("node-a http://10.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := o.proxy("node-c http://10.0.0.1:8080"); p1 != p2 {
		t.Error("a second holder at the same address got a second proxy")
	}
}

func TestAdvertiseURL(t *testing.T) {
	if got := AdvertiseURL("http://node-a.example:8080/", nil); got != "http://node-a.example:8080" {
		t.Errorf("with --advertise: %q", got)
	}
	if got := AdvertiseURL("", nil); got != "" {
		t.Errorf("before listening: %q; want empty", got)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	if got := AdvertiseURL("", l); got != "http://"+l.Addr().String() {
		t.Errorf("listening on %s: %q", l.Addr(), got)
	}
}
