package app

import (
	"fmt"
	"net/http"
	"os"

	"cityloop/internal/kpi"
)

// wireKPI loads the city's indicator book (--kpi-book) for the API's
// /api/v1/kpis and /api/v1/rankings; without one they use the shipped
// book. A book with mistakes stops the start with the list of them, so a
// city never publishes figures from a half-read definition.
func wireKPI(a *App, _ *http.ServeMux) error {
	if a.Cfg.KPIBook == "" {
		return nil
	}
	data, err := os.ReadFile(a.Cfg.KPIBook)
	if err != nil {
		return fmt.Errorf("read the indicator book: %w", err)
	}
	book, err := kpi.Parse(data)
	if err != nil {
		return fmt.Errorf("indicator book %s: %w: %s", a.Cfg.KPIBook, err, kpi.Problems(err))
	}
	a.api.KPIs = book
	return nil
}
