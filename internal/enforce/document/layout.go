package document

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// The layout format is what a city edits to change a document. It is a list
// of blocks, one directive per line, so a clerk sees the page from top to
// bottom and an error can name the line:
//
//	# a comment
//	header {{.Bureau}}                        centred agency name
//	title 行政处罚决定书                        centred large title (required)
//	number {{.Number}}                         the 文号, right-aligned
//	field 当事人 | {{.Party.Name}}              a bordered form row: label | value
//	text {{.Party.Name}}：                     a line without indent
//	para 经查，{{.Facts}}                       paragraphs, first line indented
//	list {{range .Evidence}}{{.}}{{"\n"}}{{end}} numbered items, one per line
//	note 本文书一式两份。                        small print
//	sign 当事人（签名）：                        a signature line, right-aligned
//	seal {{.Bureau}}                           the agency above （印章）, right-aligned
//	date {{date .IssuedAt}}                    a date line, right-aligned
//	space 8                                    vertical space in mm (default 4)
//	pagebreak                                  start a new page
//
// A line that starts with a space or a tab continues the block above it,
// joined by a line break; in para and list each line of the result is its
// own paragraph or item; in text, para, list and note an empty line is
// dropped, so {{if}} can leave a line or the whole block out. The text after the directive is a Go text/template
// executed with [View] (the case, the number and the helper functions).
type blockKind int

const (
	blockHeader blockKind = iota
	blockTitle
	blockNumber
	blockField
	blockText
	blockPara
	blockList
	blockNote
	blockSign
	blockSeal
	blockDate
	blockSpace
	blockPageBreak
)

var directives = map[string]blockKind{
	"header": blockHeader, "title": blockTitle, "number": blockNumber, "field": blockField,
	"text": blockText, "para": blockPara, "list": blockList, "note": blockNote, "sign": blockSign,
	"seal": blockSeal, "date": blockDate, "space": blockSpace, "pagebreak": blockPageBreak,
}

// maxTemplate bounds a template file: documents are a page or three, and a
// city's directory should not be able to feed the parser megabytes.
const maxTemplate = 64 << 10

// block is one parsed directive.
type block struct {
	kind  blockKind
	line  int                // where the directive starts in the file
	label *template.Template // field label
	body  *template.Template // text; nil for space and pagebreak
	space float64            // mm, for space
}

// Layout is a parsed template of one document.
type Layout struct {
	name   string
	blocks []block
}

// templateError names the template and the line, in Chinese and English, so
// a clerk who edited a file knows where to look.
func templateError(name string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid("文书模板 %s 第 %d 行：%s / template %s line %d: %s", name, line, msg, name, line, msg).
		With("template", name).With("line", line)
}

