package analysis

import (
	"math"
	"sort"
)

// GridInfo is what the heat map needs of a unit grid besides its count:
// its name, its area and, when the city has told us, its residents.
type GridInfo struct {
	Name       string
	AreaM2     float64
	Population int // 0: unknown
}

// HeatCell is one grid of the heat map. PerKm2 is cases per km² over the
// period; Per1000 is cases per 1,000 residents and is nil where the
// population is unknown, so a reader never mistakes "unknown" for zero.
// Density is the figure the map colours by: per 1,000 residents when every
// grid of the answer has a population, per km² otherwise.
type HeatCell struct {
	Grid    string   `json:"grid"`
	Name    string   `json:"name"`
	Count   int      `json:"count"`
	AreaKm2 float64  `json:"area_km2"`
	PerKm2  float64  `json:"per_km2"`
	Per1000 *float64 `json:"per_1000_residents,omitempty"`
	Density float64  `json:"density"`
	// Cases is the /api/v1/cases query that lists the cases counted.
	Cases string `json:"cases,omitempty"`
}

// Heat is the grid heat map of a period.
type Heat struct {
	Grids []HeatCell `json:"grids"`
	// Measure says what Density holds: "per_1000_residents" or "per_km2".
	Measure string `json:"measure"`
	Total   int    `json:"total"`
	// Max is the highest density, for the map's colour scale.
	Max float64 `json:"max"`
}

// HeatOf builds the heat map from the per-grid counts, densest first (ties
// by grid code). A grid the atlas does not know (retired since) keeps its
// count with no area: it is listed, with density 0, so totals still add up.
func HeatOf(counts []Count, grids map[string]GridInfo) Heat {
	h := Heat{Grids: make([]HeatCell, 0, len(counts)), Measure: "per_1000_residents"}
	for _, c := range counts {
		g := grids[c.Key]
		if g.Population <= 0 {
			h.Measure = "per_km2"
		}
	}
	if len(counts) == 0 {
		h.Measure = "per_km2"
	}
	for _, c := range counts {
		g := grids[c.Key]
		cell := HeatCell{Grid: c.Key, Name: g.Name, Count: c.N, AreaKm2: round(g.AreaM2/1e6, 6)}
		if g.AreaM2 > 0 {
			cell.PerKm2 = round(float64(c.N)/(g.AreaM2/1e6), 3)
		}
		if g.Population > 0 {
			v := round(float64(c.N)*1000/float64(g.Population), 3)
			cell.Per1000 = &v
		}
		cell.Density = cell.PerKm2
		if h.Measure == "per_1000_residents" && cell.Per1000 != nil {
			cell.Density = *cell.Per1000
		}
		h.Total += c.N
		h.Max = math.Max(h.Max, cell.Density)
		h.Grids = append(h.Grids, cell)
	}
	sort.SliceStable(h.Grids, func(i, j int) bool {
		a, b := h.Grids[i], h.Grids[j]
		if a.Density != b.Density {
			return a.Density > b.Density
		}
		return a.Grid < b.Grid
	})
	return h
}

// HourOfWeek counts cases per hour of the week: index 0 is Monday
// 00:00–01:00 on the city's clock, 167 Sunday 23:00–24:00.
type HourOfWeek [168]int

// Matrix is the 7×24 view, [0] Monday … [6] Sunday.
func (h HourOfWeek) Matrix() [7][24]int {
	var m [7][24]int
	for i, n := range h {
		m[i/24][i%24] = n
	}
	return m
}

// Total is the cases of every hour.
func (h HourOfWeek) Total() int {
	t := 0
	for _, n := range h {
		t += n
	}
	return t
}

// Peak is one of the busiest hours of the week.
type Peak struct {
	Day   int     `json:"day"` // 0 Monday … 6 Sunday
	Hour  int     `json:"hour"`
	Name  string  `json:"name"` // "周一 09:00–10:00 / Mon 09:00–10:00"
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

var dayNames = [7][2]string{{"周一", "Mon"}, {"周二", "Tue"}, {"周三", "Wed"}, {"周四", "Thu"}, {"周五", "Fri"}, {"周六", "Sat"}, {"周日", "Sun"}}

// Peaks lists the n busiest hours, busiest first (ties by hour of week);
// hours without cases are never peaks.
func (h HourOfWeek) Peaks(n int) []Peak {
	idx := make([]int, 168)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return h[idx[a]] > h[idx[b]] })
	total := h.Total()
	out := []Peak{}
	for _, i := range idx {
		if len(out) >= n || h[i] == 0 {
			break
		}
		d, hr := i/24, i%24
		out = append(out, Peak{Day: d, Hour: hr, Count: h[i], Share: round(float64(h[i])/float64(total), 4),
			Name: dayNames[d][0] + " " + hourSpan(hr) + " / " + dayNames[d][1] + " " + hourSpan(hr)})
	}
	return out
}

// Shares is each hour's share of the week's cases; all zero when there
// are none.
func (h HourOfWeek) Shares() [168]float64 {
	var s [168]float64
	t := h.Total()
	if t == 0 {
		return s
	}
	for i, n := range h {
		s[i] = float64(n) / float64(t)
	}
	return s
}

func hourSpan(h int) string {
	two := func(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
	return two(h) + ":00–" + two(h+1) + ":00"
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
