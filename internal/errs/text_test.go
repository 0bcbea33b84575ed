package errs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         string
		multiline bool
		bad       bool
	}{
		{"plain Chinese", "路灯不亮", false, false},
		{"empty", "", false, false},
		{"NUL", "a\x00b", true, true},
		{"invalid UTF-8", "a\xffb", true, true},
		{"truncated rune", "路"[:2], false, true},
		{"line break on one line", "a\nb", false, true},
		{"line break in a note", "a\r\nb\tc", true, false},
		{"escape", "a\x1b[31mb", true, true},
		{"DEL", "a\x7fb", true, true},
		{"emoji", "井盖🕳️", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TextProblem(tc.s, tc.multiline) != ""; got != tc.bad {
				t.Fatalf("TextProblem(%q, %v) bad = %v, want %v", tc.s, tc.multiline, got, tc.bad)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	e := Invalid("bad")
	if e.CheckText(false, "a", "ok", "b", "x\x00") || len(e.Fields) != 1 || e.Fields[0].Field != "b" {
		t.Fatalf("fields %+v", e.Fields)
	}
}

// FuzzTextProblem: whatever TextProblem accepts is UTF-8 without NUL or
// control characters other than tab and line breaks.
func FuzzTextProblem(f *testing.F) {
	for _, s := range []string{"", "路灯", "a\x00", "\xff", "a\nb", "\x1b"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		if TextProblem(s, multiline) != "" {
			return
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if (r < 0x20 || r == 0x7f) && !(multiline && (r == '\t' || r == '\n' || r == '\r')) {
				t.Fatalf("accepted control %U in %q", r, s)
			}
		}
	})
}
