package pii

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func mustKeyring(t testing.TB, spec string) *Keyring {
	t.Helper()
	k, err := ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseKeyring(t *testing.T) {
	k1, k2 := NewKey(), NewKey()
	raw, _ := base64.StdEncoding.DecodeString(k1)
	tests := []struct {
		name, spec, current string
		ok                  bool
	}{
		{"one key", "k1:" + k1, "k1", true},
		{"first is current", "k2:" + k2 + ",k1:" + k1, "k2", true},
		{"spaces around entries", " k2:" + k2 + " , k1:" + k1 + " ", "k2", true},
		{"unpadded", "k1:" + strings.TrimRight(k1, "="), "k1", true},
		{"url alphabet", "k1:" + base64.RawURLEncoding.EncodeToString(raw), "k1", true},
		{"empty", "", "", false},
		{"no id", k1, "", false},
		{"empty id", ":" + k1, "", false},
		{"bad id", "k 1:" + k1, "", false},
		{"duplicate id", "k1:" + k1 + ",k1:" + k2, "", false},
		{"short key", "k1:" + base64.StdEncoding.EncodeToString(raw[:16]), "", false},
		{"long key", "k1:" + base64.StdEncoding.EncodeToString(append(raw, 0)), "", false},
		{"not base64", "k1:!!!!", "", false},
		{"trailing comma", "k1:" + k1 + ",", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKeyring(tt.spec)
			if !tt.ok {
				if !errs.Is(err, errs.KindInvalid) {
					t.Fatalf("ParseKeyring = %v, want KindInvalid", err)
				}
				if strings.Contains(err.Error(), k1) || strings.Contains(err.Error(), k2) {
					t.Fatalf("error %q shows a key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Current() != tt.current {
				t.Fatalf("current = %q, want %q", k.Current(), tt.current)
			}
		})
	}
}

func TestKeyring_String(t *testing.T) {
	key := NewKey()
	k := mustKeyring(t, "k1:"+key)
	if s := k.String(); strings.Contains(s, key) || !strings.Contains(s, "k1") {
		t.Fatalf("String() = %q", s)
	}
}

func TestKeyring_RoundTrip(t *testing.T) {
	k := mustKeyring(t, "k1:"+NewKey())
	for _, plain := range []string{"13812345678", "张三丰", "x", strings.Repeat("长", 5000), "\x00\xff"} {
		sealed, err := k.Encrypt(plain, "case/1/phone")
		if err != nil {
			t.Fatal(err)
		}
		// Short plaintexts can turn up in base64 by chance, so only check
		// for leaks of longer ones.
		if !strings.HasPrefix(sealed, "v1:k1:") || len(plain) > 4 && strings.Contains(sealed, plain) {
			t.Fatalf("sealed %q has wrong header or shows the plaintext", sealed)
		}
		got, err := k.Decrypt(sealed, "case/1/phone")
		if err != nil || got != plain {
			t.Fatalf("Decrypt = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := k.Encrypt("same", "")
	b, _ := k.Encrypt("same", "")
	if a == b {
		t.Fatal("two seals of one value are equal; nonce is not random")
	}
}

func TestKeyring_Empty(t *testing.T) {
	k := mustKeyring(t, "k1:"+NewKey())
	if s, err := k.Encrypt("", "aad"); s != "" || err != nil {
		t.Fatalf("Encrypt(\"\") = %q, %v", s, err)
	}
	if s, err := k.Decrypt("", "aad"); s != "" || err != nil {
		t.Fatalf("Decrypt(\"\") = %q, %v", s, err)
	}
	if k.NeedsRotation("") {
		t.Fatal("NeedsRotation(\"\") = true")
	}
}

func TestKeyring_DecryptFailures(t *testing.T) {
	k := mustKeyring(t, "k1:"+NewKey())
	other := mustKeyring(t, "k1:"+NewKey())
	sealed, _ := k.Encrypt("13812345678", "case/1/phone")
	body := strings.TrimPrefix(sealed, "v1:k1:")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return "v1:k1:" + base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name, sealed, aad string
		k                 *Keyring
		want              error
	}{
		{"wrong aad", sealed, "case/2/phone", k, ErrOpen},
		{"empty aad", sealed, "", k, ErrOpen},
		{"other key same id", sealed, "case/1/phone", other, ErrOpen},
		{"nonce flipped", flip(0), "case/1/phone", k, ErrOpen},
		{"ciphertext flipped", flip(14), "case/1/phone", k, ErrOpen},
		{"tag flipped", flip(len(raw) - 1), "case/1/phone", k, ErrOpen},
		{"truncated", "v1:k1:" + base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), "case/1/phone", k, ErrOpen},
		{"too short", "v1:k1:" + base64.RawURLEncoding.EncodeToString(raw[:20]), "case/1/phone", k, ErrMalformed},
		{"unknown key", "v1:k9:" + body, "case/1/phone", k, ErrUnknownKey},
		{"other version", "v2:k1:" + body, "case/1/phone", k, ErrMalformed},
		{"plaintext in column", "13812345678", "case/1/phone", k, ErrMalformed},
		{"bad base64", "v1:k1:" + body + "!", "case/1/phone", k, ErrMalformed},
		{"std base64 padding", "v1:k1:" + body + "=", "case/1/phone", k, ErrMalformed},
		{"no body", "v1:k1", "case/1/phone", k, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.k.Decrypt(tt.sealed, tt.aad)
			if !errors.Is(err, tt.want) || got != "" {
				t.Fatalf("Decrypt = %q, %v; want %v", got, err, tt.want)
			}
			if errs.KindOf(err) != errs.KindInternal {
				t.Fatalf("kind = %v, want internal", errs.KindOf(err))
			}
		})
	}
}

func TestKeyring_Rotation(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	before := mustKeyring(t, "k1:"+oldKey)
	sealed, _ := before.Encrypt("13812345678", "case/1/phone")

	after := mustKeyring(t, "k2:"+newKey+",k1:"+oldKey)
	if before.NeedsRotation(sealed) {
		t.Fatal("value under the current key needs rotation")
	}
	if !after.NeedsRotation(sealed) {
		t.Fatal("value under an old key does not need rotation")
	}
	if !after.NeedsRotation("garbage") {
		t.Fatal("malformed value would be skipped by a rotation job")
	}
	// Old values still open under the new keyring.
	if got, err := after.Decrypt(sealed, "case/1/phone"); err != nil || got != "13812345678" {
		t.Fatalf("Decrypt(old) = %q, %v", got, err)
	}
	resealed, err := after.Reseal(sealed, "case/1/phone")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resealed, "v1:k2:") || after.NeedsRotation(resealed) {
		t.Fatalf("resealed %q is not under k2", resealed)
	}
	if same, _ := after.Reseal(resealed, "case/1/phone"); same != resealed {
		t.Fatal("Reseal changed a current value")
	}
	if _, err := after.Reseal(sealed, "case/2/phone"); !errors.Is(err, ErrOpen) {
		t.Fatalf("Reseal with wrong aad = %v, want ErrOpen", err)
	}
	// Once k1 is dropped, only resealed values open.
	dropped := mustKeyring(t, "k2:"+newKey)
	if _, err := dropped.Decrypt(sealed, "case/1/phone"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Decrypt after dropping k1 = %v, want ErrUnknownKey", err)
	}
	if got, err := dropped.Decrypt(resealed, "case/1/phone"); err != nil || got != "13812345678" {
		t.Fatalf("Decrypt(resealed) = %q, %v", got, err)
	}
}

func FuzzDecrypt(f *testing.F) {
	k, err := ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,k0:" + NewKey())
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := k.Encrypt("13812345678", "case/1/phone")
	for _, s := range []string{sealed, "", "v1:", "v1:k1:", "v1:k1:AAAA", "v1::x", "v1:k0:" + strings.Repeat("A", 40), "v2:k1:x"} {
		f.Add(s, "case/1/phone")
	}
	f.Fuzz(func(t *testing.T, sealed, aad string) {
		plain, err := k.Decrypt(sealed, aad)
		if err != nil && plain != "" {
			t.Fatalf("plaintext %q with error %v", plain, err)
		}
		_ = k.NeedsRotation(sealed)
		// Whatever came in as sealed also round-trips as a plaintext.
		again, err := k.Encrypt(sealed, aad)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Decrypt(again, aad); err != nil || got != sealed {
			t.Fatalf("round trip of %q = %q, %v", sealed, got, err)
		}
	})
}
