package app

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// Promises about what outside input may carry and who may claim what.
// Each test was written as the attack first; it failed before the fix.

// onBothStores runs fn on SQLite and, when CITYLOOP_TEST_POSTGRES_URL is
// set, on PostgreSQL, which refuses NUL bytes and invalid UTF-8 itself.
func onBothStores(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) {
		u := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if u == "" {
			t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL run")
		}
		fn(t, freshPostgres(t, u))
	})
}

// rawPost sends body as it is (no JSON encoding), so a test can send bytes
// that are not UTF-8.
func rawPost(t testing.TB, c *client, path, contentType string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestSecurityInput_TextThatIsNotTextIsRefused: a NUL byte, invalid UTF-8
// or a control character in a description, an address, a note, a query
// parameter or an Open311 form is answered 400 naming the field, on both
// stores (PostgreSQL answered 500, SQLSTATE 22021), and nothing is written.
func TestSecurityInput_TextThatIsNotTextIsRefused(t *testing.T) {
	onBothStores(t, func(t *testing.T, dsn string) {
		a := testApp(t, dsn)
		base := serve(t, a)
		anon, op := login(t, base, ""), login(t, base, "operator")
		var before struct{ Total int }
		op.do("GET", "/api/v1/cases?limit=1", nil, &before)

		report := func(field, value string) map[string]any { // a valid report with one field replaced
			b := map[string]any{"description": "路灯不亮", "address": "中山路1号", "lng": 118.71, "lat": 32.01}
			b[field] = value
			return b
		}
		for _, tc := range []struct {
			name, field string
			body        map[string]any
		}{
			{"NUL in the description", "description", report("description", "路灯\x00不亮")},
			{"NUL in the address", "address", report("address", "中山路\x001号")},
			{"NUL in the reporter's name", "reporter_name", report("reporter_name", "张\x00三")},
			{"escape character in the address", "address", report("address", "中山路\x1b[31m1号")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var p problemOut
				if st := anon.do("POST", "/api/v1/cases", tc.body, &p); st != 400 || !p.has(tc.field) {
					t.Fatalf("status %d, problem %+v; want 400 naming %s", st, p, tc.field)
				}
			})
		}
		t.Run("a JSON body that is not UTF-8", func(t *testing.T) {
			body := []byte(`{"description":"路灯` + "\xff\xfe" + `不亮","lng":118.71,"lat":32.01}`)
			if st, b := rawPost(t, anon, "/api/v1/cases", "application/json", body); st != 400 || !strings.Contains(b, "UTF-8") {
				t.Fatalf("status %d %s; want 400 about UTF-8", st, b)
			}
		})
		t.Run("NUL in a note", func(t *testing.T) {
			var c caseOut
			if st := anon.do("POST", "/api/v1/cases", report("description", "井盖缺失"), &c); st != 201 {
				t.Fatalf("report: %d", st)
			}
			var p problemOut
			if st := op.do("POST", "/api/v1/cases/"+c.ID+"/actions", map[string]any{"action": "reject", "note": "重复\x00上报"}, &p); st != 400 || !p.has("note") {
				t.Fatalf("status %d %+v; want 400 naming note", st, p)
			}
			var seen caseOut
			if op.do("GET", "/api/v1/cases/"+c.ID, nil, &seen); seen.Status != "pending_accept" {
				t.Fatalf("the refused action changed the case: %s", seen.Status)
			}
			before.Total++ // this one was meant to be stored
		})
		for _, path := range []string{"/api/v1/cases?region=%00", "/api/v1/cases?status=%ff", "/api/v1/cases/%00", "/api/v1/regions/32%0001"} {
			t.Run("query "+path, func(t *testing.T) {
				if st := op.do("GET", path, nil, nil); st != 400 {
					t.Fatalf("GET %s: %d, want 400", path, st)
				}
			})
		}
		t.Run("Open311 form", func(t *testing.T) {
			admin := login(t, base, "admin")
			var key struct {
				APIKey string `json:"api_key"`
			}
			if st := admin.do("POST", "/api/v1/open311/keys", map[string]string{"account": "supervisor", "label": "App"}, &key); st != 201 {
				t.Fatalf("issue key: %d", st)
			}
			for _, desc := range []string{"人行道\x00乱停车", "人行道\xff乱停车"} {
				form := url.Values{"api_key": {key.APIKey}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "description": {desc}}
				if st, b := rawPost(t, anon, "/open311/v2/requests.json", "application/x-www-form-urlencoded", []byte(form.Encode())); st != 400 || !strings.Contains(b, "description") {
					t.Fatalf("Open311 %q: %d %s; want 400 naming description", desc, st, b)
				}
			}
		})
		t.Run("web forms", func(t *testing.T) {
			b := newBrowserClient(t, base)
			_, _, tok := b.get("/citizen")
			for _, desc := range []string{"路灯\x00不亮", "路灯\xff不亮"} {
				body, ctype := multipartReport(t, tok, map[string]string{"lng": "118.71", "lat": "32.01", "description": desc})
				req, _ := http.NewRequest("POST", base+"/citizen/report", body)
				req.Header.Set("Content-Type", ctype)
				res, err := b.http.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 400 || !strings.Contains(string(page), "description") {
					t.Fatalf("citizen form %q: %d; want 400 naming description", desc, res.StatusCode)
				}
			}
			_, _, tok = b.get("/signin")
			res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {"oper\x00ator"}, "password": {"demo"}}, nil)
			if res.StatusCode != 400 {
				t.Fatalf("sign-in form with a NUL: %d, want 400", res.StatusCode)
			}
		})
		var after struct{ Total int }
		op.do("GET", "/api/v1/cases?limit=1", nil, &after)
		if after.Total != before.Total {
			t.Fatalf("cases before %d, after %d: a refused report was stored", before.Total, after.Total)
		}
	})
}

