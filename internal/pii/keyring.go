package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"cityloop/internal/errs"
)

// keyLen is AES-256's key size.
const keyLen = 32

// sealedVersion prefixes every sealed value so the format can change later
// without guessing which values use which.
const sealedVersion = "v1"

// Errors from Decrypt. They are plain errors, not *errs.Error, because a
// sealed value comes from our own database: if it does not open, the data or
// the key configuration is broken, and that is an internal error.
var (
	ErrMalformed  = errors.New("pii: malformed sealed value")
	ErrUnknownKey = errors.New("pii: sealed with a key not in the keyring")
	ErrOpen       = errors.New("pii: sealed value does not authenticate (wrong key, wrong aad or tampered)")
)

// Keyring holds AES-256-GCM keys by id. One, the current key, seals new
// values; all of them open old ones, which is how keys are rotated: add a
// new key in front, re-seal what [Keyring.NeedsRotation] reports, then drop
// the old key.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	blinds  map[string][]byte // blind-index keys derived from each key
	audits  map[string][]byte // audit-chain keys derived from each key
}

// ParseKeyring reads "k1:BASE64KEY,k2:BASE64KEY". The first key is current.
// Ids are 1 to 32 of [A-Za-z0-9_-]; keys are 32 bytes in base64, standard or
// URL alphabet, padding optional. Errors are KindInvalid and may name a key id
// but never show a key.
func ParseKeyring(spec string) (*Keyring, error) {
	k := &Keyring{aeads: make(map[string]cipher.AEAD), blinds: make(map[string][]byte), audits: make(map[string][]byte)}
	if strings.TrimSpace(spec) == "" {
		return nil, errs.Invalid("pii keyring: no keys given")
	}
	for i, item := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, errs.Invalid("pii keyring: entry %d is not id:base64key", i+1)
		}
		if !validKeyID(id) {
			// Not echoed: a mangled spec may have key material where the id goes.
			return nil, errs.Invalid("pii keyring: entry %d: key id must be 1 to 32 of [A-Za-z0-9_-]", i+1)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, errs.Invalid("pii keyring: key id %q appears twice", id)
		}
		raw, err := decodeKey(b64)
		if err != nil {
			return nil, errs.Invalid("pii keyring: key %q is not base64", id)
		}
		if len(raw) != keyLen {
			return nil, errs.Invalid("pii keyring: key %q is %d bytes, want %d", id, len(raw), keyLen)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("pii keyring: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("pii keyring: key %q: %w", id, err)
		}
		k.aeads[id] = aead
		k.blinds[id] = deriveBlindKey(raw)
		k.audits[id] = deriveAuditKey(raw)
		if i == 0 {
			k.current = id
		}
	}
	return k, nil
}

// decodeKey accepts the base64 spellings an operator is likely to paste.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func validKeyID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// NewKey returns a fresh key for a keyring spec: 32 random bytes in standard
// base64.
func NewKey() string {
	b := make([]byte, keyLen)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Current returns the id of the key that seals new values.
func (k *Keyring) Current() string { return k.current }

// String lists key ids only, so a Keyring that ends up in a log or a config
// dump shows no key material.
func (k *Keyring) String() string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return fmt.Sprintf("pii.Keyring{current: %s, keys: %s}", k.current, strings.Join(ids, " "))
}

// sealedB64 encodes nonce||ciphertext; the URL alphabet keeps ':' free as
// the separator and the value safe in CSV exports and URLs.
var sealedB64 = base64.RawURLEncoding.Strict()

// Encrypt seals plain with the current key as "v1:<keyid>:<base64url(nonce||
// ciphertext)>". aad is authenticated but not stored: pass what the value
// belongs to, e.g. "case/4711/reporter_phone", so a sealed value copied into
// another row or field will not open. The empty string seals to "" so empty
// optional fields stay empty and cost nothing.
func (k *Keyring) Encrypt(plain, aad string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead := k.aeads[k.current]
	// Random 96-bit nonces are safe for about 2^32 values per key (NIST SP
	// 800-38D); rotating keys yearly keeps us far below that.
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("pii encrypt: %w", err)
	}
	buf = aead.Seal(buf, buf, []byte(plain), []byte(aad))
	return sealedVersion + ":" + k.current + ":" + sealedB64.EncodeToString(buf), nil
}

