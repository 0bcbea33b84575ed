package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/httpkit"
)

// newPassword passes the password policy (auth.CheckPasswordStrength).
const newPassword = "Tr1cky-Lantern-58"

// mustChange puts username back on a one-time password ("demo").
func mustChange(t *testing.T, a *App, username string) string {
	t.Helper()
	ctx := context.Background()
	acc, err := a.Store.FindAccountByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetPassword(ctx, acc.ID, acc.PasswordHash, true); err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

// location is where a response redirects to, without the host.
func location(res *http.Response) string { return res.Header.Get("Location") }

// getRaw fetches path with extra headers and returns the response (body closed).
func (b *browserClient) getRaw(path string, header map[string]string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// auditActions lists the actions recorded on object whose action starts
// with prefix, oldest first, read through the auditor's API.
func auditActions(t *testing.T, base, object, prefix string) []string {
	t.Helper()
	aud := login(t, base, "auditor")
	var out struct {
		Items []struct{ Action, Object, Detail string }
	}
	if st := aud.do("GET", "/api/v1/audit?object="+url.QueryEscape(object)+"&limit=500", nil, &out); st != 200 {
		t.Fatalf("audit search: %d", st)
	}
	var acts []string
	for _, it := range out.Items {
		if strings.HasPrefix(it.Action, prefix) {
			acts = append(acts, it.Action)
		}
	}
	return acts
}

func hasAction(acts []string, want string) bool {
	for _, a := range acts {
		if a == want {
			return true
		}
	}
	return false
}

// TestSecurityAuth_OneTimePasswordOpensOnlyThePasswordPage: an account on a
// one-time password gets from the console exactly what the API gives it.
// After sign-in it lands on the password page; every other page redirects
// there, every fragment, XHR and form post is refused with 403; the page
// applies the API's password policy behind a CSRF check; after the change
// the console opens.
func TestSecurityAuth_OneTimePasswordOpensOnlyThePasswordPage(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	mustChange(t, a, "operator")

	b := newBrowserClient(t, base)
	_, _, tok := b.get("/signin")
	res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {"operator"}, "password": {"demo"}, "next": {"/console/map"}}, nil)
	if res.StatusCode != http.StatusSeeOther || location(res) != "/console/password?next=%2Fconsole%2Fmap" {
		t.Fatalf("sign-in with a one-time password: %d → %q; want the password page", res.StatusCode, location(res))
	}
	for _, p := range []string{"/console", "/console/map", "/console/admin", "/console/cases/x", "/field", "/citizen", "/"} {
		res := b.getRaw(p, nil)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(res), "/console/password") {
			t.Errorf("GET %s with a one-time password: %d → %q; want a redirect to the password page", p, res.StatusCode, location(res))
		}
	}
	if res := b.getRaw("/signin", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(res), "/console/password") {
		t.Errorf("GET /signin with a one-time password session: %d → %q", res.StatusCode, location(res))
	}
	for _, h := range []map[string]string{{"HX-Request": "true"}, {"Sec-Fetch-Mode": "cors"}} {
		if res := b.getRaw("/console", h); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /console as a fragment (%v): %d, want 403", h, res.StatusCode)
		}
	}
	for _, p := range []string{"/web/map/cases", "/web/overview/stats", "/field/tasks"} {
		if res := b.getRaw(p, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with a one-time password: %d, want 403", p, res.StatusCode)
		}
	}
	st, body, csrf := b.get("/console/password")
	if st != 200 || !strings.Contains(body, `id="password-form"`) || !strings.Contains(body, `id="must-change"`) || csrf == "" {
		t.Fatalf("password page: %d", st)
	}
	if res, body := b.post("/console/cases/x/act", url.Values{"_csrf": {csrf}, "action": {"reject"}}, nil); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "one-time password") {
		t.Fatalf("case action with a one-time password: %d", res.StatusCode)
	}
	// The form: CSRF, the current password, the same policy as the API.
	form := func(old, nw, again, csrf string) (*http.Response, string) {
		return b.post("/console/password", url.Values{"_csrf": {csrf}, "old_password": {old}, "new_password": {nw},
			"new_password_again": {again}, "next": {"/console/map"}}, nil)
	}
	if res, _ := form("demo", newPassword, newPassword, "forged"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("password change without the CSRF token: %d", res.StatusCode)
	}
	for _, tc := range []struct{ old, nw, again, says string }{
		{"wrong", newPassword, newPassword, "current password is wrong"},
		{"demo", "short", "short", "at least 10 characters"},
		{"demo", "password123", "password123", "too common"},
		{"demo", newPassword, newPassword + "x", "differ"},
	} {
		if res, body := form(tc.old, tc.nw, tc.again, csrf); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.says) {
			t.Errorf("change (%s): %d, want 400 saying %q", tc.says, res.StatusCode, tc.says)
		}
	}
	if res, _ := form("demo", newPassword, newPassword, csrf); res.StatusCode != http.StatusSeeOther || location(res) != "/console/map" {
		t.Fatalf("change: %d → %q", res.StatusCode, location(res))
	}
	if st, _, _ := b.get("/console"); st != 200 {
		t.Fatalf("console after the change: %d", st)
	}
	if res := login(t, base, ""); res.do("POST", "/api/v1/auth/token", map[string]string{"username": "operator", "password": "demo"}, nil) != 401 {
		t.Fatal("the one-time password still works")
	}
}

