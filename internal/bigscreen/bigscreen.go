package bigscreen

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Cases is what the screen reads of the cases; *casework.Service is one.
// Every method applies the actor's jurisdiction.
type Cases interface {
	FindCases(ctx context.Context, actor org.Actor, f casework.Filter) ([]*casework.Case, int, error)
	Tally(ctx context.Context, actor org.Actor, q casework.TallyQuery) ([]casework.TallyRow, error)
	ScopeOf(a org.Actor) *casework.Scope
}

// HeatMap is the grid heat map of /api/v1/analysis/heat (*analysis.Service).
type HeatMap interface {
	Heat(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.HeatResult, error)
}

// DayQuery asks for the cases per city day since Since, inside Scope (the
// caller's jurisdiction; nil is the platform's own, unscoped). Offset is
// the city's offset from UTC, so days are the city's.
type DayQuery struct {
	Scope  *casework.Scope
	Since  time.Time
	Offset time.Duration
}

// DayCounts are cases per city day, as days since 1970-01-01 on the city's
// clock: reported that day, and closed that day (whenever reported).
type DayCounts struct {
	Reported map[int64]int
	Closed   map[int64]int
}

// DayCounter is the store's grouped count behind the trend: one scan per
// column, not one count per day.
type DayCounter interface {
	CasesPerDay(ctx context.Context, q DayQuery) (DayCounts, error)
}

// Service builds screens. Book nil is the shipped indicator book.
type Service struct {
	Cases Cases
	Days  DayCounter
	Heat  HeatMap
	Book  *kpi.Set
	Atlas func() *org.Atlas
	Loc   *time.Location
	Now   func() time.Time
}

// posts may open the screen: those who run the command centre or answer
// for a whole area (the overview's street chiefs too).
var posts = []org.Post{org.PostLeader, org.PostShiftLead, org.PostAdmin, org.PostStreetHead}

// Allowed reports whether a may open the big screen.
func Allowed(a org.Actor) bool {
	for _, p := range posts {
		if _, ok := a.Grant(p); ok {
			return true
		}
	}
	return false
}

// errNotAllowed is the refusal of everyone else.
func errNotAllowed() error {
	return errs.Forbidden("大屏仅对领导、值班长、街长和系统管理员开放 / the big screen is for leaders, shift leads, street chiefs and administrators")
}

// HeatFigure is the map figure taken from the heat map: cases reported
// this week (Monday to now) per grid.
const HeatFigure = "week_cases"

// MapFigures are the figures the map may be coloured by, the first the
// default: the heat map's count, then indicators over the last 30 days.
var MapFigures = []string{HeatFigure, "overdue", "closure_rate", "on_time_disposal_rate", "satisfaction_rate"}

// Days is the span of the trend and of the indicators (the last 30 days,
// today included).
const Days = 30

// Query is what one screen shows: the map's figure and the ranking's
// indicator (empty: the defaults).
type Query struct {
	Figure string
	Rank   string
}

// DefaultRank ranks the districts by 结案率.
const DefaultRank = "closure_rate"

// Choice is one option of the screen's selectors.
type Choice struct {
	Code string   `json:"code"`
	Name kpi.Name `json:"name"`
}

// Counters are the live counts inside the caller's jurisdiction.
type Counters struct {
	ReportedToday int `json:"reported_today"` // 今日上报
	Open          int `json:"open"`           // 在办
	Overdue       int `json:"overdue"`        // 超时: open, past the stage deadline (red light)
	ClosedToday   int `json:"closed_today"`   // 今日结案
}

// Trend is the last Days days, oldest first.
type Trend struct {
	Days     []string `json:"days"` // MM-DD on the city's clock
	Reported []int    `json:"reported"`
	Closed   []int    `json:"closed"`
}

