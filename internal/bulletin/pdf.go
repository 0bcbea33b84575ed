package bulletin

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"codeberg.org/go-pdf/fpdf"
)

const (
	cjkFamily   = "cjk"
	latinFamily = "Helvetica"
	pageMargin  = 12.0
	rowH        = 6.0
)

// pdfWriter sets text on A4 landscape pages. The Chinese fonts of Debian
// lack Latin letters and digits (Droid Sans Fallback has none), so ASCII
// runs are set in the PDF's built-in Helvetica, as the penalty documents do.
type pdfWriter struct {
	p *fpdf.Fpdf
}

func isLatin(r rune) bool { return r < 0x80 }

// runs splits s into pieces of one font each.
func runs(s string) []string {
	var out []string
	start, prev := 0, false
	for i, r := range s {
		l := isLatin(r)
		if i > 0 && l != prev {
			out = append(out, s[start:i])
			start = i
		}
		prev = l
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func (w *pdfWriter) font(run string, size float64) {
	fam := cjkFamily
	if isLatin([]rune(run)[0]) {
		fam = latinFamily
	}
	w.p.SetFont(fam, "", size)
}

func (w *pdfWriter) width(s string, size float64) float64 {
	t := 0.0
	for _, run := range runs(s) {
		w.font(run, size)
		t += w.p.GetStringWidth(run)
	}
	return t
}

// fit cuts s (with …) to fit width at size.
func (w *pdfWriter) fit(s string, width, size float64) string {
	if w.width(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && w.width(string(r)+"…", size) > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// cell draws s in a box of width cw at the current position, aligned L or R.
func (w *pdfWriter) cell(cw, h float64, s string, size float64, border bool, align string) {
	x, y := w.p.GetXY()
	if border {
		w.p.Rect(x, y, cw, h, "D")
	}
	s = w.fit(s, cw-2, size)
	tx := x + 1
	if align == "R" {
		tx = x + cw - 1 - w.width(s, size)
	}
	for _, run := range runs(s) {
		w.font(run, size)
		rw := w.p.GetStringWidth(run)
		w.p.SetXY(tx, y)
		w.p.CellFormat(rw, h, run, "", 0, "L", false, 0, "")
		tx += rw
	}
	w.p.SetXY(x+cw, y)
}

func (w *pdfWriter) line(s string, size float64) {
	w.p.SetX(pageMargin)
	w.cell(297-2*pageMargin, size*0.55, s, size, false, "L")
	w.p.Ln(size * 0.55)
}

// table draws a header and rows, breaking pages and repeating the header.
func (w *pdfWriter) table(widths []float64, head []string, rows [][]string) {
	drawRow := func(cells []string, size float64) {
		w.p.SetX(pageMargin)
		for i, c := range cells {
			align := "R"
			if i == 0 || i == 1 {
				align = "L"
			}
			w.cell(widths[i], rowH, c, size, true, align)
		}
		w.p.Ln(rowH)
	}
	drawRow(head, 8)
	for _, r := range rows {
		if w.p.GetY()+rowH > 210-pageMargin {
			w.p.AddPage()
			drawRow(head, 8)
		}
		drawRow(r, 8.5)
	}
	w.p.Ln(3)
}

// RenderPDF typesets r with the Chinese font f.
func RenderPDF(r *Report, f *Font) ([]byte, error) {
	if f == nil {
		return nil, errors.New("render bulletin PDF: no font")
	}
	p := fpdf.New("L", "mm", "A4", "")
	p.SetAutoPageBreak(false, pageMargin)
	p.SetMargins(pageMargin, pageMargin, pageMargin)
	p.AddUTF8FontFromBytes(cjkFamily, "", f.data)
	p.SetTitle(r.Bulletin.Title, true)
	p.SetCreator("CityLoop", false)
	p.SetFooterFunc(func() {
		p.SetY(210 - 9)
		w := &pdfWriter{p}
		w.p.SetX(pageMargin)
		w.cell(297-2*pageMargin, 5, fmt.Sprintf("%s 第 %d 页", r.Bulletin.Title, p.PageNo()), 8, false, "L")
	})
	w := &pdfWriter{p}
	p.AddPage()
	w.line(r.Bulletin.Title, 18)
	p.Ln(2)
	w.line(fmt.Sprintf("统计周期：%s 至 %s（按上报时间）  考核方案：%s v%d", r.Period.From.Format("2006-01-02"), r.Period.LastDay().Format("2006-01-02"),
		r.Scheme.Name.Zh, r.Scheme.Version), 10)
	w.line(fmt.Sprintf("综合得分：%s 分 %s", num(r.Score.Score), r.Score.Grade), 10)
	p.Ln(2)
	w.line("一、主要指标", 12)
	var rows [][]string
	for _, fg := range r.Figures {
		rows = append(rows, []string{fg.Name.Zh, fg.Code, num(fg.Value) + " " + fg.Unit, count(fg.Numerator), den(fg.Denominator), num(fg.Target), meets(fg.MeetsTarget)})
	}
	w.table([]float64{70, 55, 32, 30, 30, 28, 28}, []string{"指标", "代码", "数值", "分子", "分母", "目标", "达标"}, rows)
	for i, rk := range r.Rankings {
		p.AddPage()
		w.line(fmt.Sprintf("%s、%s", []string{"二", "三", "四", "五"}[min(i, 3)], rk.Title), 12)
		head := []string{"名次", "单位", "得分", "等级"}
		widths := []float64{14, 56, 20, 14}
		rest := (297 - 2*pageMargin - 104 - 20) / float64(max(len(rk.Items), 1))
		for _, it := range rk.Items {
			head = append(head, it.Zh)
			widths = append(widths, rest)
		}
		head, widths = append(head, "扣分"), append(widths, 20)
		var rows [][]string
		for _, row := range rk.Rows {
			rank := "—"
			if row.Rank > 0 {
				rank = strconv.Itoa(row.Rank)
			}
			line := []string{rank, row.Name, num(row.Score), row.Grade}
			for _, pt := range row.Parts {
				line = append(line, num(pt.Value))
			}
			rows = append(rows, append(line, strconv.FormatFloat(row.Deducted, 'f', -1, 64)))
		}
		w.table(widths, head, rows)
		if p.GetY()+2*rowH > 210-pageMargin {
			p.AddPage()
		}
		w.line("红榜："+names(rk.Red), 10)
		w.line("黑榜："+names(rk.Black), 10)
	}
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("render bulletin PDF: %w", err)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("render bulletin PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func names(rows []Row) string {
	s := ""
	for i, r := range rows {
		if i > 0 {
			s += "、"
		}
		s += r.Name + "（" + num(r.Score) + "）"
	}
	if s == "" {
		return "无"
	}
	return s
}
