package document

import (
	"math"
	"strconv"
	"strings"

	"cityloop/internal/errs"
)

// MaxAmount is the largest amount AmountInWords writes: 9999 亿 and change,
// far above any fine, but within what the 亿/万 grouping spells without 万亿.
const MaxAmount = 999999999999.99

var (
	capDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	capUnits  = []string{"", "拾", "佰", "仟"}
	capGroups = []string{"", "万", "亿"}
)

// AmountInWords writes an amount of yuan in Chinese capital numerals (大写
// 金额) the way 《支付结算办法》附一《正确填写票据和结算凭证的基本规定》
// asks, so the figure on a decision cannot be altered: 1500 → 壹仟伍佰元整,
// 10 → 壹拾元整 (壹 before 拾 as on a cheque), 1005.3 → 壹仟零伍元叁角,
// 100.05 → 壹佰元零伍分. One 零 stands for a run of zeros; 整 follows 元
// when there are no 角 and 分. Amounts are rounded to the fen.
func AmountInWords(yuan float64) (string, error) {
	if math.IsNaN(yuan) || yuan < 0 || yuan > MaxAmount {
		return "", errs.Invalid("金额 %v 无法大写：应为 0 至 %.2f 元 / the amount %v cannot be written in words", yuan, MaxAmount, yuan).WithField("amount", "out_of_range")
	}
	fen := int64(math.Round(yuan * 100))
	whole, jiao, cents := fen/100, (fen/10)%10, fen%10
	var b strings.Builder
	if whole > 0 {
		b.WriteString(integerWords(whole))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && cents == 0:
		if whole == 0 {
			b.WriteString("零元")
		}
		b.WriteString("整")
	case jiao == 0:
		if whole > 0 {
			b.WriteString("零")
		}
		b.WriteString(capDigits[cents] + "分")
	default:
		b.WriteString(capDigits[jiao] + "角")
		if cents > 0 {
			b.WriteString(capDigits[cents] + "分")
		}
	}
	return b.String(), nil
}

// integerWords spells n > 0 in groups of four digits (个, 万, 亿).
func integerWords(n int64) string {
	var groups []int64
	for ; n > 0; n /= 10000 {
		groups = append(groups, n%10000)
	}
	var b strings.Builder
	zero := false // a zero stands between what is written and the next digit
	for g := len(groups) - 1; g >= 0; g-- {
		v := groups[g]
		if v == 0 {
			zero = b.Len() > 0
			continue
		}
		for u := 3; u >= 0; u-- {
			d := (v / pow10(u)) % 10
			if d == 0 {
				zero = b.Len() > 0
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(capDigits[d] + capUnits[u])
		}
		b.WriteString(capGroups[g])
		zero = false // zeros closing a group are read as nothing: 壹仟伍佰万壹仟
	}
	return b.String()
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// FormatAmount writes an amount of yuan in figures as decisions do: whole
// yuan without decimals (1500), otherwise to the fen (1500.50).
func FormatAmount(yuan float64) string {
	fen := int64(math.Round(yuan * 100))
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return strconv.FormatFloat(float64(fen)/100, 'f', 2, 64)
}
