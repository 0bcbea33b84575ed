package document

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"cityloop/internal/errs"
)

// Options configure a Renderer.
type Options struct {
	// FontPath names a TrueType Chinese font to use; empty searches Fonts.
	// app passes the value of FontEnv here.
	FontPath string
	// Fonts are the candidates searched when FontPath is empty; nil means
	// FontPaths, the Debian packages' files.
	Fonts []FontCandidate
	// TemplateDir holds a city's edited templates (<code>.tpl); empty uses
	// the embedded defaults only.
	TemplateDir string
}

// Renderer turns cases into PDF documents. It holds the font and the
// parsed templates, read once by New; it is immutable and safe for
// concurrent use.
type Renderer struct {
	font      *Font
	templates Templates
}

// New finds the font and loads the templates. A missing font is an
// errs.KindUnavailable error naming the Debian package to install; a bad
// template is an errs.KindInvalid error naming the file and the line.
func New(o Options) (*Renderer, error) {
	cands := o.Fonts
	if cands == nil {
		cands = FontPaths
	}
	f, err := FindFont(o.FontPath, cands)
	if err != nil {
		return nil, fmt.Errorf("document renderer: %w", err)
	}
	ts, err := LoadTemplates(o.TemplateDir)
	if err != nil {
		return nil, fmt.Errorf("document renderer: %w", err)
	}
	return &Renderer{font: f, templates: ts}, nil
}

// FontPath is the file of the font in use, for the start-up log.
func (r *Renderer) FontPath() string { return r.font.Path }

// Render fills in the template of code with c and num and returns the PDF.
// Input that cannot make a document (no party, an invalid number, text
// with control characters, characters the font cannot print) is an
// errs.KindInvalid or KindUnprocessable error with the fields to fix.
func (r *Renderer) Render(code Code, num Number, c *Case) ([]byte, error) {
	entry, ok := Lookup(code)
	l := r.templates[code]
	if !ok || l == nil {
		return nil, errs.NotFound("没有文书 %q / no document %q", code, code)
	}
	if c == nil {
		return nil, errs.Invalid("缺少案件数据 / no case data")
	}
	if err := num.Validate(); err != nil {
		return nil, fmt.Errorf("render %s: %w", code, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("render %s: %w", code, err)
	}
	items, err := l.execute(&View{Case: c, Number: num.String(), Doc: entry})
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", code, err)
	}
	var all strings.Builder
	for _, it := range items {
		all.WriteString(it.label)
		for _, ln := range it.lines {
			all.WriteString(ln)
		}
	}
	if miss := r.font.Missing(all.String()); len(miss) > 0 {
		return nil, errs.Unprocessable("字体 %s 缺少字符 %q 的字形，打印出来会是空白：请用 %s 指定覆盖更全的 TrueType 字体 / the font lacks glyphs for %q; set %s to a fuller font",
			r.font.Path, string(miss), FontEnv, string(miss), FontEnv).With("missing", string(miss))
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0) // the typesetter below breaks pages itself
	pdf.SetMargins(marginX, marginTop, marginX)
	// fpdf parses a font it is given in full twice, when it is added and
	// when it is subset for output; for a 4 MB CJK font that is most of a
	// render. Cutting it first to the characters this document uses leaves
	// one full parse and a second one of a few kilobytes.
	cut, in := cutset(all.String() + fixedChars)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fpdf.UTF8CutFont(r.font.data, cut))
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("render %s: load font %s: %w", code, r.font.Path, err)
	}
	pdf.SetFont(fontFamily, "", sizeBody)
	stamp := firstDate(c.IssuedAt, c.DecidedAt, c.FiledAt)
	pdf.SetCreationDate(stamp) // the same case gives the same bytes,
	pdf.SetCatalogSort(true)   // with fonts written in a fixed order, not a map's
	pdf.SetModificationDate(stamp)
	pdf.SetTitle(entry.Zh+" "+num.String(), true)
	pdf.SetAuthor(c.Bureau, true)
	pdf.SetCreator("CityLoop", true)
	ts := &typesetter{pdf: pdf, widths: map[rune]float64{}}
	ts.set(items)
	if r := ts.outside(in); r != 0 {
		// a typesetter literal missing from fixedChars: it would print blank
		return nil, fmt.Errorf("render %s: the typesetter prints %q, which is not in the font subset", code, r)
	}
	ts.draw()
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("render %s: write PDF: %w", code, err)
	}
	return out.Bytes(), nil
}

