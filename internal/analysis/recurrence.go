package analysis

import "sort"

// Hotspot is a grid where one sub-class keeps coming back (复发): Recurring
// of its Count cases in the period were either closed as a recurrence of
// an earlier case at the same place or reported within the window after
// another case of the same sub-class in the same grid.
type Hotspot struct {
	Grid       string  `json:"grid"`
	GridName   string  `json:"grid_name"`
	Category   string  `json:"category"`
	Name       Names   `json:"name"`
	Count      int     `json:"count"`
	Recurring  int     `json:"recurring"`
	Recurrence int     `json:"recurrence_of_set"`
	Repeated   int     `json:"repeated_within_window"`
	Rate       float64 `json:"rate"`
	Cases      string  `json:"cases,omitempty"`
}

// Hotspots keeps the cells with at least min recurring cases, most
// recurring first (ties: higher rate, then grid and sub-class code), the
// first n of them (n ≤ 0: all).
func Hotspots(rows []RecurrenceRow, min, n int) []Hotspot {
	if min < 1 {
		min = 1
	}
	out := []Hotspot{}
	for _, r := range rows {
		if r.Recurring < min || r.Cell.Category == "" || r.Cases == 0 {
			continue
		}
		out = append(out, Hotspot{Grid: r.Cell.Grid, Category: r.Cell.Category, Count: r.Cases, Recurring: r.Recurring,
			Recurrence: r.Recurrence, Repeated: r.Repeated, Rate: round(float64(r.Recurring)/float64(r.Cases), 4)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Recurring != b.Recurring:
			return a.Recurring > b.Recurring
		case a.Rate != b.Rate:
			return a.Rate > b.Rate
		case a.Grid != b.Grid:
			return a.Grid < b.Grid
		}
		return a.Category < b.Category
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}
