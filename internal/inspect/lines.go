package inspect

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"cityloop/internal/errs"
)

// The console writes a plan's lists as text, one entry a line with comma
// separated fields (CSV, so a name may hold a comma in quotes), because a
// leader pastes them from the spreadsheets the bureau keeps. Blank lines
// and lines starting with # are skipped. The parsers only split: the
// values are checked by [PlanInput.Validate] like those of the API.

// maxLines bounds one list, above the largest list a plan may hold, so
// that a pasted file cannot make the parser work without end.
const maxLines = MaxObjects + 1

// ParseObjects reads the object list: id,name,kind,district,address,contact,phone
// (address, contact and phone may be left out).
func ParseObjects(text string) ([]Object, error) {
	var out []Object
	err := eachLine("objects", text, 4, 7, func(f []string) {
		out = append(out, Object{ID: f[0], Name: f[1], Kind: ObjectKind(f[2]), District: f[3], Address: at(f, 4), Contact: at(f, 5), Phone: at(f, 6)})
	})
	return out, err
}

// ParseInspectors reads the inspector list: id,name,certificate,district,
// excluded districts (separated by ;),phone (the last three may be left
// out; an empty district is a city-level officer).
func ParseInspectors(text string) ([]Inspector, error) {
	var out []Inspector
	err := eachLine("inspectors", text, 3, 6, func(f []string) {
		p := Inspector{ID: f[0], Name: f[1], Certificate: f[2], District: at(f, 3), Phone: at(f, 5)}
		for _, d := range strings.Split(at(f, 4), ";") {
			if d = strings.TrimSpace(d); d != "" {
				p.Excluded = append(p.Excluded, d)
			}
		}
		out = append(out, p)
	})
	return out, err
}

// ParseConflicts reads the declared conflicts: inspector id,object id,reason
// (the reason may be left out).
func ParseConflicts(text string) ([]Conflict, error) {
	var out []Conflict
	err := eachLine("conflicts", text, 2, 3, func(f []string) {
		out = append(out, Conflict{Inspector: f[0], Object: f[1], Reason: at(f, 2)})
	})
	return out, err
}

func at(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// eachLine calls add with the trimmed fields of every entry line; a line
// with too few or too many fields is an Invalid error naming the field
// and the line, so the leader finds it in what he pasted.
func eachLine(field, text string, minF, maxF int, add func([]string)) error {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// FieldPos is only defined after a good read: the line comes from the error.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return errs.Invalid("%s 第 %d 行无法读取（引号不配对？）/ %s line %d cannot be read (unbalanced quotes?)", field, line, field, line).
				WithField(field, fmt.Sprintf("line %d", line))
		}
		line, _ := r.FieldPos(0)
		if n++; n > maxLines {
			return errs.Invalid("%s 超过 %d 行 / %s has more than %d lines", field, maxLines-1, field, maxLines-1).WithField(field, "too many lines")
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		// A trailing comma leaves an empty last field: not a field of its own.
		for len(rec) > minF && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) < minF || len(rec) > maxF {
			return errs.Invalid("%s 第 %d 行应有 %d–%d 个字段，实有 %d 个 / %s line %d needs %d–%d fields, has %d",
				field, line, minF, maxF, len(rec), field, line, minF, maxF, len(rec)).WithField(field, fmt.Sprintf("line %d", line))
		}
		add(rec)
	}
}
