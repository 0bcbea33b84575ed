package api

import (
	"sync"
	"time"

	"cityloop/internal/org"
)

// tokenCacheTTL is how long a node trusts a token it has just checked.
// Checking the token table was a tenth of the CPU of case intake; two
// seconds keep that off the hot path while a revocation, a disabled account
// or a password change reaches every node within two seconds (at once on
// the node that made it).
const tokenCacheTTL = 2 * time.Second

type cachedToken struct {
	tok   org.Token
	acc   org.Account
	until time.Time
}

// tokenCache remembers recent successful token checks by token hash.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

func (c *tokenCache) get(hash []byte, now time.Time) (*org.Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || now.After(e.until) || !now.Before(e.tok.ExpiresAt) {
		return nil, false
	}
	acc := e.acc
	return &acc, true
}

func (c *tokenCache) put(hash []byte, tok *org.Token, acc *org.Account, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[string]cachedToken{} // cheap bound: start over
	}
	c.m[string(hash)] = cachedToken{tok: *tok, acc: *acc, until: now.Add(tokenCacheTTL)}
}

// forget drops a token (revoked here) or, with a nil hash, everything (an
// account changed here).
func (c *tokenCache) forget(hash []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if hash == nil {
		c.m = nil
		return
	}
	delete(c.m, string(hash))
}
