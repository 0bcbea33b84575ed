package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters written into every PHC string.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// DefaultParams returns the parameters new hashes are made with.
//
// m=19 MiB, t=2, p=1 is the OWASP Password Storage Cheat Sheet's baseline
// for argon2id. We take the baseline rather than something heavier because
// every concurrent login holds Memory for the length of the hash: 19 MiB
// keeps 50 simultaneous logins under 1 GiB on a small municipal server, and
// p=1 keeps one login on one core so the others keep serving requests.
// A 16-byte salt and a 32-byte key are the lengths RFC 9106 recommends.
// Raising any of these later is safe: VerifyPassword reports needsRehash and
// the login handler re-hashes with the new values.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters. They exist so that a corrupted or hostile row in the
// users table cannot make a login allocate gigabytes or spin for minutes, and
// so that argon2.IDKey, which panics on t=0 or p=0, is never reached with them.
const (
	maxMemory     = 1 << 20 // KiB, 1 GiB
	maxIterations = 64
	minSaltLen    = 8 // the PHC string format's minimum for argon2
	maxSaltLen    = 64
	minKeyLen     = 16
	maxKeyLen     = 64
	maxPHCLen     = 512
)

// ErrMalformedHash reports a stored hash that cannot be parsed. It is not an
// *errs.Error on purpose: a broken hash is our data's fault, not the fault of
// the person typing the password, so it must surface as an internal error
// (500 and a log line), never as "invalid input".
var ErrMalformedHash = errors.New("auth: malformed password hash")

// malformed wraps ErrMalformedHash and, when there is one, the cause.
func malformed(what string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformedHash, what, cause)
}

func (p Params) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d outside 1..%d", p.Iterations, maxIterations)
	case p.Parallelism < 1:
		return fmt.Errorf("parallelism must be at least 1")
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		// RFC 9106 requires m >= 8p; x/crypto silently rounds instead, which
		// would give hashes other implementations refuse.
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Parallelism), maxMemory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// phcB64 is the PHC string format's base64: standard alphabet, no padding.
// Strict rejects non-zero trailing bits so each hash has one spelling.
var phcB64 = base64.RawStdEncoding.Strict()

// HashPassword hashes pw with argon2id and a fresh random salt, returning
// "$argon2id$v=19$m=<KiB>,t=<iterations>,p=<parallelism>$<salt>$<hash>".
func HashPassword(pw string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		phcB64.EncodeToString(salt), phcB64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches encoded, and whether encoded was
// made with parameters other than [DefaultParams] so the caller should store
// a fresh hash while it still has the plaintext. needsRehash is only ever
// true together with ok. A malformed encoded value gives an error wrapping
// [ErrMalformedHash].
func VerifyPassword(pw, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := ParsePHC(encoded)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != DefaultParams(), nil
}

// dummySalt is fixed because DummyVerify's result is thrown away; only its
// cost matters.
var dummySalt = make([]byte, 16)

// DummyVerify spends the same time and memory as verifying a password with
// [DefaultParams]. The login handler calls it when no account matches the
// login name, so that response time does not reveal which names exist.
func DummyVerify(pw string) {
	p := DefaultParams()
	_ = argon2.IDKey([]byte(pw), dummySalt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
}

// ParsePHC splits an argon2id PHC string into its parameters, salt and hash.
// Only argon2id version 19 is accepted, with parameters in the order m, t, p
// and within the bounds HashPassword enforces. Errors wrap [ErrMalformedHash].
func ParsePHC(encoded string) (p Params, salt, hash []byte, err error) {
	if len(encoded) > maxPHCLen {
		return Params{}, nil, nil, malformed(fmt.Sprintf("longer than %d bytes", maxPHCLen), nil)
	}
	// "$argon2id$v=19$m=..,t=..,p=..$salt$hash" splits into six parts, the
	// first empty.
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return Params{}, nil, nil, malformed("want 5 $-separated fields", nil)
	}
	if parts[1] != "argon2id" {
		return Params{}, nil, nil, malformed(fmt.Sprintf("algorithm %q is not argon2id", parts[1]), nil)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, malformed(fmt.Sprintf("unsupported version %q", parts[2]), nil)
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return Params{}, nil, nil, malformed("want parameters m,t,p", nil)
	}
	m, err1 := phcUint(kv[0], "m=", 32)
	t, err2 := phcUint(kv[1], "t=", 32)
	par, err3 := phcUint(kv[2], "p=", 8)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Params{}, nil, nil, malformed(fmt.Sprintf("parameters %q", parts[3]), err)
	}
	salt, err = phcB64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, malformed("salt", err)
	}
	hash, err = phcB64.DecodeString(parts[5])
	if err != nil {
		return Params{}, nil, nil, malformed("hash", err)
	}
	p = Params{
		Memory:      uint32(m),
		Iterations:  uint32(t),
		Parallelism: uint8(par),
		SaltLen:     uint32(len(salt)),
		KeyLen:      uint32(len(hash)),
	}
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, malformed("parameters", err)
	}
	return p, salt, hash, nil
}

// phcUint parses "<prefix><decimal>". strconv rejects signs, spaces and
// overflow for us.
func phcUint(s, prefix string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, fmt.Errorf("want %s<n>", prefix)
	}
	return strconv.ParseUint(digits, 10, bits)
}
