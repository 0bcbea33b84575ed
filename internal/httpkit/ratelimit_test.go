package httpkit

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(60, 3, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("burst request %d refused", i)
		}
	}
	if ok, wait := l.Allow("a"); ok || wait <= 0 || wait > time.Second {
		t.Fatalf("fourth request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no refill after a second at 60/min")
	}
}

// TestLimitAnonymous: writes without a verified credential are limited per
// address, a header that does not verify buys nothing, a verified API
// credential passes, and a signed-in browser is counted under its own key.
func TestLimitAnonymous(t *testing.T) {
	l := NewLimiter(60, 1, time.Now)
	// who stands in for the app's check: "Bearer good" verifies, a cookie
	// names an account, anything else is anonymous.
	who := func(r *http.Request) (string, bool) {
		if r.Header.Get("Authorization") == "Bearer good" {
			return "", true
		}
		if c, err := r.Cookie("s"); err == nil {
			return "account:" + c.Value, false
		}
		return "", false
	}
	h := LimitAnonymous(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }), l, who)
	post := func(addr, auth, cookie string) int {
		r := httptest.NewRequest("POST", "/api/v1/cases", nil)
		r.RemoteAddr = addr + ":5555"
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "s", Value: cookie})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if post("10.0.0.1", "", "") != 201 || post("10.0.0.1", "", "") != 429 {
		t.Fatal("anonymous flood not limited")
	}
	if st := post("10.0.0.1", "Bearer junk", ""); st != 429 {
		t.Fatalf("a junk Authorization header bypassed the limit: %d", st)
	}
	if post("10.0.0.1", "Bearer good", "") != 201 || post("10.0.0.1", "Bearer good", "") != 201 {
		t.Fatal("a verified credential was limited by the anonymous limiter")
	}
	// Two colleagues behind the exhausted NAT address each have their own allowance.
	if post("10.0.0.1", "", "wang") != 201 || post("10.0.0.1", "", "li") != 201 {
		t.Fatal("signed-in browsers share their address's allowance")
	}
	if post("10.0.0.2", "", "wang") != 429 {
		t.Fatal("a signed-in browser's allowance is per address, not per account")
	}
	if r := httptest.NewRecorder(); true {
		h.ServeHTTP(r, httptest.NewRequest("GET", "/api/v1/cases", nil))
		if r.Code != 201 {
			t.Fatal("reads are limited")
		}
	}
	nilWho := LimitAnonymous(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }), NewLimiter(60, 1, time.Now), nil)
	for i, want := range []int{201, 429} {
		r := httptest.NewRequest("POST", "/x", nil)
		r.Header.Set("Authorization", "Bearer anything")
		w := httptest.NewRecorder()
		nilWho.ServeHTTP(w, r)
		if w.Code != want {
			t.Fatalf("nil Caller, request %d: %d, want %d", i, w.Code, want)
		}
	}
}
