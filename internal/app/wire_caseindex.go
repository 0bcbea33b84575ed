package app

import (
	"context"
	"net/http"
	"time"

	"cityloop/internal/caseindex"
)

// wireCaseIndex gives intake and closing the in-memory duplicate index
// (package caseindex): built from the store at start, told of every case
// this node stores, and kept current with other nodes' writes through the
// hub's change feed. It starts at Open rather than Run so that tests and
// benchmarks that serve a.Handler() use it too; until it is built the
// searches go to the database. Close stops it before the store closes.
func wireCaseIndex(a *App, _ *http.ServeMux) error {
	ix := caseindex.New(a.Store, func() time.Time { return a.Now().UTC() }, 0)
	a.Cases.Nearby = ix
	f := &caseindex.Follower{Index: ix, Changes: a.hubChanges, Log: a.Log.With("part", "caseindex")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	a.OnClose(func() error {
		cancel()
		<-done
		return nil
	})
	return nil
}

// rebuildCaseIndex reads the duplicate index again after writes that
// bypass the case service (the demo city's bulk insert).
func (a *App) rebuildCaseIndex(ctx context.Context) error {
	if ix, ok := a.Cases.Nearby.(*caseindex.Index); ok {
		return ix.Build(ctx)
	}
	return nil
}
