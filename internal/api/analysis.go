package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// Analysis answers /api/v1/analysis/… (package analysis); each method
// applies the actor's jurisdiction.
type Analysis interface {
	Heat(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.HeatResult, error)
	HourOfWeek(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.HourResult, error)
	TopCategories(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.TopResult, error)
	RecurrenceHotspots(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.RecurrenceResult, error)
	Targets(ctx context.Context, actor org.Actor, p analysis.Params) (analysis.TargetsResult, error)
	Forecast(ctx context.Context, actor org.Actor, p analysis.Params, week time.Time) (analysis.ForecastResult, error)
}

// analysisSchemaTypes are the OpenAPI schemas of the analysis answers.
var analysisSchemaTypes = map[string]any{
	"AnalysisHeat": heatView{}, "AnalysisHourOfWeek": hourOfWeekView{}, "AnalysisTopCategories": analysis.TopResult{},
	"AnalysisRecurrence": analysis.RecurrenceResult{}, "AnalysisTargets": analysis.TargetsResult{}, "AnalysisForecast": analysis.ForecastResult{},
}

// heatView is the heat map with the list behind its total.
type heatView struct {
	analysis.HeatResult
	Cases string `json:"cases"`
}

// hourOfWeekView is the hour-of-week answer with the list behind it.
type hourOfWeekView struct {
	analysis.HourResult
	Cases string `json:"cases"`
}

// analysisQuery is what one analysis request asked for.
type analysisQuery struct {
	params analysis.Params
	week   time.Time
}

// parseAnalysis reads the query of an analysis route; allowed are the
// parameters the route's row lists.
func (s *Server) parseAnalysis(r *http.Request, allowed ...string) (analysisQuery, error) {
	var out analysisQuery
	q := r.URL.Query()
	bad := errs.Invalid("统计查询参数有误 / the analysis query is not valid")
	ok := map[string]bool{}
	for _, k := range allowed {
		ok[k] = true
	}
	for k := range q {
		if !ok[k] {
			bad.WithField(k, "unknown parameter; use "+strings.Join(allowed, ", "))
		}
	}
	out.params.Region = strings.TrimSpace(q.Get("region"))
	if v := q.Get("category"); v != "" {
		ref, err := catalog.ParseRef(v)
		if err != nil {
			bad.WithField("category", errMsg(err)+" (e.g. event:0501)")
		} else {
			out.params.Category = &ref
		}
	}
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"from", &out.params.From}, {"to", &out.params.To}, {"week", &out.week}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, s.Cal.Location())
			if err != nil {
				bad.WithField(p.key, "use a date (2026-05-01) or RFC 3339 (2026-05-01T00:00:00+08:00)")
			} else {
				*p.dst = t
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > analysis.MaxLimit {
			bad.WithField("limit", "must be 1–"+strconv.Itoa(analysis.MaxLimit))
		}
		out.params.Limit = n
	}
	if len(bad.Fields) > 0 {
		return out, bad
	}
	return out, nil
}

// analysisService returns the service and the signed-in staff caller.
func (s *Server) analysisCaller(r *http.Request) (Analysis, org.Actor, error) {
	a, err := s.mustPost(r)
	if err != nil {
		return nil, a, err
	}
	if s.Analysis == nil {
		return nil, a, errs.NotFound("此节点未提供统计分析 / analysis is not served on this node")
	}
	return s.Analysis, a, nil
}

// denied records a refusal on the audit trail: asking for a region outside
// one's jurisdiction is a security-relevant event, like any other refusal
// of data. The answer stays the refusal even if the trail cannot be
// written (the failure is logged).
func (s *Server) denied(r *http.Request, actor org.Actor, err error) error {
	if errs.Is(err, errs.KindForbidden) {
		if aerr := s.audit(r, actor.ID, "analysis.denied", r.URL.Path, map[string]any{"query": r.URL.RawQuery}); aerr != nil {
			slog.Error("audit of a refused analysis request", "err", aerr)
		}
	}
	return err
}

// casesURL is the /api/v1/cases query listing the cases reported in w in
// region (the caller's whole jurisdiction when ""), of category and
// source when set; the list applies the same jurisdiction, so its total
// equals the count it stands behind.
func (s *Server) casesURL(region, category string, source casework.Source, w analysis.Window) string {
	v := url.Values{}
	if region != "" {
		v.Set("region", region)
	}
	if category != "" {
		v.Set("category", category)
	}
	if source != "" {
		v.Set("source", string(source))
	}
	loc := s.Cal.Location()
	v.Set("from", w.From.In(loc).Format(time.RFC3339))
	v.Set("to", w.To.In(loc).Format(time.RFC3339))
	return "/api/v1/cases?" + v.Encode()
}

func catString(c *catalog.Ref) string {
	if c == nil {
		return ""
	}
	return c.String()
}

