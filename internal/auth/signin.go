package auth

import (
	"net/netip"
	"strings"
	"time"
)

// Throttle slows online password guessing at sign-in. One instance serves
// every way in (the API's POST /api/v1/auth/token and the web console's
// sign-in form), so locking one does not leave the other open.
//
// It counts failures on three keys, each with its own limit:
//
//   - the pair (account, client address): maxFailures inside window lock
//     that pair for lockout. This is the limit a guesser meets first, and
//     it locks only the guesser: the account's owner signing in from
//     another address is not affected.
//   - the client address: 3×maxFailures inside window lock the address,
//     which stops one address trying a few passwords at many accounts.
//   - the account: 6×maxFailures inside 4×window lock the account for
//     everyone, which stops a guesser spread over many addresses. One
//     address alone cannot trip it: its pair lock lets it fail at most
//     maxFailures times per window plus lockout.
//
// IPv6 addresses are counted by their /64, which one subscriber usually
// holds whole. Usernames are compared in lower case; callers pass them
// normalised (org.NormalizeUsername).
//
// It is in memory: each node throttles on its own and a restart forgets.
// Behind a load balancer a guesser gets a node's allowance per node, which
// is still far too slow for online guessing, the only thing it is for. It
// is safe for concurrent use.
type Throttle struct {
	pair, addr, account *keyThrottle
}

// NewThrottle returns a Throttle whose pair limit is maxFailures failures
// inside window, each lock lasting lockout; the address and account limits
// are derived from these as described on [Throttle]. now is the clock; nil
// means time.Now.
func NewThrottle(maxFailures int, window, lockout time.Duration, now func() time.Time) *Throttle {
	maxFailures = max(maxFailures, 1)
	return &Throttle{
		pair:    newKeyThrottle(maxFailures, window, lockout, now),
		addr:    newKeyThrottle(3*maxFailures, window, lockout, now),
		account: newKeyThrottle(6*maxFailures, 4*window, lockout, now),
	}
}

func (t *Throttle) keys(username, addr string) (pair, a, acc string) {
	u := strings.ToLower(username)
	ak := addrKey(addr)
	return u + "\x00" + ak, ak, u
}

// Allow reports whether username may try to sign in from addr now, and if
// not, how long until it may. Call it before verifying the password, so a
// locked key costs no argon2 work.
func (t *Throttle) Allow(username, addr string) (ok bool, retryAfter time.Duration) {
	pk, ak, uk := t.keys(username, addr)
	ok = true
	for _, c := range []struct {
		th  *keyThrottle
		key string
	}{{t.pair, pk}, {t.addr, ak}, {t.account, uk}} {
		if allowed, wait := c.th.Allow(c.key); !allowed {
			ok, retryAfter = false, max(retryAfter, wait)
		}
	}
	return ok, retryAfter
}

// Fail records a failed sign-in of username from addr.
func (t *Throttle) Fail(username, addr string) {
	pk, ak, uk := t.keys(username, addr)
	t.pair.Fail(pk)
	t.addr.Fail(ak)
	t.account.Fail(uk)
}

// Succeed forgets username's failures from addr and its account-wide
// failures after a good sign-in. The address keeps its count: an attacker
// who owns one account must not reset their address's budget by signing in
// to it between guesses at others.
func (t *Throttle) Succeed(username, addr string) {
	pk, _, uk := t.keys(username, addr)
	t.pair.Succeed(pk)
	t.account.Succeed(uk)
}

// addrKey is the key of a client address: an IPv4 address as it is, an
// IPv6 address by its /64. Anything else (a test's "pipe", say) is used as
// given.
func addrKey(addr string) string {
	ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
