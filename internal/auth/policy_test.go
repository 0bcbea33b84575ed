package auth

import (
	"strings"
	"testing"
	"unicode/utf8"

	"cityloop/internal/errs"
)

func TestCheckPasswordStrength(t *testing.T) {
	tests := []struct {
		pw, msg string
	}{
		{"Tr0ub4dor&3x", ""},
		{"correcthorse9", ""},
		{"城市管理平台密码abc", ""},
		{"short1A", "auth.password_too_short"},
		{"城市管理1", "auth.password_too_short"},
		{"abcdefghijkl", "auth.password_one_class"},
		{"ABCDEFGHIJKL", "auth.password_one_class"},
		{"98765432109", "auth.password_one_class"},
		{"城市管理平台城市管理平台", "auth.password_one_class"},
		{"Password123", "auth.password_common"},
		{"QWERTYUIOP", "auth.password_one_class"},
		{"1qaz2wsx3edc", "auth.password_common"},
		{"CityLoop2026", "auth.password_common"},
		{strings.Repeat("aB3", 86), "auth.password_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			err := CheckPasswordStrength(tt.pw)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("CheckPasswordStrength = %v, want nil", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || e.Message != tt.msg {
				t.Fatalf("CheckPasswordStrength = %v, want invalid %q", err, tt.msg)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "password" {
				t.Fatalf("fields = %+v, want one on password", e.Fields)
			}
		})
	}
}

func TestRandomPassword(t *testing.T) {
	for _, n := range []int{-1, 0, 4, 10, 16, 40} {
		pw := RandomPassword(n)
		want := max(n, 10)
		if utf8.RuneCountInString(pw) != want {
			t.Errorf("RandomPassword(%d) has length %d, want %d", n, len(pw), want)
		}
		if err := CheckPasswordStrength(pw); err != nil {
			t.Errorf("RandomPassword(%d) = %q fails policy: %v", n, pw, err)
		}
		if strings.Trim(pw, passwordAlphabet) != "" {
			t.Errorf("RandomPassword(%d) = %q uses characters outside the alphabet", n, pw)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		seen[RandomPassword(12)] = true
	}
	if len(seen) != 1000 {
		t.Fatalf("%d distinct passwords in 1000", len(seen))
	}
}