// TestSecurityAuth_SignInRedirectStaysOnSite: the next parameter of the
// sign-in form leads only to a path of this site under /console, /field or
// /citizen; encoded tabs, backslashes and other hosts lead to /console.
func TestSecurityAuth_SignInRedirectStaysOnSite(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	for next, want := range map[string]string{
		"/%09/evil.example/":    "/console",
		"/\t/evil.example/":     "/console",
		"/\\evil.example":       "/console",
		"//evil.example":        "/console",
		"https://evil.example/": "/console",
		"/api/v1/me":            "/console",
		"/field/tasks":          "/field/tasks",
		"/console/map?x=1":      "/console/map?x=1",
	} {
		b := newBrowserClient(t, base)
		_, _, tok := b.get("/signin")
		res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {"dispatcher"}, "password": {"demo"}, "next": {next}}, nil)
		if res.StatusCode != http.StatusSeeOther || location(res) != want {
			t.Errorf("sign-in with next=%q: %d → %q, want %q", next, res.StatusCode, location(res), want)
		}
	}
	// The form carries a sanitised next too.
	b := newBrowserClient(t, base)
	if _, body, _ := b.get("/signin?next=%2F%2509%2Fevil.example%2F"); !strings.Contains(body, `name="next" value="/console"`) {
		t.Error("the sign-in form carries an off-site next")
	}
}

// TestSecurityAuth_PasswordChangeRevokesOtherSessions: changing the password
// through the API signs out every other API token and web session of the
// account at once on the node that made the change (other nodes within the
// token cache's 2 s); the token that made it stays signed in, other
// accounts are untouched, and the change and the revocation are audited.
func TestSecurityAuth_PasswordChangeRevokesOtherSessions(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	acc, err := a.Store.FindAccountByUsername(ctx, "dispatcher")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("through the API", func(t *testing.T) {
		one, two := login(t, base, "dispatcher"), login(t, base, "dispatcher")
		other := login(t, base, "operator")
		web := newBrowserClient(t, base)
		if res := web.signIn("dispatcher", "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("web sign-in: %d", res.StatusCode)
		}
		// Warm the token cache, so the test sees it dropped rather than missed.
		for _, c := range []*client{one, two} {
			if st := c.do("GET", "/api/v1/me", nil, nil); st != 200 {
				t.Fatalf("me before: %d", st)
			}
		}
		if st := one.do("POST", "/api/v1/auth/password", map[string]string{"old_password": "demo", "new_password": newPassword}, nil); st != 204 {
			t.Fatalf("change: %d", st)
		}
		if st := two.do("GET", "/api/v1/me", nil, nil); st != 401 {
			t.Errorf("the second token after the change: %d, want 401", st)
		}
		if st := one.do("GET", "/api/v1/me", nil, nil); st != 200 {
			t.Errorf("the token that made the change: %d, want 200", st)
		}
		if st := other.do("GET", "/api/v1/me", nil, nil); st != 200 {
			t.Errorf("another account's token: %d, want 200", st)
		}
		if res := web.getRaw("/console", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(res), "/signin") {
			t.Errorf("the web session after the change: %d → %q, want signed out", res.StatusCode, location(res))
		}
	})
	acts := auditActions(t, base, "account/"+acc.ID, "auth.")
	for _, want := range []string{"auth.password_changed", "auth.sessions_revoked"} {
		if !hasAction(acts, want) {
			t.Errorf("audit of account %s lacks %s: %v", acc.ID, want, acts)
		}
	}
}