// GridValue is one unit grid's figure; Value is nil where a rate has no
// denominator (nothing to judge), which the map shows as "no data".
type GridValue struct {
	Grid        string   `json:"grid"`
	Name        string   `json:"name"`
	Value       *float64 `json:"value"`
	Numerator   float64  `json:"numerator"`
	Denominator *int     `json:"denominator,omitempty"`
}

// MapFigure is the map's colouring.
type MapFigure struct {
	Code   string      `json:"code"`
	Name   kpi.Name    `json:"name"`
	Unit   string      `json:"unit"` // 件, %, 小时
	Higher bool        `json:"higher_is_better"`
	From   string      `json:"from"`
	To     string      `json:"to"` // the last day, included
	Max    float64     `json:"max"`
	Grids  []GridValue `json:"grids"`
}

// RankItem is one district of the ranking; Rank 0 has no value.
type RankItem struct {
	Rank        int      `json:"rank"`
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Value       *float64 `json:"value"`
	MeetsTarget *bool    `json:"meets_target,omitempty"`
}

// Ranking is the districts by one indicator, best first.
type Ranking struct {
	Code   string     `json:"code"`
	Name   kpi.Name   `json:"name"`
	Unit   string     `json:"unit"`
	Higher bool       `json:"higher_is_better"`
	Target *float64   `json:"target,omitempty"`
	From   string     `json:"from"`
	To     string     `json:"to"` // the last day, included
	Items  []RankItem `json:"items"`
}

// Screen is everything one refresh of the big screen shows.
type Screen struct {
	At       time.Time `json:"at"`
	Counters Counters  `json:"counters"`
	Trend    Trend     `json:"trend"`
	Map      MapFigure `json:"map"`
	Ranking  Ranking   `json:"ranking"`
	Figures  []Choice  `json:"figures"`
	Ranks    []Choice  `json:"ranks"`
}

func (s *Service) book() *kpi.Set {
	if s.Book != nil {
		return s.Book
	}
	return kpi.Default()
}

func unitOf(d *kpi.Indicator) string {
	switch d.Kind {
	case kpi.KindRate:
		return "%"
	case kpi.KindMean:
		return "小时"
	}
	return "件"
}

// Screen builds the screen for actor: Forbidden for a post that may not
// open it, Invalid for a figure or indicator that is not offered.
func (s *Service) Screen(ctx context.Context, actor org.Actor, q Query) (*Screen, error) {
	if !Allowed(actor) {
		return nil, errNotAllowed()
	}
	now := s.Now()
	today := midnight(now.In(s.Loc))
	period := kpi.Period{From: today.AddDate(0, 0, -(Days - 1)), To: today.AddDate(0, 0, 1)}
	defs := s.book().InForce(period.From)
	byCode := map[string]*kpi.Indicator{}
	for _, d := range defs {
		byCode[d.Code] = d
	}
	if q.Figure == "" {
		q.Figure = MapFigures[0]
	}
	if q.Rank == "" {
		q.Rank = DefaultRank
	}
	sc := &Screen{At: now}
	for _, code := range MapFigures {
		if code == HeatFigure {
			sc.Figures = append(sc.Figures, Choice{code, kpi.Name{Zh: "本周上报", En: "Reported this week"}})
		} else if d, ok := byCode[code]; ok {
			sc.Figures = append(sc.Figures, Choice{code, d.Name})
		}
	}
	for _, d := range defs {
		if d.Kind == kpi.KindRate || d.Kind == kpi.KindMean {
			sc.Ranks = append(sc.Ranks, Choice{d.Code, d.Name})
		}
	}
	bad := errs.Invalid("大屏参数有误 / the big screen's query is not valid")
	if !slices.ContainsFunc(sc.Figures, func(c Choice) bool { return c.Code == q.Figure }) {
		bad.WithField("figure", "one of "+codes(sc.Figures))
	}
	rank, ok := byCode[q.Rank]
	if !ok || rank.Kind == kpi.KindCount {
		bad.WithField("rank", "one of "+codes(sc.Ranks))
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}

	// The four parts are independent queries: run them side by side.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && first == nil {
			first = fmt.Errorf("big screen %s: %w", what, err)
		}
	}
	run := func(what string, fn func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); fail(what, fn()) }()
	}
	run("counters", func() (err error) { sc.Counters, err = s.counters(ctx, actor, now, today); return })
	run("trend", func() (err error) { sc.Trend, err = s.trend(ctx, actor, now, today); return })
	run("map", func() (err error) {
		sc.Map, err = s.mapFigure(ctx, actor, q.Figure, byCode[q.Figure], now, period)
		return
	})
	run("ranking", func() (err error) { sc.Ranking, err = s.ranking(ctx, actor, rank, period); return })
	wg.Wait()
	if first != nil {
		return nil, first
	}
	// 今日结案 is the trend's last day: the same grouped count, not a scan more.
	sc.Counters.ClosedToday = sc.Trend.Closed[len(sc.Trend.Closed)-1]
	return sc, nil
}

