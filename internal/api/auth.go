package api

import (
	"net/http"
	"strconv"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := httpkit.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	req.Username = org.NormalizeUsername(req.Username)
	if req.Username == "" || req.Password == "" {
		return errs.Invalid("username and password are required").WithField("username", "required")
	}
	// One throttle for the API and the web sign-in, keyed by account and
	// address (see auth.Throttle): guessing from one place locks only that
	// place, guessing from many places locks the account.
	addr := httpkit.ClientAddr(r)
	if ok, wait := s.Throttle.Allow(req.Username, addr); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "登录失败次数过多，请 %d 秒后再试 / too many failed sign-ins; try again in %d seconds", int(wait.Seconds())+1, int(wait.Seconds())+1)
	}
	fail := func() error {
		s.Throttle.Fail(req.Username, addr)
		_ = s.audit(r, "", "auth.sign_in_failed", "account/"+req.Username, map[string]any{"via": "api"})
		return errs.Unauthenticated("wrong username or password")
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), req.Username)
	if errs.Is(err, errs.KindNotFound) {
		auth.DummyVerify(req.Password) // same time as a real check: no username probing
		return fail()
	}
	if err != nil {
		return err
	}
	ok, _, err := auth.VerifyPassword(req.Password, acc.PasswordHash)
	if err != nil || !ok || acc.Disabled {
		return fail()
	}
	s.Throttle.Succeed(req.Username, addr)
	tok, hash, err := auth.NewToken("clt_")
	if err != nil {
		return err
	}
	now := s.Now()
	ttl := s.TokenTTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	if err := s.Accounts.CreateToken(r.Context(), org.Token{Hash: hash, AccountID: acc.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return err
	}
	_ = s.Accounts.TouchLogin(r.Context(), acc.ID, now)
	if err := s.audit(r, acc.ID, "auth.sign_in", "account/"+acc.ID, map[string]any{"username": acc.Username, "via": "api"}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "token_type": "Bearer",
		"expires_at": now.Add(ttl), "account": acc})
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	tok, err := auth.ParseBearer(r.Header.Get("Authorization"))
	if err != nil {
		return errs.Unauthenticated("send the token to revoke as Authorization: Bearer <token>")
	}
	s.tokens.forget(auth.HashToken(tok))
	if err := s.Accounts.DeleteToken(r.Context(), auth.HashToken(tok)); err != nil && !errs.Is(err, errs.KindNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	_, acc, ok, err := s.actor(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("sign in first: POST /api/v1/auth/token")
	}
	return httpkit.WriteJSON(w, http.StatusOK, acc)
}

// --- regions ---

var passwordRules = map[string]string{
	"auth.password_too_short": "the new password must have at least 10 characters",
	"auth.password_too_long":  "the new password must have at most 256 characters",
	"auth.password_one_class": "mix letters with digits or symbols in the new password",
	"auth.password_common":    "the new password is too common; choose another",
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) error {
	_, acc, ok, err := s.actor(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("sign in first: POST /api/v1/auth/token")
	}
	if acc == nil {
		return errs.Forbidden("API client keys have no password; rotate the key instead: POST /api/v1/clients/{id}/rotate")
	}
	var req struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if err := httpkit.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	// A stolen token must not buy unthrottled guesses at the password.
	addr := httpkit.ClientAddr(r)
	if ok, wait := s.Throttle.Allow(acc.Username, addr); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "密码错误次数过多，请 %d 秒后再试 / too many wrong passwords; try again in %d seconds", int(wait.Seconds())+1, int(wait.Seconds())+1)
	}
	if ok, _, err := auth.VerifyPassword(req.Old, acc.PasswordHash); err != nil || !ok {
		s.Throttle.Fail(acc.Username, addr)
		return errs.Invalid("the old password is wrong").WithField("old_password", "wrong")
	}
	if req.New == req.Old {
		return errs.Invalid("the new password must differ from the old one").WithField("new_password", "unchanged")
	}
	if err := auth.CheckPasswordStrength(req.New); err != nil {
		msg := "the new password is too weak"
		if e, ok := errs.As(err); ok {
			if m, ok := passwordRules[e.Message]; ok {
				msg = m
			}
		}
		return errs.Invalid("%s", msg).WithField("new_password", msg)
	}
	hash, err := auth.HashPassword(req.New, auth.DefaultParams())
	if err != nil {
		return err
	}
	if err := s.Accounts.SetPassword(r.Context(), acc.ID, hash, false); err != nil {
		return err
	}
	// Every other token and web session of the account dies with the old
	// password; the token making the change stays.
	tok, _ := auth.ParseBearer(r.Header.Get("Authorization"))
	revoked, err := s.Accounts.DeleteTokensOf(r.Context(), acc.ID, auth.HashToken(tok))
	s.tokens.forget(nil) // the account changed: no cached copy of it may answer again
	if err != nil {
		return err
	}
	_ = s.audit(r, acc.ID, "auth.password_changed", "account/"+acc.ID, map[string]any{"via": "api"})
	_ = s.audit(r, acc.ID, "auth.sessions_revoked", "account/"+acc.ID, map[string]any{"count": revoked, "reason": "password_changed"})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
