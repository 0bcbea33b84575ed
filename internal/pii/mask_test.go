package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"phone mobile", MaskPhone, "13812345678", "138****5678"},
		{"phone with country code", MaskPhone, "+8613812345678", "+86*******5678"},
		{"phone spaces trimmed", MaskPhone, " 13812345678 ", "138****5678"},
		{"phone landline", MaskPhone, "62345678", "******78"},
		{"phone seven", MaskPhone, "1234567", "*****67"},
		{"phone short", MaskPhone, "110", "***"},
		{"phone six", MaskPhone, "123456", "******"},
		{"phone empty", MaskPhone, "", ""},
		{"phone non-ascii", MaskPhone, "一三八一二三四五六七八", "一三八****五六七八"},
		{"phone invalid utf8", MaskPhone, "\xff\xfe\xfd\xfc\xfb\xfa\xf9", "*****\ufffd\ufffd"},

		{"name three", MaskName, "张三丰", "张**"},
		{"name two", MaskName, "张三", "张*"},
		{"name latin", MaskName, "Li", "L*"},
		{"name full latin", MaskName, "Li Wei", "L*****"},
		{"name one", MaskName, "张", "*"},
		{"name empty", MaskName, "", ""},
		{"name spaces", MaskName, "  王五 ", "王*"},

		{"id 18", MaskIDNumber, "110101199003071234", "110***********1234"},
		{"id 18 with X", MaskIDNumber, "11010119900307123X", "110***********123X"},
		{"id 15", MaskIDNumber, "110101900307123", "110********7123"},
		{"id short", MaskIDNumber, "12345678", "******78"},
		{"id tiny", MaskIDNumber, "1234567", "*******"},
		{"id empty", MaskIDNumber, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.fn(tt.in)
			if got != tt.want {
				t.Fatalf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) && utf8.ValidString(tt.in) {
				t.Fatalf("mask(%q) = %q is not valid UTF-8", tt.in, got)
			}
		})
	}
}

// Phone and ID masks show at most 7 characters, and of values shorter than
// a mobile number at most half.
func TestMask_NeverShowsMostOfShortValues(t *testing.T) {
	for _, fn := range []func(string) string{MaskPhone, MaskIDNumber} {
		for n := 1; n <= 20; n++ {
			in := strings.Repeat("9", n)
			shown := strings.Count(fn(in), "9")
			if shown > 7 || (n < 11 && 2*shown > n) {
				t.Errorf("length %d shows %d characters", n, shown)
			}
		}
	}
}

func TestBlind(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a := Blind(key, "13812345678")
	if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("Blind = %q, want 64 lower-case hex digits", a)
	}
	if Blind(key, "13812345678") != a {
		t.Fatal("Blind is not deterministic")
	}
	if Blind(key, "13812345679") == a {
		t.Fatal("different values give one index")
	}
	if Blind([]byte("another key, another index......"), "13812345678") == a {
		t.Fatal("different keys give one index")
	}
	if Blind(key, "") != "" {
		t.Fatal(`Blind("") is not ""`)
	}
	// RFC 4231 test case 2, so the construction is plain HMAC-SHA256.
	if got := Blind([]byte("Jefe"), "what do ya want for nothing?"); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("RFC 4231 case 2 = %s", got)
	}
}
