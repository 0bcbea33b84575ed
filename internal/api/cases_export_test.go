package api

import (
	"strings"
	"testing"
)

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil\",\"点我\")", "'=HYPERLINK(\"http://evil\",\"点我\")"},
		{"+86 138", "'+86 138"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"路面破损 =1", "路面破损 =1"},
		{"", ""},
		{"138****0000", "138****0000"},
	} {
		if got := SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeCell: whatever a citizen types, the cell never starts with a
// character a spreadsheet reads as a formula, and nothing is lost.
func FuzzSafeCell(f *testing.F) {
	for _, s := range []string{"=1+1", "+1", "-1", "@A1", "\t=1", "普通描述", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("SafeCell(%q) = %q starts with a formula character", s, got)
		}
		if strings.TrimPrefix(got, "'") != s && got != s {
			t.Fatalf("SafeCell(%q) = %q changed the text", s, got)
		}
	})
}
