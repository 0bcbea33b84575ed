package auth

import (
	"sync"
	"time"
)

// defaultMaxKeys caps how many keys a Throttle tracks. An attacker spraying
// guesses from many addresses or at many account names creates one entry per
// key; the cap keeps that from growing without bound. At roughly 200 bytes
// an entry it is about 20 MB at worst.
const defaultMaxKeys = 100_000

// keyThrottle locks a key out for a while after too many failed sign-ins
// inside a sliding window. [Throttle] keeps three of them. It is safe for
// concurrent use.
type keyThrottle struct {
	maxFailures int
	window      time.Duration
	lockout     time.Duration
	now         func() time.Time
	maxKeys     int

	mu        sync.Mutex
	entries   map[string]*throttleEntry
	lastSweep time.Time
}

type throttleEntry struct {
	failures    []time.Time // inside the window, oldest first, at most maxFailures
	lockedUntil time.Time
}

// newKeyThrottle returns a keyThrottle that locks a key for lockout once it
// has maxFailures failures within window. now is the clock; nil means
// time.Now. maxFailures below 1 is treated as 1.
func newKeyThrottle(maxFailures int, window, lockout time.Duration, now func() time.Time) *keyThrottle {
	if maxFailures < 1 {
		maxFailures = 1
	}
	if now == nil {
		now = time.Now
	}
	return &keyThrottle{
		maxFailures: maxFailures,
		window:      window,
		lockout:     lockout,
		now:         now,
		maxKeys:     defaultMaxKeys,
		entries:     make(map[string]*throttleEntry),
	}
}

// Allow reports whether key may attempt a login now, and if not, how long
// until it may. Call it before verifying the password, so a locked-out key
// costs us no argon2 work.
func (t *keyThrottle) Allow(key string) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.maybeSweep(now)
	e := t.entries[key]
	if e == nil || !now.Before(e.lockedUntil) {
		return true, 0
	}
	return false, e.lockedUntil.Sub(now)
}

// Fail records a failed login for key, locking it when this failure is the
// maxFailures-th inside the window.
func (t *keyThrottle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.maybeSweep(now)
	e := t.entries[key]
	if e == nil {
		if len(t.entries) >= t.maxKeys {
			t.evictOne()
		}
		e = &throttleEntry{}
		t.entries[key] = e
	}
	if now.Before(e.lockedUntil) {
		// Failures while locked (the caller skipped Allow) neither extend
		// the lockout nor count towards the next one; otherwise an attacker
		// could keep a victim's account locked forever with one request a
		// minute.
		return
	}
	e.failures = append(pruneBefore(e.failures, now.Add(-t.window)), now)
	if len(e.failures) >= t.maxFailures {
		e.lockedUntil = now.Add(t.lockout)
		e.failures = e.failures[:0]
	}
}

// Succeed forgets key's failures and any lockout. Call it for the account
// key after a good login. Think before calling it for the address key: an
// attacker who owns one account could then reset their address's budget by
// logging in to it between guesses at others.
func (t *keyThrottle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// Len returns the number of keys being tracked, for metrics and tests.
func (t *keyThrottle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// pruneBefore drops the times before cutoff, keeping the slice's storage.
func pruneBefore(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}

// maybeSweep drops entries that no longer hold anything: no failure inside
// the window and no running lockout. Sweeping at most once per window keeps
// the cost amortised to O(1) per call.
func (t *keyThrottle) maybeSweep(now time.Time) {
	if now.Sub(t.lastSweep) < max(t.window, time.Second) {
		return
	}
	t.lastSweep = now
	cutoff := now.Add(-t.window)
	for k, e := range t.entries {
		if !now.Before(e.lockedUntil) && (len(e.failures) == 0 || e.failures[len(e.failures)-1].Before(cutoff)) {
			delete(t.entries, k)
		}
	}
}

// evictOne makes room when the table is full of live entries, which only
// happens under a wide spray. It drops an arbitrary entry (Go's map order is
// randomised) rather than scanning for the oldest, so the attack cannot make
// each request cost O(n). The price is that a spray this wide may free a
// locked key early, which we accept over letting memory grow.
func (t *keyThrottle) evictOne() {
	for k := range t.entries {
		delete(t.entries, k)
		return
	}
}