// TestSecurityAuth_ConsolePasswordChangeRevokesOtherSessions: the console's
// password form signs out the account's other browsers and API tokens at
// once on this node; the browser that made the change stays signed in.
func TestSecurityAuth_ConsolePasswordChangeRevokesOtherSessions(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	tok := login(t, base, "dispatcher")
	if st := tok.do("GET", "/api/v1/me", nil, nil); st != 200 { // cached now
		t.Fatalf("me before: %d", st)
	}
	me, other := newBrowserClient(t, base), newBrowserClient(t, base)
	for _, b := range []*browserClient{me, other} {
		if res := b.signIn("dispatcher", "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("web sign-in: %d", res.StatusCode)
		}
	}
	_, _, csrf := me.get("/console/password")
	res, _ := me.post("/console/password", url.Values{"_csrf": {csrf}, "old_password": {"demo"}, "new_password": {newPassword},
		"new_password_again": {newPassword}}, nil)
	if res.StatusCode != http.StatusSeeOther || location(res) != "/console" {
		t.Fatalf("change: %d → %q", res.StatusCode, location(res))
	}
	if st := tok.do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Errorf("the API token after a console password change: %d, want 401 at once", st)
	}
	if res := other.getRaw("/console", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(res), "/signin") {
		t.Errorf("the other browser after the change: %d → %q, want signed out", res.StatusCode, location(res))
	}
	if st, _, _ := me.get("/console"); st != 200 {
		t.Errorf("the browser that made the change: %d, want 200", st)
	}
	if res := login(t, base, ""); res.do("POST", "/api/v1/auth/token", map[string]string{"username": "dispatcher", "password": newPassword}, nil) != 200 {
		t.Error("the new password does not sign in")
	}
}

// TestSecurityAuth_WebSignInIsThrottledAndAuditedWithTheAPI: the web form
// and the API share one sign-in throttle (ten failures on the form lock the
// API for the same account and address too), and web sign-ins and failed
// sign-ins are audited under the API's action names.
func TestSecurityAuth_WebSignInIsThrottledAndAuditedWithTheAPI(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	op, err := a.Store.FindAccountByUsername(ctx, "operator")
	if err != nil {
		t.Fatal(err)
	}
	good := newBrowserClient(t, base)
	if res := good.signIn("operator", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("web sign-in: %d", res.StatusCode)
	}
	if acts := auditActions(t, base, "account/"+op.ID, "auth.sign_in"); len(acts) != 1 || acts[0] != "auth.sign_in" {
		t.Errorf("audit after one web sign-in (by account id): %v", acts)
	}
	b := newBrowserClient(t, base)
	for i := range 10 {
		if res := b.signIn("operator", "wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, res.StatusCode)
		}
	}
	if res := b.signIn("operator", "demo"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("web sign-in after ten failures: %d, want 429", res.StatusCode)
	}
	if st := login(t, base, "").do("POST", "/api/v1/auth/token", map[string]string{"username": "operator", "password": "demo"}, nil); st != 429 {
		t.Errorf("API sign-in after ten failures on the web form: %d, want 429 (one shared throttle)", st)
	}
	if st := login(t, base, "").do("POST", "/api/v1/auth/token", map[string]string{"username": "dispatcher", "password": "demo"}, nil); st != 200 {
		t.Errorf("another account from the same address: %d, want 200", st)
	}
	failed := auditActions(t, base, "account/operator", "auth.sign_in_failed")
	if len(failed) < 10 {
		t.Errorf("failed web sign-ins audited: %d, want at least 10", len(failed))
	}
}