// TestSecurityInput_ChannelFollowsTheCredential: the reporting channel
// (source) is derived from who reports; a caller may declare another only
// where its posts or its key's grants allow it. An auditor filed a "camera"
// case, which machine de-duplication then merged on its own.
func TestSecurityInput_ChannelFollowsTheCredential(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	newKey := func(endpoints ...string) *client {
		var made struct{ Key string }
		if st := admin.do("POST", "/api/v1/clients", map[string]any{"name": "伙伴", "endpoints": endpoints, "rate_per_min": 600}, &made); st != 201 {
			t.Fatalf("create client: %d", st)
		}
		return &client{t: t, base: base, token: made.Key}
	}
	plain, camera := newKey("cases.create"), newKey("cases.create", "source.camera")
	lng := 118.70
	for _, tc := range []struct {
		name   string
		c      *client
		source string // declared; "" = none
		want   int
		got    string // the source stored, when 201
	}{
		{"auditor claims camera", login(t, base, "auditor"), "camera", 403, ""},
		{"dispatcher claims a leader's instruction", login(t, base, "dispatcher"), "leader", 403, ""},
		{"supervisor claims the hotline", login(t, base, "supervisor"), "hotline", 403, ""},
		{"supervisor's own channel", login(t, base, "supervisor"), "", 201, "patrol"},
		{"operator registers a call", login(t, base, "operator"), "hotline", 201, "hotline"},
		{"leader's own channel", login(t, base, "leader"), "", 201, "leader"},
		{"anyone may report as a citizen", login(t, base, "dispatcher"), "citizen", 201, "citizen"},
		{"citizen claims sensor", login(t, base, ""), "sensor", 401, ""},
		{"partner key without the grant claims camera", plain, "camera", 403, ""},
		{"partner key's own channel", plain, "", 201, "partner"},
		{"partner key granted camera", camera, "camera", 201, "camera"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			lng += 0.003 // apart, so no report is a duplicate of another
			body := map[string]any{"description": "道路破损", "lng": lng, "lat": 32.05}
			if tc.source != "" {
				body["source"] = tc.source
			}
			var out map[string]any
			if st := tc.c.do("POST", "/api/v1/cases", body, &out); st != tc.want {
				t.Fatalf("status %d %v, want %d", st, out, tc.want)
			}
			if tc.want == 201 && out["source"] != tc.got {
				t.Fatalf("stored source %v, want %s", out["source"], tc.got)
			}
		})
	}
}

// TestSecurityInput_ReadinessNeedsAWritableDatabase: /readyz, which load
// balancers ask, says ok only while the database takes a write; /healthz
// and /livez say the process answers.
func TestSecurityInput_ReadinessNeedsAWritableDatabase(t *testing.T) {
	a := testApp(t, "")
	base := serveRun(t, a)
	c := login(t, base, "")
	var h map[string]any
	waitReady(t, base)
	a.Store.Close()
	req, _ := http.NewRequest("GET", base+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || strings.Contains(string(b), "sql") {
		t.Fatalf("a node whose database is gone: %d %s; want 503 without internals", res.StatusCode, b)
	}
	for _, p := range []string{"/healthz", "/livez"} {
		if st := c.do("GET", p, nil, &h); st != 200 || h["status"] != "ok" {
			t.Fatalf("%s: %d %v", p, st, h)
		}
	}
}
