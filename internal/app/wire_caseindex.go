package app

import (
	"net/http"
	"time"

	"cityloop/internal/caseindex"
)

// wireCaseIndex gives intake and closing the in-memory duplicate index,
// fed by this node's writes and the hub's change feed (package caseindex).
func wireCaseIndex(a *App, _ *http.ServeMux) error {
	ix, stop := caseindex.Start(a.Store, a.hubChanges, func() time.Time { return a.Now().UTC() }, a.Log)
	a.Cases.Nearby = ix
	a.OnClose(stop) // before the store closes
	return nil
}
