package app

import (
	"fmt"
	"net/http"
	"time"

	"cityloop/internal/analysis"
)

// wireAnalysis gives the API the analysis service behind
// /api/v1/analysis/… (heat, hour of week, top sub-classes, recurrence,
// targets, forecast), counting in the case store with the city's
// settings. It registers no background work: every figure is an aggregate
// query answered on request.
func wireAnalysis(a *App, _ *http.ServeMux) error {
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
