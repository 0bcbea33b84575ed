package app

import (
	"context"
	"fmt"
	"net/http"

	"cityloop/internal/inspect"
	"cityloop/internal/store/inspectstore"
)

// wireInspect gives the API the 双随机一公开 service on its own (sealing) store.
func wireInspect(a *App, _ *http.ServeMux) error {
	st, err := inspectstore.OpenReady(context.Background(), a.Cfg.DB, a.keys)
	if err != nil {
		return fmt.Errorf("inspections: %w", err)
	}
	a.OnClose(st.Close)
	a.api.Inspections = &inspect.Service{Store: st, Cal: a.Cal, Now: a.Now, NewID: NewID}
	return nil
}

// ResealInspections re-seals the inspection store's sealed values (`cityloop pii rotate`).
func (a *App) ResealInspections(ctx context.Context) (int, error) {
	return inspectstore.Reseal(ctx, a.Cfg.DB, a.keys)
}
