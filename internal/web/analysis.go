package web

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

func init() {
	for k, v := range analysisMessages {
		messages[k] = v
	}
}

var analysisMessages = map[string][2]string{
	"an_nav":           {"指标与考核", "Indicators & rankings"},
	"an_kpis":          {"指标", "Indicators"},
	"an_rankings":      {"考核排名", "Rankings"},
	"an_bulletins":     {"通报", "Bulletins"},
	"an_analysis":      {"分析", "Analysis"},
	"an_cases":         {"案件清单", "Case list"},
	"an_from":          {"开始日期", "From"},
	"an_to":            {"结束日期（含）", "To (included)"},
	"an_unit":          {"对象", "Unit"},
	"an_city":          {"全市", "Whole city"},
	"an_show":          {"查询", "Show"},
	"an_last_month":    {"上月", "Last month"},
	"an_this_month":    {"本月", "This month"},
	"an_this_quarter":  {"本季度", "This quarter"},
	"an_this_year":     {"本年", "This year"},
	"an_indicator":     {"指标", "Indicator"},
	"an_value":         {"本期", "This period"},
	"an_target":        {"目标", "Target"},
	"an_meets":         {"达标", "Meets"},
	"an_fails":         {"未达标", "Fails"},
	"an_previous":      {"上期", "Period before"},
	"an_mom":           {"环比", "MoM"},
	"an_year_ago":      {"去年同期", "A year before"},
	"an_yoy":           {"同比", "YoY"},
	"an_open_cases":    {"案件", "Cases"},
	"an_numerator":     {"分子", "numerator"},
	"an_denominator":   {"分母", "denominator"},
	"an_formula":       {"口径", "Formula"},
	"an_failing":       {"未达标指标", "Figures failing their target"},
	"an_level":         {"考核对象", "Ranked"},
	"an_scheme":        {"考核方案（留空为默认）", "Scheme (empty: the level's default)"},
	"an_rank":          {"名次", "Rank"},
	"an_score":         {"综合得分", "Score"},
	"an_grade":         {"等级", "Grade"},
	"an_deductions":    {"扣分", "Deductions"},
	"an_red":           {"红榜", "Red list (best)"},
	"an_black":         {"黑榜", "Black list (worst)"},
	"an_district":      {"区", "Districts"},
	"an_street":        {"街道", "Streets"},
	"an_community":     {"社区", "Communities"},
	"an_department":    {"处置单位", "Handling departments"},
	"an_supervisor":    {"监督员", "Supervisors"},
	"an_title":         {"标题", "Title"},
	"an_kind":          {"类型", "Kind"},
	"an_period":        {"期间", "Period"},
	"an_produced":      {"生成时间", "Produced"},
	"an_files":         {"下载", "Download"},
	"an_produce":       {"立即生成", "Produce now"},
	"an_produce_day":   {"所在期间任一天", "Any day of the period"},
	"an_scope":         {"范围", "Scope"},
	"an_month":         {"月通报", "Monthly bulletin"},
	"an_quarter":       {"季考核", "Quarterly assessment"},
	"an_year":          {"年评估", "Yearly evaluation"},
	"an_produced_ok":   {"已生成通报", "Bulletin produced"},
	"an_none":          {"无", "None"},
	"an_total":         {"共", "Total"},
	"an_export":        {"导出", "Export"},
	"an_prev_page":     {"上一页", "Previous page"},
	"an_next_page":     {"下一页", "Next page"},
	"an_code":          {"案件编号", "Case number"},
	"an_status":        {"状态", "Status"},
	"an_category":      {"类别", "Category"},
	"an_place":         {"地点", "Place"},
	"an_reported":      {"上报时间", "Reported"},
	"an_filter":        {"筛选条件", "Filter"},
	"an_no_value":      {"—", "—"},
	"an_heat":          {"网格热力（案件最多的网格）", "Grid heat (busiest grids)"},
	"an_heat_map":      {"在地图上查看", "See on the map"},
	"an_grid":          {"网格", "Grid"},
	"an_count":         {"案件数", "Cases"},
	"an_per_km2":       {"每平方公里", "Per km²"},
	"an_hours":         {"时段分布（星期×小时）", "Hour of week"},
	"an_top":           {"高发小类", "Top sub-classes"},
	"an_change":        {"较上期", "Change"},
	"an_recurrence":    {"复发热点", "Recurrence hotspots"},
	"an_targets":       {"规划目标对比基准年", "Plan targets against the baseline year"},
	"an_baseline":      {"基准年", "Baseline"},
	"an_now":           {"本期", "Now"},
	"an_forecast":      {"下周预测（网格×小类）", "Next week's forecast (grid × sub-class)"},
	"an_forecast_err":  {"回测误差（前6周）", "Backtest error (6 weeks before)"},
	"an_model":         {"模型", "Model"},
	"an_naive":         {"朴素基线（同上周）", "Naive (same as last week)"},
	"an_expected":      {"预计", "Expected"},
	"an_actual":        {"实际", "Actual"},
	"an_weekday":       {"星期", "Day"},
	"an_bulletin_help": {"每月第一个工作日自动生成上月通报；季度、年度同理。", "The month's bulletin is produced on the first working day of the next month; quarters and years likewise."},
}