// handleAnalysisHeat: GET /api/v1/analysis/heat?region=&from=&to=&category=&limit=
func (s *Server) handleAnalysisHeat(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "from", "to", "category", "limit")
	if err != nil {
		return err
	}
	if aq.params.Limit == 0 {
		aq.params.Limit = 5000
	}
	res, err := svc.Heat(r.Context(), actor, aq.params)
	if err != nil {
		return s.denied(r, actor, err)
	}
	cat := catString(res.Query.Category)
	for i := range res.Grids {
		res.Grids[i].Cases = s.casesURL(res.Grids[i].Grid, cat, "", res.Window)
	}
	return httpkit.WriteJSON(w, http.StatusOK, heatView{HeatResult: res, Cases: s.casesURL(res.Query.Region, cat, "", res.Window)})
}

// handleAnalysisHourOfWeek: GET /api/v1/analysis/hour-of-week?region=&from=&to=&category=
func (s *Server) handleAnalysisHourOfWeek(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "from", "to", "category")
	if err != nil {
		return err
	}
	res, err := svc.HourOfWeek(r.Context(), actor, aq.params)
	if err != nil {
		return s.denied(r, actor, err)
	}
	return httpkit.WriteJSON(w, http.StatusOK, hourOfWeekView{HourResult: res,
		Cases: s.casesURL(res.Query.Region, catString(res.Query.Category), "", res.Window)})
}

// handleAnalysisTop: GET /api/v1/analysis/top-categories?region=&from=&to=&limit=
func (s *Server) handleAnalysisTop(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "from", "to", "limit")
	if err != nil {
		return err
	}
	res, err := svc.TopCategories(r.Context(), actor, aq.params)
	if err != nil {
		return s.denied(r, actor, err)
	}
	for i := range res.Items {
		it := &res.Items[i]
		it.Cases = s.casesURL(res.Query.Region, it.Category, "", res.Window)
		it.PreviousCases = s.casesURL(res.Query.Region, it.Category, "", res.Previous)
	}
	return httpkit.WriteJSON(w, http.StatusOK, res)
}

// handleAnalysisRecurrence: GET /api/v1/analysis/recurrence-hotspots?region=&from=&to=&category=&limit=
func (s *Server) handleAnalysisRecurrence(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "from", "to", "category", "limit")
	if err != nil {
		return err
	}
	res, err := svc.RecurrenceHotspots(r.Context(), actor, aq.params)
	if err != nil {
		return s.denied(r, actor, err)
	}
	// The list shows the cell's cases of the period (Count); which of them
	// recur is marked on each case (recurrence_of), which the case filters
	// cannot select.
	for i := range res.Items {
		res.Items[i].Cases = s.casesURL(res.Items[i].Grid, res.Items[i].Category, "", res.Window)
	}
	return httpkit.WriteJSON(w, http.StatusOK, res)
}

// handleAnalysisTargets: GET /api/v1/analysis/targets?region=&from=&to=&limit=
func (s *Server) handleAnalysisTargets(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "from", "to", "limit")
	if err != nil {
		return err
	}
	if aq.params.From.IsZero() && aq.params.To.IsZero() {
		// By default the year so far, the period the plan's targets speak of.
		now := s.Now().In(s.Cal.Location())
		aq.params.From, aq.params.To = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location()), now
	}
	res, err := svc.Targets(r.Context(), actor, aq.params)
	if err != nil {
		return s.denied(r, actor, err)
	}
	reg := res.Query.Region
	pair := func(category string) map[string]string {
		return map[string]string{"current": s.casesURL(reg, category, "", res.Window), "baseline": s.casesURL(reg, category, "", res.BaselineWindow)}
	}
	res.Incidence.Cases = pair("")
	for i := range res.BySubClass {
		res.BySubClass[i].Cases = pair(res.BySubClass[i].Category)
	}
	// The case list filters one source at a time: one list per complaint
	// channel, whose totals add up to the figure.
	res.Complaints.Cases = map[string]string{}
	for _, src := range analysis.ComplaintSources {
		res.Complaints.Cases["current_"+string(src)] = s.casesURL(reg, "", src, res.Window)
		res.Complaints.Cases["baseline_"+string(src)] = s.casesURL(reg, "", src, res.BaselineWindow)
	}
	return httpkit.WriteJSON(w, http.StatusOK, res)
}

// handleAnalysisForecast: GET /api/v1/analysis/forecast?region=&week=&limit=
func (s *Server) handleAnalysisForecast(w http.ResponseWriter, r *http.Request) error {
	svc, actor, err := s.analysisCaller(r)
	if err != nil {
		return err
	}
	aq, err := s.parseAnalysis(r, "region", "week", "limit")
	if err != nil {
		return err
	}
	res, err := svc.Forecast(r.Context(), actor, aq.params, aq.week)
	if err != nil {
		return s.denied(r, actor, err)
	}
	// Each cell links to its cases of the model's window: the figures its
	// expectation is a weighted mean of.
	m := res.Model
	recent := analysis.Window{From: res.TrainedThrough.Add(-time.Duration(m.WindowWeeks) * 7 * 24 * time.Hour), To: res.TrainedThrough}
	for i := range res.Items {
		res.Items[i].Cases = s.casesURL(res.Items[i].Grid, res.Items[i].Category, "", recent)
	}
	return httpkit.WriteJSON(w, http.StatusOK, res)
}