// ParseLayout parses the layout format (see the comment on blockKind's
// declaration in layout.go and doc.go) of the template called name.
func ParseLayout(name string, src []byte) (*Layout, error) {
	if len(src) > maxTemplate {
		return nil, templateError(name, 1, "模板超过 %d 字节 / larger than %d bytes", maxTemplate, maxTemplate)
	}
	if !utf8.Valid(src) {
		return nil, templateError(name, 1, "不是有效的 UTF-8 文本 / not valid UTF-8")
	}
	type raw struct {
		kind      blockKind
		directive string
		line      int
		text      []string
	}
	var raws []raw
	for i, ln := range strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") {
		n := i + 1
		if strings.TrimSpace(ln) == "" || strings.HasPrefix(strings.TrimLeft(ln, " \t"), "#") {
			continue
		}
		if ln[0] == ' ' || ln[0] == '\t' {
			if len(raws) == 0 {
				return nil, templateError(name, n, "续行之前没有指令 / a continuation line with no directive above it")
			}
			raws[len(raws)-1].text = append(raws[len(raws)-1].text, strings.TrimLeft(ln, " \t"))
			continue
		}
		word, rest, _ := strings.Cut(ln, " ")
		k, ok := directives[word]
		if !ok {
			return nil, templateError(name, n, "未知指令 %q，可用：header title number field text para list note sign seal date space pagebreak / unknown directive %q", word, word)
		}
		raws = append(raws, raw{kind: k, directive: word, line: n, text: []string{strings.TrimSpace(rest)}})
	}
	l := &Layout{name: name}
	titled := false
	for _, r := range raws {
		text := strings.Join(r.text, "\n")
		b := block{kind: r.kind, line: r.line}
		switch r.kind {
		case blockPageBreak:
			if strings.TrimSpace(text) != "" {
				return nil, templateError(name, r.line, "pagebreak 不带文字 / pagebreak takes no text")
			}
		case blockSpace:
			b.space = 4
			if t := strings.TrimSpace(text); t != "" {
				v, err := strconv.ParseFloat(t, 64)
				if err != nil || v <= 0 || v > 100 {
					return nil, templateError(name, r.line, "space 后应为 1 至 100 的毫米数，而非 %q / space takes 1 to 100 mm, not %q", t, t)
				}
				b.space = v
			}
		case blockField:
			label, value, ok := strings.Cut(text, "|")
			if !ok || strings.TrimSpace(label) == "" {
				return nil, templateError(name, r.line, "field 应写成 “标签 | 内容” / field takes “label | value”")
			}
			var err error
			if b.label, err = compile(name, r.line, strings.TrimSpace(label)); err != nil {
				return nil, err
			}
			if b.body, err = compile(name, r.line, strings.TrimSpace(value)); err != nil {
				return nil, err
			}
		default:
			if strings.TrimSpace(text) == "" && r.kind != blockSign && r.kind != blockDate {
				return nil, templateError(name, r.line, "%s 缺少文字 / %s has no text", r.directive, r.directive)
			}
			var err error
			if b.body, err = compile(name, r.line, text); err != nil {
				return nil, err
			}
			titled = titled || r.kind == blockTitle
		}
		l.blocks = append(l.blocks, b)
	}
	if !titled {
		return nil, templateError(name, 1, "缺少 title 指令 / no title directive")
	}
	return l, nil
}

// compile parses one block's text. text/template numbers lines from the
// block, so the error is reported at the block's own line.
func compile(name string, line int, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, name+":"); ok { // "template: NAME:1: …" → "…"
			if _, m, ok := strings.Cut(after, ": "); ok {
				msg = m
			}
		}
		return nil, templateError(name, line, "模板语法错误 / template syntax: %s", msg)
	}
	return t, nil
}

// item is one rendered block, ready for the page layout.
type item struct {
	kind  blockKind
	label string
	lines []string // paragraphs, list items or the lines of a text block
	space float64
}

// execute renders the layout's text for v.
func (l *Layout) execute(v *View) ([]item, error) {
	out := make([]item, 0, len(l.blocks))
	var buf bytes.Buffer
	run := func(t *template.Template, b block) (string, error) {
		buf.Reset()
		if err := t.Execute(&buf, v); err != nil {
			msg := err.Error()
			if i := strings.LastIndex(msg, "executing "); i >= 0 {
				if _, m, ok := strings.Cut(msg[i:], ": "); ok {
					msg = m
				}
			}
			return "", templateError(l.name, b.line, "填写失败 / cannot fill in: %s", msg)
		}
		return buf.String(), nil
	}
	for _, b := range l.blocks {
		it := item{kind: b.kind, space: b.space}
		if b.label != nil {
			s, err := run(b.label, b)
			if err != nil {
				return nil, err
			}
			it.label = strings.TrimSpace(s)
		}
		if b.body != nil {
			s, err := run(b.body, b)
			if err != nil {
				return nil, err
			}
			for _, ln := range strings.Split(s, "\n") {
				ln = strings.TrimRight(ln, " \t\r")
				if strings.TrimSpace(ln) == "" && droppable(b.kind) {
					continue
				}
				it.lines = append(it.lines, ln)
			}
			if droppable(b.kind) && len(it.lines) == 0 {
				continue // an {{if}} left the block out
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// droppable blocks lose their empty lines, and vanish when nothing is
// left; a form row, a signature or a date line stays, to be filled by hand.
func droppable(k blockKind) bool {
	return k == blockText || k == blockPara || k == blockList || k == blockNote
}