// analysisRoutes mounts the assessment pages; without the API in process
// (API nil) they are left out.
func (s *Server) analysisRoutes(mux *http.ServeMux) {
	if s.API == nil {
		return
	}
	p := s.page
	mux.Handle("GET /console/kpis", p(s.handleKPIPage))
	mux.Handle("GET /console/rankings", p(s.handleRankingPage))
	mux.Handle("GET /console/bulletins", p(s.handleBulletinPage))
	mux.Handle("POST /console/bulletins", p(s.handleBulletinProduce))
	mux.Handle("GET /console/bulletins/{file}", p(s.handleBulletinDownload))
	mux.Handle("GET /console/analysis", p(s.handleAnalysisPage))
	mux.Handle("GET /console/cases", p(s.handleCaseListPage))
	mux.Handle("GET /console/cases/export", p(s.handleCaseExport))
}

// AnalysisNav reports whether the console links the assessment pages:
// for staff, when they are mounted.
func (v *view) AnalysisNav() bool {
	if v.Actor == nil || !v.analysis {
		return false
	}
	for _, g := range v.Actor.Grants {
		if g.Post != org.PostCitizen {
			return true
		}
	}
	return false
}

// period is the page's date range: from and to (both days included) of
// the query, or the last full month.
func (s *Server) period(q url.Values) (from, to string) {
	from, to = q.Get("from"), q.Get("to")
	if from != "" && to != "" {
		return from, to
	}
	now := s.Now().In(s.Cal.Location())
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	return first.AddDate(0, -1, 0).Format(dayLayout), first.AddDate(0, 0, -1).Format(dayLayout)
}

const dayLayout = "2006-01-02"

// quickPeriods are the ranges a meeting asks for most.
func (s *Server) quickPeriods(l lang, base string) []option {
	now := s.Now().In(s.Cal.Location())
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	qm := time.Month((int(now.Month())-1)/3*3 + 1)
	quarter := time.Date(now.Year(), qm, 1, 0, 0, 0, 0, now.Location())
	year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
	today := now.Format(dayLayout)
	span := func(key, from, to string) option {
		return option{Label: l.T(key), Value: base + "from=" + from + "&to=" + to}
	}
	return []option{
		span("an_last_month", first.AddDate(0, -1, 0).Format(dayLayout), first.AddDate(0, 0, -1).Format(dayLayout)),
		span("an_this_month", first.Format(dayLayout), today),
		span("an_this_quarter", quarter.Format(dayLayout), today),
		span("an_this_year", year.Format(dayLayout), today),
	}
}

// apiKPI is one figure as GET /api/v1/kpis answers it.
type apiKPI struct {
	Code        string            `json:"code"`
	Name        map[string]string `json:"name"`
	Value       *float64          `json:"value"`
	Numerator   float64           `json:"numerator"`
	Denominator *int              `json:"denominator"`
	Formula     string            `json:"formula"`
	Target      *float64          `json:"target"`
	MeetsTarget *bool             `json:"meets_target"`
	Direction   string            `json:"direction"`
	Cases       apiLinks          `json:"cases"`
	Previous    *apiCompare       `json:"previous"`
	YearAgo     *apiCompare       `json:"year_ago"`
	MoM         *float64          `json:"mom"`
	YoY         *float64          `json:"yoy"`
}

type apiLinks struct {
	Numerator   *string `json:"numerator"`
	Denominator *string `json:"denominator"`
}

type apiCompare struct {
	From, To string
	Value    *float64 `json:"value"`
	Cases    apiLinks `json:"cases"`
}

// unit is how a figure is spelled: a rate in per cent, a mean in hours,
// a count bare. The API's links tell which: a count has no denominator
// list, a mean no numerator list.
func (k apiKPI) unit() string {
	switch {
	case k.Denominator == nil:
		return ""
	case k.Cases.Numerator == nil:
		return " h"
	}
	return " %"
}

