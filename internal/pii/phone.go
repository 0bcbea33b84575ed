package pii

import "strings"

// NormalizePhone reduces a phone number to the form its blind index is made
// of: digits only, without China's country code, so "+86 138-1234-5678",
// "0086 13812345678" and "13812345678" all give "13812345678". A leading 86
// is dropped only when more than 11 digits remain before dropping it, so a
// short number that happens to start with 86 keeps it.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else if c >= '０' && c <= '９' { // full-width digits typed on a Chinese keyboard
			b.WriteRune('0' + (c - '０'))
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "0086") && len(d) > 13:
		d = d[4:]
	case strings.HasPrefix(d, "86") && len(d) > 11:
		d = d[2:]
	}
	return d
}

// PhoneQuery reads a search text as a phone number: it is one when it is
// written only with digits (also full-width), spaces, dashes, dots,
// brackets and a leading +, and holds at least five digits. It returns the
// normalised number to look up by blind index.
func PhoneQuery(s string) (string, bool) {
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c >= '０' && c <= '９':
		case strings.ContainsRune(" -+().　", c):
		default:
			return "", false
		}
	}
	norm := NormalizePhone(s)
	return norm, len(norm) >= 5
}
