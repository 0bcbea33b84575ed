package analysis

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// ModelView is the model's parameters and what it made of the season, shown
// with every forecast so the figure can be checked by hand.
type ModelView struct {
	Name          string   `json:"name"`
	WindowWeeks   int      `json:"window_weeks"`
	Decay         float64  `json:"decay"`
	SeasonWeight  float64  `json:"season_weight"`
	SeasonLag     int      `json:"season_lag_weeks"`
	SeasonalIndex *float64 `json:"seasonal_index"`
	Factor        float64  `json:"factor"`
}

// ForecastResult is GET /api/v1/analysis/forecast.
type ForecastResult struct {
	Scoped
	// Week is the forecast week; TrainedThrough the end of the last week
	// the model saw (the last complete week before it).
	Week           Window         `json:"week"`
	TrainedThrough time.Time      `json:"trained_through"`
	Horizon        int            `json:"horizon_weeks"`
	Model          ModelView      `json:"model"`
	Expected       float64        `json:"expected_total"`
	Items          []CellForecast `json:"items"`
	Cells          int            `json:"cells"`
	HourOfWeek     [7][24]float64 `json:"hour_of_week"`
	Peaks          []Peak         `json:"peaks"`
	Backtest       BacktestView   `json:"backtest"`
	// Actual is the cases the grids and sub-classes got in the week, when
	// the week is over (a forecast asked for a past week).
	Actual *int `json:"actual_total,omitempty"`
}

// BacktestView is Backtest with the held-out weeks as dates.
type BacktestView struct {
	Backtest
	Weeks []BacktestWeekView `json:"weeks"`
}

// BacktestWeekView is one held-out week.
type BacktestWeekView struct {
	Start time.Time `json:"week_start"`
	BacktestWeek
}

// Forecast forecasts the cases per grid and sub-class of the week holding
// `week` (zero: next week), with the error the same model made on the
// HoldoutWeeks weeks before, against the naive baseline.
func (s *Service) Forecast(ctx context.Context, actor org.Actor, p Params, week time.Time) (ForecastResult, error) {
	now := s.Now()
	p.From, p.To = time.Time{}, time.Time{}
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return ForecastResult{}, err
	}
	off := sc.Query.Offset
	current := WeekOf(now, off)
	target := current + 1
	if !week.IsZero() {
		target = WeekOf(week, off)
	}
	if target > current+MaxWeeksAhead {
		return ForecastResult{}, errs.Invalid("最多预测 %d 周之后 / the forecast reaches at most %d weeks ahead", MaxWeeksAhead, MaxWeeksAhead).WithField("week", "too far ahead")
	}
	// The model sees complete weeks only: the current week is still
	// filling up, so a forecast for next week is made two weeks out.
	lastSeen := current - 1
	if target <= lastSeen {
		lastSeen = target - 1
	}
	horizon := int(target - lastSeen)
	m := DefaultModel
	first := lastSeen - int64(HoldoutWeeks) - int64(horizon) - int64(m.Window) + 2
	weeks := int(lastSeen - first + 1)
	totalFirst := first - int64(m.SeasonLag)
	if now.Sub(WeekStart(totalFirst, off)) > 3*MaxPeriod {
		return ForecastResult{}, errs.Invalid("预测周太早 / the week is too far in the past to forecast").WithField("week", "too early")
	}

	q := sc.Query
	q.From, q.To = WeekStart(first, off), WeekStart(lastSeen+1, off)
	if target <= current-1 {
		// A past week: read it too, to show the actual count beside.
		q.To = WeekStart(target+1, off)
	}
	rows, err := s.Store.CountByCellWeek(ctx, q)
	if err != nil {
		return ForecastResult{}, fmt.Errorf("forecast history: %w", err)
	}
	tq := sc.Query
	tq.From, tq.To = WeekStart(totalFirst, off), WeekStart(lastSeen+1, off)
	totals, err := s.Store.CountByWeek(ctx, tq)
	if err != nil {
		return ForecastResult{}, fmt.Errorf("forecast totals: %w", err)
	}
	h := NewHistory(first, weeks, rows, totalFirst, int(lastSeen-totalFirst+1), totals)

	res := ForecastResult{Scoped: sc, Week: Window{From: WeekStart(target, off), To: WeekStart(target+1, off)},
		TrainedThrough: WeekStart(lastSeen+1, off), Horizon: horizon, Cells: len(h.Cells)}
	res.Window = Window{From: q.From, To: WeekStart(lastSeen+1, off)}
	res.Model = ModelView{Name: "ewma_seasonal", WindowWeeks: m.Window, Decay: m.Decay, SeasonWeight: m.SeasonWeight,
		SeasonLag: m.SeasonLag, Factor: round(m.Factor(h, lastSeen, target), 4)}
	if idx, ok := m.SeasonalIndex(h, lastSeen, target); ok {
		v := round(idx, 4)
		res.Model.SeasonalIndex = &v
	}
	total := m.Total(h, lastSeen, target)
	res.Expected = round(total, 2)
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	res.Items = m.Ranked(h, lastSeen, target, 0, limit)
	for i := range res.Items {
		res.Items[i].Name = s.names(res.Items[i].Category, now)
		res.Items[i].GridName = s.gridName(res.Items[i].Grid)
	}
	if target <= current-1 {
		actual := 0
		for _, r := range rows {
			if r.Week == target {
				actual += r.N
			}
		}
		res.Actual = &actual
	}

	// Spread the week's figure over its hours by the area's profile in the
	// model's window.
	hq := sc.Query
	hq.From, hq.To = WeekStart(lastSeen-int64(m.Window)+1, off), WeekStart(lastSeen+1, off)
	how, err := s.Store.CountByHourOfWeek(ctx, hq)
	if err != nil {
		return ForecastResult{}, fmt.Errorf("forecast hour-of-week shape: %w", err)
	}
	for i, sh := range how.Shares() {
		res.HourOfWeek[i/24][i%24] = round(total*sh, 3)
	}
	// The busiest hours of the window are the busiest of the forecast: the
	// shape is the window's.
	res.Peaks = how.Peaks(defaultPeakHour)

	bt := m.Backtest(h, lastSeen, horizon, HoldoutWeeks)
	res.Backtest = BacktestView{Backtest: bt, Weeks: make([]BacktestWeekView, len(bt.Weeks))}
	for i, w := range bt.Weeks {
		res.Backtest.Weeks[i] = BacktestWeekView{Start: WeekStart(w.Week, off), BacktestWeek: w}
	}
	return res, nil
}
