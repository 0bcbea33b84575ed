package bulletin

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// RenderXLSX writes r as a workbook: a sheet of the indicators (指标) and
// one per ranking, numbers as numbers so a reader can compute with them.
func RenderXLSX(r *Report) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	const first = "指标"
	if err := x.SetSheetName("Sheet1", first); err != nil {
		return nil, fmt.Errorf("render bulletin XLSX: %w", err)
	}
	rows := [][]any{{r.Bulletin.Title}, {"统计周期", r.Period.From.Format("2006-01-02"), r.Period.LastDay().Format("2006-01-02"), "考核方案", r.Scheme.Name.Zh},
		{"代码 Code", "指标 Indicator", "数值 Value", "单位", "分子 Numerator", "分母 Denominator", "目标 Target", "达标", "案件清单 Cases"}}
	for _, f := range r.Figures {
		rows = append(rows, []any{f.Code, f.Name.Zh, val(f.Value), f.Unit, f.Numerator, denVal(f.Denominator), val(f.Target), meets(f.MeetsTarget), f.NumURL})
	}
	rows = append(rows, []any{}, []any{"综合得分", r.Bulletin.ScopeName, val(r.Score.Score), r.Score.Grade})
	if err := fill(x, first, rows); err != nil {
		return nil, err
	}
	for i, rk := range r.Rankings {
		name := fmt.Sprintf("%d %s", i+1, rk.Title)
		if _, err := x.NewSheet(name); err != nil {
			return nil, fmt.Errorf("render bulletin XLSX: %w", err)
		}
		head := []any{"名次", "单位", "代码", "得分", "等级"}
		for _, it := range rk.Items {
			head = append(head, it.Zh)
		}
		head = append(head, "扣分", "榜")
		rows := [][]any{head}
		list := map[string]string{}
		for _, x := range rk.Red {
			list[x.Code] = "红榜"
		}
		for _, x := range rk.Black {
			list[x.Code] = "黑榜"
		}
		for _, row := range rk.Rows {
			line := []any{row.Rank, row.Name, row.Code, val(row.Score), row.Grade}
			for _, p := range row.Parts {
				line = append(line, val(p.Value))
			}
			rows = append(rows, append(line, row.Deducted, list[row.Code]))
		}
		if err := fill(x, name, rows); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, fmt.Errorf("render bulletin XLSX: %w", err)
	}
	return buf.Bytes(), nil
}

// val is a number cell, or an empty one when there is no value.
func val(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}

func denVal(v *int) any {
	if v == nil {
		return ""
	}
	return *v
}

func fill(x *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return fmt.Errorf("render bulletin XLSX: %w", err)
		}
		if len(row) == 0 {
			continue
		}
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("render bulletin XLSX sheet %s: %w", sheet, err)
		}
	}
	return nil
}
