package web

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/org"
)

// EvidenceVault keeps evidence of a penalty case (evidence/vault.Vault):
// the photos the enforcement forms take go there, hashed and with their
// custody entry, because a record of an evidence kind counts only with its
// files in the vault.
type EvidenceVault interface {
	Deposit(ctx context.Context, it evidence.Item, content []byte) (evidence.Item, error)
}

// readPhotos reads the photos of a multipart form field, at most nine of
// at most MaxPhoto bytes each; the vault checks and cleans them.
func (s *Server) readPhotos(r *http.Request, field string) ([][]byte, error) {
	files, err := s.formPhotos(r, field)
	out := make([][]byte, len(files))
	for i, f := range files {
		out[i] = f.data
	}
	return out, err
}

// formPhoto is one uploaded file of a form, as the browser sent it.
type formPhoto struct {
	data        []byte
	contentType string
}

// formPhotos reads the non-empty files of a multipart form field: at most
// nine, each at most MaxPhoto bytes. Whoever keeps them cleans them first
// (package photo, or the evidence vault).
func (s *Server) formPhotos(r *http.Request, field string) ([]formPhoto, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []formPhoto
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 {
			continue
		}
		if fh.Size > s.MaxPhoto {
			return nil, errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", s.MaxPhoto>>20, s.MaxPhoto>>20)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, errs.Invalid("无法读取上传的照片 / cannot read the upload: %s", err.Error())
		}
		data, err := io.ReadAll(io.LimitReader(f, s.MaxPhoto+1))
		f.Close()
		if err != nil {
			return nil, errs.Invalid("无法读取上传的照片 / cannot read the upload: %s", err.Error())
		}
		if out = append(out, formPhoto{data, fh.Header.Get("Content-Type")}); len(out) > 9 {
			return nil, errs.Invalid("最多 9 张照片 / at most 9 photos").WithField(field, "too many")
		}
	}
	return out, nil
}

// depositPhotos keeps the form's photos in the evidence vault as evidence
// of case caseID taken by actor, and names them in the command's record.
func (s *Server) depositPhotos(r *http.Request, ef *enforceForm, caseID string, actor org.Actor) error {
	if len(ef.photos) == 0 {
		return nil
	}
	if s.Evidence == nil || s.NewID == nil {
		return errs.E(errs.KindUnavailable, "此节点未接入执法证据库，不能保存现场照片 / this node has no evidence vault for the photos")
	}
	for i, data := range ef.photos {
		it, err := s.Evidence.Deposit(r.Context(), evidence.Item{ID: s.NewID(), CaseID: caseID, Kind: evidence.Photo, OfficerID: actor.ID,
			DeviceID: "web", Filename: fmt.Sprintf("现场照片-%d", i+1)}, data)
		if err != nil {
			return fmt.Errorf("keep photo %d of case %s: %w", i+1, caseID, err)
		}
		ef.Cmd.Record.Files = append(ef.Cmd.Record.Files, it.ID)
	}
	ef.photos = nil
	return nil
}
