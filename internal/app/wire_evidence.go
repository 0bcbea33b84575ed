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
// under DATA/evidence (tus uploads; shared storage with several nodes) and
// the API. Case access is evidence.PostAccess until the penalty case store
// is merged: connect its answer here (today any enforcement post, any case).
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
	lim := evidence.DefaultLimits()
	lim.Video, lim.Photo = int64(a.Cfg.EvidenceMaxMiB)<<20, int64(a.Cfg.EvidencePhotoMiB)<<20
	lim.Audio, lim.Document = min(lim.Audio, lim.Video), min(lim.Document, lim.Video)
	v, err := vault.New(vault.Config{Dir: filepath.Join(a.Cfg.DataDir, "evidence"), BasePath: "/api/v1/enforcement/evidence-uploads/",
		Limits: lim, Loc: a.Cal.Location(), NewID: NewID, Log: a.Log}, svc)
	if err != nil {
		return err
	}
	a.api.Evidence, a.api.EvidenceUploads = v, v.Uploads()
	return nil
}
