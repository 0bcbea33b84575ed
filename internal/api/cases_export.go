package api

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Case list export: GET /api/v1/cases?…&format=csv|xlsx answers the same
// filter and jurisdiction as the JSON list, every matching case (limit
// and offset do not apply) up to ExportCap rows; a larger list is refused
// (400) with a message to narrow the filter rather than cut silently.
// Reporters' names and phones are masked unless the caller's post sees
// them, as in the JSON list, and a clear export is audited before the
// first byte is sent.

// ExportCap is the most rows one export holds.
const ExportCap = 100_000

// exportPage is how many cases are read per store query while streaming.
const exportPage = 500

var exportHeader = []string{"编号 Code", "状态 Status", "来源 Source", "类别 Category", "描述 Description", "地址 Address",
	"区 District", "街道 Street", "社区 Community", "网格 Grid", "处置部门 Department", "上报时间 Reported", "立案时间 Filed",
	"派遣时间 Dispatched", "处置时间 Disposed", "结案时间 Closed", "超期 Overdue", "返工次数 Reworks", "满意度 Satisfaction",
	"上报人 Reporter", "联系电话 Phone"}

// SafeCell guards a cell against formula injection (CSV injection): a
// value a spreadsheet would run as a formula (starting with = + - @, or a
// tab or carriage return that some readers strip before it) is prefixed
// with an apostrophe, so it is shown as the text the citizen typed.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (s *Server) exportRow(c *casework.Case) []string {
	loc := s.Cal.Location()
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	cat := ""
	if c.Category != nil {
		cat = c.Category.String()
		if sub, ok := s.World.Dict().Lookup(*c.Category, c.ReportedAt); ok {
			cat = sub.Name.Zh
		}
	}
	overdue := "否"
	if c.Overdue || c.ClosedLate {
		overdue = "是"
	}
	row := []string{c.Code, casework.StatusNames[c.Status][0], casework.SourceNames[c.Source][0], cat, c.Description, c.Address,
		c.District, c.Street, c.Community, c.Grid, c.Department, at(&c.ReportedAt), at(c.FiledAt), at(c.DispatchedAt),
		at(c.DisposedAt), at(c.ClosedAt), overdue, strconv.Itoa(c.Reworks), c.Satisfaction, c.Reporter, c.Phone}
	for i := range row {
		row[i] = SafeCell(row[i])
	}
	return row
}

// exportCases streams the filtered list as format (csv or xlsx).
func (s *Server) exportCases(w http.ResponseWriter, r *http.Request, actor org.Actor, f casework.Filter, format string) error {
	f.Limit, f.Offset = 1, 0
	_, total, err := s.Cases.FindCases(r.Context(), actor, f)
	if err != nil {
		return err
	}
	if total > ExportCap {
		return errs.Invalid("导出最多 %d 条，当前筛选有 %d 条，请缩小范围（日期、区域、状态）/ an export holds at most %d cases and this filter matches %d; narrow it (dates, region, status)",
			ExportCap, total, ExportCap, total).WithField("format", fmt.Sprintf("at most %d rows", ExportCap))
	}
	// Every export is a bulk read of case data: recorded, and with the
	// reporters' contact details in clear recorded as such, before any byte.
	detail := map[string]any{"query": r.URL.RawQuery, "rows": total, "format": format}
	if casework.SeesContact(actor) {
		if err := s.audit(r, actor.ID, "pii.read", "cases", map[string]any{"export": r.URL.RawQuery, "rows": total,
			"fields": []string{"reporter_name", "reporter_phone"}}); err != nil {
			return fmt.Errorf("audit personal data export: %w", err)
		}
	}
	if err := s.audit(r, actor.ID, "cases.export", "cases", detail); err != nil {
		return fmt.Errorf("audit case export: %w", err)
	}
	name := "cases-" + s.Now().In(s.Cal.Location()).Format("20060102-150405") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	each := func(fn func(row []string) error) error {
		for off := 0; off < total; off += exportPage {
			f.Limit, f.Offset = exportPage, off
			items, _, err := s.Cases.FindCases(r.Context(), actor, f)
			if err != nil {
				return err
			}
			for _, c := range items {
				casework.MaskContact(actor, c)
				if err := fn(s.exportRow(c)); err != nil {
					return err
				}
			}
			if len(items) < exportPage {
				break
			}
		}
		return nil
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString("\ufeff") // a BOM, so that Excel reads the Chinese as UTF-8
		cw := csv.NewWriter(bw)
		if err := cw.Write(exportHeader); err != nil {
			return err
		}
		err := each(func(row []string) error { return cw.Write(row) })
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err == nil {
			err = bw.Flush()
		}
		return err
	}
	// XLSX: rows go through excelize's stream writer (to a temporary file
	// past a threshold, not held as cells), and the zip is sent when done.
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	n := 1
	put := func(row []string) error {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		n++
		return sw.SetRow(cell, cells)
	}
	if err := put(exportHeader); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	if err := each(put); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	return x.Write(w)
}
