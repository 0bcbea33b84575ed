package document

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/errs"
)

func TestNumber_String(t *testing.T) {
	tests := []struct {
		n    Number
		want string
	}{
		{Number{Prefix: "某城管罚告字", Year: 2026, Seq: 1}, "某城管罚告字〔2026〕第0001号"},
		{Number{Prefix: "某城管罚决字", Year: 2026, Seq: 123}, "某城管罚决字〔2026〕第0123号"},
		{Number{Prefix: "某城管罚决字", Year: 2026, Seq: 12345}, "某城管罚决字〔2026〕第12345号"},
		{Number{Prefix: "宁城管立审字", Year: 2027, Seq: 7, Width: 6}, "宁城管立审字〔2027〕第000007号"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if err := tt.n.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.n.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNumberFor(t *testing.T) {
	n, err := NumberFor("某城管", PenaltyNotice, 2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.String(), "某城管罚告字〔2026〕第0001号"; got != want {
		t.Errorf("NumberFor = %s, want %s", got, want)
	}
	if _, err := NumberFor("某城管", "no_such", 2026, 1); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("unknown code: %v, want invalid", err)
	}
}

func TestNumber_Validate(t *testing.T) {
	tests := []struct {
		name  string
		n     Number
		field string
	}{
		{"no prefix", Number{Year: 2026, Seq: 1}, "prefix"},
		{"bracket in prefix", Number{Prefix: "某〔城管", Year: 2026, Seq: 1}, "prefix"},
		{"year too early", Number{Prefix: "某城管", Year: 26, Seq: 1}, "year"},
		{"zero sequence", Number{Prefix: "某城管", Year: 2026}, "seq"},
		{"width too large", Number{Prefix: "某城管", Year: 2026, Seq: 1, Width: 9}, "width"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := errs.As(tt.n.Validate())
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("Validate() = %v, want an invalid %s", e, tt.field)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want Number
	}{
		{"某城管罚告字〔2026〕第0001号", Number{Prefix: "某城管罚告字", Year: 2026, Seq: 1, Width: 4}},
		{" 某城管罚决字[2026]12号 ", Number{Prefix: "某城管罚决字", Year: 2026, Seq: 12, Width: 2}},
		{"某城管罚决字【2026】第000123号", Number{Prefix: "某城管罚决字", Year: 2026, Seq: 123, Width: 6}},
		{"某城管罚决字（2026）第7号", Number{Prefix: "某城管罚决字", Year: 2026, Seq: 7, Width: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNumber(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNumber (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{"", "某城管罚决字2026第1号", "某城管罚决字〔二〇二六〕第1号", "某城管罚决字〔2026〕第号",
		"〔2026〕第1号", "某城管罚决字〔2026〕第1", "某城管罚决字〔2026〕第0号", "某城管罚决字〔2026〕第123456789号"} {
		if _, err := ParseNumber(bad); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("ParseNumber(%q) = %v, want invalid", bad, err)
		}
	}
}

// FuzzParseNumber: a typed number never panics the parser, and what it
// accepts prints back to a number it reads the same way.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"某城管罚告字〔2026〕第0001号", "X[2026]1号", "某〔〕号", "〔2026〕〔2027〕第1号", "a(1)第00000001号", "\xff〔2026〕第1号"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("ParseNumber(%q): %v is not an invalid-input error", s, err)
			}
			return
		}
		again, err := ParseNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("ParseNumber(%q) = %+v, prints %q, reads back %+v, %v", s, n, n.String(), again, err)
		}
	})
}
