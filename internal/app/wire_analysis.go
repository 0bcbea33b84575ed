package app

import (
	"cityloop/internal/analysis"
	"cityloop/internal/assess"
	"cityloop/internal/bulletin"
	"cityloop/internal/kpi"
	"cityloop/internal/store/bulletinstore"
	"context"
	"fmt"
	"net/http"
	"os"
	"time"
)

// wireAnalysis adds data analysis and assessment (数据分析与考核): the
// indicators of /api/v1/kpis and /rankings from the city's book (--kpi-book),
// its assessment schemes (--assessment-schemes), the analysis service of /api/v1/analysis/… with the city's settings, and the
// bulletins (archive, /api/v1/bulletins, jobs, a new demo city's past months).
func wireAnalysis(a *App, _ *http.ServeMux) (err error) {
	if a.api.KPIs, err = kpi.Load(a.Cfg.KPIBook); err != nil {
		return err
	}
	if a.api.Schemes, err = assess.Load(a.Cfg.AssessmentSchemes, a.api.KPIs); err != nil {
		return err
	}
	pop, err := analysis.ParsePopulation(a.Cfg.AnalysisPopulation)
	if err != nil {
		return fmt.Errorf("analysis: --analysis-population: %w", err)
	}
	a.api.Analysis = &analysis.Service{
		Store: a.Store, Atlas: a.World.Atlas, Dict: a.World.Dict, ScopeOf: a.Cases.ScopeOf,
		Settings: analysis.Settings{BaselineYear: a.Cfg.AnalysisBaselineYear, Population: pop},
		Now:      func() time.Time { return a.Now().UTC() }, Loc: a.Cal.Location(),
	}
	db, err := openStore(a, "bulletins", bulletinstore.Open)
	if err != nil {
		return err
	}
	svc, list, err := bulletin.Open(context.Background(), bulletin.Config{Counter: a.Cases, Atlas: a.World.Atlas, Dict: a.World.Dict,
		Book: a.api.KPIs, Schemes: a.api.Schemes, Store: db, Cal: a.Cal, Now: a.Now, NewID: NewID, FontOverride: os.Getenv(bulletin.FontEnv), Demo: a.DemoSummary != nil})
	if err != nil {
		return err
	}
	a.api.Bulletins = svc
	return a.schedule("bulletins", list...)
}