func codes(cs []Choice) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return strings.Join(out, ", ")
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// count is the total of a filter inside the actor's jurisdiction.
func (s *Service) count(ctx context.Context, actor org.Actor, f casework.Filter) (int, error) {
	f.Limit = 1
	_, n, err := s.Cases.FindCases(ctx, actor, f)
	return n, err
}

func (s *Service) counters(ctx context.Context, actor org.Actor, now, today time.Time) (Counters, error) {
	var c Counters
	tomorrow := today.AddDate(0, 0, 1)
	for _, p := range []struct {
		f   casework.Filter
		dst *int
	}{
		{casework.Filter{From: &today, To: &tomorrow}, &c.ReportedToday},
		{casework.Filter{Statuses: casework.OpenStatuses}, &c.Open},
		// Overdue as the workbench's red queue counts it: open and past
		// the stage deadline now, so the figure falls as cases are dealt with.
		{casework.Filter{Statuses: casework.OpenStatuses, Light: worktime.Red, Now: now}, &c.Overdue},
	} {
		n, err := s.count(ctx, actor, p.f)
		if err != nil {
			return c, err
		}
		*p.dst = n
	}
	return c, nil
}

// trend is the reports and closures of each of the last Days days, from
// one grouped count inside the actor's jurisdiction.
func (s *Service) trend(ctx context.Context, actor org.Actor, now, today time.Time) (Trend, error) {
	var tr Trend
	since := today.AddDate(0, 0, -(Days - 1))
	_, off := now.In(s.Loc).Zone()
	dc, err := s.Days.CasesPerDay(ctx, DayQuery{Scope: s.Cases.ScopeOf(actor), Since: since, Offset: time.Duration(off) * time.Second})
	if err != nil {
		return tr, err
	}
	for d := since; !d.After(today); d = d.AddDate(0, 0, 1) {
		_, o := d.Zone()
		day := (d.Unix() + int64(o)) / 86400
		tr.Days = append(tr.Days, d.Format("01-02"))
		tr.Reported = append(tr.Reported, dc.Reported[day])
		tr.Closed = append(tr.Closed, dc.Closed[day])
	}
	return tr, nil
}

