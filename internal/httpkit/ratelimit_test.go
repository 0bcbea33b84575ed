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

func TestLimitAnonymous(t *testing.T) {
	l := NewLimiter(60, 1, time.Now)
	h := LimitAnonymous(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }), l)
	post := func(auth string) int {
		r := httptest.NewRequest("POST", "/api/v1/cases", nil)
		r.RemoteAddr = "10.0.0.1:5555"
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if post("") != 201 || post("") != 429 {
		t.Fatal("anonymous flood not limited")
	}
	if post("Bearer x") != 201 {
		t.Fatal("signed-in request limited by the anonymous limiter")
	}
}
