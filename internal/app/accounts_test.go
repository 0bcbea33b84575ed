package app

import (
	"context"
	"strings"
	"testing"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

type problemOut struct {
	Detail string
	Errors []struct{ Field, Message string }
}

func (p problemOut) has(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// TestAccounts_API: administrators list, create, re-post, disable and
// enable accounts; nobody else may; every change lands in the audit trail.
func TestAccounts_API(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	operator := login(t, base, "operator")
	anon := login(t, base, "")
	good := map[string]any{"username": "inspector1", "name": "巡查员一", "password": "Strong-pass-2026",
		"posts": []map[string]string{{"post": "supervisor", "region": "320101002"}}}

	for _, tt := range []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		want   int
		field  string
	}{
		{"admin lists", admin, "GET", "/api/v1/accounts", nil, 200, ""},
		{"operator may not list", operator, "GET", "/api/v1/accounts", nil, 403, ""},
		{"anonymous may not list", anon, "GET", "/api/v1/accounts", nil, 401, ""},
		{"operator may not create", operator, "POST", "/api/v1/accounts", good, 403, ""},
		{"anonymous may not create", anon, "POST", "/api/v1/accounts", good, 401, ""},
		{"admin creates", admin, "POST", "/api/v1/accounts", good, 201, ""},
		{"taken username", admin, "POST", "/api/v1/accounts", good, 409, "username"},
		{"unknown post", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x1", "name": "x",
			"posts": []map[string]string{{"post": "janitor"}}}, 400, "posts[0].post"},
		{"system post", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x2", "name": "x",
			"posts": []map[string]string{{"post": "system"}}}, 400, "posts[0].post"},
		{"unknown region", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x3", "name": "x",
			"posts": []map[string]string{{"post": "supervisor", "region": "999"}}}, 400, "posts[0].region"},
		{"unknown department", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x4", "name": "x",
			"posts": []map[string]string{{"post": "operator"}, {"post": "handler", "department": "nope"}}}, 400, "posts[1].department"},
		{"no posts", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x5", "name": "x"}, 400, "posts"},
		{"weak password", admin, "POST", "/api/v1/accounts", map[string]any{"username": "x6", "name": "x", "password": "short",
			"posts": []map[string]string{{"post": "operator"}}}, 400, "password"},
		{"operator may not re-post", operator, "PUT", "/api/v1/accounts/whoever/posts", map[string]any{"posts": []map[string]string{{"post": "admin"}}}, 403, ""},
		{"re-post a missing account", admin, "PUT", "/api/v1/accounts/missing/posts", map[string]any{"posts": []map[string]string{{"post": "operator"}}}, 404, ""},
		{"operator may not disable", operator, "POST", "/api/v1/accounts/whoever/disable", nil, 403, ""},
		{"anonymous may not disable", anon, "POST", "/api/v1/accounts/whoever/disable", nil, 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.t = t
			var p problemOut
			var out any = &p
			if tt.want < 400 {
				out = nil
			}
			if st := tt.c.do(tt.method, tt.path, tt.body, out); st != tt.want {
				t.Fatalf("status %d, want %d (%+v)", st, tt.want, p)
			}
			if tt.field != "" && !p.has(tt.field) {
				t.Fatalf("no field error on %s: %+v", tt.field, p)
			}
			if tt.name == "weak password" && !strings.Contains(p.Errors[0].Message, "at least 10 characters") {
				t.Fatalf("password message %q", p.Errors[0].Message)
			}
		})
	}
	admin.t, operator.t, anon.t = t, t, t

	// The new account signs in with the password the administrator chose.
	ins := login(t, base, "")
	var tok struct {
		Token   string
		Account org.Account
	}
	if st := ins.do("POST", "/api/v1/auth/token", map[string]string{"username": "inspector1", "password": "Strong-pass-2026"}, &tok); st != 200 {
		t.Fatalf("new account signs in: %d", st)
	}
	id := tok.Account.ID
	if len(tok.Account.Grants) != 1 || tok.Account.Grants[0].Region != "320101002" {
		t.Fatalf("grants %+v", tok.Account.Grants)
	}
	ins.token = tok.Token

	// Without a password: a one-time one, returned once, to be changed.
	var made struct {
		Account  org.Account
		Password string
	}
	if st := admin.do("POST", "/api/v1/accounts", map[string]any{"username": "clerk", "name": "受理员二",
		"posts": []map[string]string{{"post": "operator"}}}, &made); st != 201 || made.Password == "" || !made.Account.MustChange {
		t.Fatalf("one-time password: %d %+v", st, made)
	}
	var clerkTok struct{ Token string }
	if st := anon.do("POST", "/api/v1/auth/token", map[string]string{"username": "clerk", "password": made.Password}, &clerkTok); st != 200 {
		t.Fatalf("one-time sign-in: %d", st)
	}
	clerk := &client{t: t, base: base, token: clerkTok.Token}
	if st := clerk.do("GET", "/api/v1/cases", nil, nil); st != 403 {
		t.Fatalf("one-time password used before change: %d", st)
	}

	// Replace the posts.
	var after org.Account
	if st := admin.do("PUT", "/api/v1/accounts/"+id+"/posts", map[string]any{"posts": []map[string]string{
		{"post": "handler", "department": "sanitation"}}}, &after); st != 200 || len(after.Grants) != 1 || after.Grants[0].Post != org.PostHandler {
		t.Fatalf("re-post: %d %+v", st, after)
	}
	var p problemOut
	if st := admin.do("PUT", "/api/v1/accounts/"+id+"/posts", map[string]any{"posts": []map[string]string{{"post": "handler", "department": "nope"}}}, &p); st != 400 || !p.has("posts[0].department") {
		t.Fatalf("re-post with a bad department: %d %+v", st, p)
	}
	var me org.Account
	ins.do("GET", "/api/v1/me", nil, &me)
	if !me.Has(org.PostHandler) || me.Has(org.PostSupervisor) {
		t.Fatalf("posts after the change: %+v", me.Grants)
	}

	// Disable: the open token stops working and sign-in fails.
	if st := admin.do("POST", "/api/v1/accounts/"+id+"/disable", nil, nil); st != 200 {
		t.Fatalf("disable: %d", st)
	}
	if st := ins.do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("token of a disabled account: %d", st)
	}
	if st := anon.do("POST", "/api/v1/auth/token", map[string]string{"username": "inspector1", "password": "Strong-pass-2026"}, nil); st != 401 {
		t.Fatalf("disabled account signs in: %d", st)
	}
	var adminMe org.Account
	admin.do("GET", "/api/v1/me", nil, &adminMe)
	if st := admin.do("POST", "/api/v1/accounts/"+adminMe.ID+"/disable", nil, nil); st != 400 {
		t.Fatalf("admin disabled itself: %d", st)
	}
	if st := admin.do("POST", "/api/v1/accounts/"+id+"/enable", nil, nil); st != 200 {
		t.Fatalf("enable: %d", st)
	}
	if st := anon.do("POST", "/api/v1/auth/token", map[string]string{"username": "inspector1", "password": "Strong-pass-2026"}, nil); st != 200 {
		t.Fatalf("re-enabled account signs in: %d", st)
	}

	// Every change is in the audit trail, with the administrator as actor.
	auditor := login(t, base, "auditor")
	for _, action := range []string{"account.create", "account.posts", "account.disable", "account.enable"} {
		var trail struct {
			Items []struct{ Actor, Action, Object, Detail string }
		}
		if st := auditor.do("GET", "/api/v1/audit?object=account/"+id+"&action="+action, nil, &trail); st != 200 || len(trail.Items) != 1 {
			t.Fatalf("%s: %d %+v", action, st, trail.Items)
		}
		if trail.Items[0].Actor != adminMe.ID {
			t.Fatalf("%s by %s, want the admin %s", action, trail.Items[0].Actor, adminMe.ID)
		}
		if action == "account.posts" && !(strings.Contains(trail.Items[0].Detail, "supervisor") && strings.Contains(trail.Items[0].Detail, "sanitation")) {
			t.Fatalf("posts change detail lacks before and after: %s", trail.Items[0].Detail)
		}
	}
}