// Decrypt opens a value made by Encrypt with the same aad. "" opens to "".
// Errors wrap [ErrMalformed], [ErrUnknownKey] or [ErrOpen].
func (k *Keyring) Decrypt(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, body, err := splitSealed(sealed)
	if err != nil {
		return "", err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownKey, id)
	}
	raw, err := sealedB64.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrMalformed)
	}
	nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	plain, err := aead.Open(ct[:0], nonce, ct, []byte(aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// splitSealed checks the "v1:<keyid>:" header and returns the key id and
// the base64 body.
func splitSealed(sealed string) (id, body string, err error) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok || version != sealedVersion {
		return "", "", fmt.Errorf("%w: want %s:<keyid>:<data>", ErrMalformed, sealedVersion)
	}
	id, body, ok = strings.Cut(rest, ":")
	if !ok || !validKeyID(id) {
		return "", "", fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	return id, body, nil
}

// NeedsRotation reports whether sealed was made with a key other than the
// current one. It says yes to any non-empty value it cannot read as current
// too, malformed ones included, so a rotation job tries them and its
// Decrypt error surfaces the damage instead of skipping it silently.
func (k *Keyring) NeedsRotation(sealed string) bool {
	if sealed == "" {
		return false
	}
	id, _, err := splitSealed(sealed)
	return err != nil || id != k.current
}

// Reseal opens sealed and seals it again under the current key; it is the
// body of a rotation job. A value already under the current key is returned
// unchanged.
func (k *Keyring) Reseal(sealed, aad string) (string, error) {
	if !k.NeedsRotation(sealed) {
		return sealed, nil
	}
	plain, err := k.Decrypt(sealed, aad)
	if err != nil {
		return "", fmt.Errorf("pii reseal: %w", err)
	}
	return k.Encrypt(plain, aad)
}

// deriveBlindKey is HMAC-SHA256(key, "cityloop/blind-index/v1"): a separate
// key for blind indexes, so an index value reveals nothing about the sealing
// key and the sealing key is never used for two purposes.
func deriveBlindKey(raw []byte) []byte {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("cityloop/blind-index/v1"))
	return m.Sum(nil)
}

// BlindKey is the key for new blind indexes ([Blind]), derived from the
// current key: it lives and rotates with the keyring, so whoever has the
// database but not the keys cannot test guesses against an index.
func (k *Keyring) BlindKey() []byte { return k.blinds[k.current] }

// BlindKeys lists the blind-index keys of every key in the ring, the current
// one first. A lookup during a rotation tries them all, since rows not yet
// resealed still carry an index under an older key.
func (k *Keyring) BlindKeys() [][]byte {
	out := [][]byte{k.blinds[k.current]}
	ids := make([]string, 0, len(k.blinds))
	for id := range k.blinds {
		if id != k.current {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, k.blinds[id])
	}
	return out
}

// deriveAuditKey is HMAC-SHA256(key, "cityloop/audit-chain/v2"): the key of
// the audit log's HMAC chain, separate from the sealing and blind-index keys.
func deriveAuditKey(raw []byte) []byte {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("cityloop/audit-chain/v2"))
	return m.Sum(nil)
}

// AuditKey returns the id and secret that key new audit records (see
// package audit): derived from the current key, so it rotates with the
// keyring. Each record stores the id.
func (k *Keyring) AuditKey() (id string, secret []byte) { return k.current, k.audits[k.current] }

// AuditKeyByID returns the audit secret derived from the key with that id,
// for verifying records signed before a rotation; ok is false once the key
// has left the keyring.
func (k *Keyring) AuditKeyByID(id string) (secret []byte, ok bool) {
	secret, ok = k.audits[id]
	return secret, ok
}
