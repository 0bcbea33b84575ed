package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"cityloop/internal/assess"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// The indicators (数据分析与考核): every figure comes with the case lists
// that total its numerator and denominator, so a number in a bulletin can
// be opened into the cases behind it. Both endpoints count inside the
// caller's jurisdiction, exactly as GET /api/v1/cases does, and refuse a
// unit the caller sees only part of.

// kpiItem is one figure as GET /api/v1/kpis answers it.
type kpiItem struct {
	Code        string   `json:"code"`
	Name        kpi.Name `json:"name"`
	Value       *float64 `json:"value"`
	Numerator   float64  `json:"numerator"`
	Denominator *int     `json:"denominator"`
	Formula     string   `json:"formula"`
	Target      *float64 `json:"target"`
	MeetsTarget *bool    `json:"meets_target"`
	// Direction is which way is better (higher, lower): how a change reads.
	Direction kpi.Direction `json:"direction"`
	Cases     caseLinks     `json:"cases"`
}

// caseLinks are GET /api/v1/cases queries whose total is the numerator and
// the denominator; null where the figure is not a number of cases.
type caseLinks struct {
	Numerator   *string `json:"numerator"`
	Denominator *string `json:"denominator"`
}

// rankingItem is one unit of GET /api/v1/rankings.
type rankingItem struct {
	Rank        int       `json:"rank"` // 1 is the best; 0 not ranked (no value)
	Unit        string    `json:"unit"`
	UnitName    string    `json:"unit_name"`
	Value       *float64  `json:"value"`
	Numerator   *float64  `json:"numerator,omitempty"`
	Denominator *int      `json:"denominator,omitempty"`
	Target      *float64  `json:"target,omitempty"`
	MeetsTarget *bool     `json:"meets_target,omitempty"`
	Grade       string    `json:"grade,omitempty"`
	Cases       caseLinks `json:"cases"`
	// Parts are a composite's figures, each with its case links.
	Parts []kpiItem `json:"parts,omitempty"`
}

var kpiParams = map[string]bool{"region": true, "department": true, "supervisor": true, "from": true, "to": true, "lang": true}
var rankingParams = map[string]bool{"level": true, "kpi": true, "from": true, "to": true, "lang": true}

// kpiBook is the city's indicator book (Server.KPIs, or the shipped one).
func (s *Server) kpiBook() *kpi.Set {
	if s.KPIs != nil {
		return s.KPIs
	}
	return kpi.Default()
}

// unknownParams is a 400 for parameters an endpoint does not take, naming
// the ones it does.
func unknownParams(q url.Values, known map[string]bool) error {
	bad := errs.Invalid("查询参数有误 / the query is not valid")
	for k := range q {
		if !known[k] {
			names := slices.Sorted(func(yield func(string) bool) {
				for n := range known {
					if !yield(n) {
						return
					}
				}
			})
			bad.WithField(k, "未知参数 / unknown parameter; use "+strings.Join(names, ", "))
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// kpiUnit is the unit a figure is for: the city, a region or a department.
type kpiUnit struct {
	level org.Level // 0 for a department
	code  string
	// reporter is a supervisor's account: his reports inside the city
	// (level is then LevelCity), the figures of his post.
	reporter, name string
}

// filter is the case filter of the unit over p.
func (u kpiUnit) filter(p kpi.Period) casework.Filter {
	f := casework.Filter{From: &p.From, To: &p.To, ReporterID: u.reporter}
	switch {
	case u.level == 0:
		f.Department = u.code
	case u.level != org.LevelCity:
		f.Region, f.RegionLevel = u.code, u.level
	}
	return f
}

// casesURL is the case list of the unit over p where pred holds: the same
// filter the figure was counted with, so its total is the figure.
func (u kpiUnit) casesURL(p kpi.Period, pred casework.Predicate) *string {
	q := url.Values{}
	switch {
	case u.level == 0:
		q.Set("department", u.code)
	case u.level != org.LevelCity:
		q.Set("region", u.code)
	}
	if u.reporter != "" {
		q.Set("reporter", u.reporter)
	}
	// The list's "to" is exclusive: the day after the period's last.
	q.Set("from", p.From.Format("2006-01-02"))
	q.Set("to", p.To.Format("2006-01-02"))
	if len(pred) > 0 {
		q.Set("is", pred.String())
	}
	v := "/api/v1/cases?" + q.Encode()
	return &v
}

// mustSee refuses (403) a unit the caller's jurisdiction does not wholly
// cover: a district head asking for another district or for the city.
func (s *Server) mustSee(ctx context.Context, actor org.Actor, u kpiUnit) error {
	atlas := s.World.Atlas()
	if u.reporter != "" {
		return s.mustSeeSupervisor(ctx, actor, u.reporter)
	}
	if s.Cases.ScopeOf(actor).Sees(u.level, u.code, atlas.Within) {
		return nil
	}
	what := "区域 / region " + u.code
	if u.level == 0 {
		what = "部门 / department " + u.code
	}
	return errs.Forbidden("无权查看%s的指标，只能查看本辖区 / you may not see the indicators of %s; ask for a unit inside your jurisdiction",
		what, what)
}

func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := unknownParams(q, kpiParams); err != nil {
		return err
	}
	u, err := s.kpiUnitOf(r.Context(), q)
	if err != nil {
		return err
	}
	p, err := kpi.ParseDays(q.Get("from"), q.Get("to"), s.Cal.Location())
	if err != nil {
		return err
	}
	if err := s.mustSee(r.Context(), actor, u); err != nil {
		return err
	}
	// The comparisons count by the definitions in force for the period
	// asked, not their own: a change of 结案率 from one month to the next
	// must not be a change of formula.
	defs := s.kpiBook().InForce(p.From)
	periods := []kpi.Period{p, p.Previous(), p.YearAgo()}
	// The three counts are independent reads: run side by side, they cost
	// the slowest one, not the sum.
	var figs [3][]kpi.Figure
	var errs3 [3]error
	var wg sync.WaitGroup
	for i, per := range periods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			figs[i], errs3[i] = s.kpiFigures(r, actor, u, per, defs)
		}()
	}
	wg.Wait()
	for _, err := range errs3 {
		if err != nil {
			return err
		}
	}
	items := make([]kpiTrendItem, len(figs[0]))
	for i, f := range figs[0] {
		prev, ago := figs[1][i], figs[2][i]
		items[i] = kpiTrendItem{kpiItem: u.item(p, f), Previous: u.compare(periods[1], prev), YearAgo: u.compare(periods[2], ago),
			MoM: kpi.Change(f.Value, prev.Value), YoY: kpi.Change(f.Value, ago.Value)}
	}
	return httpkit.WriteJSON(w, http.StatusOK, kpiList{Items: items})
}

