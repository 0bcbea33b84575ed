package analysis

import (
	"math"
	"sort"
)

// Cell is one unit grid and one sub-class: the unit a patrol plan is made of.
type Cell struct {
	Grid     string
	Category string
}

// History holds weekly counts: per cell for the weeks [First, First+Weeks),
// and the area's totals (every cell, plus unclassified cases) for the weeks
// [TotalFirst, TotalFirst+len(Totals)), which reach a year further back for
// the seasonal index.
type History struct {
	First      int64
	Weeks      int
	Cells      map[Cell][]float64
	TotalFirst int64
	Totals     []float64
}

// NewHistory builds a History from the store's rows; rows outside the
// windows are ignored.
func NewHistory(first int64, weeks int, rows []CellWeek, totalFirst int64, totalWeeks int, totals []WeekCount) *History {
	h := &History{First: first, Weeks: weeks, Cells: map[Cell][]float64{}, TotalFirst: totalFirst, Totals: make([]float64, totalWeeks)}
	for _, r := range rows {
		i := r.Week - first
		if i < 0 || i >= int64(weeks) {
			continue
		}
		s := h.Cells[r.Cell]
		if s == nil {
			s = make([]float64, weeks)
			h.Cells[r.Cell] = s
		}
		s[i] += float64(r.N)
	}
	for _, t := range totals {
		if i := t.Week - totalFirst; i >= 0 && i < int64(totalWeeks) {
			h.Totals[i] += float64(t.N)
		}
	}
	return h
}

func (h *History) at(s []float64, w int64) (float64, bool) {
	i := w - h.First
	if i < 0 || i >= int64(h.Weeks) {
		return 0, false
	}
	return s[i], true
}

func (h *History) total(w int64) (float64, bool) {
	i := w - h.TotalFirst
	if i < 0 || i >= int64(len(h.Totals)) {
		return 0, false
	}
	return h.Totals[i], true
}

// Model is the forecast of a cell's cases in a coming week, in two steps a
// patrol leader can check by hand:
//
//  1. the level: an exponentially weighted mean of the cell's last Window
//     weeks, each week weighing Decay times the week after it (recent weeks
//     count most, one odd week does not swing the plan);
//  2. the season: how the area's total around the same week a year earlier
//     (SeasonLag weeks back) stood against the area's level at the same
//     point then — a seasonal naive ratio, taken on the area's totals
//     because one grid's count of one sub-class is too small to carry a
//     season. The level is moved by SeasonWeight of that ratio (clipped to
//     ½…2, so one storm week a year ago cannot double a plan). Without a
//     year of history the level stands alone.
//
// The weekly figure is spread over the hours of the week by the area's
// hour-of-week profile (see [HourOfWeek.Shares]).
type Model struct {
	Window       int
	Decay        float64
	SeasonWeight float64
	SeasonLag    int
}

// DefaultModel is the model the API serves. Its parameters were chosen on
// the synthetic seasonal series of the tests (decay 0.6–0.9 × season
// weight 0–1, horizons of one and two weeks: 0.8 and 0.75 gave the lowest
// WAPE and total MAPE together), not fitted per request, so the same
// history always gives the same forecast.
var DefaultModel = Model{Window: 8, Decay: 0.8, SeasonWeight: 0.75, SeasonLag: 52}

// level is the weighted mean of weeks lastSeen−Window+1 … lastSeen of s
// (weeks outside the history are left out, not taken as zero).
func (m Model) level(get func(w int64) (float64, bool), lastSeen int64) (float64, bool) {
	var sum, wsum float64
	wt := 1.0
	for k := 0; k < m.Window; k++ {
		if v, ok := get(lastSeen - int64(k)); ok {
			sum += wt * v
			wsum += wt
		}
		wt *= m.Decay
	}
	if wsum == 0 {
		return 0, false
	}
	return sum / wsum, true
}

