package app

import (
	"net/http"

	"cityloop/internal/community"
	"cityloop/internal/store/communitystore"
)

// wireCommunity adds the 门前五包 merchants (issue 17) on their own store,
// contacts sealed; runs before wireWeb, whose pages read its API.
func wireCommunity(a *App, _ *http.ServeMux) error {
	db, err := openStore(a, "community", communitystore.Open)
	if err != nil {
		return err
	}
	svc, err := community.Wire(community.Parts{Store: db, Cases: a.Cases, Atlas: a.World.Atlas, Loc: a.Cal.Location(), Now: a.Now,
		Log: a.Log, Schedule: a.schedule, Demo: a.DemoSummary != nil, Seed: a.Cfg.DemoSeed})
	if err != nil {
		return err
	}
	a.api.Merchants = svc
	a.resealers = append(a.resealers, resealer{"merchants' contacts (门前五包 responsible persons and phones)", db.ResealContacts})
	return nil
}
