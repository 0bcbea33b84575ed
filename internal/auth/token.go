package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"cityloop/internal/errs"
)

// tokenBytes is the entropy of a bearer token. 256 bits means guessing is
// hopeless even without throttling, which is what lets the store look tokens
// up by an unsalted, fast SHA-256 instead of a password hash.
const tokenBytes = 32

// maxBearerLen bounds the Authorization header we are willing to look at.
// Our tokens are under 100 bytes; the bound keeps the check cheap.
const maxBearerLen = 512

// NewToken returns a fresh API token, prefix followed by 32 random bytes in
// unpadded base64url, and the SHA-256 of the whole token for the store. The
// prefix (e.g. "clt_") lets secret scanners and people recognise a leaked
// CityLoop token; it must consist of token characters and is covered by the
// hash, so a token cannot be replayed under another prefix.
func NewToken(prefix string) (token string, hash []byte, err error) {
	if len(prefix) > 32 || !isTokenText(prefix) {
		return "", nil, fmt.Errorf("new token: prefix %q must be at most 32 of [A-Za-z0-9._~+/-]", prefix)
	}
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of token, the form the store keeps and
// looks tokens up by. Looking up by hash also means the comparison the
// database does leaks nothing useful through timing.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ParseBearer extracts the token from an Authorization header of the form
// "Bearer <token>" (RFC 6750). The scheme is case-insensitive and surrounding
// spaces are ignored. Every failure is an *errs.Error of KindUnauthenticated
// whose message is an i18n key naming the problem, so a client developer can
// tell a missing header from a wrong scheme from a mangled token.
func ParseBearer(header string) (string, error) {
	if len(header) > maxBearerLen {
		return "", errs.Unauthenticated("auth.bearer_too_long").With("max_bytes", maxBearerLen)
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return "", errs.Unauthenticated("auth.bearer_missing")
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		// Do not echo the scheme: a client may have put a secret there.
		return "", errs.Unauthenticated("auth.bearer_scheme_unsupported")
	}
	token := strings.TrimSpace(rest)
	if token == "" {
		return "", errs.Unauthenticated("auth.bearer_token_missing")
	}
	if !isB64Token(token) {
		return "", errs.Unauthenticated("auth.bearer_token_malformed")
	}
	return token, nil
}

// isB64Token reports whether s matches RFC 6750's b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	return body != "" && isTokenText(body)
}

func isTokenText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