// TestAccounts_StoreAdmin: SetGrants and SetDisabled change one account,
// NotFound for a missing one, and disabling ends the account's tokens.
func TestAccounts_StoreAdmin(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	acc, err := a.Store.FindAccountByUsername(ctx, "operator")
	if err != nil {
		t.Fatal(err)
	}
	want := []org.Grant{{Post: org.PostDispatcher, Region: "320101"}, {Post: org.PostLeader}}
	if err := a.Store.SetGrants(ctx, acc.ID, want); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Store.FindAccountByID(ctx, acc.ID)
	if len(got.Grants) != 2 || got.Grants[0] != want[0] || got.Grants[1] != want[1] {
		t.Fatalf("grants %+v", got.Grants)
	}
	if err := a.Store.SetGrants(ctx, "missing", want); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("SetGrants(missing): %v", err)
	}
	if err := a.Store.SetDisabled(ctx, "missing", true); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("SetDisabled(missing): %v", err)
	}
	base := serve(t, a)
	c := login(t, base, "operator")
	if err := a.Store.SetDisabled(ctx, acc.ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ = a.Store.FindAccountByID(ctx, acc.ID)
	if !got.Disabled {
		t.Fatal("not disabled")
	}
	if st := c.do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("token after disable: %d", st)
	}
	if err := a.Store.SetDisabled(ctx, acc.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ = a.Store.FindAccountByID(ctx, acc.ID)
	if got.Disabled {
		t.Fatal("still disabled")
	}
}
