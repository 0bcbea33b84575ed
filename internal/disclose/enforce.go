package disclose

import (
	"strings"

	"cityloop/internal/enforce"
)

// PenaltyParty is how a published penalty decision names its party
// (行政处罚决定公开, 行政处罚法第四十八条): a person by the surname and one
// "*" ("张三丰" → "张*"), so neither the given name nor its length shows;
// an organisation by its name, which its registration already makes
// public, with digit runs masked as in [MaskText] (a 个体工商户's name may
// carry a phone number). ID numbers, USCCs and phones are never part of a
// publication; the store does not even hand them over.
func PenaltyParty(kind enforce.PartyKind, name string) string {
	name = strings.TrimSpace(name)
	if kind == enforce.Organisation {
		return MaskText(name)
	}
	r := []rune(name)
	if len(r) == 0 {
		return "*"
	}
	// Two-character compound surnames (欧阳, 司马 …) would show a given-name
	// character of a two-character name if guessed wrong, so only the first
	// character is kept.
	return string(r[0]) + "*"
}
