package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// fakeAnalysis answers every question with one grid, and refuses the
// region "elsewhere" as outside the caller's jurisdiction.
type fakeAnalysis struct{ got analysis.Params }

func (f *fakeAnalysis) scoped(p analysis.Params) (analysis.Scoped, error) {
	f.got = p
	if p.Region == "elsewhere" {
		return analysis.Scoped{}, errs.Forbidden("region elsewhere is outside your jurisdiction")
	}
	w := analysis.Window{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	return analysis.Scoped{Query: analysis.Query{Region: p.Region, Category: p.Category}, Window: w, Region: p.Region}, nil
}

func (f *fakeAnalysis) Heat(ctx context.Context, a org.Actor, p analysis.Params) (analysis.HeatResult, error) {
	sc, err := f.scoped(p)
	return analysis.HeatResult{Scoped: sc, Heat: analysis.HeatOf([]analysis.Count{{Key: "g1", N: 3}}, map[string]analysis.GridInfo{"g1": {AreaM2: 1e4}})}, err
}
func (f *fakeAnalysis) HourOfWeek(ctx context.Context, a org.Actor, p analysis.Params) (analysis.HourResult, error) {
	sc, err := f.scoped(p)
	return analysis.HourResult{Scoped: sc}, err
}
func (f *fakeAnalysis) TopCategories(ctx context.Context, a org.Actor, p analysis.Params) (analysis.TopResult, error) {
	sc, err := f.scoped(p)
	return analysis.TopResult{Scoped: sc}, err
}
func (f *fakeAnalysis) RecurrenceHotspots(ctx context.Context, a org.Actor, p analysis.Params) (analysis.RecurrenceResult, error) {
	sc, err := f.scoped(p)
	return analysis.RecurrenceResult{Scoped: sc}, err
}
func (f *fakeAnalysis) Targets(ctx context.Context, a org.Actor, p analysis.Params) (analysis.TargetsResult, error) {
	sc, err := f.scoped(p)
	return analysis.TargetsResult{Scoped: sc}, err
}
func (f *fakeAnalysis) Forecast(ctx context.Context, a org.Actor, p analysis.Params, week time.Time) (analysis.ForecastResult, error) {
	sc, err := f.scoped(p)
	return analysis.ForecastResult{Scoped: sc}, err
}

func mustCal(t testing.TB) *worktime.Calendar {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestAPI_Analysis(t *testing.T) {
	s, aud, h := newTestServer(t)
	s.Cal = mustCal(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "not served", method: "GET", path: "/api/v1/analysis/heat", post: org.PostSupervisor, status: 404, contains: []string{"not served"}},
	})
	s.Analysis = &fakeAnalysis{}
	runScenarios(t, h, aud, []apiScenario{
		{name: "anonymous", method: "GET", path: "/api/v1/analysis/heat", status: 401, contains: []string{"sign in first"}},
		{name: "citizen", method: "GET", path: "/api/v1/analysis/forecast", post: org.PostCitizen, status: 403, contains: []string{"staff post"}},
		{name: "heat with its case lists", method: "GET", path: "/api/v1/analysis/heat?region=g1&category=event:0501&from=2026-05-01&to=2026-06-01", post: org.PostSupervisor, status: 200,
			contains: []string{`"grid":"g1"`, `"count":3`, `/api/v1/cases?category=event%3A0501\u0026from=2026-05-01T08%3A00%3A00%2B08%3A00\u0026region=g1\u0026to=2026-06-01T08%3A00%3A00%2B08%3A00`}},
		{name: "outside the jurisdiction is refused and audited", method: "GET", path: "/api/v1/analysis/targets?region=elsewhere", post: org.PostSupervisor, status: 403,
			contains: []string{"outside your jurisdiction"}, audit: "analysis.denied"},
		{name: "unknown parameter", method: "GET", path: "/api/v1/analysis/forecast?from=2026-01-01", post: org.PostSupervisor, status: 400, contains: []string{"unknown parameter", "region, week, limit"}},
		{name: "bad week", method: "GET", path: "/api/v1/analysis/forecast?week=next", post: org.PostSupervisor, status: 400, contains: []string{"week"}},
		{name: "bad limit", method: "GET", path: "/api/v1/analysis/recurrence-hotspots?limit=-1", post: org.PostSupervisor, status: 400, contains: []string{"limit"}},
	})
}

// FuzzAnalysisQuery: whatever the query string, the parser answers a value
// or a 4xx error (Invalid), never a panic or an internal error.
func FuzzAnalysisQuery(f *testing.F) {
	for _, q := range []string{"", "region=320101&from=2026-05-01&to=2026-06-01", "category=event:0501&limit=20",
		"week=2026-06-08", "from=2026-05-01T00:00:00%2B08:00", "limit=99999999999999999999", "category=%00", "region=%ZZ", "from=2026-13-40"} {
		f.Add(q)
	}
	s := &Server{Cal: mustCal(f)}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/api/v1/analysis/heat", nil)
		r.URL.RawQuery = raw
		_, err := s.parseAnalysis(r, "region", "from", "to", "category", "limit", "week")
		if err != nil && !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("query %q: %v is not a 4xx error", raw, err)
		}
		if err != nil && strings.TrimSpace(errMsg(err)) == "" {
			t.Fatalf("query %q: an error without a message", raw)
		}
	})
}
