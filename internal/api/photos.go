package api

import (
	"context"
	"io"
	"net/http"
	"strings"

	"cityloop/internal/auth"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/photo"
)

func (s *Server) handlePhotoUpload(w http.ResponseWriter, r *http.Request) error {
	actor, _, _, err := s.actor(r)
	if err != nil {
		return err
	}
	max := s.MaxPhoto
	if max == 0 {
		max = 10 << 20
	}
	var data []byte
	claimed := r.Header.Get("Content-Type")
	if strings.HasPrefix(claimed, "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
		f, fh, err := r.FormFile("file")
		if err != nil {
			if strings.Contains(err.Error(), "too large") {
				return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
			}
			return errs.Invalid("请用表单字段 \"file\" 上传照片 / send the photo as the form field \"file\" (multipart/form-data) or as the raw body").WithField("file", "required")
		}
		defer f.Close()
		claimed = fh.Header.Get("Content-Type")
		data, err = io.ReadAll(io.LimitReader(f, max+1))
		if err != nil {
			return errs.Invalid("cannot read the upload: %s", err.Error())
		}
	} else {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max+1))
		if err != nil {
			return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
		}
	}
	if int64(len(data)) > max {
		return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
	}
	// Only the re-encoded pixels are kept: no EXIF (GPS, phone numbers),
	// no data appended behind the image (see package photo).
	clean, mt, err := photo.Sanitize(data, claimed)
	if err != nil {
		return err
	}
	id, err := s.Blobs.Put(r.Context(), clean)
	if err != nil {
		return err
	}
	if err := s.Photos.RecordPhoto(r.Context(), id, mt, len(clean), actor.ID, s.Now()); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"id": id, "mime": mt, "size": len(clean), "url": "/api/v1/photos/" + id})
}

// PhotoAccess tells who may see a photo: the cases that cite it, and who
// uploaded it. The store behind [Server.Photos] implements it; without it
// only posts that see every case may view photos.
type PhotoAccess interface {
	// FindPhotoUses: the cases whose photo lists cite it (a scan of cases).
	FindPhotoUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	// FindPhotoEventUses: the cases whose events cite it (a scan of events).
	FindPhotoEventUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	PhotoUploader(ctx context.Context, id string) (string, error)
}

// handlePhotoView serves a photo to whoever the disclosure policy lets see
// it: anyone for a reporter's photo of a public case (package disclose);
// otherwise a signed-in caller (bearer token or console session) whose
// posts see a case citing it, or, for a photo no case cites yet, its
// uploader or a post that sees every case.
func (s *Server) handlePhotoView(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !blob.ValidID(id) {
		return errs.NotFound("没有这张照片 / no photo %s", id)
	}
	public, err := s.mayViewPhoto(r, id)
	if err != nil {
		return err
	}
	f, err := s.Blobs.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	// A case can stop being public (rejected, voided): caches keep a
	// public photo briefly, a restricted one only in the viewer's browser.
	if public {
		return httpkit.ServeSniffed(w, r, f, id, "public, max-age=300")
	}
	w.Header().Set("Vary", "Authorization, Cookie")
	return httpkit.ServeSniffed(w, r, f, id, "private, max-age=300")
}

// mayViewPhoto applies the photo rules of handlePhotoView; public is true
// when anyone may see the photo. A post that sees every case is let
// through before the lookup of the citing cases (a scan), which keeps the
// console's case pages cheap.
func (s *Server) mayViewPhoto(r *http.Request, id string) (public bool, err error) {
	actor, signed, err := s.photoViewer(r)
	if err != nil {
		return false, err
	}
	var scope *casework.Scope
	if signed {
		if scope = s.Cases.ScopeOf(actor); scope.All {
			return false, nil
		}
	}
	pa, _ := s.Photos.(PhotoAccess)
	var uses []disclose.PhotoUse
	if pa != nil {
		if uses, err = pa.FindPhotoUses(r.Context(), id); err != nil {
			return false, err
		}
		if disclose.PhotoPublic(uses) {
			return true, nil
		}
	}
	if !signed {
		return false, errs.Unauthenticated("这张照片不公开，请登录有权查看该案件的岗位 / this photo is not public; sign in with a post that can see its case")
	}
	if len(uses) == 0 && pa != nil {
		// A check photo is kept only in its event.
		if uses, err = pa.FindPhotoEventUses(r.Context(), id); err != nil {
			return false, err
		}
	}
	for _, u := range uses {
		if _, err := s.Cases.FindCase(r.Context(), actor, u.CaseID); err == nil {
			return false, nil
		} else if !errs.Is(err, errs.KindNotFound) {
			return false, err
		}
	}
	if len(uses) == 0 && pa != nil {
		by, err := pa.PhotoUploader(r.Context(), id)
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return false, err
		}
		if err == nil && by != "" && by == actor.ID {
			return false, nil
		}
	}
	return false, errs.Forbidden("你的岗位看不到这张照片所属的案件 / your posts cannot see the case this photo belongs to")
}

// photoViewer is the signed-in caller of a photo request: a bearer token
// (API, apps) or the console's session cookie, since the console's pages
// show photos as plain <img> links.
func (s *Server) photoViewer(r *http.Request) (org.Actor, bool, error) {
	a, _, ok, err := s.actor(r)
	if err != nil || ok {
		return a, ok, err
	}
	tok := ""
	if s.SessionToken != nil {
		tok = s.SessionToken(r)
	}
	if tok == "" {
		return org.Actor{}, false, nil
	}
	_, acc, err := s.Accounts.FindToken(r.Context(), auth.HashToken(tok), s.Now())
	if errs.Is(err, errs.KindNotFound) {
		return org.Actor{}, false, nil
	}
	if err != nil {
		return org.Actor{}, false, err
	}
	if acc.Disabled || acc.MustChange {
		// A session that must change its password sees nothing else (as in the API).
		return org.Actor{}, false, nil
	}
	return org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}, true, nil
}
