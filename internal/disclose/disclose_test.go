package disclose

import (
	"strings"
	"testing"
	"unicode/utf8"

	"cityloop/internal/casework"
)

func TestMaskText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"路灯不亮，联系电话13800138000", "路灯不亮，联系电话***********"},
		{"call 138-0013-8000 now", "call ***-****-**** now"},
		{"座机 0591 8765 4321", "座机 **** **** ****"},
		{"身份证350102199001011234", "身份证******************"},
		{"身份证35010219900101123X", "身份证******************"},
		{"幸福路12号3栋2单元501室", "幸福路**号*栋*单元***室"},
		{"６楼漏水", "*楼漏水"},
		{"3 个垃圾桶满了，20 米外", "3 个垃圾桶满了，20 米外"},
		{"没有数字", "没有数字"},
	} {
		if got := MaskText(tc.in); got != tc.want {
			t.Errorf("MaskText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDescription_HotlineShowsCategory(t *testing.T) {
	if got := Description(casework.SourceHotline, casework.StatusDispatched, "来电人住幸福路12号501室，电话13800138000", "道路积水"); got != "道路积水" {
		t.Errorf("hotline description = %q", got)
	}
	if got := Description(casework.SourceCitizen, casework.StatusDispatched, "积水，电话13800138000", "道路积水"); strings.Contains(got, "13800138000") {
		t.Errorf("citizen description kept the phone: %q", got)
	}
	if got := Description(casework.SourceCitizen, casework.StatusRejected, "骂人的话", "道路积水"); got != "道路积水" {
		t.Errorf("a rejected report's words are shown: %q", got)
	}
}

func TestRound(t *testing.T) {
	if got := Round(118.7654321); got != 118.765 {
		t.Errorf("Round = %v", got)
	}
	if got := FormatCoord(32.0456789); got != "32.046" {
		t.Errorf("FormatCoord = %q", got)
	}
}

func TestPhotoPublic(t *testing.T) {
	pub := PhotoUse{CaseID: "c1", Status: casework.StatusDispatched, Source: casework.SourceCitizen, Reporter: true}
	for _, tc := range []struct {
		name string
		uses []PhotoUse
		want bool
	}{
		{"citizen report photo", []PhotoUse{pub}, true},
		{"unattached", nil, false},
		{"staff photo", []PhotoUse{{CaseID: "c1", Status: casework.StatusPendingCheck, Source: casework.SourceCitizen}}, false},
		{"rejected case", []PhotoUse{{CaseID: "c1", Status: casework.StatusRejected, Source: casework.SourceCitizen, Reporter: true}}, false},
		{"camera snapshot", []PhotoUse{{CaseID: "c1", Status: casework.StatusDispatched, Source: casework.SourceCamera, Reporter: true}}, false},
		{"hotline", []PhotoUse{{CaseID: "c1", Status: casework.StatusDispatched, Source: casework.SourceHotline, Reporter: true}}, false},
	} {
		if got := PhotoPublic(tc.uses); got != tc.want {
			t.Errorf("%s: PhotoPublic = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNote_EveryActionHasBothLanguages(t *testing.T) {
	for a := range casework.ActionNames {
		if !EventPublic(a) {
			continue
		}
		if Note(a, false) == "" || Note(a, true) == "" {
			t.Errorf("action %s has no public note", a)
		}
		if _, ok := notes[a]; !ok {
			t.Errorf("action %s has no standard public note of its own", a)
		}
	}
}

// FuzzMaskText: masking never panics, keeps valid UTF-8 and the rune count,
// and leaves no run of five digits in what it returns.
func FuzzMaskText(f *testing.F) {
	for _, s := range []string{"13800138000", "138-0013-8000", "幸福路12号501室", "35010219900101123X", "１３８００１３８０００", "a 1 2 3 4 5", "-1-2-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := MaskText(s)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskText(%q) = %q", s, got)
		}
		n := 0
		for _, r := range got {
			if isDigit(r) {
				n++
				if n >= 5 {
					t.Fatalf("MaskText(%q) = %q keeps a run of five digits", s, got)
				}
			} else {
				n = 0
			}
		}
		if MaskText(got) != got {
			t.Fatalf("MaskText is not idempotent on %q", s)
		}
	})
}

func TestPlace(t *testing.T) {
	for in, want := range map[string]string{
		"玄武区 梅园新村街道 长江路 123 号附近": "玄武区 梅园新村街道 长江路附近",
		"玄武区 梅园新村街道":             "玄武区 梅园新村街道",
		"中山路88号3单元":              "中山路",
		"":                       "",
	} {
		if got := Place(in); got != want {
			t.Errorf("Place(%q) = %q, want %q", in, got, want)
		}
	}
}
