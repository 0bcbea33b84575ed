package app

import (
	"context"
	"path/filepath"

	"cityloop/internal/audit"
	"cityloop/internal/auditlog"
	"cityloop/internal/pii"
)

// AuditCheckpointFile is the checkpoint file's name in the data directory.
const AuditCheckpointFile = auditlog.CheckpointFile

// AuditVerification is the result of [App.VerifyAudit].
type AuditVerification = auditlog.Verification

// newAuditLog makes the node's audit log (buildHandler gives it to the API,
// wireWeb takes it from there) and registers the checkpoint loop with Run
// and a last checkpoint with Close. Checkpoints go to the hub once
// wireInterop has set it (without it, to the file only).
func (a *App) newAuditLog() *auditlog.Log {
	l := &auditlog.Log{Store: a.Store, Keys: func() *pii.Keyring { return a.keys }, Node: a.node,
		Path: filepath.Join(a.Cfg.DataDir, AuditCheckpointFile), Now: a.Now, Log: a.Log}
	l.Publish = func(ctx context.Context, cp audit.Checkpoint) error {
		if h, ok := a.hubChanges.(auditlog.Hub); ok {
			return auditlog.Publish(ctx, h, cp, a.Now(), NewID)
		}
		return nil
	}
	a.Go(l.Run)
	a.OnClose(func() error {
		// The hub store may be closed already: the file is enough here.
		_, err := l.Checkpoint(context.Background(), false)
		return err
	})
	return l
}

// VerifyAudit checks the whole audit chain with the keyring's audit keys and
// against the signed checkpoints in file ("" = the data directory's).
func (a *App) VerifyAudit(ctx context.Context, file string) (AuditVerification, error) {
	if file == "" {
		file = filepath.Join(a.Cfg.DataDir, AuditCheckpointFile)
	}
	return auditlog.Verify(ctx, a.Store, a.keys, file)
}
