package app

import (
	"context"
	"fmt"
	"net/http"

	"cityloop/internal/inspect"
	"cityloop/internal/store/inspectstore"
)

// wireInspect gives the API the 双随机一公开 service on its own store, which
// seals personal data and unrevealed seeds with the node's keyring (and
// seals them again on `cityloop pii rotate`).
func wireInspect(a *App, _ *http.ServeMux) error {
	st, err := inspectstore.OpenReady(context.Background(), a.Cfg.DB, a.keys)
	if err != nil {
		return fmt.Errorf("inspections: %w", err)
	}
	a.OnClose(st.Close)
	a.resealers = append(a.resealers, resealer{"random-inspection values (contacts, phones, conflict reasons, unrevealed seeds)", st.ResealPII})
	a.api.Inspections = &inspect.Service{Store: st, Cal: a.Cal, Now: a.Now, NewID: NewID}
	return nil
}