func fmtValue(v *float64, unit string) string {
	if v == nil {
		return "—"
	}
	if unit == "" && *v == math.Trunc(*v) {
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
	return strconv.FormatFloat(*v, 'f', 2, 64) + unit
}

// fmtChange spells a relative change with its arrow (↑ +5.2 %), classed
// better or worse by the figure's direction (more 超期 is worse).
func fmtChange(c *float64, direction string) (string, string) {
	if c == nil {
		return "—", ""
	}
	pct := *c * 100
	better := map[bool]string{true: "chg-better", false: "chg-worse"}
	switch {
	case pct > 0.05:
		return fmt.Sprintf("↑ +%.1f %%", pct), better[direction != "lower"]
	case pct < -0.05:
		return fmt.Sprintf("↓ %.1f %%", pct), better[direction == "lower"]
	}
	return "→ 0 %", ""
}

// kpiRow is one line of the 指标 table.
type kpiRow struct {
	Code, Name, Formula          string
	Value, Target, Status, Class string
	Prev, PrevURL, MoM, MoMClass string
	Ago, AgoURL, YoY, YoYClass   string
	NumURL, DenURL               string
}

type kpiPage struct {
	From, To, Unit string
	Units          []option
	Quick          []option
	UnitName       string
	Rows           []kpiRow
	Failing        []kpiRow
}

// unitOptions are the units the 指标 page offers: the city, districts,
// streets, handling departments (the API refuses those outside the
// caller's jurisdiction, with a message).
func (s *Server) unitOptions(l lang, selected string) ([]option, string) {
	atlas := s.World.Atlas()
	out := []option{{Value: "", Label: l.T("an_city"), Selected: selected == ""}}
	name := l.T("an_city")
	for _, lv := range []struct {
		level org.Level
		key   string
	}{{org.LevelDistrict, "an_district"}, {org.LevelStreet, "an_street"}} {
		for _, reg := range atlas.Regions(lv.level) {
			o := option{Value: reg.Code, Label: l.T(lv.key) + " · " + reg.Name, Selected: selected == reg.Code}
			if o.Selected {
				name = reg.Name
			}
			out = append(out, o)
		}
	}
	if reg, ok := atlas.Region(selected); ok && reg.Level > org.LevelStreet {
		out = append(out, option{Value: reg.Code, Label: reg.Name, Selected: true})
		name = reg.Name
	}
	for _, d := range s.World.Dict().Departments() {
		o := option{Value: "dept:" + d.Code, Label: l.T("an_department") + " · " + l.pick([2]string{d.Name.Zh, d.Name.En}), Selected: selected == "dept:"+d.Code}
		if o.Selected {
			name = o.Label
		}
		out = append(out, o)
	}
	return out, name
}

func (s *Server) handleKPIPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("an_kpis")
	q := r.URL.Query()
	p := &kpiPage{Unit: q.Get("unit")}
	if !q.Has("unit") {
		// A street head or a district's leader starts on his own region:
		// the city's figures are not his to see.
		for _, g := range sess.actor.Grants {
			if g.Region != "" && (g.Post == org.PostStreetHead || g.Post == org.PostLeader) {
				p.Unit = g.Region
				break
			}
		}
	}
	p.From, p.To = s.period(q)
	p.Units, p.UnitName = s.unitOptions(v.L, p.Unit)
	if id, ok := strings.CutPrefix(p.Unit, "sup:"); ok {
		// A supervisor's figures, opened from the ranking: named, and kept
		// in the form so that another period stays on him.
		p.UnitName = l10nSupervisor(v.L, id)
		if acc, err := s.Accounts.FindAccountByID(r.Context(), id); err == nil {
			p.UnitName = l10nSupervisor(v.L, acc.Name)
		}
		p.Units = append(p.Units, option{Value: p.Unit, Label: p.UnitName, Selected: true})
	}
	unitQ := ""
	if p.Unit != "" {
		unitQ = "unit=" + url.QueryEscape(p.Unit) + "&"
	}
	p.Quick = s.quickPeriods(v.L, "/console/kpis?"+unitQ)
	api := url.Values{"from": {p.From}, "to": {p.To}}
	switch {
	case strings.HasPrefix(p.Unit, "dept:"):
		api.Set("department", strings.TrimPrefix(p.Unit, "dept:"))
	case strings.HasPrefix(p.Unit, "sup:"):
		api.Set("supervisor", strings.TrimPrefix(p.Unit, "sup:"))
	case p.Unit != "":
		api.Set("region", p.Unit)
	}
	var out struct{ Items []apiKPI }
	if err := s.apiCall(r, http.MethodGet, "/api/v1/kpis?"+api.Encode(), nil, &out); err != nil {
		return err
	}
	for _, it := range out.Items {
		u := it.unit()
		row := kpiRow{Code: it.Code, Name: v.L.pick([2]string{it.Name["zh"], it.Name["en"]}), Formula: it.Formula,
			Value: fmtValue(it.Value, u), Target: fmtValue(it.Target, u),
			NumURL: consoleCases(it.Cases.Numerator), DenURL: consoleCases(it.Cases.Denominator)}
		if it.Target == nil {
			row.Target = ""
		}
		if it.MeetsTarget != nil {
			if *it.MeetsTarget {
				row.Status, row.Class = v.L.T("an_meets"), "kpi-ok"
			} else {
				row.Status, row.Class = v.L.T("an_fails"), "kpi-fail"
			}
		}
		if it.Previous != nil {
			row.Prev, row.PrevURL = fmtValue(it.Previous.Value, u), consoleCases(firstLink(it.Previous.Cases))
		}
		if it.YearAgo != nil {
			row.Ago, row.AgoURL = fmtValue(it.YearAgo.Value, u), consoleCases(firstLink(it.YearAgo.Cases))
		}
		row.MoM, row.MoMClass = fmtChange(it.MoM, it.Direction)
		row.YoY, row.YoYClass = fmtChange(it.YoY, it.Direction)
		p.Rows = append(p.Rows, row)
		if row.Class == "kpi-fail" {
			p.Failing = append(p.Failing, row)
		}
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "kpis", v)
	return nil
}