// TestSecurityAuth_UsernamesAreNormalised: new accounts (API and console)
// refuse zero-width, control, space and look-alike characters; a
// full-width name is stored NFKC-normalised and signs in however it is typed.
func TestSecurityAuth_UsernamesAreNormalised(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	adm := login(t, base, "admin")
	create := func(username string) (int, map[string]any) {
		var out map[string]any
		st := adm.do("POST", "/api/v1/accounts", map[string]any{"username": username, "name": "测试", "password": newPassword,
			"posts": []map[string]string{{"post": "operator"}}}, &out)
		return st, out
	}
	for _, u := range []string{"op\u200berator", "admin\u202e", "\u0430dmin", "op\u3000x", "a\u0000b", "op\u00a0x"} {
		if st, out := create(u); st != 400 {
			t.Errorf("API create %+q: %d %v, want 400", u, st, out)
		}
	}
	if st, out := create("ｗａｎｇｗｕ"); st != 201 {
		t.Fatalf("API create full-width: %d %v", st, out)
	}
	if _, err := a.Store.FindAccountByUsername(context.Background(), "wangwu"); err != nil {
		t.Fatalf("the full-width name is not stored normalised: %v", err)
	}
	if st, _ := create("wangwu"); st != 409 {
		t.Errorf("the ASCII twin of a full-width name: %d, want 409 (taken)", st)
	}
	if st := login(t, base, "").do("POST", "/api/v1/auth/token", map[string]string{"username": "ｗａｎｇｗｕ", "password": newPassword}, nil); st != 200 {
		t.Errorf("API sign-in typed full-width: %d", st)
	}
	b := newBrowserClient(t, base)
	if res := b.signIn(" ｗａｎｇｗｕ", newPassword); res.StatusCode != http.StatusSeeOther {
		t.Errorf("web sign-in typed full-width: %d", res.StatusCode)
	}

	// The console's admin form applies the same rule.
	web := newBrowserClient(t, base)
	if res := web.signIn("admin", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin web sign-in: %d", res.StatusCode)
	}
	_, _, csrf := web.get("/console/admin")
	res, body := web.post("/console/admin/accounts", url.Values{"_csrf": {csrf}, "username": {"op\u200derator"}, "name": {"x"},
		"password": {newPassword}, "post_0": {"operator"}}, nil)
	if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(body, "invisible") {
		t.Errorf("console create with a zero-width joiner: %d", res.StatusCode)
	}
	if _, err := a.Store.FindAccountByUsername(context.Background(), "op\u200derator"); err == nil {
		t.Error("the console stored a username with a zero-width joiner")
	}
}

// TestSecurityAuth_AnonymousLimitNeedsAVerifiedCredential: a junk
// Authorization header does not exempt a write from the per-address limit;
// a real token does; signed-in browsers behind one address are counted per
// account, not together.
func TestSecurityAuth_AnonymousLimitNeedsAVerifiedCredential(t *testing.T) {
	a := testApp(t, "")
	// testApp turns the public limit off; put the one buildHandler wires
	// (6 a minute, bursts of 5) around the handler with the app's own Caller.
	hs := httptest.NewServer(httpkit.LimitAnonymous(a.Handler(), httpkit.NewLimiter(6, 5, time.Now), a.api.RateCaller))
	t.Cleanup(hs.Close)
	srv := hs.URL
	ops := []*browserClient{newBrowserClient(t, srv), newBrowserClient(t, srv)}
	for i, u := range []string{"operator", "dispatcher"} { // sign in first: sign-in is an anonymous write too
		if res := ops[i].signIn(u, "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("web sign-in %s: %d", u, res.StatusCode)
		}
	}
	valid := login(t, srv, "operator")
	junk := &client{t: t, base: srv, token: "clt_junk"}
	statuses := []int{}
	for range 6 {
		statuses = append(statuses, junk.do("POST", "/api/v1/cases", map[string]any{"description": "x"}, nil))
	}
	if statuses[5] != 429 {
		t.Fatalf("writes with a junk bearer token: %v, want the sixth refused with 429", statuses)
	}
	if st := junk.do("POST", "/api/v1/cases", map[string]any{"description": "x"}, nil); st != 429 {
		t.Fatalf("a junk token after the limit: %d", st)
	}
	for i := range 8 {
		if st := valid.do("POST", "/api/v1/photos", "not a photo", nil); st == 429 {
			t.Fatalf("write %d with a valid token was rate-limited", i+1)
		}
	}
	// The address's anonymous allowance is spent; each signed-in colleague
	// still has their own.
	for _, b := range ops {
		_, _, csrf := b.get("/console")
		res, _ := b.post("/console/cases/none/act", url.Values{"_csrf": {csrf}, "action": {"accept"}}, nil)
		if res.StatusCode == http.StatusTooManyRequests {
			t.Errorf("a signed-in console user shares the address's anonymous allowance: %d", res.StatusCode)
		}
	}
}