// kpiUnitOf reads the unit of GET /api/v1/kpis: the city, a region of any
// level (district, street, community, grid), a department, or the cases
// one supervisor reported (a post's figures).
func (s *Server) kpiUnitOf(ctx context.Context, q url.Values) (kpiUnit, error) {
	atlas := s.World.Atlas()
	u := kpiUnit{level: org.LevelCity}
	if c := atlas.City(); c != nil {
		u.code = c.Code
	}
	region, dep, sup := q.Get("region"), q.Get("department"), q.Get("supervisor")
	given := 0
	for _, v := range []string{region, dep, sup} {
		if v != "" {
			given++
		}
	}
	switch {
	case given > 1:
		return u, errs.Invalid("region、department、supervisor 只能选一个 / ask for one of region, department or supervisor").WithField("department", "give only one of region, department, supervisor")
	case region != "":
		reg, ok := atlas.Region(region)
		if !ok {
			return u, errs.Invalid("没有代码为 %s 的区域 / no region with code %s", region, region).WithField("region", "unknown region; see GET /api/v1/regions")
		}
		u = kpiUnit{level: reg.Level, code: reg.Code}
	case dep != "":
		if !s.World.Dict().HasDepartment(dep) {
			return u, errs.Invalid("没有代码为 %s 的部门 / no department with code %s", dep, dep).WithField("department", "unknown department; see GET /api/v1/departments")
		}
		u = kpiUnit{code: dep}
	case sup != "":
		acc, err := s.Accounts.FindAccountByID(ctx, sup)
		if err != nil || !holds(acc.Grants, org.PostSupervisor) {
			return u, errs.Invalid("没有编号为 %s 的监督员 / no supervisor with account id %s", sup, sup).WithField("supervisor", "a supervisor's account id; see GET /api/v1/assessments?level=supervisor")
		}
		u.reporter, u.name = acc.ID, acc.Name
	}
	return u, nil
}

// holds reports whether grants include post.
func holds(grants []org.Grant, post org.Post) bool {
	for _, g := range grants {
		if g.Post == post {
			return true
		}
	}
	return false
}

// kpiFigures counts defs for unit u over p inside actor's jurisdiction.
func (s *Server) kpiFigures(r *http.Request, actor org.Actor, u kpiUnit, p kpi.Period, defs []*kpi.Indicator) ([]kpi.Figure, error) {
	sets, num, den := kpi.Sets(defs)
	rows, err := s.Cases.Tally(r.Context(), actor, casework.TallyQuery{Filter: u.filter(p), Sets: sets})
	if err != nil {
		return nil, fmt.Errorf("count the indicators of %s: %w", p, err)
	}
	var row *casework.TallyRow
	if len(rows) > 0 {
		row = &rows[0]
	}
	return kpi.Compute(defs, num, den, row), nil
}

