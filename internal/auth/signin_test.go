package auth

import (
	"fmt"
	"testing"
	"time"
)

func newSignInThrottle() (*Throttle, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return NewThrottle(10, 15*time.Minute, 15*time.Minute, c.now), c
}

// TestThrottle_GuesserLocksOnlyThemselves: ten wrong guesses from one
// address lock that address out of the account, while the owner signing in
// from another address is let through.
func TestThrottle_GuesserLocksOnlyThemselves(t *testing.T) {
	th, _ := newSignInThrottle()
	for range 10 {
		th.Fail("Operator", "203.0.113.9")
	}
	if ok, wait := th.Allow("operator", "203.0.113.9"); ok || wait != 15*time.Minute {
		t.Fatalf("guesser after 10 failures: Allow = %v, %v; want locked for 15m", ok, wait)
	}
	if ok, _ := th.Allow("operator", "198.51.100.7"); !ok {
		t.Fatal("the owner at another address is locked out by someone else's guesses")
	}
	if ok, _ := th.Allow("leader", "203.0.113.9"); !ok {
		t.Fatal("ten failures at one account locked the whole address")
	}
}

// TestThrottle_OneAddressNeverTripsTheAccountLimit: a guesser at one
// address who retries whenever allowed, for hours, never locks the owner
// out from another address.
func TestThrottle_OneAddressNeverTripsTheAccountLimit(t *testing.T) {
	th, clock := newSignInThrottle()
	for minute := 0; minute < 6*60; minute++ {
		for range 20 {
			if ok, _ := th.Allow("operator", "203.0.113.9"); ok {
				th.Fail("operator", "203.0.113.9")
			}
		}
		if ok, _ := th.Allow("operator", "198.51.100.7"); !ok {
			t.Fatalf("minute %d: the owner is locked out by one guessing address", minute)
		}
		clock.advance(time.Minute)
	}
}

// TestThrottle_SpreadGuessingLocksTheAccount: guesses spread over many
// addresses, each staying under the pair limit, lock the account for
// everyone for a while.
func TestThrottle_SpreadGuessingLocksTheAccount(t *testing.T) {
	th, clock := newSignInThrottle()
	for i := range 60 {
		addr := fmt.Sprintf("192.0.2.%d", i)
		if ok, _ := th.Allow("operator", addr); !ok {
			t.Fatalf("guess %d refused before the account limit", i)
		}
		th.Fail("operator", addr)
		clock.advance(30 * time.Second)
	}
	if ok, wait := th.Allow("operator", "198.51.100.7"); ok || wait <= 0 {
		t.Fatalf("after 60 failures from 60 addresses: Allow = %v, %v; want the account locked", ok, wait)
	}
	clock.advance(15 * time.Minute)
	if ok, _ := th.Allow("operator", "198.51.100.7"); !ok {
		t.Fatal("the account lock outlived its 15 minutes")
	}
}

// TestThrottle_AddressTryingManyAccounts: one address trying a password at
// thirty accounts is locked out of all of them.
func TestThrottle_AddressTryingManyAccounts(t *testing.T) {
	th, _ := newSignInThrottle()
	for i := range 30 {
		th.Fail(fmt.Sprintf("user%d", i), "203.0.113.9")
	}
	if ok, _ := th.Allow("someone-else", "203.0.113.9"); ok {
		t.Fatal("an address that failed at 30 accounts may still try a 31st")
	}
	if ok, _ := th.Allow("someone-else", "203.0.113.10"); !ok {
		t.Fatal("the neighbouring address is locked too")
	}
}

// TestThrottle_IPv6CountsBySlash64: the addresses of one IPv6 /64 share a
// budget, so rotating through them buys nothing.
func TestThrottle_IPv6CountsBySlash64(t *testing.T) {
	th, _ := newSignInThrottle()
	for i := range 10 {
		th.Fail("operator", fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if ok, _ := th.Allow("operator", "[2001:db8:1:2:ffff::1]"); ok {
		t.Fatal("another address of the same /64 may keep guessing")
	}
	if ok, _ := th.Allow("operator", "2001:db8:1:3::1"); !ok {
		t.Fatal("a different /64 is locked")
	}
	if got := addrKey("::ffff:192.0.2.1"); got != "192.0.2.1" {
		t.Errorf("addrKey(IPv4-mapped) = %q; want the IPv4 address", got)
	}
}

// TestThrottle_SucceedKeepsTheAddressCount: a good sign-in clears the
// account's failures but not the address's, so owning one account does not
// reset a guesser's budget for others.
func TestThrottle_SucceedKeepsTheAddressCount(t *testing.T) {
	th, _ := newSignInThrottle()
	for i := range 29 {
		th.Fail(fmt.Sprintf("user%d", i), "203.0.113.9")
	}
	for range 9 {
		th.Fail("mine", "203.0.113.9")
	}
	th.Succeed("mine", "203.0.113.9")
	th.Fail("mine", "203.0.113.9") // would be only the first after a pair reset
	if ok, _ := th.Allow("mine", "203.0.113.9"); ok {
		t.Fatal("signing in to one's own account reset the address's count")
	}
	th2, _ := newSignInThrottle()
	for range 9 {
		th2.Fail("mine", "203.0.113.9")
	}
	th2.Succeed("mine", "203.0.113.9")
	th2.Fail("mine", "203.0.113.9")
	if ok, _ := th2.Allow("mine", "203.0.113.9"); !ok {
		t.Fatal("a good sign-in did not clear the pair's failures")
	}
}