// firstLink is the numerator's list, or the denominator's for a mean.
func firstLink(l apiLinks) *string {
	if l.Numerator != nil {
		return l.Numerator
	}
	return l.Denominator
}

// rankRow is one ranked unit.
type rankRow struct {
	Rank, Unit, Name, Score, Grade, Class string
	KPIURL                                string
	Parts                                 []cell
	Deductions                            []cell
}

// cell is a figure with the cases behind it.
type cell struct{ Text, URL, Class string }

type rankPage struct {
	From, To, Level, Scheme string
	Levels                  []option
	Quick                   []option
	Title                   string
	Headers                 []string
	Rows                    []rankRow
	Red, Black              []rankRow
}

func (s *Server) handleRankingPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("an_rankings")
	q := r.URL.Query()
	p := &rankPage{Level: q.Get("level"), Scheme: strings.TrimSpace(q.Get("scheme"))}
	if p.Level == "" {
		p.Level = "district"
	}
	p.From, p.To = s.period(q)
	for _, lv := range []string{"district", "street", "community", "department", "supervisor"} {
		p.Levels = append(p.Levels, option{Value: lv, Label: v.L.T("an_" + lv), Selected: lv == p.Level})
	}
	p.Quick = s.quickPeriods(v.L, "/console/rankings?level="+url.QueryEscape(p.Level)+"&scheme="+url.QueryEscape(p.Scheme)+"&")
	api := url.Values{"level": {p.Level}, "from": {p.From}, "to": {p.To}, "top": {"3"}}
	if p.Scheme != "" {
		api.Set("scheme", p.Scheme)
	}
	var out struct {
		Scheme string
		Name   map[string]string
		Items  []struct {
			Rank       int
			Unit       string
			UnitName   string `json:"unit_name"`
			Score      *float64
			Grade      string
			Parts      []apiKPI
			Deductions []struct {
				Name   map[string]string
				Cases  int
				Points float64
				List   *string
			}
		}
		Red, Black []string
	}
	if err := s.apiCall(r, http.MethodGet, "/api/v1/assessments?"+api.Encode(), nil, &out); err != nil {
		return err
	}
	p.Title = v.L.pick([2]string{out.Name["zh"], out.Name["en"]}) + " · " + p.From + " — " + p.To
	byUnit := map[string]rankRow{}
	for i, it := range out.Items {
		row := rankRow{Unit: it.Unit, Name: it.UnitName, Score: fmtValue(it.Score, ""), Grade: it.Grade, Rank: strconv.Itoa(it.Rank)}
		if it.Rank == 0 {
			row.Rank = "—"
		}
		if it.Score != nil {
			row.Score = strconv.FormatFloat(*it.Score, 'f', 2, 64)
		}
		switch {
		case p.Level == "supervisor":
			row.KPIURL = "/console/kpis?unit=sup:" + url.QueryEscape(it.Unit) + "&from=" + p.From + "&to=" + p.To
		case p.Level == "department":
			row.KPIURL = "/console/kpis?unit=dept:" + url.QueryEscape(it.Unit) + "&from=" + p.From + "&to=" + p.To
		default:
			row.KPIURL = "/console/kpis?unit=" + url.QueryEscape(it.Unit) + "&from=" + p.From + "&to=" + p.To
		}
		for _, part := range it.Parts {
			if i == 0 {
				p.Headers = append(p.Headers, v.L.pick([2]string{part.Name["zh"], part.Name["en"]}))
			}
			c := cell{Text: fmtValue(part.Value, part.unit()), URL: consoleCases(part.Cases.Numerator)}
			if part.MeetsTarget != nil && !*part.MeetsTarget {
				c.Class = "kpi-fail"
			}
			row.Parts = append(row.Parts, c)
		}
		for _, d := range it.Deductions {
			if d.Cases == 0 {
				continue
			}
			row.Deductions = append(row.Deductions, cell{Text: fmt.Sprintf("%s %d · −%.2f", v.L.pick([2]string{d.Name["zh"], d.Name["en"]}), d.Cases, d.Points), URL: consoleCases(d.List)})
		}
		byUnit[it.Unit] = row
		p.Rows = append(p.Rows, row)
	}
	for _, c := range out.Red {
		p.Red = append(p.Red, byUnit[c])
	}
	for _, c := range out.Black {
		p.Black = append(p.Black, byUnit[c])
	}
	for i := range p.Rows {
		for _, b := range out.Black {
			if p.Rows[i].Unit == b {
				p.Rows[i].Class = "rank-black"
			}
		}
		for _, b := range out.Red {
			if p.Rows[i].Unit == b {
				p.Rows[i].Class = "rank-red"
			}
		}
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "rankings", v)
	return nil
}

