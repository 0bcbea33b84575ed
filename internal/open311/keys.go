package open311

import (
	"net/http"
	"strings"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// KeyRoutes mounts the administrator's api key endpoint (JSON API style,
// problem+json errors) on mux.
func (s *Server) KeyRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/open311/keys", httpkit.Handle(s.handleKeyCreate))
}

type keyRequest struct {
	Account string `json:"account"` // username or account id
	Label   string `json:"label"`
	Source  string `json:"source"` // citizen (default) or partner
}

// handleKeyCreate issues an api_key for an account. The key is shown once;
// only its SHA-256 is stored.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	admin, ok, err := s.Bearer(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	if _, is := admin.Grant(org.PostAdmin); !is {
		return errs.Forbidden("issuing Open311 api keys needs the post admin")
	}
	var in keyRequest
	if err := httpkit.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	src := casework.Source(strings.TrimSpace(in.Source))
	if src == "" {
		src = casework.SourceCitizen
	}
	if src != casework.SourceCitizen && src != casework.SourcePartner {
		return errs.Invalid("source must be citizen or partner").WithField("source", "citizen or partner")
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), in.Account)
	if errs.Is(err, errs.KindNotFound) {
		acc, err = s.Accounts.FindAccountByID(r.Context(), in.Account)
	}
	if errs.Is(err, errs.KindNotFound) {
		return errs.Invalid("account %q does not exist", in.Account).WithField("account", "unknown account")
	}
	if err != nil {
		return err
	}
	tok, hash, err := auth.NewToken("o311_")
	if err != nil {
		return err
	}
	now := s.Now()
	if err := s.Store.CreateKey(r.Context(), Key{Hash: hash, AccountID: acc.ID, Label: in.Label, Source: src, CreatedBy: admin.ID, CreatedAt: now}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"api_key": tok, "account_id": acc.ID, "label": in.Label,
		"source": src, "created_at": now.UTC().Format(time.RFC3339), "note": "shown once; only its hash is stored"})
}
