package api

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// Open311Keys keeps the Open311 api_keys (only their SHA-256); the
// Open311 store implements it. The keys are issued and revoked here, by
// administrators, under /api/v1/open311/keys; the GeoReport endpoints
// under /open311/v2 read them.
type Open311Keys interface {
	CreateKey(ctx context.Context, k georeport.Key) error
	// RevokeKeys revokes every key of an account and says how many.
	RevokeKeys(ctx context.Context, accountID string, at time.Time) (int, error)
}

type open311KeyRequest struct {
	Account string `json:"account"` // username or account id
	Label   string `json:"label"`
	Source  string `json:"source"` // citizen (default) or partner
	// Detail grants the right to read full descriptions, addresses and
	// staff notes in the feed (for a partner department, never for an app
	// that citizens use).
	Detail bool `json:"detail"`
}

// handleKeyCreate issues an api_key for an account. The key is shown once;
// only its SHA-256 is stored. The issuance is audited.
func (s *Server) handleOpen311KeyCreate(w http.ResponseWriter, r *http.Request) error {
	admin, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var in open311KeyRequest
	if err := httpkit.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	src := casework.Source(strings.TrimSpace(in.Source))
	if src == "" {
		src = casework.SourceCitizen
	}
	if src != casework.SourceCitizen && src != casework.SourcePartner {
		return errs.Invalid("source 须为 citizen 或 partner / source must be citizen or partner").WithField("source", "citizen or partner")
	}
	if in.Detail && src != casework.SourcePartner {
		return errs.Invalid("只有合作单位的 key（source=partner）可以授予 detail 权限 / the detail right is only for partner keys (source \"partner\"); a key a citizens' app carries must read the public view").
			WithField("detail", "needs source partner")
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), in.Account)
	if errs.Is(err, errs.KindNotFound) {
		acc, err = s.Accounts.FindAccountByID(r.Context(), in.Account)
	}
	if errs.Is(err, errs.KindNotFound) {
		return errs.Invalid("账号 %q 不存在 / account %q does not exist", in.Account, in.Account).WithField("account", "unknown account")
	}
	if err != nil {
		return err
	}
	tok, hash, err := auth.NewToken("o311_")
	if err != nil {
		return err
	}
	now := s.Now()
	if err := s.audit(r, admin.ID, "open311_key.create", "account/"+acc.ID, map[string]any{"label": in.Label, "source": src,
		"detail": in.Detail, "key_hash": hex.EncodeToString(hash[:8])}); err != nil {
		return err
	}
	if err := s.Open311Keys.CreateKey(r.Context(), georeport.Key{Hash: hash, AccountID: acc.ID, Label: in.Label, Source: src, Detail: in.Detail,
		CreatedBy: admin.ID, CreatedAt: now}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"api_key": tok, "account_id": acc.ID, "label": in.Label,
		"source": src, "detail": in.Detail, "created_at": now.UTC().Format(time.RFC3339), "note": "shown once; only its hash is stored"})
}

// handleKeyRevoke revokes every api_key of an account
// (DELETE /api/v1/open311/keys?account=username-or-id); rotating a key is
// revoking and issuing a new one. The revocation is audited.
func (s *Server) handleOpen311KeyRevoke(w http.ResponseWriter, r *http.Request) error {
	admin, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.URL.Query().Get("account"))
	if name == "" {
		return errs.Invalid("请用 ?account= 指定账号 / give the account as ?account=username or account id").WithField("account", "required")
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), name)
	if errs.Is(err, errs.KindNotFound) {
		acc, err = s.Accounts.FindAccountByID(r.Context(), name)
	}
	if errs.Is(err, errs.KindNotFound) {
		return errs.NotFound("账号 %q 不存在 / account %q does not exist", name, name)
	}
	if err != nil {
		return err
	}
	now := s.Now()
	if err := s.audit(r, admin.ID, "open311_key.revoke", "account/"+acc.ID, nil); err != nil {
		return err
	}
	n, err := s.Open311Keys.RevokeKeys(r.Context(), acc.ID, now)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"account_id": acc.ID, "revoked": n, "revoked_at": now.UTC().Format(time.RFC3339)})
}
