package app

import (
	"context"
	"net/http"

	"cityloop/internal/council/councilwire"
	"cityloop/internal/store/councilstore"
)

// wireCouncil: volunteers and the community council (社区议事会) on their own store, phones resealed with the rest.
func wireCouncil(a *App, _ *http.ServeMux) error {
	db, err := openStore(a, "council", councilstore.Open)
	if err != nil {
		return err
	}
	a.resealers = append(a.resealers, resealer{"volunteers' phones", db.ResealPII})
	a.api.Council, err = councilwire.Wire(context.Background(), councilwire.Parts{Store: db, Atlas: a.World.Atlas, Demo: a.DemoSummary != nil, Seed: a.Cfg.DemoSeed, Now: a.Now, NewID: NewID})
	return err
}
