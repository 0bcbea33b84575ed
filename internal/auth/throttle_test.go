package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Throttle.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestThrottle() (*keyThrottle, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return newKeyThrottle(3, time.Minute, 5*time.Minute, c.now), c
}

func TestThrottle_LocksAfterMaxFailures(t *testing.T) {
	th, clock := newTestThrottle()
	for i := 0; i < 2; i++ {
		th.Fail("alice")
		if ok, _ := th.Allow("alice"); !ok {
			t.Fatalf("locked after %d failures, want 3", i+1)
		}
	}
	th.Fail("alice")
	ok, retry := th.Allow("alice")
	if ok || retry != 5*time.Minute {
		t.Fatalf("Allow = (%v, %v), want (false, 5m)", ok, retry)
	}
	if ok, _ := th.Allow("bob"); !ok {
		t.Fatal("bob locked by alice's failures")
	}
	clock.advance(2 * time.Minute)
	if _, retry := th.Allow("alice"); retry != 3*time.Minute {
		t.Fatalf("retryAfter = %v, want 3m", retry)
	}
	clock.advance(3 * time.Minute)
	if ok, _ := th.Allow("alice"); !ok {
		t.Fatal("still locked after the lockout")
	}
	// The lockout spent the failures: two more are allowed before the next.
	th.Fail("alice")
	th.Fail("alice")
	if ok, _ := th.Allow("alice"); !ok {
		t.Fatal("locked again too soon")
	}
}

func TestThrottle_WindowSlides(t *testing.T) {
	th, clock := newTestThrottle()
	th.Fail("k")
	clock.advance(40 * time.Second)
	th.Fail("k")
	clock.advance(30 * time.Second) // the first failure is now 70 s old
	th.Fail("k")
	if ok, _ := th.Allow("k"); !ok {
		t.Fatal("locked although only two failures are inside the window")
	}
	clock.advance(5 * time.Second)
	th.Fail("k")
	if ok, _ := th.Allow("k"); ok {
		t.Fatal("not locked with three failures inside the window")
	}
}

func TestThrottle_FailWhileLockedDoesNotExtend(t *testing.T) {
	th, clock := newTestThrottle()
	for i := 0; i < 3; i++ {
		th.Fail("k")
	}
	clock.advance(4 * time.Minute)
	th.Fail("k")
	if _, retry := th.Allow("k"); retry != time.Minute {
		t.Fatalf("retryAfter = %v, want 1m", retry)
	}
}

func TestThrottle_SucceedResets(t *testing.T) {
	th, _ := newTestThrottle()
	th.Fail("k")
	th.Fail("k")
	th.Succeed("k")
	th.Fail("k")
	if ok, _ := th.Allow("k"); !ok {
		t.Fatal("failures before Succeed still counted")
	}
	for i := 0; i < 3; i++ {
		th.Fail("k")
	}
	th.Succeed("k")
	if ok, _ := th.Allow("k"); !ok {
		t.Fatal("Succeed did not lift the lockout")
	}
}

func TestThrottle_PrunesOldEntries(t *testing.T) {
	th, clock := newTestThrottle()
	for i := 0; i < 1000; i++ {
		th.Fail(fmt.Sprintf("addr-%d", i))
	}
	for i := 0; i < 3; i++ {
		th.Fail("locked")
	}
	if n := th.Len(); n != 1001 {
		t.Fatalf("Len = %d, want 1001", n)
	}
	clock.advance(2 * time.Minute) // past the window, inside the lockout
	th.Allow("anyone")
	if n := th.Len(); n != 1 {
		t.Fatalf("Len after sweep = %d, want 1 (the locked key)", n)
	}
	clock.advance(5 * time.Minute)
	th.Allow("anyone")
	if n := th.Len(); n != 0 {
		t.Fatalf("Len after lockout = %d, want 0", n)
	}
}

func TestThrottle_CapsKeys(t *testing.T) {
	th, _ := newTestThrottle()
	th.maxKeys = 100
	for i := 0; i < 1000; i++ {
		th.Fail(fmt.Sprintf("addr-%d", i))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("Len = %d, want at most 100", n)
	}
}

func TestThrottle_Concurrent(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	th := newKeyThrottle(800, time.Minute, time.Minute, clock.now)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				th.Allow("shared")
				th.Fail("shared")
				clock.advance(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if ok, _ := th.Allow("shared"); ok {
		t.Fatal("800 failures inside the window did not lock the key")
	}
}
