package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestNewToken(t *testing.T) {
	tok, hash, err := NewToken("clt_")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(tok, "clt_")
	if !ok {
		t.Fatalf("token %q lacks prefix", tok)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(body); err != nil || len(raw) != 32 {
		t.Fatalf("token body %q: %d bytes, %v; want 32 bytes of base64url", body, len(raw), err)
	}
	if !bytes.Equal(hash, HashToken(tok)) {
		t.Fatal("returned hash differs from HashToken(token)")
	}
	if got, err := ParseBearer("Bearer " + tok); err != nil || got != tok {
		t.Fatalf("ParseBearer(own token) = %q, %v", got, err)
	}
	tok2, _, _ := NewToken("clt_")
	if tok == tok2 {
		t.Fatal("two tokens are equal")
	}
	for _, bad := range []string{"a b", "a:b", strings.Repeat("x", 33)} {
		if _, _, err := NewToken(bad); err == nil {
			t.Errorf("NewToken(%q): want error", bad)
		}
	}
}

func TestParseBearer(t *testing.T) {
	tests := []struct {
		name, header, want, msg string
	}{
		{"plain", "Bearer abc123", "abc123", ""},
		{"lower-case scheme", "bearer abc123", "abc123", ""},
		{"upper-case scheme", "BEARER abc123", "abc123", ""},
		{"surrounding spaces", "  Bearer   abc123  ", "abc123", ""},
		{"rfc6750 chars", "Bearer a-b.c_d~e+f/g==", "a-b.c_d~e+f/g==", ""},
		{"empty", "", "", "auth.bearer_missing"},
		{"spaces only", "   ", "", "auth.bearer_missing"},
		{"scheme only", "Bearer", "", "auth.bearer_token_missing"},
		{"scheme and spaces", "Bearer    ", "", "auth.bearer_token_missing"},
		{"basic", "Basic dXNlcjpwYXNz", "", "auth.bearer_scheme_unsupported"},
		{"no scheme", "abc123", "", "auth.bearer_scheme_unsupported"},
		{"tab separator", "Bearer\tabc", "", "auth.bearer_scheme_unsupported"},
		{"two tokens", "Bearer abc def", "", "auth.bearer_token_malformed"},
		{"only padding", "Bearer ==", "", "auth.bearer_token_malformed"},
		{"padding inside", "Bearer a=b", "", "auth.bearer_token_malformed"},
		{"quote", `Bearer "abc"`, "", "auth.bearer_token_malformed"},
		{"non-ascii", "Bearer abc\u00e9", "", "auth.bearer_token_malformed"},
		{"control char", "Bearer abc\x00", "", "auth.bearer_token_malformed"},
		{"oversize", "Bearer " + strings.Repeat("a", 506), "", "auth.bearer_too_long"},
		{"at limit", "Bearer " + strings.Repeat("a", 505), strings.Repeat("a", 505), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBearer(tt.header)
			if tt.msg == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseBearer = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindUnauthenticated || e.Message != tt.msg {
				t.Fatalf("ParseBearer = %q, %v; want unauthenticated %q", got, err, tt.msg)
			}
			if got != "" {
				t.Fatalf("token %q returned with an error", got)
			}
		})
	}
}

func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  x==", "", "Basic a", "Bearer a b", "Bearer \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := ParseBearer(header)
		if err != nil {
			if !errs.Is(err, errs.KindUnauthenticated) {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			if tok != "" {
				t.Fatalf("token %q with error", tok)
			}
			return
		}
		if tok == "" || len(tok) > maxBearerLen || !isB64Token(tok) {
			t.Fatalf("accepted bad token %q from %q", tok, header)
		}
		if !strings.Contains(header, tok) {
			t.Fatalf("token %q is not in header %q", tok, header)
		}
	})
}