// SeasonalIndex is the area's total around week target−SeasonLag (the
// mean of that week and its neighbours) against the area's level at week
// lastSeen−SeasonLag, clipped to [½, 2]; ok is false without that year of
// history or with an empty level.
func (m Model) SeasonalIndex(h *History, lastSeen, target int64) (float64, bool) {
	if m.SeasonLag <= 0 || m.SeasonWeight == 0 {
		return 1, false
	}
	lag := int64(m.SeasonLag)
	// Last year's week is read as the mean of it and its two neighbours:
	// one week's total is noisy, three are steadier and still in season.
	var then float64
	for d := int64(-1); d <= 1; d++ {
		v, ok := h.total(target - lag + d)
		if !ok {
			return 1, false
		}
		then += v / 3
	}
	// The whole window must be inside the history: a level from a partial
	// window at the very start of the data would be biased.
	if _, ok := h.total(lastSeen - lag - int64(m.Window) + 1); !ok {
		return 1, false
	}
	base, ok := m.level(h.total, lastSeen-lag)
	if !ok || base <= 0 {
		return 1, false
	}
	return math.Min(2, math.Max(0.5, then/base)), true
}

// Factor is what the level is multiplied by for week target: 1 without a
// seasonal index.
func (m Model) Factor(h *History, lastSeen, target int64) float64 {
	idx, ok := m.SeasonalIndex(h, lastSeen, target)
	if !ok {
		return 1
	}
	return 1 - m.SeasonWeight + m.SeasonWeight*idx
}

// Predict forecasts every cell of h for week target, having seen the weeks
// up to lastSeen. A cell with no week in the window is forecast 0.
func (m Model) Predict(h *History, lastSeen, target int64) map[Cell]float64 {
	f := m.Factor(h, lastSeen, target)
	out := make(map[Cell]float64, len(h.Cells))
	for c, s := range h.Cells {
		lv, _ := m.level(func(w int64) (float64, bool) { return h.at(s, w) }, lastSeen)
		out[c] = lv * f
	}
	return out
}

// Errors are a forecast's errors over held-out weeks: MAE is the mean
// absolute error per unit (cell or grid) and week; WAPE is the sum of
// absolute errors over the sum of actual cases (the share of the week's
// cases the plan got wrong); RMSE is the root mean squared error per unit
// and week; MAPE is the mean absolute percentage error of the area's weekly
// total (nil when no week had cases).
//
// On sparse cells (most grid × sub-class pairs see a case every few
// months) MAE and WAPE reward forecasting 0 everywhere — the median — over
// the expected count a plan needs, and no forecast of an expectation beats
// "same as last week" on them by much; RMSE rewards the expectation. That
// is why the backtest shows all three, at two levels, and the capture of
// the top grids.
type Errors struct {
	MAE  float64  `json:"mae"`
	WAPE float64  `json:"wape"`
	RMSE float64  `json:"rmse"`
	MAPE *float64 `json:"mape_total"`
}

// Score is the model's errors beside the naive baseline's at one level;
// Skill is 1 − WAPE(model)/WAPE(naive): above 0 the model is better.
type Score struct {
	Model Errors   `json:"model"`
	Naive Errors   `json:"naive"`
	Skill *float64 `json:"skill"`
}

// Capture is the share of the held-out weeks' cases that fell in the K
// grids each forecast ranked highest (by the sum over their sub-classes):
// what patrols sent to K grids would have met. The naive ranking breaks
// its many ties by grid code.
type Capture struct {
	K     int     `json:"k"`
	Model float64 `json:"model"`
	Naive float64 `json:"naive"`
}

// BacktestWeek is one held-out week: the area's actual total against the
// model's and the naive baseline's.
type BacktestWeek struct {
	Week     int64   `json:"-"`
	Actual   float64 `json:"actual"`
	Forecast float64 `json:"forecast"`
	Naive    float64 `json:"naive"`
}