// TestSecurityAuth_GuessingLocksTheGuesserNotTheOwner: ten wrong passwords
// from one address lock that address out of the account (web and API
// alike) but not the owner at another address; guesses spread over many
// addresses lock the account for everyone.
func TestSecurityAuth_GuessingLocksTheGuesserNotTheOwner(t *testing.T) {
	a := testApp(t, "")
	// Each request comes from the address in X-Test-Addr, as if from
	// different machines.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := r.Header.Get("X-Test-Addr"); ip != "" {
			r.RemoteAddr = ip + ":4000"
		}
		a.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	signIn := func(addr, user, pw string) int {
		b := newBrowserClient(t, hs.URL)
		_, _, tok := b.get("/signin")
		res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {user}, "password": {pw}}, map[string]string{"X-Test-Addr": addr})
		return res.StatusCode
	}
	for i := range 10 {
		if st := signIn("203.0.113.9", "operator", "guess"); st != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, st)
		}
	}
	if st := signIn("203.0.113.9", "operator", "demo"); st != http.StatusTooManyRequests {
		t.Errorf("the guesser's address after ten failures: %d, want 429", st)
	}
	if st := signIn("198.51.100.7", "operator", "demo"); st != http.StatusSeeOther {
		t.Errorf("the owner at another address: %d, want signed in (303)", st)
	}
	// Sixty guesses, each from its own address, trip the account limit (the
	// owner's good sign-in above cleared the account's count).
	for i := range 60 {
		signIn("192.0.2."+strconv.Itoa(i+1), "operator", "guess")
	}
	if st := signIn("198.51.100.7", "operator", "demo"); st != http.StatusTooManyRequests {
		t.Errorf("the owner after 60 guesses from 60 addresses: %d, want 429 (account locked)", st)
	}
	if st := signIn("198.51.100.7", "dispatcher", "demo"); st != http.StatusSeeOther {
		t.Errorf("another account from the owner's address: %d, want 303", st)
	}
}

// TestSecurityAuth_StolenSessionCannotGuessThePassword: the password-change
// endpoints (API and console) count wrong current passwords in the sign-in
// throttle, so a stolen token or cookie buys no unthrottled guessing.
func TestSecurityAuth_StolenSessionCannotGuessThePassword(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	stolen := login(t, base, "leader")
	for i := range 10 {
		if st := stolen.do("POST", "/api/v1/auth/password", map[string]string{"old_password": "guess" + strconv.Itoa(i), "new_password": newPassword}, nil); st != 400 {
			t.Fatalf("guess %d: %d", i+1, st)
		}
	}
	if st := stolen.do("POST", "/api/v1/auth/password", map[string]string{"old_password": "demo", "new_password": newPassword}, nil); st != 429 {
		t.Errorf("API password change after ten wrong current passwords: %d, want 429", st)
	}
	b := newBrowserClient(t, base)
	if res := b.signIn("handler", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("web sign-in: %d", res.StatusCode)
	}
	_, _, csrf := b.get("/console/password")
	for i := range 10 {
		res, _ := b.post("/console/password", url.Values{"_csrf": {csrf}, "old_password": {"guess" + strconv.Itoa(i)},
			"new_password": {newPassword}, "new_password_again": {newPassword}}, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("console guess %d: %d", i+1, res.StatusCode)
		}
	}
	res, _ := b.post("/console/password", url.Values{"_csrf": {csrf}, "old_password": {"demo"},
		"new_password": {newPassword}, "new_password_again": {newPassword}}, nil)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("console password change after ten wrong current passwords: %d, want 429", res.StatusCode)
	}
}