func (s *Service) mapFigure(ctx context.Context, actor org.Actor, code string, def *kpi.Indicator, now time.Time, p kpi.Period) (MapFigure, error) {
	m := MapFigure{Code: code, Grids: []GridValue{}}
	if code == HeatFigure {
		week := kpi.Week(now.In(s.Loc))
		res, err := s.Heat.Heat(ctx, actor, analysis.Params{From: week.From, To: week.To, Limit: analysis.MaxLimit})
		if err != nil {
			return m, err
		}
		m.Name, m.Unit, m.Higher = kpi.Name{Zh: "本周上报", En: "Reported this week"}, "件", false
		m.From, m.To = week.From.Format("2006-01-02"), now.In(s.Loc).Format("2006-01-02")
		for _, c := range res.Grids {
			v := float64(c.Count)
			m.Grids = append(m.Grids, GridValue{Grid: c.Grid, Name: c.Name, Value: &v, Numerator: v})
			m.Max = max(m.Max, v)
		}
		return m, nil
	}
	m.Name, m.Unit, m.Higher = def.Name, unitOf(def), def.Direction == kpi.Higher
	m.From, m.To = p.From.Format("2006-01-02"), p.LastDay().Format("2006-01-02")
	need := []*kpi.Indicator{def}
	sets, num, den := kpi.Sets(need)
	rows, err := s.Cases.Tally(ctx, actor, casework.TallyQuery{Filter: casework.Filter{From: &p.From, To: &p.To}, Sets: sets, GroupBy: "grid"})
	if err != nil {
		return m, err
	}
	at := s.Atlas()
	for i := range rows {
		f := kpi.Compute(need, num, den, &rows[i])[0]
		gv := GridValue{Grid: rows[i].Key, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator}
		if reg, ok := at.Region(rows[i].Key); ok {
			gv.Name = reg.Name
		}
		if f.Value != nil {
			m.Max = max(m.Max, *f.Value)
		}
		m.Grids = append(m.Grids, gv)
	}
	return m, nil
}

// ranking ranks the districts the actor sees wholly, best first; a
// district without a value comes last, unranked, so a quiet one is not
// hidden. Equal values share a rank (1, 2, 2, 4).
func (s *Service) ranking(ctx context.Context, actor org.Actor, def *kpi.Indicator, p kpi.Period) (Ranking, error) {
	rk := Ranking{Code: def.Code, Name: def.Name, Unit: unitOf(def), Higher: def.Direction == kpi.Higher, Target: def.Target, Items: []RankItem{},
		From: p.From.Format("2006-01-02"), To: p.LastDay().Format("2006-01-02")}
	need := []*kpi.Indicator{def}
	sets, num, den := kpi.Sets(need)
	rows, err := s.Cases.Tally(ctx, actor, casework.TallyQuery{Filter: casework.Filter{From: &p.From, To: &p.To}, Sets: sets, GroupBy: "district"})
	if err != nil {
		return rk, err
	}
	byKey := map[string]*casework.TallyRow{}
	for i := range rows {
		byKey[rows[i].Key] = &rows[i]
	}
	at := s.Atlas()
	scope := s.Cases.ScopeOf(actor)
	for _, reg := range at.Regions(org.LevelDistrict) {
		if !scope.Sees(org.LevelDistrict, reg.Code, at.Within) {
			continue
		}
		f := kpi.Compute(need, num, den, byKey[reg.Code])[0]
		rk.Items = append(rk.Items, RankItem{Code: reg.Code, Name: reg.Name, Value: f.Value, MeetsTarget: f.MeetsTarget})
	}
	Rank(rk.Items, rk.Higher)
	return rk, nil
}

// Rank sorts items best first (higher or lower values better) and numbers
// them in competition order; items without a value go last with rank 0.
func Rank(items []RankItem, higher bool) {
	slices.SortStableFunc(items, func(a, b RankItem) int {
		switch {
		case a.Value == nil && b.Value == nil:
			return cmp.Compare(a.Code, b.Code)
		case a.Value == nil:
			return 1
		case b.Value == nil:
			return -1
		case *a.Value != *b.Value:
			if higher {
				return cmp.Compare(*b.Value, *a.Value)
			}
			return cmp.Compare(*a.Value, *b.Value)
		}
		return cmp.Compare(a.Code, b.Code)
	})
	for i := range items {
		switch {
		case items[i].Value == nil:
			items[i].Rank = 0
		case i > 0 && items[i-1].Value != nil && *items[i].Value == *items[i-1].Value:
			items[i].Rank = items[i-1].Rank
		default:
			items[i].Rank = i + 1
		}
	}
}
