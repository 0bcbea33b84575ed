package document

import (
	"math"
	"testing"

	"cityloop/internal/errs"
)

func TestAmountInWords(t *testing.T) {
	tests := []struct {
		yuan float64
		want string
	}{
		{0, "零元整"},
		{1, "壹元整"},
		{10, "壹拾元整"},
		{15, "壹拾伍元整"},
		{100, "壹佰元整"},
		{101, "壹佰零壹元整"},
		{110, "壹佰壹拾元整"},
		{200, "贰佰元整"},
		{1010, "壹仟零壹拾元整"},
		{1500, "壹仟伍佰元整"},
		{3000, "叁仟元整"},
		{10000, "壹万元整"},
		{20001, "贰万零壹元整"},
		{100010, "壹拾万零壹拾元整"},
		{107000.53, "壹拾万柒仟元伍角叁分"},
		{1000100, "壹佰万零壹佰元整"},
		{15001000, "壹仟伍佰万壹仟元整"},
		{10000001, "壹仟万零壹元整"},
		{100000000, "壹亿元整"},
		{100010000, "壹亿零壹万元整"},
		{100000001000, "壹仟亿零壹仟元整"},
		{0.5, "伍角"},
		{0.05, "伍分"},
		{0.55, "伍角伍分"},
		{1.5, "壹元伍角"},
		{1.05, "壹元零伍分"},
		{1005.3, "壹仟零伍元叁角"},
		{100.05, "壹佰元零伍分"},
		{1680.32, "壹仟陆佰捌拾元叁角贰分"},
		{20000.5, "贰万元伍角"},
		{0.1 + 0.2, "叁角"}, // rounded to the fen, not 0.30000000000000004
		{MaxAmount, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},
	}
	for _, tt := range tests {
		t.Run(FormatAmount(tt.yuan), func(t *testing.T) {
			got, err := AmountInWords(tt.yuan)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("AmountInWords(%v) = %s, want %s", tt.yuan, got, tt.want)
			}
		})
	}
}

func TestAmountInWords_OutOfRange(t *testing.T) {
	for _, v := range []float64{-0.01, -1500, MaxAmount + 1, math.NaN(), math.Inf(1)} {
		if _, err := AmountInWords(v); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("AmountInWords(%v) = %v, want an invalid error", v, err)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		yuan float64
		want string
	}{{1500, "1500"}, {1500.5, "1500.50"}, {0.05, "0.05"}, {0, "0"}, {20000.499, "20000.50"}}
	for _, tt := range tests {
		if got := FormatAmount(tt.yuan); got != tt.want {
			t.Errorf("FormatAmount(%v) = %s, want %s", tt.yuan, got, tt.want)
		}
	}
}