// Backtest is a rolling-origin evaluation: for each of the last Holdout
// weeks the model is given only the weeks up to Horizon before it, as it
// will be in use, and its forecast is compared with what happened. The
// naive baseline forecasts each cell's last seen week again ("same as last
// week"). The embedded Score is per cell (grid × sub-class), Grid per grid.
type Backtest struct {
	Holdout int `json:"holdout_weeks"`
	Horizon int `json:"horizon_weeks"`
	Cells   int `json:"cells"`
	Score
	Grid    Score          `json:"grid"`
	Capture Capture        `json:"top_grids"`
	Weeks   []BacktestWeek `json:"weeks"`
}

// CaptureK is the number of grids of the patrol list the capture is
// scored on.
const CaptureK = 50

// errAcc accumulates absolute errors of the model and the naive baseline.
type errAcc struct {
	absM, absN, sqM, sqN, actual float64
	n                            int
}

func (e *errAcc) add(p, naive, a float64) {
	e.absM += math.Abs(p - a)
	e.absN += math.Abs(naive - a)
	e.sqM += (p - a) * (p - a)
	e.sqN += (naive - a) * (naive - a)
	e.actual += a
	e.n++
}

func (e *errAcc) score(mapeM, mapeN *float64) Score {
	var s Score
	if e.n > 0 {
		s.Model.MAE, s.Naive.MAE = round(e.absM/float64(e.n), 4), round(e.absN/float64(e.n), 4)
		s.Model.RMSE, s.Naive.RMSE = round(math.Sqrt(e.sqM/float64(e.n)), 4), round(math.Sqrt(e.sqN/float64(e.n)), 4)
	}
	if e.actual > 0 {
		s.Model.WAPE, s.Naive.WAPE = round(e.absM/e.actual, 4), round(e.absN/e.actual, 4)
	}
	s.Model.MAPE, s.Naive.MAPE = mapeM, mapeN
	if e.absN > 0 {
		v := round(1-e.absM/e.absN, 4)
		s.Skill = &v
	}
	return s
}

// topSum is the actual cases of the k grids ranked highest by score (ties
// by grid code); grids are indexes into names.
func topSum(names []string, score, actual []float64, k int) float64 {
	ranked := make([]int, len(names))
	for i := range ranked {
		ranked[i] = i
	}
	sort.Slice(ranked, func(i, j int) bool {
		a, b := score[ranked[i]], score[ranked[j]]
		if a != b {
			return a > b
		}
		return names[ranked[i]] < names[ranked[j]]
	})
	if len(ranked) > k {
		ranked = ranked[:k]
	}
	t := 0.0
	for _, g := range ranked {
		t += actual[g]
	}
	return t
}

