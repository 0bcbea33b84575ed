package httpkit

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/errs"
)

// Limiter is a token-bucket rate limiter per key (a client address or an
// API client), in memory on each node. With several nodes behind a load
// balancer each enforces its own share; that is enough to stop floods of
// anonymous reports and sign-in attempts.
type Limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows perMinute requests per key on average, in bursts of up to burst.
func NewLimiter(perMinute, burst int, now func() time.Time) *Limiter {
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: map[string]*bucket{}, now: now}
}

// Allow takes one token for key, or says how long to wait for one.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		// Forget keys that have been idle long enough to have a full bucket.
		full := time.Duration(l.burst / l.rate * float64(time.Second))
		for k, b := range l.buckets {
			if now.Sub(b.last) > full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// ClientAddr is the request's remote IP without the port.
func ClientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// Caller says who a request comes from for [LimitAnonymous]: exempt when
// it carries a credential that verifies and is limited elsewhere (an API
// token or client key), or a key to count it under (a signed-in browser's
// account). With neither, the request is counted per client address.
// It must verify, never trust, what the request presents: a header that
// does not verify is anonymous.
type Caller func(r *http.Request) (key string, exempt bool)

// LimitAnonymous rate-limits writes (every method but GET and HEAD) that
// carry no verified credential, per client address: the public endpoints
// (citizen reports, sign-in, locate, photos). who classifies a request (see
// [Caller]): requests with a verified API credential pass, since they are
// limited elsewhere (per API client); a signed-in browser is counted per
// account, so colleagues behind one NAT address do not share one
// allowance. A nil who counts every write per address.
func LimitAnonymous(next http.Handler, l *Limiter, who Caller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			key, exempt := "", false
			if who != nil {
				key, exempt = who(r)
			}
			if !exempt {
				if key == "" {
					key = "addr:" + ClientAddr(r)
				}
				if ok, wait := l.Allow(key); !ok {
					secs := int(wait.Seconds()) + 1
					w.Header().Set("Retry-After", strconv.Itoa(secs))
					WriteError(w, r, errs.E(errs.KindRateLimited, "请求过于频繁，请 %d 秒后再试 / too many requests; try again in %d seconds", secs, secs))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
