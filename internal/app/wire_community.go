package app

import (
	"net/http"

	"cityloop/internal/community"
	"cityloop/internal/store/communitystore"
)

// wireCommunity adds community services (issue 17): the merchants of 门前五包
// on their own store (contacts sealed with the node's keyring), the job
// linking loop cases to their zones, and a new demo city's shops. It runs
// before wireWeb, whose pages read the API it serves.
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
	return nil
}
