package open311

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// KeyRoutes mounts the administrator's api key endpoints (JSON API style,
// problem+json errors) on mux.
func (s *Server) KeyRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/open311/keys", httpkit.Handle(s.handleKeyCreate))
	mux.Handle("DELETE /api/v1/open311/keys", httpkit.Handle(s.handleKeyRevoke))
}

type keyRequest struct {
	Account string `json:"account"` // username or account id
	Label   string `json:"label"`
	Source  string `json:"source"` // citizen (default) or partner
	// Detail grants the right to read full descriptions, addresses and
	// staff notes in the feed (for a partner department, never for an app
	// that citizens use).
	Detail bool `json:"detail"`
}

// keyAdmin requires a signed-in administrator.
func (s *Server) keyAdmin(r *http.Request) (org.Actor, error) {
	admin, ok, err := s.Bearer(r)
	if err != nil {
		return admin, err
	}
	if !ok {
		return admin, errs.Unauthenticated("请先登录 / sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	if _, is := admin.Grant(org.PostAdmin); !is {
		return admin, errs.Forbidden("管理 Open311 api_key 需要系统管理员岗位 / managing Open311 api keys needs the post admin")
	}
	return admin, nil
}

// audit records one key event. A key must not be issued or revoked
// without a trace, so a failed record fails the request.
func (s *Server) audit(r *http.Request, actorID, action, object string, detail map[string]any) error {
	if s.Auditor == nil {
		return nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	if err := s.Auditor.Audit(r.Context(), audit.Record{At: s.Now(), Actor: actorID, Action: action, Object: object,
		Detail: string(b), Addr: httpkit.ClientAddr(r)}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// handleKeyCreate issues an api_key for an account. The key is shown once;
// only its SHA-256 is stored. The issuance is audited.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	admin, err := s.keyAdmin(r)
	if err != nil {
		return err
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
	if in.Detail && src != casework.SourcePartner {
		return errs.Invalid("只有合作单位的 key（source=partner）可以授予 detail 权限 / the detail right is only for partner keys (source \"partner\"); a key a citizens' app carries must read the public view").
			WithField("detail", "needs source partner")
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
	if err := s.audit(r, admin.ID, "open311_key.create", "account/"+acc.ID, map[string]any{"label": in.Label, "source": src,
		"detail": in.Detail, "key_hash": hex.EncodeToString(hash[:8])}); err != nil {
		return err
	}
	if err := s.Store.CreateKey(r.Context(), Key{Hash: hash, AccountID: acc.ID, Label: in.Label, Source: src, Detail: in.Detail,
		CreatedBy: admin.ID, CreatedAt: now}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"api_key": tok, "account_id": acc.ID, "label": in.Label,
		"source": src, "detail": in.Detail, "created_at": now.UTC().Format(time.RFC3339), "note": "shown once; only its hash is stored"})
}

// handleKeyRevoke revokes every api_key of an account
// (DELETE /api/v1/open311/keys?account=username-or-id); rotating a key is
// revoking and issuing a new one. The revocation is audited.
func (s *Server) handleKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	admin, err := s.keyAdmin(r)
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
	n, err := s.Store.RevokeKeys(r.Context(), acc.ID, now)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"account_id": acc.ID, "revoked": n, "revoked_at": now.UTC().Format(time.RFC3339)})
}
