package app

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cityloop/internal/inspect"
)

// TestWebField_SessionOnEvidence: the field app's script reaches the
// evidence and document routes with the browser session, and a write
// needs the page's CSRF token in its header; a session of another post,
// a forged token or a cross-site request is refused with a 4xx that says
// why.
func TestWebField_SessionOnEvidence(t *testing.T) {
	f := newEnfFixture(t)
	enf := f.as(t, "enf1")
	st, page, tok := enf.get("/field/enforcement/cases/" + f.caseID + "/evidence")
	if st != http.StatusOK || tok == "" || !strings.Contains(page, `data-case="`+f.caseID+`"`) {
		t.Fatalf("the evidence page: %d", st)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	create := func(b *browserClient, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", f.base+"/api/v1/enforcement/evidence", nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", strconv.Itoa(len(tinyPNG)))
		req.Header.Set("Upload-Metadata", "case_id "+b64(f.caseID)+",filetype "+b64("image/png"))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tc := range []struct {
		name string
		who  *browserClient
		hdr  map[string]string
		want int
	}{
		{"no CSRF header", enf, nil, http.StatusForbidden},
		{"a forged token", enf, map[string]string{"X-CSRF-Token": "forged"}, http.StatusForbidden},
		{"cross-site", enf, map[string]string{"X-CSRF-Token": tok, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"no session", newBrowserClient(t, f.base), map[string]string{"X-CSRF-Token": tok}, http.StatusUnauthorized},
		{"the page's token", enf, map[string]string{"X-CSRF-Token": tok}, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := create(tc.who, tc.hdr); res.StatusCode != tc.want {
				t.Fatalf("create an upload: %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
	t.Run("read with the session, no token needed", func(t *testing.T) {
		if res := enf.getRaw("/api/v1/enforcement/evidence?case="+f.caseID, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("list: %d", res.StatusCode)
		}
		if res := enf.getRaw("/api/v1/enforcement/cases/"+f.caseID+"/documents", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("documents: %d", res.StatusCode)
		}
	})
	t.Run("a session without an enforcement post", func(t *testing.T) {
		op := f.as(t, "operator")
		if res := op.getRaw("/api/v1/enforcement/evidence?case="+f.caseID, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("an operator lists evidence: %d", res.StatusCode)
		}
	})
}

// TestWebInspections_DemoCity: the demo city has a drawn plan with
// published results (one overdue), a committed and a draft one; the
// console lists them for the leader and an enforcer, the public page shows
// the two published ones without personal data, and the drawn one
// verifies.
func TestWebInspections_DemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the demo city")
	}
	a := demoCityApp(t, 500)
	base := serve(t, a)
	plans, total, err := a.api.Inspections.FindPlans(context.Background(), inspect.Filter{Limit: 10})
	if err != nil || total != 3 {
		t.Fatalf("demo plans: %d %v", total, err)
	}
	var drawn string
	for _, p := range plans {
		if p.Status == inspect.StatusDrawn {
			drawn = p.ID
		}
	}
	for _, user := range []string{"leader", "enforcer"} {
		b := newBrowserClient(t, base)
		if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", user, res.StatusCode)
		}
		st, page, _ := b.get("/console/inspections")
		if st != 200 || strings.Count(page, "/console/inspections/") < 3 || !strings.Contains(page, "逾期未公开结果") {
			t.Fatalf("%s: the plans: %d %.400s", user, st, mainOf(page))
		}
		for _, p := range plans {
			if st, page, _ := b.get("/console/inspections/" + p.ID + "?lang=en"); st != 200 || !strings.Contains(page, p.Name) {
				t.Fatalf("%s: plan %s: %d %.300s", user, p.ID, st, mainOf(page))
			}
		}
	}
	st, page, _ := newBrowserClient(t, base).get("/citizen/inspections")
	if st != 200 || strings.Count(page, "data-verify=") != 1 || strings.Count(page, `class="card insp-public"`) != 2 {
		t.Fatalf("the public page: %d %.600s", st, mainOf(page))
	}
	if m := regexp.MustCompile(`1[3-9]\d{9}`).FindString(page); m != "" {
		t.Fatalf("the public page shows a phone number: %s", m)
	}
	c := &client{t: t, base: base}
	var rep inspect.VerifyReport
	if st := c.do("GET", "/api/v1/inspections/public/"+drawn+"/verify", nil, &rep); st != 200 || !rep.Match {
		t.Fatalf("verify the demo's draw: %d %+v", st, rep)
	}
}

// TestWebInspections_Forms: the console's plan form and steps answer a
// mistake with a 4xx page that names it and keeps what was typed, and only
// leaders and administrators write or draw.
func TestWebInspections_Forms(t *testing.T) {
	f := newEnfFixture(t)
	leader := f.as(t, "leader")
	_, _, tok := leader.get("/console/inspections")
	objects := "OBJ-1,老街烧烤店,shop,320101\nOBJ-2,四季水果店,shop,320101\n"
	inspectors := "I-1,张执法,32010001,320101\nI-2,王执法,32010002,320101\n"
	form := func(kv ...string) url.Values {
		v := url.Values{"_csrf": {tok}, "name": {"抽查"}, "period": {"2026Q4"}, "count": {"1"}, "per_object": {"2"}, "objects": {objects}, "inspectors": {inspectors}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name string
		who  *browserClient
		form url.Values
		want int
		says string
	}{
		{"a list line short of fields", leader, form("objects", "OBJ-1,老街烧烤店\n"), 400, "line 1 needs 4–7 fields"},
		{"one inspector per object", leader, form("per_object", "1"), 400, "per_object"},
		{"more objects than listed", leader, form("count", "3"), 422, "不能抽取 3 个"},
		{"a conflict leaves too few inspectors", leader, form("conflicts", "I-1,OBJ-1,亲属\n"), 422, ""},
		{"an enforcer may not write plans", f.as(t, "enf1"), form(), 403, ""},
		{"a good plan", leader, form(), 303, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.who != leader {
				_, _, tc.form["_csrf"][0] = tc.who.get("/field/enforcement")
			}
			res, body := tc.who.post("/console/inspections", tc.form, nil)
			if res.StatusCode != tc.want || !strings.Contains(body, tc.says) {
				t.Fatalf("%d, want %d with %q: %.400s", res.StatusCode, tc.want, tc.says, mainOf(body))
			}
			if tc.want == 400 && !strings.Contains(body, "老街烧烤店") {
				t.Fatal("the form lost what was typed")
			}
		})
	}
	plans, _, err := f.a.api.Inspections.FindPlans(context.Background(), inspect.Filter{Limit: 5})
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans after the forms: %d %v", len(plans), err)
	}
	id := plans[0].ID
	res, body := leader.post("/console/inspections/"+id+"/draw", url.Values{"_csrf": {tok}}, nil)
	if res.StatusCode != 409 || !strings.Contains(body, "commit") {
		t.Fatalf("a draw before the commitment: %d %.300s", res.StatusCode, mainOf(body))
	}
	if res, _ := leader.post("/console/inspections/"+id+"/commit", url.Values{"_csrf": {tok}}, nil); res.StatusCode != 303 {
		t.Fatalf("commit: %d", res.StatusCode)
	}
	res, body = leader.post("/console/inspections/"+id+"/outcomes", url.Values{"_csrf": {tok}, "object_id": {"OBJ-1"}, "outcome": {"passed"}, "inspected_at": {"2026-01-02T09:30"}}, nil)
	if res.StatusCode != 409 || !strings.Contains(body, "尚未抽取") {
		t.Fatalf("an outcome before the draw: %d %.300s", res.StatusCode, mainOf(body))
	}
}
