package org

import (
	"testing"

	"cityloop/internal/errs"
)

// TestCheckUsername: usernames are NFKC-normalised, and invisible, control,
// space and look-alike-script characters are refused with a field error.
func TestCheckUsername(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means refused
	}{
		{"operator", "operator"},
		{"  wang.wu-2_ ", "wang.wu-2_"},
		{"ｏｐｅｒａｔｏｒ", "operator"}, // full-width folds to ASCII
		{"张三", "张三"},
		{"zhang三", "zhang三"},
		{"иван", "иван"}, // one script is fine
		{"ops１", "ops1"},
		{"op\u200berator", ""}, // zero-width space (Cf)
		{"op\u200derator", ""}, // zero-width joiner
		{"admin\u202e", ""},    // bidi override
		{"op\terator", ""},
		{"op erator", ""},
		{"op\u3000erator", ""}, // ideographic space folds to a space
		{"op\u00a0erator", ""}, // no-break space
		{"\u0430dmin", ""},     // Cyrillic а in a Latin name
		{"αdmin", ""},          // Greek alpha in a Latin name
		{"a/b", ""},
		{"a@b", ""},
		{".hidden", ""},
		{"-x", ""},
		{"", ""},
		{"   ", ""},
		{"q\u0301", ""}, // a combining mark that does not compose
		{string(make([]byte, 65)), ""},
		{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde", ""}, // 65
	} {
		got, err := CheckUsername(tc.in)
		if tc.want == "" {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "username" {
				t.Errorf("CheckUsername(%+q) = %q, %v; want an Invalid error on the username field", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CheckUsername(%+q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got := NormalizeUsername(" ｏｐｅｒａｔｏｒ "); got != "operator" {
		t.Errorf("NormalizeUsername(full-width) = %q", got)
	}
}
