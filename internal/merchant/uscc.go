package merchant

import (
	"strings"

	"cityloop/internal/errs"
)

// usccChars is the alphabet of the unified social credit code (统一社会信用
// 代码, GB 32100-2015): digits and capitals without I, O, S, V and Z, which
// are easily misread. A character's value is its index.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i) mod 31 for the first 17 positions (GB 32100-2015 §5).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccCheck is the check character of the first 17 characters, ok false
// when one of them is outside the alphabet.
func usccCheck(body string) (byte, bool) {
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31], true
}

// ParseUSCC checks a unified social credit code and returns it in its
// canonical form (upper case, no spaces): 18 characters of the code's
// alphabet, positions 3–8 an administrative division code (digits) and the
// last the check character of GB 32100-2015. The error says which rule
// failed, so a clerk can find the mistyped character.
func ParseUSCC(s string) (string, error) {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	bad := func(why string) error {
		return errs.Invalid("统一社会信用代码无效：%s / the unified social credit code is not valid: %s", why, why).WithField("uscc", why)
	}
	if len(c) != 18 {
		return "", bad("须为18位 (18 characters)")
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccChars, c[i]) < 0 {
			return "", bad("含非法字符 (only digits and capitals without I, O, S, V, Z)")
		}
	}
	for i := 2; i < 8; i++ {
		if c[i] < '0' || c[i] > '9' {
			return "", bad("第3–8位须为行政区划码 (positions 3–8 are the division code, digits)")
		}
	}
	if want, _ := usccCheck(c[:17]); c[17] != want {
		return "", bad("校验码不符 (the check character does not match)")
	}
	return c, nil
}

// MakeUSCC completes the first 17 characters of a code with its check
// character (for the demo and for tests); ok false when body is not 17
// characters of the alphabet.
func MakeUSCC(body string) (string, bool) {
	if len(body) != 17 {
		return "", false
	}
	ch, ok := usccCheck(body)
	if !ok {
		return "", false
	}
	return body + string(ch), true
}
