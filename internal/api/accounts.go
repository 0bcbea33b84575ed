package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// accountAdmin returns the store's AccountAdmin, or an error a person can read.
func (s *Server) accountAdmin() (org.AccountAdmin, error) {
	if a, ok := s.Accounts.(org.AccountAdmin); ok {
		return a, nil
	}
	return nil, errs.NotFound("changing accounts is not available on this node")
}

// checkGrants validates an account's posts against the city's regions
// and departments (see org.CheckGrants).
func (s *Server) checkGrants(bad *errs.Error, grants []org.Grant) {
	org.CheckGrants(bad, grants, s.World.Atlas(), s.World.Dict().HasDepartment)
}

// passwordProblem turns a CheckPasswordStrength failure into a sentence.
func passwordProblem(err error) string {
	msg := "the password is too weak"
	if e, ok := errs.As(err); ok {
		if m, ok := passwordRules[e.Message]; ok {
			msg = strings.ReplaceAll(m, "the new password", "the password")
		}
	}
	return msg
}

type accountRequest struct {
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Password string      `json:"password"`
	Posts    []org.Grant `json:"posts"`
}

func (s *Server) handleAccountList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	list, err := s.Accounts.FindAccounts(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

func (s *Server) handleAccountCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var req accountRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	bad := errs.Invalid("the account is not valid")
	if u, err := org.CheckUsername(req.Username); err != nil {
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			bad.WithField("username", e.Fields[0].Message)
		} else {
			return err
		}
	} else {
		req.Username = u
	}
	if req.Name == "" {
		bad.WithField("name", "required")
	}
	mustChange := false
	pw := req.Password
	if pw == "" {
		pw, mustChange = auth.RandomPassword(12), true
	} else if err := auth.CheckPasswordStrength(pw); err != nil {
		bad.WithField("password", passwordProblem(err))
	}
	s.checkGrants(bad, req.Posts)
	if len(bad.Fields) > 0 {
		return bad
	}
	hash, err := auth.HashPassword(pw, auth.DefaultParams())
	if err != nil {
		return err
	}
	acc := &org.Account{ID: uuid.Must(uuid.NewV7()).String(), Username: req.Username, Name: req.Name, PasswordHash: hash,
		Grants: req.Posts, MustChange: mustChange, CreatedAt: s.Now()}
	if err := s.Accounts.CreateAccount(r.Context(), acc); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "account.create", "account/"+acc.ID, map[string]any{"username": acc.Username, "posts": acc.Grants})
	out := map[string]any{"account": acc}
	if mustChange {
		out["password"] = pw
		out["note"] = "the one-time password is shown only now; the account must change it at first sign-in"
	}
	return httpkit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Server) handleAccountPosts(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	adm, err := s.accountAdmin()
	if err != nil {
		return err
	}
	var req struct {
		Posts []org.Grant `json:"posts"`
	}
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	bad := errs.Invalid("the posts are not valid")
	s.checkGrants(bad, req.Posts)
	if len(bad.Fields) > 0 {
		return bad
	}
	id := r.PathValue("id")
	acc, err := s.Accounts.FindAccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	if id == actor.ID && !hasPost(req.Posts, org.PostAdmin) {
		return errs.Invalid("you cannot take the admin post from your own account").WithField("posts", "keep admin on your own account")
	}
	if err := adm.SetGrants(r.Context(), id, req.Posts); err != nil {
		return err
	}
	s.tokens.forget(nil) // the account changed: no cached copy of it may answer again
	_ = s.audit(r, actor.ID, "account.posts", "account/"+id, map[string]any{"before": acc.Grants, "after": req.Posts})
	acc.Grants = req.Posts
	return httpkit.WriteJSON(w, http.StatusOK, acc)
}

func hasPost(gs []org.Grant, p org.Post) bool {
	for _, g := range gs {
		if g.Post == p {
			return true
		}
	}
	return false
}

func (s *Server) handleAccountDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, true)
}

func (s *Server) handleAccountEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	adm, err := s.accountAdmin()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if disabled && id == actor.ID {
		return errs.Invalid("you cannot disable your own account").WithField("id", "your own account")
	}
	if err := adm.SetDisabled(r.Context(), id, disabled); err != nil {
		return err
	}
	s.tokens.forget(nil) // the account changed: no cached copy of it may answer again
	action := "account.disable"
	if !disabled {
		action = "account.enable"
	}
	_ = s.audit(r, actor.ID, action, "account/"+id, map[string]any{"disabled": disabled})
	acc, err := s.Accounts.FindAccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, acc)
}

// EnsureAdmin creates an administrator with a one-time password on a store
// that has no accounts (a real city's first start, not the demo) and
// returns the password for the caller to show once ("" when accounts
// exist, or another node made the first one); it must be changed at first
// sign-in. `cityloop serve` calls it; the maintenance commands do not, so
// the password is never made where nobody would see it.
func (s *Server) EnsureAdmin(ctx context.Context) (string, error) {
	accs, err := s.Accounts.FindAccounts(ctx)
	if err != nil {
		return "", fmt.Errorf("list accounts: %w", err)
	}
	if len(accs) > 0 {
		return "", nil
	}
	pw := auth.RandomPassword(16)
	hash, err := auth.HashPassword(pw, auth.DefaultParams())
	if err != nil {
		return "", err
	}
	acc := &org.Account{ID: uuid.Must(uuid.NewV7()).String(), Username: "admin", Name: "系统管理员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostAdmin}}, MustChange: true, CreatedAt: s.Now()}
	if err := s.Accounts.CreateAccount(ctx, acc); err != nil {
		if errs.Is(err, errs.KindConflict) {
			return "", nil // another node created it first
		}
		return "", fmt.Errorf("create first administrator: %w", err)
	}
	return pw, nil
}
