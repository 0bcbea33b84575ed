package org

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"cityloop/internal/errs"
)

// UsernameRule says in both languages what [CheckUsername] accepts, for a
// form's field error.
const UsernameRule = "1 至 64 个字母、数字或 _ . -，以字母或数字开头，不含空格和不可见字符 / 1 to 64 letters, digits or _ . -, starting with a letter or digit, with no spaces or invisible characters"

// MaxUsernameLen bounds a username, in characters after normalisation.
const MaxUsernameLen = 64

// NormalizeUsername is the form a username is stored and looked up in:
// surrounding spaces trimmed and Unicode NFKC applied, so that a
// full-width "ｏｐｅｒａｔｏｒ" typed on a Chinese keyboard signs in as
// "operator". Sign-in calls it before looking the account up; it does not
// validate (see [CheckUsername]).
func NormalizeUsername(s string) string {
	return strings.TrimSpace(norm.NFKC.String(strings.TrimSpace(s)))
}

// CheckUsername validates a username for a new account and returns it
// normalised ([NormalizeUsername]). A username is 1 to [MaxUsernameLen]
// characters of letters, ASCII digits and "_", "." and "-", starting with a
// letter or digit. Invisible and control characters (zero-width joiners,
// bidi overrides, spaces) are refused, and so are letters of two scripts
// that look alike (Latin with Cyrillic or Greek, as in a Cyrillic "а" in
// "аdmin"); Latin mixed with Chinese, Japanese or Korean is fine.
//
// Failures are KindInvalid with a field error on "username" whose text says
// what to change, in Chinese and English.
func CheckUsername(raw string) (string, error) {
	u := NormalizeUsername(raw)
	bad := func(msg string) error {
		return errs.Invalid("用户名无效 / the username is not valid: %s", msg).WithField("username", msg)
	}
	if u == "" {
		return "", bad("必填 / required")
	}
	if utf8.RuneCountInString(u) > MaxUsernameLen {
		return "", bad("最多 64 个字符 / use at most 64 characters")
	}
	if !utf8.ValidString(u) {
		return "", bad("含有无效字符 / it holds invalid bytes")
	}
	scripts := map[string]bool{}
	for i, r := range u {
		switch {
		case r >= '0' && r <= '9':
		case r == '_' || r == '.' || r == '-':
			if i == 0 {
				return "", bad("须以字母或数字开头 / start with a letter or a digit")
			}
		case unicode.IsLetter(r):
			scripts[scriptOf(r)] = true
		case unicode.In(r, unicode.Cf, unicode.Cc, unicode.Zs, unicode.Zl, unicode.Zp):
			return "", bad("不能含空格、不可见字符或控制字符 / no spaces, invisible or control characters")
		default:
			return "", bad("只能用字母、数字和 _ . - / use only letters, digits and _ . -")
		}
	}
	if mixedScripts(scripts) {
		return "", bad("不能混用外形相近的文字（如拉丁字母与西里尔字母）/ do not mix look-alike scripts (such as Latin and Cyrillic letters)")
	}
	return u, nil
}

// scriptOf names the script of letter r: one of a few that matter for
// look-alikes, "cjk" for Han, kana, Hangul and Bopomofo, or "other".
func scriptOf(r rune) string {
	switch {
	case unicode.Is(unicode.Latin, r):
		return "latin"
	case unicode.Is(unicode.Cyrillic, r):
		return "cyrillic"
	case unicode.Is(unicode.Greek, r):
		return "greek"
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo):
		return "cjk"
	case unicode.Is(unicode.Armenian, r):
		return "armenian"
	}
	return "other"
}

// mixedScripts reports whether a username's letters come from more than
// one script, not counting CJK (whose letters look like no Latin letter).
func mixedScripts(scripts map[string]bool) bool {
	n := 0
	for s := range scripts {
		if s != "cjk" {
			n++
		}
	}
	return n > 1
}