// compare is figure f of the comparison period p, with its case lists.
func (u kpiUnit) compare(p kpi.Period, f kpi.Figure) kpiCompare {
	it := u.item(p, f)
	return kpiCompare{From: p.From.Format("2006-01-02"), To: p.LastDay().Format("2006-01-02"), Value: f.Value,
		Numerator: f.Numerator, Denominator: f.Denominator, Cases: it.Cases}
}

// mustSeeSupervisor refuses (403) a supervisor whose beat the caller's
// jurisdiction does not wholly cover: a district head sees the figures of
// the supervisors who patrol his district, not the city's others. A
// supervisor without a beat is the city's, seen by the city-wide only.
func (s *Server) mustSeeSupervisor(ctx context.Context, actor org.Actor, id string) error {
	if scope := s.Cases.ScopeOf(actor); scope == nil || scope.All {
		return nil
	}
	acc, err := s.Accounts.FindAccountByID(ctx, id)
	if err != nil {
		return fmt.Errorf("find supervisor %s: %w", id, err)
	}
	if s.seesSupervisor(actor, acc) {
		return nil
	}
	return errs.Forbidden("无权查看监督员 %s 的指标，只能查看本辖区的监督员 / you may not see the figures of supervisor %s; ask for a supervisor whose beat is inside your jurisdiction", id, id)
}

// seesSupervisor reports whether actor's jurisdiction covers a beat of acc.
func (s *Server) seesSupervisor(actor org.Actor, acc *org.Account) bool {
	scope := s.Cases.ScopeOf(actor)
	if scope == nil || scope.All {
		return true
	}
	atlas := s.World.Atlas()
	for _, g := range acc.Grants {
		if g.Post == org.PostSupervisor && g.Region != "" {
			if reg, ok := atlas.Region(g.Region); ok && scope.Sees(reg.Level, reg.Code, atlas.Within) {
				return true
			}
		}
	}
	return false
}

// item is one figure with its case links.
func (u kpiUnit) item(p kpi.Period, f kpi.Figure) kpiItem {
	it := kpiItem{Code: f.Def.Code, Name: f.Def.Name, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator,
		Formula: f.Def.FormulaText(), Target: f.Def.Target, MeetsTarget: f.MeetsTarget, Direction: f.Def.Direction}
	// An empty predicate is every case of the unit and period: still a link.
	if f.Def.Kind != kpi.KindMean {
		it.Cases.Numerator = u.casesURL(p, f.NumCases)
	}
	if f.Def.Kind != kpi.KindCount {
		it.Cases.Denominator = u.casesURL(p, f.DenCases)
	}
	return it
}

// rankLevels are the units GET /api/v1/rankings ranks, and the case
// column each groups by.
var rankLevels = map[string]org.Level{"district": org.LevelDistrict, "street": org.LevelStreet, "department": 0}