// fixedChars are the Chinese characters the typesetter prints or measures
// itself, besides the templates' text: the indent (中), the seal, the blank
// date and the footer.
const fixedChars = "中（印章）年月日第页共"

// cutset lists the non-ASCII runes of s once each: the glyphs the
// document needs from the Chinese font (ASCII is set in Helvetica).
func cutset(s string) (string, map[rune]bool) {
	seen := map[rune]bool{}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 && !seen[r] {
			seen[r] = true
			b.WriteRune(r)
		}
	}
	return b.String(), seen
}

func firstDate(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
}

// Page geometry in mm (A4, margins near GB/T 9704's for official papers)
// and type sizes in points.
const (
	fontFamily  = "cjk"
	latinFamily = "Helvetica"
	pageW       = 210.0
	pageH       = 297.0
	marginX     = 26.0
	marginTop   = 25.0
	bottom      = pageH - 28.0 // the last baseline area; the footer sits below
	footerY     = pageH - 18.0
	contentW    = pageW - 2*marginX
	labelW      = 34.0 // the label column of a form row
	cellPad     = 1.6

	sizeHeader = 15.0
	sizeTitle  = 21.0
	sizeBody   = 12.0
	sizeField  = 11.0
	sizeNote   = 9.0
	ptToMM     = 25.4 / 72
	leading    = 1.55
)

func lineH(size float64) float64 { return size * ptToMM * leading }

// op is one thing drawn on a page.
type op struct {
	rect       bool
	x, y, w, h float64
	size       float64
	text       string
	align      string
}

// typesetter places rendered blocks on pages. It lays out everything first
// and draws after, so each footer can say how many pages there are.
type typesetter struct {
	pdf    *fpdf.Fpdf
	widths map[rune]float64 // width at 1 pt, in mm
	pages  [][]op
	y      float64
}

func (t *typesetter) runeW(r rune) float64 {
	if w, ok := t.widths[r]; ok {
		return w
	}
	t.pdf.SetFont(familyOf(r), "", 100)
	w := t.pdf.GetStringWidth(string(r)) / 100
	t.widths[r] = w
	return w
}

// familyOf picks the font of a rune: the Chinese fonts of Debian either
// lack Latin letters and digits (Droid Sans Fallback has none) or draw
// them poorly, so ASCII is set in the PDF's built-in Helvetica, which every
// reader has and which needs no file.
func familyOf(r rune) string {
	if r < 0x80 {
		return latinFamily
	}
	return fontFamily
}

