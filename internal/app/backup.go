package app

import (
	"context"

	"cityloop/internal/backup"
	"cityloop/internal/config"
)

// Backup writes `cityloop backup`'s file of cfg's store and data directory.
func Backup(ctx context.Context, cfg config.Config, out string) (*backup.Manifest, error) {
	return backup.Run(ctx, backup.Options{DSN: cfg.DB, DataDir: cfg.DataDir, Out: out})
}

// Restore restores file into cfg's empty store and data directory and
// verifies it with the keys already there (never new ones).
func Restore(ctx context.Context, cfg config.Config, file string) (*backup.Report, error) {
	keys, err := backup.ExistingKeys(cfg.PIIKeys, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return backup.Restore(ctx, backup.RestoreOptions{File: file, DSN: cfg.DB, DataDir: cfg.DataDir, Keys: keys})
}
