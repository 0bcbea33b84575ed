package document

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// Number is a document number (文号) such as 某城管罚告字〔2026〕第0001号:
// the agency's abbreviation and the document's word (Prefix, "某城管罚告字"),
// the year in 六角括号 and a sequence within that year. The store hands out
// Seq from a counter row per prefix and year in the same transaction that
// records the document, so two documents never share a number.
type Number struct {
	Prefix string `json:"prefix"`
	Year   int    `json:"year"`
	Seq    int    `json:"seq"`
	// Width pads Seq with zeros; 0 means the usual four digits.
	Width int `json:"width,omitempty"`
}

// DefaultWidth is the usual number of digits of the sequence (第0001号).
const DefaultWidth = 4

// NumberFor builds the number of document code for an agency whose
// abbreviation is abbrev ("某城管"), with the word the catalog gives the
// code ("罚告字"), in the given year and sequence.
func NumberFor(abbrev string, code Code, year, seq int) (Number, error) {
	e, ok := Lookup(code)
	if !ok {
		return Number{}, errs.Invalid("未知的文书代码 %q / unknown document code %q", code, code)
	}
	n := Number{Prefix: strings.TrimSpace(abbrev) + e.Word, Year: year, Seq: seq}
	if err := n.Validate(); err != nil {
		return Number{}, err
	}
	return n, nil
}

// Validate says what is wrong with n in words a clerk can act on.
func (n Number) Validate() error {
	p := strings.TrimSpace(n.Prefix)
	switch {
	case p == "":
		return errs.Invalid("文号缺少机关代字 / the document number has no prefix").WithField("prefix", "required")
	case !utf8.ValidString(p) || strings.ContainsAny(p, "〔〕[]第号\r\n\t"):
		return errs.Invalid("文号机关代字 %q 含有括号、“第”“号”或控制字符 / the prefix %q holds brackets, 第, 号 or control characters", p, p).WithField("prefix", "invalid")
	case utf8.RuneCountInString(p) > 32:
		return errs.Invalid("文号机关代字过长（最多 32 字）/ the prefix is longer than 32 characters").WithField("prefix", "too_long")
	case n.Year < 1949 || n.Year > 9999:
		return errs.Invalid("文号年份 %d 无效 / the year %d is not valid", n.Year, n.Year).WithField("year", "invalid")
	case n.Seq < 1 || n.Seq > 99999999:
		return errs.Invalid("文号序号 %d 无效，应为 1 至 99999999 / the sequence %d must be 1 to 99999999", n.Seq, n.Seq).WithField("seq", "invalid")
	case n.Width < 0 || n.Width > 8:
		return errs.Invalid("文号序号位数 %d 无效，应为 1 至 8 / the width %d must be 1 to 8", n.Width, n.Width).WithField("width", "invalid")
	}
	return nil
}

// String formats n as 某城管罚告字〔2026〕第0001号. It does not validate: call
// Validate first where n came from outside.
func (n Number) String() string {
	w := n.Width
	if w == 0 {
		w = DefaultWidth
	}
	return fmt.Sprintf("%s〔%d〕第%0*d号", strings.TrimSpace(n.Prefix), n.Year, w, n.Seq)
}

// ParseNumber reads a number a clerk typed or a city imported, as String
// writes it. It accepts the brackets people type when 〔〕 is not at hand
// ([], 【】, （）, ()) and an omitted 第, and keeps the digits of the
// sequence as its width, so ParseNumber(n.String()) == n for a valid n
// with its width set.
func ParseNumber(s string) (Number, error) {
	bad := func(why string) (Number, error) {
		return Number{}, errs.Invalid("无法识别文号 %q：%s / cannot read the document number %q", s, why, s).WithField("number", "invalid")
	}
	t := strings.TrimSpace(s)
	if !utf8.ValidString(t) {
		return bad("不是有效的 UTF-8 文本")
	}
	open, close := -1, -1
	var openLen, closeLen int
	for _, pair := range [][2]string{{"〔", "〕"}, {"[", "]"}, {"【", "】"}, {"（", "）"}, {"(", ")"}} {
		if i := strings.Index(t, pair[0]); i >= 0 {
			if j := strings.Index(t[i:], pair[1]); j >= 0 {
				open, close, openLen, closeLen = i, i+j, len(pair[0]), len(pair[1])
				break
			}
		}
	}
	if open < 0 {
		return bad("缺少年份括号〔〕")
	}
	year, err := strconv.Atoi(strings.TrimSpace(t[open+openLen : close]))
	if err != nil {
		return bad("年份不是数字")
	}
	rest := strings.TrimSpace(t[close+closeLen:])
	rest = strings.TrimPrefix(rest, "第")
	if !strings.HasSuffix(rest, "号") {
		return bad("缺少“号”")
	}
	digits := strings.TrimSpace(strings.TrimSuffix(rest, "号"))
	if digits == "" || len(digits) > 8 || strings.Trim(digits, "0123456789") != "" {
		return bad("序号不是 1 至 8 位数字")
	}
	seq, _ := strconv.Atoi(digits) // all digits, at most 8: cannot fail
	n := Number{Prefix: strings.TrimSpace(t[:open]), Year: year, Seq: seq, Width: len(digits)}
	if err := n.Validate(); err != nil {
		return Number{}, fmt.Errorf("parse document number %q: %w", s, err)
	}
	return n, nil
}
