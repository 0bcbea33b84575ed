package app

import (
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/kpi"
)

// wireAnalysis adds data analysis and assessment (数据分析与考核): the
// indicators of /api/v1/kpis and /api/v1/rankings from the city's book
// (--kpi-book; without one the shipped book), and the analysis service of
// /api/v1/analysis/… (heat, hour of week, top sub-classes, recurrence,
// targets, forecast) with the city's settings. Every figure is an
// aggregate query in the case store, answered on request.
func wireAnalysis(a *App, _ *http.ServeMux) (err error) {
	if a.api.KPIs, err = kpi.Load(a.Cfg.KPIBook); err != nil {
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
	return nil
}
