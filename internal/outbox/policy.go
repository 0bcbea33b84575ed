package outbox

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/pii"
)

// Policy paces the retries of one message: after the n-th failed attempt
// the next waits Base·2^(n-1), capped at Cap, less up to Jitter of it. The
// jitter matters here, unlike in the jobs runner: when a gateway comes
// back after an outage, hundreds of messages that failed together would
// otherwise all retry in the same second and knock it over again.
type Policy struct {
	Base        time.Duration // first retry delay; 0 = 30 s
	Cap         time.Duration // longest delay; 0 = 1 h
	Jitter      float64       // share of the delay taken off at random, 0 to 1; 0 = 0.5
	MaxAttempts int           // attempts before a message is dead; 0 = 8
}

// DefaultPolicy is what the platform uses: eight attempts over about two
// hours, then dead for an administrator to look at.
var DefaultPolicy = Policy{Base: 30 * time.Second, Cap: time.Hour, Jitter: 0.5, MaxAttempts: 8}

func (p Policy) attempts() int {
	if p.MaxAttempts > 0 {
		return p.MaxAttempts
	}
	return DefaultPolicy.MaxAttempts
}

// Delay is the wait after the attempt-th failed attempt (1-based), with
// rnd in [0, 1) choosing the jitter: rnd 0 waits the full backoff.
func (p Policy) Delay(attempt int, rnd float64) time.Duration {
	base, ceiling, jitter := p.Base, p.Cap, p.Jitter
	if base <= 0 {
		base = DefaultPolicy.Base
	}
	if ceiling <= 0 {
		ceiling = DefaultPolicy.Cap
	}
	if jitter <= 0 || jitter > 1 {
		jitter = DefaultPolicy.Jitter
	}
	if rnd < 0 || rnd >= 1 {
		rnd = 0
	}
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d - time.Duration(float64(d)*jitter*rnd)
}

// permanent marks an error that no retry will mend: a recipient the mail
// server refuses (5xx), a gateway that rejects the request as malformed
// (4xx other than 408 and 429), a provider configured wrongly.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the sender gives up on the message at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports an error made by [Permanent].
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// maxError bounds the error text kept per attempt: a gateway's error page
// should not fill the table.
const maxError = 500

// ErrorText is err as stored and shown: one line, bounded.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return clip(s, maxError)
}

// Scrub replaces the recipient in an error text with its masked form: a
// mail server's "550 <zhang@example.org> unknown" must not put the address
// in plain into the attempts table or the administrator's listing.
func Scrub(text, to string) string {
	if to == "" || text == "" {
		return text
	}
	return strings.ReplaceAll(text, to, MaskRecipient(to))
}

// MaskRecipient is a recipient as listings show it: a phone as 138****5678,
// an e-mail address as z***@example.org.
func MaskRecipient(to string) string {
	local, domain, ok := strings.Cut(to, "@")
	if !ok {
		return pii.MaskPhone(to)
	}
	r, _ := utf8.DecodeRuneInString(local)
	if r == utf8.RuneError {
		return "***@" + domain
	}
	return string(r) + "***@" + domain
}
