package analysis

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cityloop/internal/errs"
)

// Settings are what a city sets for its analysis.
type Settings struct {
	// BaselineYear is the year the plan's targets are measured against;
	// 0 means the calendar year before the period's start.
	BaselineYear int
	// Population is residents per region code (any level, grids included);
	// heat per 1,000 residents needs it for every grid shown.
	Population map[string]int
}

// maxPopulationEntries bounds the setting: a city has tens of thousands of
// grids at most.
const maxPopulationEntries = 200_000

// ParsePopulation reads "CODE=RESIDENTS,CODE=RESIDENTS" (spaces and
// newlines allowed around entries), the form of the population setting.
// Codes are digits; residents a whole number ≥ 0; a code may appear once.
func ParsePopulation(s string) (map[string]int, error) {
	out := map[string]int{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' })
	if len(fields) > maxPopulationEntries {
		return nil, errs.Invalid("人口设置条目过多 / the population setting has %d entries; at most %d", len(fields), maxPopulationEntries)
	}
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		code, n, ok := strings.Cut(f, "=")
		code, n = strings.TrimSpace(code), strings.TrimSpace(n)
		if !ok || code == "" || n == "" {
			return nil, errs.Invalid("人口设置第 %d 项 %q 应为 区划代码=人口 / population entry %d %q must be CODE=RESIDENTS, e.g. 320101=850000", i+1, clip(f), i+1, clip(f))
		}
		if len(code) > 20 || strings.Trim(code, "0123456789") != "" {
			return nil, errs.Invalid("人口设置第 %d 项的区划代码 %q 应为数字 / population entry %d: region code %q must be digits (at most 20)", i+1, clip(code), i+1, clip(code))
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 100_000_000 {
			return nil, errs.Invalid("人口设置第 %d 项的人口 %q 无效 / population entry %d: residents %q must be a whole number from 0 to 100000000", i+1, clip(n), i+1, clip(n))
		}
		if _, dup := out[code]; dup {
			return nil, errs.Invalid("人口设置中区划 %s 出现两次 / population: region %s is given twice", code, code)
		}
		out[code] = v
	}
	return out, nil
}

// FormatPopulation is the inverse of ParsePopulation, codes in order.
func FormatPopulation(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ",")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
