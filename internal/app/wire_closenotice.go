package app

import (
	"net/http"
	"path/filepath"

	"cityloop/internal/casework"
	"cityloop/internal/closenotice"
	"cityloop/internal/web"
)

// wireCloseNotice texts a citizen who left a phone when their case closes,
// with the tracking link and key (package closenotice); after wireWeb,
// which made the web secret the keys are derived from.
func wireCloseNotice(a *App, _ *http.ServeMux) error {
	secret, err := web.LoadSecret(filepath.Join(a.Cfg.DataDir, "web.secret"))
	if err != nil {
		return err
	}
	link := func(c *casework.Case) string { return web.TrackingURL(a.Cfg.PublicURL, secret, c.ID, c.Code) }
	return closenotice.Wire(closenotice.Parts{Changes: a.hubChanges, Outbox: a.api.Outbox, Cases: a.Store, Link: link,
		Loc: a.Cal.Location(), Log: a.Log, Every: a.Cfg.SweepEvery, Schedule: a.schedule})
}
