package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestWeb_AdminEdits: the admin page adds and deletes routing rules, adds
// and changes departments, creates and disables accounts — CSRF-checked,
// admin only, audited.
func TestWeb_AdminEdits(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	b := newBrowserClient(t, base)
	if res := b.signIn("admin", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", res.StatusCode)
	}
	st, page, tok := b.get("/console/admin")
	if st != 200 || !strings.Contains(page, `id="rule-form"`) || !strings.Contains(page, `id="account-form"`) || !strings.Contains(page, "新建账号") {
		t.Fatalf("admin page: %d", st)
	}
	op := newBrowserClient(t, base)
	op.signIn("operator", "demo")
	_, _, opTok := op.get("/console")

	t.Run("department add and edit", func(t *testing.T) {
		form := url.Values{"_csrf": {tok}, "code": {"parks"}, "name_zh": {"园林局"}, "kind": {"bureau"}}
		if res, body := b.post("/console/admin/departments", form, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d %s", res.StatusCode, body)
		}
		form.Set("name_zh", "园林绿化局")
		form.Set("phone", "025-1234567")
		if res, _ := b.post("/console/admin/departments", form, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", res.StatusCode)
		}
		d, ok := a.World.Dict().Department("parks")
		if !ok || d.Name.Zh != "园林绿化局" || d.Phone != "025-1234567" {
			t.Fatalf("department %+v %v", d, ok)
		}
		if _, page, _ := b.get("/console/admin?done=1"); !strings.Contains(page, "园林绿化局") || !strings.Contains(page, "已保存") {
			t.Fatal("the page does not show the change")
		}
		if res, _ := b.post("/console/admin/departments", url.Values{"_csrf": {tok}, "code": {"bad code!"}, "name_zh": {"x"}}, nil); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad code: %d", res.StatusCode)
		}
	})

	t.Run("rule add and delete", func(t *testing.T) {
		before := len(a.World.Dict().Rules())
		form := url.Values{"_csrf": {tok}, "category": {"event:0102"}, "region_code": {"320101002"}, "department": {"sanitation"}, "priority": {"5"}}
		if res, body := b.post("/console/admin/rules", form, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d %s", res.StatusCode, body)
		}
		rules := a.World.Dict().Rules()
		if len(rules) != before+1 {
			t.Fatalf("%d rules, want %d", len(rules), before+1)
		}
		id := ""
		for _, r := range rules {
			if r.RegionCode == "320101002" && r.Department == "sanitation" && r.Priority == 5 {
				id = r.ID
			}
		}
		if id == "" {
			t.Fatalf("rule not found in %+v", rules)
		}
		bad := url.Values{"_csrf": {tok}, "category": {"event:0102"}, "region_code": {"999"}, "department": {"sanitation"}}
		if res, body := b.post("/console/admin/rules", bad, nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "region_code") {
			t.Fatalf("unknown region: %d", res.StatusCode)
		}
		if res, _ := op.post("/console/admin/rules/"+id+"/delete", url.Values{"_csrf": {opTok}}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("operator deletes a rule: %d", res.StatusCode)
		}
		if res, _ := b.post("/console/admin/rules/"+id+"/delete", url.Values{}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("delete without CSRF token: %d", res.StatusCode)
		}
		if res, _ := b.post("/console/admin/rules/"+id+"/delete", url.Values{"_csrf": {tok}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", res.StatusCode)
		}
		if len(a.World.Dict().Rules()) != before {
			t.Fatal("the rule is still there")
		}
	})

	t.Run("accounts create and disable", func(t *testing.T) {
		form := url.Values{"_csrf": {tok}, "username": {"gm2"}, "name": {"网格员二"}, "password": {"Grid-member-2026"},
			"post_0": {"grid_member"}, "region_0": {"320101002001"}}
		if res, body := op.post("/console/admin/accounts", url.Values{"_csrf": {opTok}, "username": {"x"}, "name": {"x"}, "post_0": {"admin"}}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("operator creates an account: %d %s", res.StatusCode, body)
		}
		if res, _ := b.post("/console/admin/accounts", url.Values{"username": {"x"}, "name": {"x"}, "post_0": {"operator"}}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("create without CSRF token: %d", res.StatusCode)
		}
		bad := url.Values{"_csrf": {tok}, "username": {"gm3"}, "name": {"x"}, "post_0": {"handler"}, "department_0": {"nope"}}
		if res, body := b.post("/console/admin/accounts", bad, nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "posts[0].department") {
			t.Fatalf("unknown department: %d", res.StatusCode)
		}
		if res, body := b.post("/console/admin/accounts", form, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		acc, err := a.Store.FindAccountByUsername(ctx, "gm2")
		if err != nil || len(acc.Grants) != 1 || acc.Grants[0].Region != "320101002001" || acc.MustChange {
			t.Fatalf("account %+v %v", acc, err)
		}
		// Without a password: the one-time password is on the response page only.
		res, body := b.post("/console/admin/accounts", url.Values{"_csrf": {tok}, "username": {"op2"}, "name": {"受理员二"}, "post_0": {"operator"}}, nil)
		m := regexp.MustCompile(`op2: ([A-Za-z0-9]{12})`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusCreated || m == nil || strings.Contains(res.Header.Get("Location"), m[1]) {
			t.Fatalf("one-time password: %d", res.StatusCode)
		}
		if st := login(t, base, "").do("POST", "/api/v1/auth/token", map[string]string{"username": "op2", "password": m[1]}, nil); st != 200 {
			t.Fatalf("one-time password sign-in: %d", st)
		}

		gm := newBrowserClient(t, base)
		if res := gm.signIn("gm2", "Grid-member-2026"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("new account signs in: %d", res.StatusCode)
		}
		if res, _ := b.post("/console/admin/accounts/"+acc.ID+"/disable", url.Values{"_csrf": {tok}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		if st, _, _ := gm.get("/console"); st != http.StatusSeeOther {
			t.Fatalf("session of a disabled account: %d, want a redirect to sign-in", st)
		}
		if res := newBrowserClient(t, base).signIn("gm2", "Grid-member-2026"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("disabled account signs in: %d", res.StatusCode)
		}
		if _, page, _ := b.get("/console/admin"); !strings.Contains(page, "已停用") {
			t.Fatal("the list does not show the account as disabled")
		}
		if res, _ := b.post("/console/admin/accounts/"+acc.ID+"/enable", url.Values{"_csrf": {tok}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable: %d", res.StatusCode)
		}
		if res := newBrowserClient(t, base).signIn("gm2", "Grid-member-2026"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("re-enabled account signs in: %d", res.StatusCode)
		}
		me, _ := a.Store.FindAccountByUsername(ctx, "admin")
		if res, _ := b.post("/console/admin/accounts/"+me.ID+"/disable", url.Values{"_csrf": {tok}}, nil); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("admin disables itself: %d", res.StatusCode)
		}

		auditor := login(t, base, "auditor")
		for _, action := range []string{"account.create", "account.disable", "account.enable"} {
			var trail struct {
				Items []struct{ Actor, Object string }
			}
			if st := auditor.do("GET", "/api/v1/audit?object=account/"+acc.ID+"&action="+action, nil, &trail); st != 200 || len(trail.Items) != 1 || trail.Items[0].Actor != me.ID {
				t.Fatalf("%s not audited: %d %+v", action, st, trail.Items)
			}
		}
	})
}
