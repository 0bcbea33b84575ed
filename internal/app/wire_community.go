package app

import (
	"net/http"

	"cityloop/internal/community"
	"cityloop/internal/store/communitystore"
)

// wireCommunity adds 门前五包 merchants and permits (issue 17) on their own
// store, contacts sealed; runs before wireWeb, whose pages read its API.
func wireCommunity(a *App, _ *http.ServeMux) error {
	db, err := openStore(a, "community", communitystore.Open)
	if err != nil {
		return err
	}
	svc, err := community.Wire(community.Parts{Store: db, Permits: db, Cases: a.Cases, Atlas: a.World.Atlas, Cal: a.Cal, Loc: a.Cal.Location(),
		Now: a.Now, NewID: NewID, Log: a.Log, Schedule: a.schedule, Demo: a.DemoSummary != nil, Seed: a.Cfg.DemoSeed})
	if err != nil {
		return err
	}
	a.api.Merchants, a.api.Permits = svc.Merchants, svc.Permits
	a.resealers = append(a.resealers, resealer{"merchants' contacts and permit applicants' phones", db.ResealPII})
	return nil
}