// bulletinRow is one archived bulletin.
type bulletinRow struct {
	ID, Title, Kind, Period, Produced string
	Files                             []option // format → console download URL
}

type bulletinPage struct {
	Rows     []bulletinRow
	Producer bool
	Kinds    []option
	Scopes   []option
	Day      string
}

func (s *Server) handleBulletinPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("an_bulletins")
	if id := r.URL.Query().Get("produced"); id != "" {
		v.Flash = v.L.T("an_produced_ok") + " " + id
	}
	var out struct {
		Items []struct {
			ID        string    `json:"id"`
			Title     string    `json:"title"`
			Kind      string    `json:"kind"`
			FromDay   string    `json:"from_day"`
			ToDay     string    `json:"to_day"`
			CreatedAt time.Time `json:"created_at"`
		}
	}
	if err := s.apiCall(r, http.MethodGet, "/api/v1/bulletins?limit=200", nil, &out); err != nil {
		return err
	}
	p := &bulletinPage{Day: s.Now().In(s.Cal.Location()).AddDate(0, -1, 0).Format(dayLayout)}
	for _, b := range out.Items {
		row := bulletinRow{ID: b.ID, Title: b.Title, Kind: v.L.T("an_" + b.Kind), Period: b.FromDay + " — " + b.ToDay, Produced: v.Time(b.CreatedAt)}
		for _, f := range []string{"html", "pdf", "xlsx"} {
			row.Files = append(row.Files, option{Label: strings.ToUpper(f), Value: "/console/bulletins/" + url.PathEscape(b.ID) + "." + f})
		}
		p.Rows = append(p.Rows, row)
	}
	for _, post := range []org.Post{org.PostAdmin, org.PostLeader} {
		if _, ok := sess.actor.Grant(post); ok {
			p.Producer = true
		}
	}
	for _, k := range []string{"month", "quarter", "year"} {
		p.Kinds = append(p.Kinds, option{Value: k, Label: v.L.T("an_" + k)})
	}
	atlas := s.World.Atlas()
	p.Scopes = append(p.Scopes, option{Value: "", Label: v.L.T("an_city")})
	for _, reg := range atlas.Regions(org.LevelDistrict) {
		p.Scopes = append(p.Scopes, option{Value: reg.Code, Label: reg.Name})
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "bulletins", v)
	return nil
}

// handleBulletinProduce is the "produce now" button: POST /api/v1/bulletins
// as the person (administrator or leader; the API checks and audits).
func (s *Server) handleBulletinProduce(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	body := map[string]string{"kind": r.FormValue("kind"), "day": r.FormValue("day"), "scope": r.FormValue("scope")}
	var out struct{ ID string }
	if err := s.apiCall(r, http.MethodPost, "/api/v1/bulletins", body, &out); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/bulletins?produced="+url.QueryEscape(out.ID), http.StatusSeeOther)
	return nil
}

