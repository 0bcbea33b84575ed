package app

import (
	"net/http"

	"cityloop/internal/kpi"
)

// wireKPI gives /api/v1/kpis and /api/v1/rankings the city's indicator
// book (--kpi-book; without one the shipped book).
func wireKPI(a *App, _ *http.ServeMux) (err error) {
	a.api.KPIs, err = kpi.Load(a.Cfg.KPIBook)
	return err
}
