package bulletin

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"cityloop/internal/assess"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// Figure is one indicator of a bulletin as it prints, with the case lists
// behind it (GET /api/v1/cases queries; "" where the figure is not a
// number of cases).
type Figure struct {
	Code        string
	Name        kpi.Name
	Unit        string
	Value       *float64
	Numerator   float64
	Denominator *int
	Target      *float64
	MeetsTarget *bool
	Formula     string
	NumURL      string
	DenURL      string
}

// Row is one unit of a ranking: its place, score, grade and the figures
// of the scheme's items.
type Row struct {
	Rank       int
	Code, Name string
	Score      *float64
	Grade      string
	Parts      []Figure
	Deducted   float64
}

// Ranking is the units of one level ranked by the scheme, with 红黑榜.
type Ranking struct {
	Title      string // 各区 / 各街道 / 各部门
	Items      []kpi.Name
	Rows       []Row
	Red, Black []Row
}

// Report is what a bulletin says, before it is rendered.
type Report struct {
	Bulletin  *Bulletin
	Period    kpi.Period
	Scheme    *assess.Scheme
	Figures   []Figure
	Score     Row // the scope's own assessment
	Rankings  []Ranking
	Generated time.Time
}

// RedBlackN is how many units each of the 红榜 and 黑榜 names.
const RedBlackN = 3

// Service produces bulletins.
type Service struct {
	Counter assess.Counter
	Atlas   func() *org.Atlas
	Dict    func() *catalog.Dictionary
	// Book is the city's indicator book (nil: the shipped one); Schemes
	// its assessment schemes (nil: the shipped ones); Scheme the code of
	// the one bulletins rank by ("": jn_table).
	Book    *kpi.Set
	Schemes *assess.Book
	Scheme  string
	Store   Store
	Loc     *time.Location
	Now     func() time.Time
	NewID   func() string
	// Font renders the PDF's Chinese text (see [FindFont]).
	Font    *Font
	fontErr error
}

// system is the platform itself: bulletins count every case of their scope.
var system = org.Actor{ID: "system", Grants: []org.Grant{{Post: org.PostSystem}}}

func (s *Service) book() *kpi.Set {
	if s.Book != nil {
		return s.Book
	}
	return kpi.Default()
}

func (s *Service) scheme(day time.Time) (*assess.Scheme, error) {
	b := s.Schemes
	if b == nil {
		b = assess.Default()
	}
	code := s.Scheme
	if code == "" {
		code = "jn_table"
	}
	return b.Find(code, day)
}

// unit is what a figure or a case link is about.
type unit struct {
	level org.Level // 0: a department
	code  string
}

func (u unit) filter() casework.Filter {
	switch {
	case u.level == 0:
		return casework.Filter{Department: u.code}
	case u.level == org.LevelCity:
		return casework.Filter{}
	}
	return casework.Filter{Region: u.code, RegionLevel: u.level}
}

// casesURL is the case list of u over p where pred holds, spelled as GET
// /api/v1/kpis spells it, so a bulletin's link and the API's agree.
func (u unit) casesURL(p kpi.Period, pred casework.Predicate) string {
	q := url.Values{}
	switch {
	case u.level == 0:
		q.Set("department", u.code)
	case u.level != org.LevelCity:
		q.Set("region", u.code)
	}
	q.Set("from", p.From.Format("2006-01-02"))
	q.Set("to", p.To.Format("2006-01-02"))
	if len(pred) > 0 {
		q.Set("is", pred.String())
	}
	return "/api/v1/cases?" + q.Encode()
}

func (u unit) figure(p kpi.Period, f kpi.Figure) Figure {
	out := Figure{Code: f.Def.Code, Name: f.Def.Name, Unit: f.Def.Unit, Value: f.Value, Numerator: f.Numerator,
		Denominator: f.Denominator, Target: f.Def.Target, MeetsTarget: f.MeetsTarget, Formula: f.Def.FormulaText()}
	if f.Def.Kind != kpi.KindMean {
		out.NumURL = u.casesURL(p, f.NumCases)
	}
	if f.Def.Kind != kpi.KindCount {
		out.DenURL = u.casesURL(p, f.DenCases)
	}
	return out
}