func (s *Server) handleRankings(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := unknownParams(q, rankingParams); err != nil {
		return err
	}
	levelName := q.Get("level")
	level, ok := rankLevels[levelName]
	if !ok {
		return errs.Invalid("排名对象无效 / level must be district, street or department").WithField("level", "district, street or department")
	}
	p, err := kpi.ParseDays(q.Get("from"), q.Get("to"), s.Cal.Location())
	if err != nil {
		return err
	}
	book := s.kpiBook()
	code := q.Get("kpi")
	defs := book.InForce(p.From)
	var def *kpi.Indicator
	var comp *kpi.Composite
	for _, d := range defs {
		if d.Code == code {
			def = d
		}
	}
	for _, c := range book.CompositesInForce(p.From) {
		if c.Code == code {
			comp = c
		}
	}
	if def == nil && comp == nil {
		return errs.Invalid("没有代码为 %q 的指标 / no indicator %q in force on %s", code, code, p.From.Format("2006-01-02")).
			WithField("kpi", "one of "+strings.Join(book.Codes(p.From), ", "))
	}
	// Count only what the ranking needs: the indicator, or the composite's parts.
	var need []*kpi.Indicator
	for _, d := range defs {
		if (def != nil && d == def) || (comp != nil && slices.Contains(comp.Needs(), d.Code)) {
			need = append(need, d)
		}
	}
	sets, num, den := kpi.Sets(need)
	group := levelName
	rows, err := s.Cases.Tally(r.Context(), actor, casework.TallyQuery{Filter: casework.Filter{From: &p.From, To: &p.To}, Sets: sets, GroupBy: group})
	if err != nil {
		return err
	}
	byKey := map[string]*casework.TallyRow{}
	for i := range rows {
		byKey[rows[i].Key] = &rows[i]
	}
	// Every unit the caller sees is ranked, those without cases too (no
	// value, last), so a quiet unit is not hidden.
	scope := s.Cases.ScopeOf(actor)
	atlas := s.World.Atlas()
	type unitName struct{ code, name string }
	var units []unitName
	if level == 0 {
		for _, d := range s.World.Dict().Departments() {
			units = append(units, unitName{d.Code, d.Name.Zh})
		}
	} else {
		for _, reg := range atlas.Regions(level) {
			units = append(units, unitName{reg.Code, reg.Name})
		}
	}
	var items []rankingItem
	for _, un := range units {
		u := kpiUnit{level: level, code: un.code}
		if !scope.Sees(level, un.code, atlas.Within) {
			continue
		}
		figs := kpi.Compute(need, num, den, byKey[un.code])
		it := rankingItem{Unit: un.code, UnitName: un.name}
		if def != nil {
			f := figs[0]
			x := u.item(p, f)
			it.Value, it.Numerator, it.Denominator, it.Target, it.MeetsTarget, it.Cases = f.Value, &x.Numerator, f.Denominator, f.Def.Target, f.MeetsTarget, x.Cases
		} else {
			by := map[string]kpi.Figure{}
			for _, f := range figs {
				by[f.Def.Code] = f
				it.Parts = append(it.Parts, u.item(p, f))
			}
			if score, ok := comp.Score(by); ok {
				it.Value, it.Grade = &score, book.Grade(score)
			}
		}
		items = append(items, it)
	}
	higher := comp != nil || def.Direction == kpi.Higher
	slices.SortStableFunc(items, func(a, b rankingItem) int {
		switch {
		case a.Value == nil || b.Value == nil:
			return boolOrder(a.Value == nil, b.Value == nil)
		case *a.Value != *b.Value:
			if higher {
				return cmp.Compare(*b.Value, *a.Value)
			}
			return cmp.Compare(*a.Value, *b.Value)
		}
		return cmp.Compare(a.Unit, b.Unit)
	})
	// Competition ranking: equal values share a rank (1, 2, 2, 4); a unit
	// without a value is not ranked (0).
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
	name := kpi.Name{}
	if def != nil {
		name = def.Name
	} else {
		name = comp.Name
	}
	if items == nil {
		items = []rankingItem{}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"kpi": code, "name": name, "level": levelName,
		"from": p.From.Format("2006-01-02"), "to": p.LastDay().Format("2006-01-02"), "items": items})
}

// boolOrder puts false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// kpiTrendItem is one figure of GET /api/v1/kpis with the same figure
// for the period before (环比: the previous month(s) when the range is whole
// months, otherwise as many days just before) and a year before (同比).
// MoM and YoY are relative changes (0.1 is +10 %; for a rate, of the rate,
// not percentage points), null when a side has no value or is 0.
type kpiTrendItem struct {
	kpiItem
	Previous kpiCompare `json:"previous"`
	YearAgo  kpiCompare `json:"year_ago"`
	MoM      *float64   `json:"mom"`
	YoY      *float64   `json:"yoy"`
}

// kpiCompare is a figure of a comparison period, with its case lists.
type kpiCompare struct {
	From        string    `json:"from"` // first day
	To          string    `json:"to"`   // last day, included
	Value       *float64  `json:"value"`
	Numerator   float64   `json:"numerator"`
	Denominator *int      `json:"denominator"`
	Cases       caseLinks `json:"cases"`
}

// kpiList is the body of GET /api/v1/kpis (for the OpenAPI schema).
type kpiList struct {
	Items []kpiTrendItem `json:"items"`
}

// rankingView is the body of GET /api/v1/rankings (for the OpenAPI schema).
type rankingView struct {
	KPI   string        `json:"kpi"`
	Name  kpi.Name      `json:"name"`
	Level string        `json:"level"`
	From  string        `json:"from"`
	To    string        `json:"to"`
	Items []rankingItem `json:"items"`
}

// kpiQuerySchema documents the query parameters of the indicator routes
// and the case list's "is".
func kpiQuerySchema(name string) map[string]any {
	switch name {
	case "is":
		facts := make([]string, len(casework.Facts))
		for i, f := range casework.Facts {
			facts[i] = string(f) + " (" + casework.FactNames[f][0] + ")"
		}
		return map[string]any{"type": "string", "example": "due_to_close,closed,!closed_late",
			"description": "Case conditions that must all hold, comma-separated; ! negates one. Conditions: " + strings.Join(facts, ", ")}
	case "level":
		return map[string]any{"type": "string", "enum": assess.Levels,
			"description": "GET /api/v1/rankings: district, street or department; GET /api/v1/assessments: also community and supervisor"}
	case "kpi":
		return map[string]any{"type": "string", "example": "closure_rate", "description": "An indicator or composite code (jn_score)"}
	}
	return map[string]any{"type": "string", "description": "A date YYYY-MM-DD (or, on lists, an RFC 3339 time). On /api/v1/kpis and /api/v1/rankings only dates, both days included; on lists 'to' is exclusive (before it)."}
}