// Backtest evaluates m on weeks lastSeen−holdout+1 … lastSeen, each forecast
// from the weeks up to horizon before it.
func (m Model) Backtest(h *History, lastSeen int64, horizon, holdout int) Backtest {
	bt := Backtest{Holdout: holdout, Horizon: horizon, Cells: len(h.Cells)}
	// Cells, their series and their grid as parallel slices: the loops
	// below run weeks × cells times and stay off the maps.
	cells := make([]Cell, 0, len(h.Cells))
	for c := range h.Cells {
		cells = append(cells, c)
	}
	// In code order, so sums (and their rounding) do not vary with the
	// map's order from one request to the next.
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].Grid != cells[j].Grid {
			return cells[i].Grid < cells[j].Grid
		}
		return cells[i].Category < cells[j].Category
	})
	series := make([][]float64, len(cells))
	gridOf := make([]int, len(cells))
	gridIdx := map[string]int{}
	var names []string
	for i, c := range cells {
		series[i] = h.Cells[c]
		g, ok := gridIdx[c.Grid]
		if !ok {
			g = len(names)
			gridIdx[c.Grid] = g
			names = append(names, c.Grid)
		}
		gridOf[i] = g
	}
	k := min(CaptureK, len(names))
	bt.Capture.K = k
	var cellAcc, gridAcc errAcc
	var pctM, pctN, capM, capN, capAll float64
	var pctWeeks int
	gp, gn, ga := make([]float64, len(names)), make([]float64, len(names)), make([]float64, len(names))
	for b := lastSeen - int64(holdout) + 1; b <= lastSeen; b++ {
		origin := b - int64(horizon)
		pred := m.Predict(h, origin, b)
		wk := BacktestWeek{Week: b}
		clear(gp)
		clear(gn)
		clear(ga)
		for i, c := range cells {
			a, _ := h.at(series[i], b)
			naive, _ := h.at(series[i], origin)
			p := pred[c]
			cellAcc.add(p, naive, a)
			g := gridOf[i]
			gp[g], gn[g], ga[g] = gp[g]+p, gn[g]+naive, ga[g]+a
			wk.Actual += a
			wk.Forecast += p
			wk.Naive += naive
		}
		for g := range names {
			gridAcc.add(gp[g], gn[g], ga[g])
		}
		if wk.Actual > 0 {
			pctM += math.Abs(wk.Forecast-wk.Actual) / wk.Actual
			pctN += math.Abs(wk.Naive-wk.Actual) / wk.Actual
			pctWeeks++
		}
		capM += topSum(names, gp, ga, k)
		capN += topSum(names, gn, ga, k)
		capAll += wk.Actual
		wk.Forecast = round(wk.Forecast, 2)
		bt.Weeks = append(bt.Weeks, wk)
	}
	var mapeM, mapeN *float64
	if pctWeeks > 0 {
		pm, pn := round(pctM/float64(pctWeeks), 4), round(pctN/float64(pctWeeks), 4)
		mapeM, mapeN = &pm, &pn
	}
	bt.Score = cellAcc.score(mapeM, mapeN)
	bt.Grid = gridAcc.score(mapeM, mapeN)
	if capAll > 0 {
		bt.Capture.Model, bt.Capture.Naive = round(capM/capAll, 4), round(capN/capAll, 4)
	}
	return bt
}

// CellForecast is one cell's expected cases in the target week.
type CellForecast struct {
	Grid     string  `json:"grid"`
	GridName string  `json:"grid_name"`
	Category string  `json:"category"`
	Name     Names   `json:"name"`
	Expected float64 `json:"expected"`
	LastWeek int     `json:"last_week"`
	// Recent is the cell's cases in the model's window, the figures the
	// expected count is a weighted mean of; Cases lists them.
	Recent int    `json:"recent"`
	Cases  string `json:"cases,omitempty"`
}

// Ranked is Predict as a list, highest expectation first (ties by grid,
// then sub-class), without cells expected below min; n ≤ 0 keeps all.
func (m Model) Ranked(h *History, lastSeen, target int64, min float64, n int) []CellForecast {
	pred := m.Predict(h, lastSeen, target)
	out := make([]CellForecast, 0, len(pred))
	for c, v := range pred {
		if v < min || v == 0 {
			continue
		}
		s := h.Cells[c]
		last, _ := h.at(s, lastSeen)
		recent := 0.0
		for k := 0; k < m.Window; k++ {
			x, _ := h.at(s, lastSeen-int64(k))
			recent += x
		}
		out = append(out, CellForecast{Grid: c.Grid, Category: c.Category, Expected: round(v, 3), LastWeek: int(last), Recent: int(recent)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Expected != b.Expected:
			return a.Expected > b.Expected
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

// Total is the forecast of every cell of h for week target, summed in
// cell order so that the figure does not vary with the map's order.
func (m Model) Total(h *History, lastSeen, target int64) float64 {
	pred := m.Predict(h, lastSeen, target)
	cells := make([]Cell, 0, len(pred))
	for c := range pred {
		cells = append(cells, c)
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].Grid != cells[j].Grid {
			return cells[i].Grid < cells[j].Grid
		}
		return cells[i].Category < cells[j].Category
	})
	t := 0.0
	for _, c := range cells {
		t += pred[c]
	}
	return t
}
