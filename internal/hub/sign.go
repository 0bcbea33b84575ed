package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook delivery.
const (
	HeaderTimestamp = "X-Cityloop-Timestamp"  // Unix seconds when signed
	HeaderSignature = "X-Cityloop-Signature"  // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderDelivery  = "Idempotency-Key"       // the batch: subscription, first and last position
	HeaderEventKeys = "X-Cityloop-Event-Keys" // one idempotency key per change, comma-separated, in body order
)

// DefaultWindow is how far a delivery's timestamp may be from the
// receiver's clock before [Verify] refuses it as a possible replay.
const DefaultWindow = 5 * time.Minute

// Sign returns the signature header value of body signed at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrNoSignature = errors.New("webhook: missing timestamp or signature header")
	ErrStale       = errors.New("webhook: timestamp outside the replay window")
	ErrBadMAC      = errors.New("webhook: signature does not match")
)

// Verify checks a delivery as a receiver should: the timestamp within
// window of now (replay protection) and the HMAC over timestamp and body in
// constant time. Several "v1=" values separated by commas are accepted
// (during a secret rotation).
func Verify(secret string, h http.Header, body []byte, now time.Time, window time.Duration) error {
	tsText, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if tsText == "" || sig == "" {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrNoSignature
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > window || d < -window {
		return ErrStale
	}
	want := Sign(secret, ts, body)
	for _, s := range strings.Split(sig, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), []byte(want)) {
			return nil
		}
	}
	return ErrBadMAC
}