// runs splits s into pieces of one font each.
func runs(s string) []string {
	var out []string
	start := 0
	var prev string
	for i, r := range s {
		f := familyOf(r)
		if i > 0 && f != prev {
			out = append(out, s[start:i])
			start = i
		}
		prev = f
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// text draws one line at o's box, aligned within it, switching fonts
// between runs of Chinese and Latin text.
func (t *typesetter) text(o op) {
	x := o.x
	switch w := t.textW(o.text, o.size); o.align {
	case "C":
		x += (o.w - w) / 2
	case "R":
		x += o.w - w
	}
	for _, run := range runs(o.text) {
		w := t.textW(run, o.size)
		t.pdf.SetFont(familyOf([]rune(run)[0]), "", o.size)
		t.pdf.SetXY(x, o.y)
		t.pdf.CellFormat(w, o.h, run, "", 0, "L", false, 0, "")
		x += w
	}
}

func (t *typesetter) textW(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += t.runeW(r)
	}
	return w * size
}

func (t *typesetter) newPage() {
	t.pages = append(t.pages, nil)
	t.y = marginTop
}

func (t *typesetter) add(o op) { t.pages[len(t.pages)-1] = append(t.pages[len(t.pages)-1], o) }

// ensure starts a new page unless h more mm fit on this one.
func (t *typesetter) ensure(h float64) {
	if t.y+h > bottom && t.y > marginTop {
		t.newPage()
	}
}

// line places one line of text at x with width w.
func (t *typesetter) line(x, w float64, s string, size float64, align string) {
	h := lineH(size)
	t.ensure(h)
	t.add(op{x: x, y: t.y, w: w, h: h, size: size, text: s, align: align})
	t.y += h
}

// paragraph wraps s into lines of width w, the first indented by indent.
func (t *typesetter) paragraph(x, w, indent float64, s string, size float64, align string) {
	for i, ln := range t.wrap(s, size, w-indent, w) {
		if i == 0 {
			t.line(x+indent, w-indent, ln, size, align)
		} else {
			t.line(x, w, ln, size, align)
		}
	}
}

func (t *typesetter) set(items []item) {
	t.newPage()
	for _, it := range items {
		switch it.kind {
		case blockHeader:
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeHeader, "C")
			}
			t.y += 1
		case blockTitle:
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeTitle, "C")
			}
			t.y += 2
		case blockNumber:
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeBody, "R")
			}
			t.y += 2
		case blockField:
			t.field(it.label, it.lines)
		case blockText:
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeBody, "L")
			}
		case blockPara:
			indent := 2 * t.textW("中", sizeBody)
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, indent, strings.TrimSpace(ln), sizeBody, "L")
			}
		case blockList:
			for i, ln := range it.lines {
				t.listItem(fmt.Sprintf("%d. ", i+1), strings.TrimSpace(ln))
			}
		case blockNote:
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeNote, "L")
			}
		case blockSign:
			t.y += 4
			x := marginX + contentW*0.45
			for _, ln := range it.lines {
				t.paragraph(x, contentW*0.55, 0, ln, sizeBody, "L")
			}
		case blockSeal:
			h := 10 + float64(len(it.lines)+1)*lineH(sizeBody)
			t.ensure(h)
			t.y += 10 // room for the stamp
			for _, ln := range it.lines {
				t.paragraph(marginX, contentW, 0, ln, sizeBody, "R")
			}
			t.line(marginX, contentW, "（印章）", sizeBody, "R")
		case blockDate:
			lines := it.lines
			if len(lines) == 0 || strings.TrimSpace(strings.Join(lines, "")) == "" {
				lines = []string{"    年    月    日"}
			}
			for _, ln := range lines {
				t.line(marginX, contentW, ln, sizeBody, "R")
			}
		case blockSpace:
			t.y += it.space
			if t.y > bottom {
				t.newPage()
			}
		case blockPageBreak:
			if len(t.pages[len(t.pages)-1]) > 0 {
				t.newPage()
			}
		}
	}
}

// listItem places "1. text" with the text's later lines hanging under it.
func (t *typesetter) listItem(prefix, s string) {
	pw := t.textW(prefix, sizeBody)
	for i, ln := range t.wrap(s, sizeBody, contentW-pw, contentW-pw) {
		if i == 0 {
			t.ensure(lineH(sizeBody))
			t.add(op{x: marginX, y: t.y, w: pw, h: lineH(sizeBody), size: sizeBody, text: prefix, align: "L"})
		}
		t.line(marginX+pw, contentW-pw, ln, sizeBody, "L")
	}
}

// field places a bordered form row: the label in the left column, the
// value in the right, both wrapped; a row taller than what is left of the
// page continues on the next with its borders closed on each.
func (t *typesetter) field(label string, value []string) {
	lw, vw := labelW-2*cellPad, contentW-labelW-2*cellPad
	ll := t.wrap(label, sizeField, lw, lw)
	var vl []string
	for _, v := range value {
		vl = append(vl, t.wrap(v, sizeField, vw, vw)...)
	}
	n := max(len(ll), len(vl), 1)
	h := lineH(sizeField)
	t.ensure(2*cellPad + h)
	top := t.y
	closeRow := func(end float64) {
		t.add(op{rect: true, x: marginX, y: top, w: labelW, h: end - top})
		t.add(op{rect: true, x: marginX + labelW, y: top, w: contentW - labelW, h: end - top})
	}
	t.y += cellPad
	for i := range n {
		if t.y+h+cellPad > bottom {
			closeRow(t.y + cellPad)
			t.newPage()
			top = t.y
			t.y += cellPad
		}
		if i < len(ll) {
			t.add(op{x: marginX + cellPad, y: t.y, w: lw, h: h, size: sizeField, text: ll[i], align: "L"})
		}
		if i < len(vl) {
			t.add(op{x: marginX + labelW + cellPad, y: t.y, w: vw, h: h, size: sizeField, text: vl[i], align: "L"})
		}
		t.y += h
	}
	t.y += cellPad
	closeRow(t.y)
}

