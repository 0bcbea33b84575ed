package merchant

import (
	"strings"
	"testing"
)

func TestParseUSCC(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		// Published on business licences; the check characters are theirs.
		{"91350100M000100Y43", "91350100M000100Y43", true},
		{"91110000802100433B", "91110000802100433B", true},
		{" 9111 0000 8021 0043 3b ", "91110000802100433B", true}, // spaces and lower case as typed
		{"91110000802100433C", "", false},                        // wrong check character
		{"91350100M000100Y4", "", false},                         // 17 characters
		{"9135010OM000100Y43", "", false},                        // O is not in the alphabet
		{"91A50100M000100Y43", "", false},                        // division code with a letter
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseUSCC(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseUSCC(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestMakeUSCCRoundTrips(t *testing.T) {
	for _, body := range []string{"91320102MA1XXXXX0", "92320105000000001", "Y1320100123456789"} {
		c, ok := MakeUSCC(body)
		if !ok {
			t.Fatalf("MakeUSCC(%q) failed", body)
		}
		if got, err := ParseUSCC(c); err != nil || got != c {
			t.Fatalf("%s: %v", c, err)
		}
		// Any other last character is refused.
		for _, ch := range usccChars {
			if byte(ch) != c[17] {
				if _, err := ParseUSCC(c[:17] + string(ch)); err == nil {
					t.Fatalf("%s accepted", c[:17]+string(ch))
				}
			}
		}
	}
	if _, ok := MakeUSCC("91320102MA1XXXXXI"); ok {
		t.Fatal("I accepted")
	}
}

// FuzzParseUSCC: any input either fails with a field error or comes back
// canonical, 18 characters whose check character holds.
func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91110000802100433b", "", "９１", "91350100M000100Y4Z", strings.Repeat("0", 18)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUSCC(s)
		if err != nil {
			return
		}
		if len(got) != 18 || strings.ToUpper(got) != got {
			t.Fatalf("%q → %q", s, got)
		}
		if again, err := ParseUSCC(got); err != nil || again != got {
			t.Fatalf("not canonical: %q → %q, %v", got, again, err)
		}
		if c, _ := MakeUSCC(got[:17]); c != got {
			t.Fatalf("check character of %q", got)
		}
	})
}
