package app

import (
	"context"
	"fmt"
	"net/http"

	"cityloop/internal/inspect"
	"cityloop/internal/store/inspectstore"
)

// wireInspect gives the API the 双随机一公开 service on its own store, which
// seals personal data and unrevealed seeds with the node's keyring.
func wireInspect(a *App, _ *http.ServeMux) error {
	ctx := context.Background()
	st, err := inspectstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return fmt.Errorf("inspections: %w", err)
	}
	a.OnClose(st.Close)
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("inspections: %w", err)
	}
	st.SetKeyring(a.keys)
	a.api.Inspections = &inspect.Service{Store: st, Cal: a.Cal, Now: a.Now, NewID: NewID}
	return nil
}
