package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

const (
	sessionCookie = "cl_session"
	anonCookie    = "cl_csrf"
	tokenPrefix   = "cls_" // browser sessions; API tokens are clt_
)

// session is a signed-in browser.
type session struct {
	hash    []byte // SHA-256 of the cookie's token, as stored
	account *org.Account
	actor   org.Actor
}

type sessionKey struct{}

func sessionFrom(ctx context.Context) (*session, bool) {
	s, ok := ctx.Value(sessionKey{}).(*session)
	return s, ok && s != nil
}

// withSession resolves the session cookie. An unknown or expired token is
// treated as signed out and its cookie cleared.
//
// An account that must change its one-time password (org.Account.MustChange)
// gets exactly what the API gives it: the password page and sign-out, and
// nothing else. Every other request fails with errMustChange (403), which
// [Server.page] turns into a redirect to the password page for a page a
// person opened.
func (s *Server) withSession(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return r, nil
	}
	if !strings.HasPrefix(c.Value, tokenPrefix) || len(c.Value) > 128 {
		s.clearSession(w, r)
		return r, nil
	}
	hash := auth.HashToken(c.Value)
	_, acc, err := s.Accounts.FindToken(r.Context(), hash, s.Now())
	if errs.Is(err, errs.KindNotFound) || (err == nil && acc.Disabled) {
		s.clearSession(w, r)
		return r, nil
	}
	if err != nil {
		return r, err
	}
	sess := &session{hash: hash, account: acc, actor: org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}}
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	if acc.MustChange && !mustChangeAllows(r) {
		return r, errMustChange
	}
	return r, nil
}

// errMustChange refuses everything but the password page to a session whose
// account still has its one-time password.
var errMustChange = errs.Forbidden("请先修改一次性密码（" + passwordPath + "）/ change your one-time password first at " + passwordPath)

// mustChangeAllows lists what a session with a one-time password may reach:
// the password page, sign-in (to become someone else) and sign-out.
func mustChangeAllows(r *http.Request) bool {
	switch r.URL.Path {
	case passwordPath, "/signin":
		return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodPost
	case "/signout":
		return r.Method == http.MethodPost
	}
	return false
}

// redirectMustChange sends a person who opened a page while their one-time
// password is unchanged to the password page, and reports whether it did.
// Fragments and scripted requests (htmx, fetch) get the 403 instead.
func (s *Server) redirectMustChange(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, errMustChange) || (r.Method != http.MethodGet && r.Method != http.MethodHead) ||
		r.Header.Get("HX-Request") != "" || r.Header.Get("X-Requested-With") != "" {
		return false
	}
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" && m != "navigate" {
		return false
	}
	http.Redirect(w, r, passwordPath+"?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
	return true
}

// SessionToken returns the request's web session token when it has the
// form of one (it is not checked against the store), or "". The app's
// rate limiter uses it to count a signed-in browser per account.
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !strings.HasPrefix(c.Value, tokenPrefix) || len(c.Value) > 128 {
		return ""
	}
	return c.Value
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.SessionTTL.Seconds())})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// mac is HMAC-SHA256 under the server secret, base64url.
func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfFor is the session's CSRF token: derived from the stored token hash,
// so it needs no storage and dies with the session.
func (s *Server) csrfFor(sess *session) string {
	return s.mac("csrf", base64.RawURLEncoding.EncodeToString(sess.hash))
}

// anonCSRF is the CSRF token before sign-in (sign-in form, citizen forms):
// derived from a random cookie that this call sets when missing.
func (s *Server) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(anonCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		v = c.Value
	} else {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: anonCookie, Value: v, Path: "/", HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
		// Make it visible to a check later in this same request.
		r.AddCookie(&http.Cookie{Name: anonCookie, Value: v})
	}
	return s.mac("anon", v)
}

// checkCSRF guards every state-changing request: the token from the form
// field _csrf or the X-CSRF-Token header must match the one derived from
// the session (or the anonymous cookie), and a browser that says the
// request is cross-site is refused outright.
func (s *Server) checkCSRF(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errs.Forbidden("跨站请求被拒绝 / cross-site request refused")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return errs.Forbidden("请求来源不符 / the request's origin does not match this site")
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.FormValue("_csrf")
	}
	var want string
	if sess, ok := sessionFrom(r.Context()); ok {
		want = s.csrfFor(sess)
	} else if c, err := r.Cookie(anonCookie); err == nil && c.Value != "" {
		want = s.mac("anon", c.Value)
	}
	if want == "" || got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errs.Forbidden("表单已过期或来源不明，请刷新页面后重试 / the form is stale or forged (CSRF check failed); reload the page and try again")
	}
	// Every state-changing form passes here once its fields are read, so
	// this is where text that no store can keep is refused (see readForm).
	if r.PostForm != nil {
		return checkFormText(r.PostForm)
	}
	return nil
}

