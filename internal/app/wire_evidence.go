package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/vault"
	"cityloop/internal/store/evidencestore"
)

// wireEvidence adds the full-process record (全过程记录): its store, the files
// under DATA/evidence (tus uploads; shared storage with several nodes), the
// API and the hourly purge of abandoned uploads. Case access is
// evidence.PostAccess until the penalty case store is merged: connect its
// answer here (today any enforcement post reaches any case).
func wireEvidence(a *App, _ *http.ServeMux) error {
	ctx := context.Background()
	db, err := evidencestore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	a.OnClose(db.Close)
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	db.SetKeyring(a.keys)
	svc := &evidence.Service{Store: db, Access: evidence.PostAccess{}, Now: a.Now}
	v, err := vault.New(vault.Config{Dir: filepath.Join(a.Cfg.DataDir, "evidence"), BasePath: "/api/v1/enforcement/evidence-uploads/",
		Limits: evidence.LimitsMiB(a.Cfg.EvidenceMaxMiB, a.Cfg.EvidencePhotoMiB), Loc: a.Cal.Location(), NewID: NewID, Log: a.Log, Keys: a.keys}, svc)
	if err != nil {
		return err
	}
	a.api.Evidence, a.api.EvidenceUploads = v, v.Uploads()
	return a.jobs.Register(v.PurgeJob(a.Now)) // unfinished uploads idle for a week
}