// noStart are marks a line must not begin with, noEnd marks it must not
// end with (禁则, as in GB/T 15834's rules for punctuation at line ends).
const (
	noStart = "，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}>"
	noEnd   = "（《「『【〔〈“‘([{<"
)

// wrap breaks s into lines no wider than first (the first line) and rest
// (the others). Chinese breaks between any two characters; a run of Latin
// letters and digits (an article number, an amount, a code) stays whole
// unless it is wider than a line; closing marks hang at the end of a line
// rather than start the next, and opening marks move to the next line.
func (t *typesetter) wrap(s string, size, first, rest float64) []string {
	toks := tokens(s)
	var lines []string
	var cur []string
	curW, maxW := 0.0, first
	flush := func() {
		ln := strings.TrimRight(strings.Join(cur, ""), " ")
		lines = append(lines, ln)
		cur, curW, maxW = nil, 0, rest
	}
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		tw := t.textW(tok, size)
		if len(cur) == 0 && tok == " " {
			continue // no space at the start of a line
		}
		if curW+tw <= maxW {
			cur, curW = append(cur, tok), curW+tw
			continue
		}
		if len(cur) > 0 && strings.Contains(noStart, tok) {
			cur = append(cur, tok) // hang the mark in the margin
			flush()
			continue
		}
		if len(cur) == 0 || tw > maxW && len([]rune(tok)) > 1 {
			if tw > maxW && len([]rune(tok)) > 1 { // too long for any line: split it
				var split []string
				for _, r := range tok {
					split = append(split, string(r))
				}
				toks = append(toks[:i], append(split, toks[i+1:]...)...)
				i--
				continue
			}
			cur, curW = append(cur, tok), curW+tw // one glyph wider than the line
			flush()
			continue
		}
		var carry []string
		if len(cur) > 1 && strings.Contains(noEnd, cur[len(cur)-1]) {
			carry = []string{cur[len(cur)-1]}
			cur = cur[:len(cur)-1]
		}
		flush()
		for _, c := range carry {
			cur, curW = append(cur, c), curW+t.textW(c, size)
		}
		i-- // place tok on the new line
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokens splits s into the units wrap may not break: a run of ASCII
// letters, digits and the marks inside numbers, or any other single rune.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] < 0x80 && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || strings.ContainsRune(".-_/@:", rs[j])) {
			j++
		}
		if j == i {
			j = i + 1
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

// outside returns a non-ASCII rune that a laid-out line prints and the
// font subset lacks, or 0.
func (t *typesetter) outside(cut map[rune]bool) rune {
	for _, ops := range t.pages {
		for _, o := range ops {
			for _, r := range o.text {
				if r >= 0x80 && !cut[r] {
					return r
				}
			}
		}
	}
	return 0
}

// draw writes the laid-out pages and the footer of each.
func (t *typesetter) draw() {
	p := t.pdf
	p.SetLineWidth(0.25)
	total := len(t.pages)
	for n, ops := range t.pages {
		p.AddPage()
		for _, o := range ops {
			if o.rect {
				p.Rect(o.x, o.y, o.w, o.h, "D")
				continue
			}
			t.text(o)
		}
		t.text(op{x: marginX, y: footerY, w: contentW, h: lineH(sizeNote), size: sizeNote,
			text: fmt.Sprintf("第 %d 页 共 %d 页", n+1, total), align: "C"})
	}
}