func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if sess, ok := sessionFrom(r.Context()); ok && sess.account.MustChange {
		http.Redirect(w, r, passwordPath+"?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("signin")
	if r.URL.Query().Get("next") == "" {
		next = "" // the post decides where the person lands (see landing)
	}
	v.Data = map[string]string{"Next": next}
	s.render(w, r, http.StatusOK, "signin", v)
	return nil
}

// nextPrefixes are where a sign-in may lead: the console, the field app
// and the citizen portal, each with its subpaths.
var nextPrefixes = []string{"/console", "/field", "/citizen"}

// safeNext keeps a post-sign-in redirect on this site: n must be a plain
// path (no scheme, no host, no user info) under one of nextPrefixes, with
// no backslash and no control character, tab or invisible format character
// anywhere, however many times it is percent-decoded. Browsers drop tabs
// and newlines and read "\" as "/", so "/%09/evil.example" or
// "/\evil.example" would leave the site. Anything else gives /console.
// The result is the cleaned path with the original query.
func safeNext(n string) string {
	const fallback = "/console"
	if n == "" || len(n) > 2048 {
		return fallback
	}
	for s, i := n, 0; ; i++ {
		for _, r := range s {
			if r == '\\' || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
				return fallback
			}
		}
		d, err := url.PathUnescape(s)
		if err != nil || i > 3 {
			return fallback
		}
		if d == s {
			break
		}
		s = d
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") {
		return fallback
	}
	p := path.Clean(u.Path)
	allowed := false
	for _, pre := range nextPrefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			allowed = true
			break
		}
	}
	if !allowed {
		return fallback
	}
	out := (&url.URL{Path: p, RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return fallback
	}
	return out
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	user := org.NormalizeUsername(r.PostFormValue("username"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	fail := func(msg string, status int) error {
		v := s.view(w, r, "console")
		v.Title = v.L.T("signin")
		v.Error = msg
		v.Data = map[string]string{"Next": next, "Username": user}
		s.render(w, r, status, "signin", v)
		return nil
	}
	// The same throttle as the API's (app shares one), keyed by account
	// and address; see auth.Throttle.
	addr := clientAddr(r)
	if ok, wait := s.Throttle.Allow(user, addr); !ok {
		secs := strconv.Itoa(int(wait.Seconds()) + 1)
		w.Header().Set("Retry-After", secs)
		return fail(s.langOf(w, r).T("signin_failed")+" ("+secs+"s)", http.StatusTooManyRequests)
	}
	bad := func() error {
		s.Throttle.Fail(user, addr)
		_ = s.audit(r, "", "auth.sign_in_failed", "account/"+user, map[string]any{"via": "web"})
		return fail(s.langOf(w, r).T("signin_failed"), http.StatusUnauthorized)
	}
	if user == "" || pw == "" {
		return bad()
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), user)
	if errs.Is(err, errs.KindNotFound) {
		auth.DummyVerify(pw)
		return bad()
	}
	if err != nil {
		return err
	}
	ok, _, err := auth.VerifyPassword(pw, acc.PasswordHash)
	if err != nil || !ok || acc.Disabled {
		return bad()
	}
	s.Throttle.Succeed(user, addr)
	tok, hash, err := auth.NewToken(tokenPrefix)
	if err != nil {
		return err
	}
	now := s.Now()
	if err := s.Accounts.CreateToken(r.Context(), org.Token{Hash: hash, AccountID: acc.ID, CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL)}); err != nil {
		return err
	}
	_ = s.Accounts.TouchLogin(r.Context(), acc.ID, now)
	if err := s.audit(r, acc.ID, "auth.sign_in", "account/"+acc.ID, map[string]any{"username": acc.Username, "via": "web"}); err != nil {
		return err
	}
	s.setSession(w, r, tok)
	if r.PostFormValue("next") == "" {
		next = landing(acc.Grants)
	}
	if acc.MustChange {
		// As on the API: a one-time password opens only the password page.
		http.Redirect(w, r, passwordPath+"?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	if sess, ok := sessionFrom(r.Context()); ok {
		if err := s.Accounts.DeleteToken(r.Context(), sess.hash); err != nil && !errs.Is(err, errs.KindNotFound) {
			return err
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// SessionActor resolves the browser's session for the API routes the pages
// call from script (api.Server.Session): ok false without a valid session
// (unknown, expired, disabled, or a one-time password still to change).
// A request that changes state must carry the page's CSRF token in the
// X-CSRF-Token header and must not say it is cross-site, as every form
// here must.
func (s *Server) SessionActor(r *http.Request) (org.Actor, bool, error) {
	tok := SessionToken(r)
	if tok == "" {
		return org.Actor{}, false, nil
	}
	hash := auth.HashToken(tok)
	_, acc, err := s.Accounts.FindToken(r.Context(), hash, s.Now())
	if errs.Is(err, errs.KindNotFound) {
		return org.Actor{}, false, nil
	}
	if err != nil {
		return org.Actor{}, false, fmt.Errorf("resolve the browser session: %w", err)
	}
	if acc.Disabled || acc.MustChange {
		return org.Actor{}, false, nil
	}
	sess := &session{hash: hash, account: acc, actor: org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		// The header only: a script sends it, a cross-site form cannot.
		rr := r.Clone(context.WithValue(r.Context(), sessionKey{}, sess))
		rr.Form, rr.PostForm = url.Values{}, url.Values{}
		if rr.Header.Get("X-CSRF-Token") == "" {
			return org.Actor{}, false, errs.Forbidden("缺少 X-CSRF-Token 请求头 / the X-CSRF-Token header is missing; reload the page")
		}
		if err := s.checkCSRF(rr); err != nil {
			return org.Actor{}, false, err
		}
	}
	return sess.actor, true, nil
}
