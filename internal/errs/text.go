package errs

import (
	"fmt"
	"unicode/utf8"
)

// TextProblem says why s cannot be kept as text, or "" when it can. Text
// must be valid UTF-8 without NUL bytes (PostgreSQL refuses both, SQLite
// stores them and every reader then trips on them) and, where it is one
// line (multiline false), without control characters at all; multiline text
// may hold tabs and line breaks but no other C0 control or DEL, which no
// person types and which terminals and CSV exports interpret.
func TextProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "不是有效的 UTF-8 文本 / is not valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "含有空字符 (NUL) / contains a NUL character"
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("含有控制字符 U+%04X / contains the control character U+%04X", r, r)
		}
	}
	return ""
}

// CheckText adds a field error to bad for each named value that is not
// storable text (see TextProblem), and reports whether all were.
func (e *Error) CheckText(multiline bool, fields ...string) bool {
	ok := true
	for i := 0; i+1 < len(fields); i += 2 {
		if p := TextProblem(fields[i+1], multiline); p != "" {
			e.WithField(fields[i], p)
			ok = false
		}
	}
	return ok
}
