package analysis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Service answers the analysis questions for a caller, inside the caller's
// jurisdiction: every query carries the caller's casework.Scope, and a
// region outside it is refused (Forbidden), not answered with zeros.
type Service struct {
	Store    Store
	Atlas    func() *org.Atlas
	Dict     func() *catalog.Dictionary
	ScopeOf  func(org.Actor) *casework.Scope
	Settings Settings
	Now      func() time.Time
	Loc      *time.Location
}

// Params are a request's filters; the zero value asks for the caller's
// whole jurisdiction over the default period.
type Params struct {
	Region   string
	Category *catalog.Ref
	From, To time.Time // zero: the default period
	Limit    int
}

// Defaults and bounds.
const (
	DefaultPeriod   = 28 * 24 * time.Hour
	MaxPeriod       = 367 * 24 * time.Hour
	DefaultLimit    = 50
	MaxLimit        = 25_000
	RecurrenceDays  = 30 // window of "repeated at the same place"
	HoldoutWeeks    = 6  // weeks the backtest holds out
	MaxWeeksAhead   = 4  // how far ahead a forecast may be asked for
	minRecurring    = 2  // a hotspot has at least this many recurring cases
	defaultPeakHour = 5
)

// Scoped is a request resolved against the atlas and the caller's
// jurisdiction: the query to run and the names to show.
type Scoped struct {
	Query      Query  `json:"-"`
	Window     Window `json:"period"`
	Region     string `json:"region,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	Level      string `json:"level,omitempty"`
}

// Resolve checks p against the atlas and the actor's jurisdiction and
// returns the query. A region the actor's jurisdiction does not reach is
// Forbidden: a district head sees his district, and asking for another
// district is refused, not answered with zeros. A region that contains the
// jurisdiction (the city, for a district head) is answered for the part
// the caller may see, as the case list is.
func (s *Service) Resolve(actor org.Actor, p Params) (Scoped, error) {
	now := s.Now()
	sc := s.ScopeOf(actor)
	if sc.Empty() {
		return Scoped{}, errs.Forbidden("您的岗位没有辖区，不能查看统计分析 / your posts have no jurisdiction over cases, so there is no analysis to show")
	}
	atlas := s.Atlas()
	out := Scoped{Query: Query{Scope: sc, Category: p.Category, Offset: s.offset(now)}}
	if p.Region != "" {
		r, ok := atlas.Region(p.Region)
		if !ok {
			return Scoped{}, errs.Invalid("没有代码为 %s 的区域 / no region with code %s; see GET /api/v1/regions", p.Region, p.Region).WithField("region", "unknown region")
		}
		if !reaches(atlas, sc, r.Code) {
			return Scoped{}, errs.Forbidden("区域 %s（%s）不在您的辖区内 / region %s (%s) is outside your jurisdiction (%s)", r.Code, r.Name, r.Code, r.Name, describe(sc))
		}
		out.Query.Region, out.Query.RegionLevel = r.Code, r.Level
		out.Region, out.RegionName, out.Level = r.Code, r.Name, r.Level.String()
	} else if c := atlas.City(); c != nil && sc.All {
		out.Region, out.RegionName, out.Level = c.Code, c.Name, c.Level.String()
	} else if len(sc.Regions) == 1 && sc.Regions[0].Department == "" && len(sc.Departments) == 0 {
		// One region: answer for it, so grids and areas are those of the
		// jurisdiction.
		if r, ok := atlas.Region(sc.Regions[0].Code); ok {
			out.Query.Region, out.Query.RegionLevel = r.Code, r.Level
			out.Region, out.RegionName, out.Level = r.Code, r.Name, r.Level.String()
		}
	}
	to, from := p.To, p.From
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-DefaultPeriod)
	}
	if !from.Before(to) {
		return Scoped{}, errs.Invalid("起始时间须早于结束时间 / from must be before to").WithField("from", "must be before to")
	}
	if to.Sub(from) > MaxPeriod {
		return Scoped{}, errs.Invalid("统计期最长一年 / the period is at most a year (366 days); ask for a shorter one").WithField("from", "at most a year before to")
	}
	out.Query.From, out.Query.To = from.UTC(), to.UTC()
	out.Window = Window{From: out.Query.From, To: out.Query.To}
	return out, nil
}

// reaches reports whether code lies inside the scope or contains part of it.
func reaches(atlas *org.Atlas, sc *casework.Scope, code string) bool {
	if sc == nil || sc.All || len(sc.Departments) > 0 {
		// A department's cases lie anywhere in the city: any region may
		// hold some, and the scope keeps the others out.
		return true
	}
	for _, r := range sc.Regions {
		if atlas.Within(code, r.Code) || atlas.Within(r.Code, code) {
			return true
		}
	}
	return false
}

// covers reports whether the scope sees every case of region code.
func covers(atlas *org.Atlas, sc *casework.Scope, code string) bool {
	if sc == nil || sc.All {
		return true
	}
	for _, r := range sc.Regions {
		if r.Department == "" && atlas.Within(code, r.Code) {
			return true
		}
	}
	return false
}

func describe(sc *casework.Scope) string {
	var parts []string
	for _, r := range sc.Regions {
		parts = append(parts, r.Code)
	}
	for _, d := range sc.Departments {
		parts = append(parts, "department "+d)
	}
	return "your jurisdiction: " + strings.Join(parts, ", ")
}

// offset is the city's offset from UTC at t (the demo and Chinese cities
// have no summer time, so one offset serves a whole period).
func (s *Service) offset(t time.Time) time.Duration {
	loc := s.Loc
	if loc == nil {
		loc = time.UTC
	}
	_, off := t.In(loc).Zone()
	return time.Duration(off) * time.Second
}

func (s *Service) names(key string, at time.Time) Names {
	ref, err := catalog.ParseRef(key)
	if err != nil {
		return Names{Zh: key, En: key}
	}
	if sub, ok := s.Dict().Lookup(ref, at); ok {
		return Names{Zh: sub.Name.Zh, En: sub.Name.En}
	}
	return Names{Zh: key, En: key}
}

func (s *Service) gridName(code string) string {
	if r, ok := s.Atlas().Region(code); ok {
		return r.Name
	}
	return ""
}

// HeatResult is GET /api/v1/analysis/heat. AreaKm2, PerKm2 and Per1000
// describe the region asked for as a whole (per 1,000 residents only when
// the city set its population).
type HeatResult struct {
	Scoped
	Heat
	AreaKm2 float64  `json:"area_km2,omitempty"`
	PerKm2  float64  `json:"per_km2,omitempty"`
	Per1000 *float64 `json:"per_1000_residents,omitempty"`
}

// Heat counts cases per unit grid over the period.
func (s *Service) Heat(ctx context.Context, actor org.Actor, p Params) (HeatResult, error) {
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return HeatResult{}, err
	}
	counts, err := s.Store.CountByGrid(ctx, sc.Query)
	if err != nil {
		return HeatResult{}, fmt.Errorf("heat map: %w", err)
	}
	atlas := s.Atlas()
	grids := make(map[string]GridInfo, len(counts))
	for _, c := range counts {
		if r, ok := atlas.Region(c.Key); ok {
			grids[c.Key] = GridInfo{Name: r.Name, AreaM2: r.AreaM2, Population: s.Settings.Population[c.Key]}
		}
	}
	h := HeatOf(counts, grids)
	if p.Limit > 0 && len(h.Grids) > p.Limit {
		h.Grids = h.Grids[:p.Limit]
	}
	res := HeatResult{Scoped: sc, Heat: h}
	// The whole region's density only when the caller sees all of it: a
	// district head asking for the city gets his part's grids, not a
	// figure over the city's area.
	if r, ok := atlas.Region(sc.Region); ok && r.AreaM2 > 0 && covers(atlas, sc.Query.Scope, r.Code) {
		res.AreaKm2 = round(r.AreaM2/1e6, 4)
		res.PerKm2 = round(float64(h.Total)/(r.AreaM2/1e6), 3)
		if pop := s.Settings.Population[r.Code]; pop > 0 {
			v := round(float64(h.Total)*1000/float64(pop), 3)
			res.Per1000 = &v
		}
	}
	return res, nil
}

// HourResult is GET /api/v1/analysis/hour-of-week.
type HourResult struct {
	Scoped
	Matrix [7][24]int `json:"matrix"`
	Total  int        `json:"total"`
	Peaks  []Peak     `json:"peaks"`
}

// HourOfWeek counts cases per hour of the week on the city's clock.
func (s *Service) HourOfWeek(ctx context.Context, actor org.Actor, p Params) (HourResult, error) {
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return HourResult{}, err
	}
	h, err := s.Store.CountByHourOfWeek(ctx, sc.Query)
	if err != nil {
		return HourResult{}, fmt.Errorf("hour of week: %w", err)
	}
	return HourResult{Scoped: sc, Matrix: h.Matrix(), Total: h.Total(), Peaks: h.Peaks(defaultPeakHour)}, nil
}

// TopResult is GET /api/v1/analysis/top-categories.
type TopResult struct {
	Scoped
	Previous Window           `json:"previous"`
	Items    []CategoryChange `json:"items"`
	Total    int              `json:"total"`
}

// TopCategories ranks the sub-classes of the period against the period of
// the same length just before it.
func (s *Service) TopCategories(ctx context.Context, actor org.Actor, p Params) (TopResult, error) {
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return TopResult{}, err
	}
	cur, err := s.Store.CountByCategory(ctx, sc.Query)
	if err != nil {
		return TopResult{}, fmt.Errorf("top sub-classes: %w", err)
	}
	prevQ := sc.Query
	prevQ.From, prevQ.To = sc.Query.From.Add(-sc.Query.To.Sub(sc.Query.From)), sc.Query.From
	prev, err := s.Store.CountByCategory(ctx, prevQ)
	if err != nil {
		return TopResult{}, fmt.Errorf("top sub-classes, previous period: %w", err)
	}
	n := p.Limit
	if n <= 0 {
		n = 10
	}
	items := TopCategories(cur, prev, n)
	for i := range items {
		items[i].Name = s.names(items[i].Category, sc.Query.To)
	}
	return TopResult{Scoped: sc, Previous: Window{From: prevQ.From, To: prevQ.To}, Items: items, Total: Sum(cur)}, nil
}

// RecurrenceResult is GET /api/v1/analysis/recurrence-hotspots.
type RecurrenceResult struct {
	Scoped
	WindowDays int       `json:"window_days"`
	Items      []Hotspot `json:"items"`
}

// RecurrenceHotspots lists the grids where one sub-class keeps recurring.
func (s *Service) RecurrenceHotspots(ctx context.Context, actor org.Actor, p Params) (RecurrenceResult, error) {
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return RecurrenceResult{}, err
	}
	rows, err := s.Store.RecurrenceByCell(ctx, sc.Query, RecurrenceDays*24*time.Hour)
	if err != nil {
		return RecurrenceResult{}, fmt.Errorf("recurrence hotspots: %w", err)
	}
	n := p.Limit
	if n <= 0 {
		n = DefaultLimit
	}
	items := Hotspots(rows, minRecurring, n)
	for i := range items {
		items[i].Name = s.names(items[i].Category, sc.Query.To)
		items[i].GridName = s.gridName(items[i].Grid)
	}
	return RecurrenceResult{Scoped: sc, WindowDays: RecurrenceDays, Items: items}, nil
}

// ComplaintSources are the channels whose reports count as complaints
// (投诉): citizens' own reports and 12345 hotline orders.
var ComplaintSources = []casework.Source{casework.SourceCitizen, casework.SourceHotline}

// TargetsResult is GET /api/v1/analysis/targets.
type TargetsResult struct {
	Scoped
	BaselineYear   int            `json:"baseline_year"`
	BaselineWindow Window         `json:"baseline_window"`
	Incidence      TargetFigure   `json:"incidence"`
	BySubClass     []TargetFigure `json:"by_sub_class"`
	Complaints     TargetFigure   `json:"complaints"`
}

// Targets compares the period with the same dates of the baseline year:
// cases per sub-class against −50 % and complaints against −30 %.
func (s *Service) Targets(ctx context.Context, actor org.Actor, p Params) (TargetsResult, error) {
	sc, err := s.Resolve(actor, p)
	if err != nil {
		return TargetsResult{}, err
	}
	loc := s.Loc
	if loc == nil {
		loc = time.UTC
	}
	year := s.Settings.BaselineYear
	if year == 0 {
		year = sc.Window.From.In(loc).Year() - 1
	}
	bw := BaselineWindow(sc.Window, year, loc)
	if !bw.To.Before(sc.Window.From) && !bw.To.Equal(sc.Window.From) {
		return TargetsResult{}, errs.Invalid("基准年 %d 与统计期重叠 / the baseline year %d overlaps the period; ask for a period after the baseline year", year, year).WithField("from", "after the baseline year")
	}
	bq := sc.Query
	bq.From, bq.To = bw.From, bw.To
	cur, err := s.Store.CountByCategory(ctx, sc.Query)
	if err != nil {
		return TargetsResult{}, fmt.Errorf("targets, period: %w", err)
	}
	base, err := s.Store.CountByCategory(ctx, bq)
	if err != nil {
		return TargetsResult{}, fmt.Errorf("targets, baseline: %w", err)
	}
	cq, cb := sc.Query, bq
	cq.Sources, cb.Sources = ComplaintSources, ComplaintSources
	curC, err := s.Store.CountByCategory(ctx, cq)
	if err != nil {
		return TargetsResult{}, fmt.Errorf("targets, complaints: %w", err)
	}
	baseC, err := s.Store.CountByCategory(ctx, cb)
	if err != nil {
		return TargetsResult{}, fmt.Errorf("targets, baseline complaints: %w", err)
	}
	res := TargetsResult{Scoped: sc, BaselineYear: year, BaselineWindow: bw}
	res.Incidence = Figure(Sum(cur), Sum(base), sc.Window, bw, IncidenceTarget)
	res.Incidence.Name = Names{Zh: "案件发生量", En: "Cases reported"}
	res.BySubClass = IncidenceBySubClass(cur, base, sc.Window, bw)
	for i := range res.BySubClass {
		res.BySubClass[i].Name = s.names(res.BySubClass[i].Category, sc.Window.To)
	}
	if p.Limit > 0 && len(res.BySubClass) > p.Limit {
		res.BySubClass = res.BySubClass[:p.Limit]
	}
	res.Complaints = Figure(Sum(curC), Sum(baseC), sc.Window, bw, ComplaintTarget)
	res.Complaints.Name = Names{Zh: "投诉量（市民随手拍与12345热线）", En: "Complaints (citizen reports and 12345 hotline)"}
	return res, nil
}
