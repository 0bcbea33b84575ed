package web

import (
	"net/http"
	"strconv"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
)

// passwordPath is the console's change-password page, the one page an
// account with a one-time password may open.
const passwordPath = "/console/password"

// passwordProblems are the policy's failures (auth.CheckPasswordStrength,
// the same policy as POST /api/v1/auth/password) in both languages.
var passwordProblems = map[string]string{
	"auth.password_too_short": "新密码至少 10 个字符 / the new password must have at least 10 characters",
	"auth.password_too_long":  "新密码最多 256 个字符 / the new password must have at most 256 characters",
	"auth.password_one_class": "新密码须混合字母、数字或符号中的两类 / mix letters with digits or symbols in the new password",
	"auth.password_common":    "新密码太常见，请另选一个 / the new password is too common; choose another",
}

// passwordRoutes mounts the change-password page.
func (s *Server) passwordRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+passwordPath, s.page(s.handlePasswordForm))
	mux.Handle("POST "+passwordPath, s.page(s.handlePasswordChange))
}

type passwordPage struct {
	Next       string
	MustChange bool
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, status int, next, problem string) {
	sess, _ := sessionFrom(r.Context())
	v := s.view(w, r, "console")
	v.Title = v.L.T("change_password")
	v.Error = problem
	v.Data = passwordPage{Next: next, MustChange: sess.account.MustChange}
	s.render(w, r, status, "password", v)
}

func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	s.renderPassword(w, r, http.StatusOK, safeNext(r.URL.Query().Get("next")), "")
	return nil
}

// handlePasswordChange checks the current password, applies the password
// policy to the new one, stores it, and signs out every other session and
// API token of the account; this browser stays signed in.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	acc := sess.account
	next := safeNext(r.PostFormValue("next"))
	oldPW, newPW, again := r.PostFormValue("old_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password_again")
	// A stolen session must not buy unthrottled guesses at the password.
	addr := clientAddr(r)
	if ok, wait := s.Throttle.Allow(acc.Username, addr); !ok {
		secs := strconv.Itoa(int(wait.Seconds()) + 1)
		w.Header().Set("Retry-After", secs)
		s.renderPassword(w, r, http.StatusTooManyRequests, next,
			"密码错误次数过多，请 "+secs+" 秒后再试 / too many wrong passwords; try again in "+secs+" seconds")
		return nil
	}
	if ok, _, err := auth.VerifyPassword(oldPW, acc.PasswordHash); err != nil || !ok {
		s.Throttle.Fail(acc.Username, addr)
		s.renderPassword(w, r, http.StatusBadRequest, next, "当前密码不正确 / the current password is wrong")
		return nil
	}
	if newPW != again {
		s.renderPassword(w, r, http.StatusBadRequest, next, "两次输入的新密码不一致 / the two new passwords differ; type the same one twice")
		return nil
	}
	if newPW == oldPW {
		s.renderPassword(w, r, http.StatusBadRequest, next, "新密码须与当前密码不同 / the new password must differ from the current one")
		return nil
	}
	if err := auth.CheckPasswordStrength(newPW); err != nil {
		msg := passwordProblems["auth.password_one_class"]
		if e, ok := errs.As(err); ok {
			if m, ok := passwordProblems[e.Message]; ok {
				msg = m
			}
		}
		s.renderPassword(w, r, http.StatusBadRequest, next, msg)
		return nil
	}
	hash, err := auth.HashPassword(newPW, auth.DefaultParams())
	if err != nil {
		return err
	}
	if err := s.Accounts.SetPassword(r.Context(), acc.ID, hash, false); err != nil {
		return err
	}
	// The old password's other sessions and API tokens die with it, and
	// this node's API token cache forgets them at once rather than within
	// its TTL (a cached copy would also still say the password must change).
	revoked, err := s.Accounts.DeleteTokensOf(r.Context(), acc.ID, sess.hash)
	if s.ForgetTokens != nil {
		s.ForgetTokens()
	}
	if err != nil {
		return err
	}
	_ = s.audit(r, acc.ID, "auth.password_changed", "account/"+acc.ID, map[string]any{"via": "web"})
	_ = s.audit(r, acc.ID, "auth.sessions_revoked", "account/"+acc.ID, map[string]any{"count": revoked, "reason": "password_changed"})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
