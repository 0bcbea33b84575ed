package app

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

// browserClient is a cookie-keeping HTTP client that does not follow redirects.
type browserClient struct {
	t    testing.TB
	base string
	http *http.Client
}

func newBrowserClient(t testing.TB, base string) *browserClient {
	jar, _ := cookiejar.New(nil)
	return &browserClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// get fetches a page and returns status, body and the page's CSRF token.
func (b *browserClient) get(path string) (int, string, string) {
	b.t.Helper()
	res, err := b.http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	tok := ""
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		tok = m[1]
	}
	return res.StatusCode, string(body), tok
}

func (b *browserClient) post(path string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browserClient) signIn(user, pw string) *http.Response {
	b.t.Helper()
	_, _, tok := b.get("/signin")
	res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {user}, "password": {pw}, "next": {"/console"}}, nil)
	return res
}

func TestWeb_SignIn(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)

	t.Run("console needs a session", func(t *testing.T) {
		b := newBrowserClient(t, base)
		res, err := b.http.Get(base + "/console")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
			t.Fatalf("anonymous /console: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		b := newBrowserClient(t, base)
		if res := b.signIn("operator", "nope"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("cookie flags and sign-out revokes on the server", func(t *testing.T) {
		b := newBrowserClient(t, base)
		res := b.signIn("operator", "demo")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console" {
			t.Fatalf("sign in: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var sess *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "cl_session" {
				sess = c
			}
		}
		if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
			t.Fatalf("session cookie: %+v", sess)
		}
		st, body, tok := b.get("/console")
		if st != 200 || !strings.Contains(body, "受理队列") {
			t.Fatalf("console: %d", st)
		}
		// A copy of the cookie keeps working until sign-out deletes the token.
		stolen := newBrowserClient(t, base)
		u, _ := url.Parse(base)
		stolen.http.Jar.SetCookies(u, []*http.Cookie{{Name: "cl_session", Value: sess.Value}})
		if st, _, _ := stolen.get("/console"); st != 200 {
			t.Fatalf("copied cookie before sign-out: %d", st)
		}
		if res, _ := b.post("/signout", url.Values{"_csrf": {tok}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		if st, _, _ := stolen.get("/console"); st != http.StatusSeeOther {
			t.Fatalf("copied cookie after sign-out: %d, want a redirect to sign-in", st)
		}
		if _, _, err := a.Store.FindToken(context.Background(), nil, a.Now()); err == nil {
			t.Fatal("FindToken(nil) found something")
		}
	})
	t.Run("secure cookie over TLS", func(t *testing.T) {
		b := newBrowserClient(t, base)
		_, _, tok := b.get("/signin")
		res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {"operator"}, "password": {"demo"}}, map[string]string{"X-Forwarded-Proto": "https"})
		for _, c := range res.Cookies() {
			if c.Name == "cl_session" && !c.Secure {
				t.Fatal("session cookie not Secure behind TLS")
			}
		}
	})
}

func TestWeb_CSRF(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	b := newBrowserClient(t, base)
	b.signIn("operator", "demo")
	_, _, tok := b.get("/console")
	sup := login(t, base, "supervisor")
	var c caseOut
	sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "x", "lng": 118.71, "lat": 32.01}, &c)
	path := "/console/cases/" + c.ID + "/act"
	for _, tc := range []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
	}{
		{"no token", url.Values{"action": {"accept"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"action": {"accept"}, "_csrf": {"forged"}}, nil, http.StatusForbidden},
		{"cross-site", url.Values{"action": {"accept"}, "_csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"other origin", url.Values{"action": {"accept"}, "_csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"good token", url.Values{"action": {"accept"}, "_csrf": {tok}}, nil, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := b.post(path, tc.form, tc.header)
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
	if st := statusOfCase(t, a, c.ID); st != casework.StatusPendingFile {
		t.Fatalf("status %s after the one good request", st)
	}
	// Another session's token does not work in this one.
	other := newBrowserClient(t, base)
	other.signIn("shiftlead", "demo")
	if res, _ := other.post(path, url.Values{"action": {"file"}, "_csrf": {tok}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("token of another session: %d", res.StatusCode)
	}
}

var trackRe = regexp.MustCompile(`/citizen/track\?new=1&code=(\d+)&key=([A-Z2-7]+)`)

func TestWeb_TrackingKey(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	// A citizen report through the portal's form handler is multipart; make
	// the case through the service and compute its key the way the portal does.
	b := newBrowserClient(t, base)
	_, _, tok := b.get("/citizen")
	body, ctype := multipartReport(t, tok, map[string]string{"lng": "118.71", "lat": "32.01", "description": "路灯不亮"})
	req, _ := http.NewRequest("POST", base+"/citizen/report", body)
	req.Header.Set("Content-Type", ctype)
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := trackRe.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("report: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	code, key := m[1], m[2]
	c, err := a.Store.FindCaseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if c.Category != nil {
		t.Fatalf("category %v; the citizen left it to the operator", c.Category)
	}
	var sug struct{ Ref string }
	login(t, base, "").do("GET", "/citizen/suggest?q="+url.QueryEscape("路口的路灯不亮了"), nil, &sug)
	if sug.Ref != "component:0118" {
		t.Fatalf("suggestion %q, want the street lamp component:0118", sug.Ref)
	}
	// Walk it to closure through the service (the operator classifies it).
	staff := map[org.Post]org.Actor{}
	for _, u := range []string{"operator", "shiftlead", "dispatcher", "handler", "supervisor"} {
		acc, _ := a.Store.FindAccountByUsername(ctx, u)
		g := testAccounts[u]
		staff[g[0].Post] = org.Actor{ID: acc.ID, Name: u, Grants: g}
	}
	yes := true
	lamp, _ := catalog.ParseRef("event:0504")
	photo := uploadPhoto(t, login(t, base, "supervisor"))
	for _, cmd := range []casework.Command{
		{Action: casework.ActAccept, Actor: staff[org.PostOperator], Category: &lamp},
		{Action: casework.ActFile, Actor: staff[org.PostShiftLead]},
		{Action: casework.ActDispatch, Actor: staff[org.PostDispatcher], Department: "enforcement"},
		{Action: casework.ActSign, Actor: staff[org.PostHandler]},
		{Action: casework.ActDispose, Actor: staff[org.PostHandler], Note: "修好了", Photos: []string{photo}},
		{Action: casework.ActCheck, Actor: staff[org.PostSupervisor], Passed: &yes, Photos: []string{photo}},
		{Action: casework.ActClose, Actor: staff[org.PostShiftLead]},
	} {
		if _, _, err := a.Cases.Act(ctx, c.ID, cmd); err != nil {
			t.Fatalf("%s: %v", cmd.Action, err)
		}
	}
	_, page, tok := b.get("/citizen/track?code=" + code + "&key=WRONGKEY")
	if strings.Contains(page, `id="rate-form"`) {
		t.Fatal("the rating form shows with a wrong key")
	}
	if res, _ := b.post("/citizen/rate", url.Values{"_csrf": {tok}, "code": {code}, "key": {"AAAAAAAAAAAAAAAA"}, "satisfaction": {"unsatisfied"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rate with a wrong key: %d", res.StatusCode)
	}
	_, page, tok = b.get("/citizen/track?code=" + code + "&key=" + key)
	if !strings.Contains(page, `id="rate-form"`) {
		t.Fatal("no rating form with the right key")
	}
	if res, body := b.post("/citizen/rate", url.Values{"_csrf": {tok}, "code": {code}, "key": {strings.ToLower(key)}, "satisfaction": {"satisfied"}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate: %d %s", res.StatusCode, body)
	}
	if res, _ := b.post("/citizen/rate", url.Values{"_csrf": {tok}, "code": {code}, "key": {key}, "satisfaction": {"basic"}}, nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("second rating: %d, want 409", res.StatusCode)
	}
	c, _ = a.Store.FindCaseByID(ctx, c.ID)
	if c.Satisfaction != "satisfied" {
		t.Fatalf("satisfaction %q", c.Satisfaction)
	}
}

func TestWeb_FieldReportDedup(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	b := newBrowserClient(t, base)
	b.signIn("supervisor", "demo")
	_, _, tok := b.get("/field")
	send := func() int {
		body, ctype := multipartReport(t, "", map[string]string{"lng": "118.72", "lat": "32.03", "description": "井盖缺失",
			"external_ref": "0190c4de-0000-7000-8000-000000000001", "queued_at": "0"})
		req, _ := http.NewRequest("POST", base+"/field/report", body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-CSRF-Token", tok)
		res, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := send(); st != http.StatusCreated {
		t.Fatalf("first send: %d", st)
	}
	if st := send(); st != http.StatusOK {
		t.Fatalf("repeat: %d, want 200 (same case)", st)
	}
	if n := countCases(t, a); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
}

// multipartReport builds a report form with one photo.
func multipartReport(t testing.TB, csrf string, fields map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		_ = w.WriteField("_csrf", csrf)
	}
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("photos", "photo.png")
	_, _ = fw.Write(tinyPNG)
	_ = w.Close()
	return &buf, w.FormDataContentType()
}
