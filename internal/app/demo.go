package app

import (
	"context"
	"io"
	"time"

	"cityloop/internal/auth"
	demoseed "cityloop/internal/demo/seed"
)

// DemoInfo is what a demo generation wrote.
type DemoInfo = demoseed.Info

// GenerateDemo writes the deterministic demo city into the (empty) store and
// reloads the region tree (package demo/seed). Progress goes to w as a bar.
func (a *App) GenerateDemo(ctx context.Context, cases int, seed int64, w io.Writer) (*DemoInfo, error) {
	hash, err := auth.HashPassword("demo", auth.DefaultParams())
	if err != nil {
		return nil, err
	}
	progress, finish := demoseed.Bar(w, cases)
	defer finish()
	return demoseed.Run(ctx, a.Store, a.Blobs, a.World, a.Cal, demoseed.Options{Seed: seed, Cases: cases, PasswordHash: hash,
		Now: func() time.Time { return a.Now() }, NewID: NewID, Progress: progress})
}

// DemoAccounts lists the demo's accounts as "username  post" lines, or
// nothing when the store does not hold the demo city.
func (a *App) DemoAccounts(ctx context.Context) []string {
	return demoseed.Accounts(ctx, a.Store, a.Cfg.Demo)
}
