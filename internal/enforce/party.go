package enforce

import (
	"strings"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// PartyDetail is what the officer records about the party (当事人基本情况):
// the personal data behind [Party]. The store seals Name, IDNumber, USCC,
// Representative, Phone and Address with the pii keyring, like reporters'
// contact details, and keys the party by a blind index of its identity
// number so that [DetectExemption] can find its earlier acts without
// opening a sealed value.
type PartyDetail struct {
	Kind PartyKind `json:"kind"`
	Name string    `json:"name"`
	// IDNumber is a person's 公民身份号码 (18 characters, or 15 for old cards).
	IDNumber string `json:"id_number,omitempty"`
	// USCC is an organisation's 统一社会信用代码 (18 characters).
	USCC           string `json:"uscc,omitempty"`
	Representative string `json:"representative,omitempty"` // 法定代表人 or 负责人
	Phone          string `json:"phone,omitempty"`
	Address        string `json:"address,omitempty"`
	// EServiceConsent: the party agreed to electronic service (第六十一条第二款).
	EServiceConsent bool `json:"e_service_consent"`
}

// Identity is the normalised identity number the party is known by: the
// USCC of an organisation, the ID number of a person, upper case without
// spaces; "" when none was recorded.
func (p PartyDetail) Identity() string {
	v := p.IDNumber
	if p.Kind == Organisation {
		v = p.USCC
	}
	return strings.ToUpper(strings.Join(strings.Fields(v), ""))
}

// Normalize trims every field and writes the identity numbers in their
// normal form, so that the same party typed twice is the same party.
func (p PartyDetail) Normalize() PartyDetail {
	p.Name = strings.TrimSpace(p.Name)
	p.IDNumber = strings.ToUpper(strings.Join(strings.Fields(p.IDNumber), ""))
	p.USCC = strings.ToUpper(strings.Join(strings.Fields(p.USCC), ""))
	p.Representative = strings.TrimSpace(p.Representative)
	p.Phone = strings.TrimSpace(p.Phone)
	p.Address = strings.TrimSpace(p.Address)
	return p
}

// Validate checks a normalised party. The identity number is required: a
// party without one cannot be told apart from another, so 首违不罚 could
// not be checked and the decision could not name whom it binds (第五十九条).
// The check digits are not verified (a typo in a legacy card is common and
// the officer sees the card); the shape is.
func (p PartyDetail) Validate() error {
	bad := errs.Invalid("当事人信息不完整或格式不对 / the party's details are not valid")
	switch p.Kind {
	case Person:
		if !idNumberShape(p.IDNumber) {
			bad.WithField("party.id_number", "公民身份号码为 18 位（末位可为 X）或 15 位数字 / 18 characters (last may be X) or 15 digits")
		}
	case Organisation:
		if !usccShape(p.USCC) {
			bad.WithField("party.uscc", "统一社会信用代码为 18 位数字或大写字母 / 18 digits or capital letters")
		}
	default:
		bad.WithField("party.kind", "person（公民）或 organisation（法人或其他组织）/ person or organisation")
	}
	if p.Name == "" {
		bad.WithField("party.name", "需要当事人姓名或名称 / the name is required")
	}
	for _, f := range []struct{ name, v string }{{"party.name", p.Name}, {"party.representative", p.Representative},
		{"party.phone", p.Phone}, {"party.address", p.Address}} {
		if utf8.RuneCountInString(f.v) > 200 {
			bad.WithField(f.name, "最多 200 个字符 / at most 200 characters")
		}
	}
	bad.CheckText(false, "party.name", p.Name, "party.representative", p.Representative, "party.phone", p.Phone, "party.address", p.Address)
	if p.Phone != "" && !phoneShape(p.Phone) {
		bad.WithField("party.phone", "电话只能含数字、空格、+ 和 - / digits, spaces, + and - only")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

func idNumberShape(s string) bool {
	switch len(s) {
	case 15:
		return allDigits(s)
	case 18:
		return allDigits(s[:17]) && (isDigit(s[17]) || s[17] == 'X')
	}
	return false
}

// usccShape: GB 32100-2015 uses digits and capital letters except I, O, S, V, Z.
func usccShape(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && (c < 'A' || c > 'Z' || strings.IndexByte("IOSVZ", c) >= 0) {
			return false
		}
	}
	return true
}

func phoneShape(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			n++
		case c == ' ' || c == '-' || c == '+':
		default:
			return false
		}
	}
	return n >= 5 && n <= 20
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