// Build gathers the report of kind for the period containing day, for the
// scope region (the city or a district).
func (s *Service) Build(ctx context.Context, kind Kind, day time.Time, scope string) (*Report, error) {
	if !kind.Valid() {
		return nil, errs.Invalid("通报类型须为 month、quarter 或 year / kind must be month, quarter or year").WithField("kind", "month, quarter or year")
	}
	atlas := s.Atlas()
	reg, ok := atlas.Region(scope)
	if !ok || (reg.Level != org.LevelCity && reg.Level != org.LevelDistrict) {
		return nil, errs.Invalid("通报范围须为全市或一个区 / a bulletin covers the city or one district").WithField("scope", "the city's or a district's code; see GET /api/v1/regions")
	}
	p := kind.Period(day.In(s.Loc))
	sch, err := s.scheme(p.From)
	if err != nil {
		return nil, err
	}
	plan, err := assess.NewPlan(sch, s.book(), p.From)
	if err != nil {
		return nil, err
	}
	u := unit{level: reg.Level, code: reg.Code}
	b := &Bulletin{Kind: kind, Scope: reg.Code, ScopeLevel: reg.Level, ScopeName: reg.Name, From: p.From.UTC(), To: p.To.UTC(),
		Title: title(kind, p, reg.Name), Scheme: sch.Code, CreatedAt: s.Now().UTC(), CreatedBy: "system"}
	r := &Report{Bulletin: b, Period: p, Scheme: sch, Generated: b.CreatedAt}

	defs := s.book().InForce(p.From)
	sets, num, den := kpi.Sets(defs)
	f := u.filter()
	f.From, f.To = &p.From, &p.To
	rows, err := s.Counter.Tally(ctx, system, casework.TallyQuery{Filter: f, Sets: sets})
	if err != nil {
		return nil, fmt.Errorf("bulletin %s: count the figures: %w", b.Title, err)
	}
	var row *casework.TallyRow
	if len(rows) > 0 {
		row = &rows[0]
	}
	for _, fig := range kpi.Compute(defs, num, den, row) {
		r.Figures = append(r.Figures, u.figure(p, fig))
	}
	own, err := assess.AssessOne(ctx, s.Counter, system, plan, u.filter(), p)
	if err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", b.Title, err)
	}
	r.Score = s.row(p, assess.Ranked{Unit: assess.Unit{Level: u.level, Code: u.code, Name: reg.Name}, Result: own})

	type level struct {
		title, group string
		units        []assess.Unit
	}
	var levels []level
	var districts, streets, deps []assess.Unit
	for _, d := range atlas.Regions(org.LevelDistrict) {
		districts = append(districts, assess.Unit{Level: org.LevelDistrict, Code: d.Code, Name: d.Name})
	}
	for _, st := range atlas.Regions(org.LevelStreet) {
		if reg.Level == org.LevelCity || atlas.Within(st.Code, reg.Code) {
			streets = append(streets, assess.Unit{Level: org.LevelStreet, Code: st.Code, Name: st.Name})
		}
	}
	if reg.Level == org.LevelCity {
		for _, d := range s.Dict().Departments() {
			deps = append(deps, assess.Unit{Code: d.Code, Name: d.Name.Zh})
		}
		levels = append(levels, level{"各区考核排名", "district", districts}, level{"各街道考核排名", "street", streets}, level{"各部门考核排名", "department", deps})
	} else {
		levels = append(levels, level{"各街道考核排名", "street", streets})
	}
	for _, lv := range levels {
		ranked, err := assess.Assess(ctx, s.Counter, system, assess.Query{Plan: plan, Period: p, GroupBy: lv.group, Within: u.filter(), Units: lv.units})
		if err != nil {
			return nil, fmt.Errorf("bulletin %s: rank %s: %w", b.Title, lv.group, err)
		}
		rk := Ranking{Title: lv.title}
		for _, it := range plan.Defs {
			rk.Items = append(rk.Items, it.Name)
		}
		for _, x := range ranked {
			rk.Rows = append(rk.Rows, s.row(p, x))
		}
		red, black := assess.RedBlack(ranked, RedBlackN)
		for _, x := range red {
			rk.Red = append(rk.Red, s.row(p, x))
		}
		for _, x := range black {
			rk.Black = append(rk.Black, s.row(p, x))
		}
		r.Rankings = append(r.Rankings, rk)
	}
	return r, nil
}

func (s *Service) row(p kpi.Period, x assess.Ranked) Row {
	u := unit{level: x.Level, code: x.Code}
	out := Row{Rank: x.Rank, Code: x.Code, Name: x.Name, Score: x.Result.Score, Grade: x.Result.Grade}
	for _, part := range x.Result.Parts {
		out.Parts = append(out.Parts, u.figure(p, part.Figure))
	}
	for _, d := range x.Result.Deductions {
		out.Deducted += d.Points
	}
	return out
}

// title is the bulletin's heading: 示范市2026年1月城市管理考核通报.
func title(k Kind, p kpi.Period, scope string) string {
	switch k {
	case Quarter:
		return fmt.Sprintf("%s%d年第%d季度城市管理考核", scope, p.From.Year(), (int(p.From.Month())-1)/3+1)
	case Year:
		return fmt.Sprintf("%s%d年度城市管理评估", scope, p.From.Year())
	}
	return fmt.Sprintf("%s%d年%d月城市管理考核通报", scope, p.From.Year(), int(p.From.Month()))
}