// handleBulletinDownload serves a bulletin file through the API, which
// checks the jurisdiction and audits the download.
func (s *Server) handleBulletinDownload(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	path := "/api/v1/bulletins/" + url.PathEscape(file)
	if !strings.HasSuffix(file, ".html") {
		return s.apiDownload(w, r, path)
	}
	// The archived HTML links each figure to its API case list (JSON, for a
	// bearer); opened from the console, it links to the console's list of
	// the same query instead, which the browser's session opens.
	req, err := s.apiRequest(r, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	rec := &recorder{h: http.Header{}}
	s.API.ServeHTTP(rec, req)
	if rec.status >= 300 {
		return problemError(rec.status, rec.buf.Bytes())
	}
	page := strings.ReplaceAll(rec.buf.String(), `href="/api/v1/cases?`, `href="/console/cases?`)
	for _, h := range []string{"Content-Type", "Content-Security-Policy"} {
		w.Header().Set(h, rec.h.Get(h))
	}
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.WriteString(w, page)
	return err
}

// caseListParams are what the console's case list passes on to the API.
var caseListParams = []string{"status", "category", "region", "source", "light", "from", "to", "department", "reporter", "overdue", "is", "q"}

// apiListQuery is the API list query of the page's filter.
func apiListQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range caseListParams {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

type caseListRow struct {
	ID, Code, Status, Category, Place, Reported string
}

type caseListPage struct {
	Filter     []option
	Total      int
	Rows       []caseListRow
	CSV, XLSX  string
	Prev, Next string
	// Query is the search box's text (q=); it searches within Filter.
	Query string
}

const caseListPageSize = 50

func (s *Server) handleCaseListPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("an_cases")
	q := r.URL.Query()
	f := apiListQuery(q)
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	api := url.Values{}
	for k, vs := range f {
		api[k] = vs
	}
	api.Set("limit", strconv.Itoa(caseListPageSize))
	api.Set("offset", strconv.Itoa(offset))
	if v.L.En() {
		api.Set("lang", "en")
	}
	var out struct {
		Total int
		Items []struct {
			ID           string    `json:"id"`
			Code         string    `json:"code"`
			StatusName   string    `json:"status_name"`
			CategoryName string    `json:"category_name"`
			Address      string    `json:"address"`
			ReportedAt   time.Time `json:"reported_at"`
		}
	}
	if err := s.apiCall(r, http.MethodGet, "/api/v1/cases?"+api.Encode(), nil, &out); err != nil {
		return err
	}
	p := &caseListPage{Total: out.Total, Query: f.Get("q")}
	for _, k := range caseListParams {
		if val := f.Get(k); val != "" && k != "q" {
			p.Filter = append(p.Filter, option{Value: k, Label: val})
		}
	}
	for _, c := range out.Items {
		p.Rows = append(p.Rows, caseListRow{ID: c.ID, Code: c.Code, Status: c.StatusName, Category: c.CategoryName, Place: c.Address, Reported: v.Time(c.ReportedAt)})
	}
	enc := f.Encode()
	p.CSV = "/console/cases/export?" + enc + sepIf(enc) + "format=csv"
	p.XLSX = "/console/cases/export?" + enc + sepIf(enc) + "format=xlsx"
	page := func(off int) string { return "/console/cases?" + enc + sepIf(enc) + "offset=" + strconv.Itoa(off) }
	if offset > 0 {
		p.Prev = page(max(offset-caseListPageSize, 0))
	}
	if offset+caseListPageSize < out.Total {
		p.Next = page(offset + caseListPageSize)
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "caselist", v)
	return nil
}

func sepIf(enc string) string {
	if enc == "" {
		return ""
	}
	return "&"
}

// handleCaseExport downloads the filter's cases as CSV or XLSX through the
// API (same jurisdiction, masking and audit as GET /api/v1/cases?format=).
func (s *Server) handleCaseExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.Invalid("导出格式须为 csv 或 xlsx / format must be csv or xlsx")
	}
	api := apiListQuery(q)
	api.Set("format", format)
	return s.apiDownload(w, r, "/api/v1/cases?"+api.Encode())
}

