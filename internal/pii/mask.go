package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// mask keeps head runes at the front and tail at the back and replaces the
// rest with '*', one per rune, so the masked value keeps its length.
// Working on runes, not bytes, keeps multi-byte names from being cut into
// invalid UTF-8.
func mask(r []rune, head, tail int) string {
	var b strings.Builder
	for i, c := range r {
		if i < head || i >= len(r)-tail {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// MaskPhone shows the first 3 and last 4 characters of a phone number of 11
// or more characters, the convention for Chinese mobile numbers
// ("13812345678" -> "138****5678"). Shorter values, landlines and typos,
// show only their last 2 characters, and values under 7 characters show
// nothing, so that a mask never reveals most of a number.
func MaskPhone(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch {
	case len(r) >= 11:
		return mask(r, 3, 4)
	case len(r) >= 7:
		return mask(r, 0, 2)
	}
	return mask(r, 0, 0)
}

// MaskName shows the first character of a name and masks the rest: for a
// Chinese name that is the family name ("张三丰" -> "张**"). A one-character
// name is fully masked, since showing it would show everything.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) < 2 {
		return mask(r, 0, 0)
	}
	return mask(r, 1, 0)
}

// MaskIDNumber shows the first 3 characters (province and city) and the
// last 4 of a resident ID number of 15 or 18 characters
// ("110101199003071234" -> "110***********1234"). Shorter values show only
// their last 2 characters, and values under 8 show nothing.
func MaskIDNumber(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch {
	case len(r) >= 15:
		return mask(r, 3, 4)
	case len(r) >= 8:
		return mask(r, 0, 2)
	}
	return mask(r, 0, 0)
}

// Blind returns the hex HMAC-SHA256 of s under key, a blind index: the
// store keeps it beside the sealed value and finds "cases reported from this
// phone" by equality, without decrypting every row. The key must be a
// secret of at least 32 bytes kept apart from the keyring, or anyone with
// the database could test guesses; phone numbers have few enough values
// that a leaked key makes the index reversible. Callers normalise s first
// (e.g. digits only, no +86), since "138 1234 5678" and "13812345678" index
// differently. The empty string gives "" so missing values never match each
// other.
func Blind(key []byte, s string) string {
	if s == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}