// analysisPage is the 分析 page: the six analyses of /api/v1/analysis/…
// over one region and period, each figure opening into its cases.
type analysisPage struct {
	Region, From, To string
	Regions          []option
	Heat             []analysisRow
	HeatTotal        string
	Hours            [][]cell // 7 rows of 24
	Peaks            []string
	Top              []analysisRow
	Recurrence       []analysisRow
	Targets          []analysisRow
	Forecast         []analysisRow
	ForecastTotal    string
	ForecastWeek     string
	Backtest         []analysisRow
	BacktestWeeks    []analysisRow
	Skill            string
	Weekdays         []string
}

// analysisRow is one line of an analysis table: its cells and the cases.
type analysisRow struct {
	Cells []string
	URL   string
	Class string
}

func fnum(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

func fpct(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%+.1f %%", *v*100)
}

func (s *Server) handleAnalysisPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("an_analysis")
	q := r.URL.Query()
	p := &analysisPage{Region: q.Get("region"), From: q.Get("from"), To: q.Get("to")}
	atlas := s.World.Atlas()
	p.Regions = append(p.Regions, option{Value: "", Label: v.L.T("an_city"), Selected: p.Region == ""})
	for _, reg := range atlas.Regions(org.LevelDistrict) {
		p.Regions = append(p.Regions, option{Value: reg.Code, Label: reg.Name, Selected: p.Region == reg.Code})
	}
	base := url.Values{}
	if p.Region != "" {
		base.Set("region", p.Region)
	}
	span := url.Values{}
	for k, vs := range base {
		span[k] = vs
	}
	if p.From != "" && p.To != "" {
		// The analyses take times; a day's end is the next midnight.
		to, err := time.ParseInLocation(dayLayout, p.To, s.Cal.Location())
		if err != nil {
			return errs.Invalid("结束日期须为 YYYY-MM-DD / to must be a date YYYY-MM-DD")
		}
		span.Set("from", p.From)
		span.Set("to", to.AddDate(0, 0, 1).Format(dayLayout))
	}
	get := func(path string, qv url.Values, out any) error {
		return s.apiCall(r, http.MethodGet, path+"?"+qv.Encode(), nil, out)
	}
	with := func(qv url.Values, k, val string) url.Values {
		out := url.Values{}
		for a, b := range qv {
			out[a] = b
		}
		out.Set(k, val)
		return out
	}
	name := func(m map[string]string) string { return v.L.pick([2]string{m["zh"], m["en"]}) }

	var heat struct {
		Grids []struct {
			Name   string
			Count  int
			PerKm2 *float64 `json:"per_km2"`
			Cases  string
		}
		Total int
	}
	if err := get("/api/v1/analysis/heat", with(span, "limit", "10"), &heat); err != nil {
		return err
	}
	p.HeatTotal = strconv.Itoa(heat.Total)
	for _, g := range heat.Grids {
		d := "—"
		if g.PerKm2 != nil {
			d = fnum(*g.PerKm2, 0)
		}
		p.Heat = append(p.Heat, analysisRow{Cells: []string{g.Name, strconv.Itoa(g.Count), d}, URL: consoleCases(&g.Cases)})
	}

	var how struct {
		Matrix [][]int
		Peaks  []struct{ Name string }
	}
	if err := get("/api/v1/analysis/hour-of-week", span, &how); err != nil {
		return err
	}
	most := 1
	for _, row := range how.Matrix {
		for _, n := range row {
			most = max(most, n)
		}
	}
	for _, row := range how.Matrix {
		var cells []cell
		for _, n := range row {
			// Six shades, as the big screen's legend: the busiest hour is h5.
			cells = append(cells, cell{Text: strconv.Itoa(n), Class: "h" + strconv.Itoa(min(5, n*6/(most+1)))})
		}
		p.Hours = append(p.Hours, cells)
	}
	for _, pk := range how.Peaks {
		p.Peaks = append(p.Peaks, pk.Name)
	}
	p.Weekdays = strings.Split(v.L.pick([2]string{"周一,周二,周三,周四,周五,周六,周日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"}), ",")

	var top struct {
		Items []struct {
			Name     map[string]string
			Count    int
			Previous int
			Change   *float64
			Share    float64
			Cases    string
		}
	}
	if err := get("/api/v1/analysis/top-categories", with(span, "limit", "10"), &top); err != nil {
		return err
	}
	for _, it := range top.Items {
		p.Top = append(p.Top, analysisRow{Cells: []string{name(it.Name), strconv.Itoa(it.Count), strconv.Itoa(it.Previous), fpct(it.Change), fnum(it.Share*100, 1) + " %"}, URL: consoleCases(&it.Cases)})
	}

	var rec struct {
		Items []struct {
			GridName  string `json:"grid_name"`
			Name      map[string]string
			Count     int
			Recurring int
			Rate      float64
			Cases     string
		}
	}
	if err := get("/api/v1/analysis/recurrence-hotspots", with(span, "limit", "10"), &rec); err != nil {
		return err
	}
	for _, it := range rec.Items {
		p.Recurrence = append(p.Recurrence, analysisRow{Cells: []string{it.GridName, name(it.Name), strconv.Itoa(it.Count), strconv.Itoa(it.Recurring), fnum(it.Rate*100, 0) + " %"}, URL: consoleCases(&it.Cases)})
	}

	type target struct {
		Name        map[string]string
		Count       int
		Baseline    int
		Change      *float64
		Target      float64
		MeetsTarget *bool `json:"meets_target"`
		Cases       map[string]string
	}
	var tg struct {
		BaselineYear int `json:"baseline_year"`
		Incidence    *target
		Complaints   *target
		BySubClass   []target `json:"by_sub_class"`
	}
	if err := get("/api/v1/analysis/targets", with(base, "limit", "8"), &tg); err != nil {
		return err
	}
	addTarget := func(t *target) {
		if t == nil {
			return
		}
		row := analysisRow{Cells: []string{name(t.Name), strconv.Itoa(tg.BaselineYear) + ": " + strconv.Itoa(t.Baseline), strconv.Itoa(t.Count), fpct(t.Change), fpct(&t.Target)}}
		if u, ok := t.Cases["current"]; ok {
			row.URL = consoleCases(&u)
		} else if u, ok := t.Cases["current_citizen"]; ok {
			row.URL = consoleCases(&u)
		}
		if t.MeetsTarget != nil {
			row.Class = "kpi-ok"
			if !*t.MeetsTarget {
				row.Class = "kpi-fail"
			}
		}
		p.Targets = append(p.Targets, row)
	}
	addTarget(tg.Incidence)
	addTarget(tg.Complaints)
	for i := range tg.BySubClass {
		addTarget(&tg.BySubClass[i])
	}

	type errs4 struct {
		MAE       float64 `json:"mae"`
		WAPE      float64 `json:"wape"`
		RMSE      float64 `json:"rmse"`
		MAPETotal float64 `json:"mape_total"`
	}
	var fc struct {
		Week          struct{ From time.Time }
		ExpectedTotal float64 `json:"expected_total"`
		Items         []struct {
			GridName string `json:"grid_name"`
			Name     map[string]string
			Expected float64
			LastWeek int `json:"last_week"`
			Cases    string
		}
		Backtest *struct {
			HoldoutWeeks int `json:"holdout_weeks"`
			Model, Naive errs4
			Skill        float64
			Weeks        []struct {
				WeekStart time.Time `json:"week_start"`
				Actual    int
				Forecast  float64
				Naive     float64
			}
		}
	}
	if err := get("/api/v1/analysis/forecast", with(base, "limit", "10"), &fc); err != nil {
		return err
	}
	p.ForecastTotal = fnum(fc.ExpectedTotal, 0)
	p.ForecastWeek = fc.Week.From.In(s.Cal.Location()).Format(dayLayout)
	for _, it := range fc.Items {
		p.Forecast = append(p.Forecast, analysisRow{Cells: []string{it.GridName, name(it.Name), fnum(it.Expected, 2), strconv.Itoa(it.LastWeek)}, URL: consoleCases(&it.Cases)})
	}
	if bt := fc.Backtest; bt != nil {
		for _, m := range []struct {
			key string
			e   errs4
		}{{"an_model", bt.Model}, {"an_naive", bt.Naive}} {
			p.Backtest = append(p.Backtest, analysisRow{Cells: []string{v.L.T(m.key), fnum(m.e.MAE, 3), fnum(m.e.RMSE, 3), fnum(m.e.WAPE*100, 1) + " %", fnum(m.e.MAPETotal*100, 1) + " %"}})
		}
		p.Skill = fpct(&bt.Skill)
		for _, wk := range bt.Weeks {
			p.BacktestWeeks = append(p.BacktestWeeks, analysisRow{Cells: []string{wk.WeekStart.In(s.Cal.Location()).Format(dayLayout), strconv.Itoa(wk.Actual), fnum(wk.Forecast, 0), fnum(wk.Naive, 0)}})
		}
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "analysis", v)
	return nil
}

func l10nSupervisor(l lang, name string) string { return l.T("an_supervisor") + " · " + name }
