package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/org"
)

// councilAccount adds an account with grants to the fixture (password demo).
func councilAccount(t *testing.T, a *App, user string, g ...org.Grant) {
	t.Helper()
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateAccount(context.Background(), &org.Account{ID: NewID(), Username: user, Name: user, PasswordHash: hash, Grants: g, CreatedAt: a.Now()}); err != nil {
		t.Fatal(err)
	}
}

// TestCouncil_API: the attacks first (another jurisdiction's community, a
// sign-in beyond the radius, a second vote, a wrong step), then the way
// through: a volunteer signs in and out and is credited; a topic goes from
// collecting opinions to closed.
func TestCouncil_API(t *testing.T) {
	a := testApp(t, "")
	councilAccount(t, a, "westgrid", org.Grant{Post: org.PostGridMember, Region: "320101001"})
	base := serve(t, a)
	admin, west := login(t, base, "admin"), login(t, base, "westgrid")
	const westC, eastC = "320101001001", "320101002001"

	var vw, ve struct{ ID, Phone string }
	if st := admin.do("POST", "/api/v1/volunteers", map[string]any{"name": "王芳", "phone": "13800138001", "community": westC, "skills": []string{"急救"}}, &vw); st != 201 || vw.Phone == "13800138001" {
		t.Fatalf("register: %d, phone %q (want masked)", st, vw.Phone)
	}
	if st := admin.do("POST", "/api/v1/volunteers", map[string]any{"name": "李强", "phone": "13800138002", "community": eastC}, &ve); st != 201 {
		t.Fatalf("register east: %d", st)
	}
	now := a.Now().UTC()
	act := func(c *client, community string) (int, string) {
		var out struct{ ID string }
		st := c.do("POST", "/api/v1/volunteers/activities", map[string]any{"title": "清洁家园", "community": community,
			"place": map[string]float64{"lng": 118.725, "lat": 32.05}, "radius_m": 200, "start": now.Add(-time.Hour), "end": now.Add(2 * time.Hour)}, &out)
		return st, out.ID
	}
	_, westAct := act(admin, westC)
	_, eastAct := act(admin, eastC)
	at := map[string]float64{"lng": 118.725, "lat": 32.0505}
	var topic struct {
		ID             string
		AllowedActions []string `json:"allowed_actions"`
	}
	admin.do("POST", "/api/v1/council/topics", map[string]any{"community": eastC, "title": "增设停车点"}, &topic)

	t.Run("attacks", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			who    *client
			method string
			path   string
			body   any
			want   int
		}{
			{"grid member registers a volunteer", west, "POST", "/api/v1/volunteers", map[string]any{"name": "x", "phone": "13800138003", "community": westC}, 403},
			{"sign-in in another jurisdiction", west, "POST", "/api/v1/volunteers/activities/" + eastAct + "/signin", map[string]any{"volunteer_id": ve.ID, "location": at}, 403},
			{"vote in another jurisdiction", west, "POST", "/api/v1/council/topics/" + topic.ID + "/votes", map[string]any{"person": vw.ID, "yes": true}, 403},
			{"list another community", west, "GET", "/api/v1/volunteers?community=" + eastC, nil, 403},
			{"read another community's topic", west, "GET", "/api/v1/council/topics/" + topic.ID, nil, 403},
			{"sign-in beyond the radius", west, "POST", "/api/v1/volunteers/activities/" + westAct + "/signin", map[string]any{"volunteer_id": vw.ID, "location": map[string]float64{"lng": 118.725, "lat": 32.06}}, 409},
			{"sign-in without a position", west, "POST", "/api/v1/volunteers/activities/" + westAct + "/signin", map[string]any{"volunteer_id": vw.ID}, 400},
			{"sign-in of nobody", west, "POST", "/api/v1/volunteers/activities/" + westAct + "/signin", map[string]any{"volunteer_id": "nobody", "location": at}, 404},
			{"vote while opinions are gathered", admin, "POST", "/api/v1/council/topics/" + topic.ID + "/votes", map[string]any{"person": ve.ID, "yes": true}, 409},
			{"answer before the vote", admin, "POST", "/api/v1/council/topics/" + topic.ID + "/actions", map[string]any{"action": "answer", "note": "同意"}, 409},
			{"unknown community", admin, "POST", "/api/v1/council/topics", map[string]any{"community": "999", "title": "x"}, 400},
			{"a street is not a community", admin, "POST", "/api/v1/volunteers", map[string]any{"name": "x", "phone": "13800138003", "community": "320101001"}, 400},
			{"bad phone", admin, "POST", "/api/v1/volunteers", map[string]any{"name": "x", "phone": "12345", "community": westC}, 400},
			{"activity radius too wide", admin, "POST", "/api/v1/volunteers/activities", map[string]any{"title": "x", "community": westC, "place": at, "radius_m": 90000, "start": now, "end": now.Add(time.Hour)}, 400},
		} {
			var out map[string]any
			if st := c.who.do(c.method, c.path, c.body, &out); st != c.want {
				t.Errorf("%s: %d %v, want %d", c.name, st, out, c.want)
			}
		}
		var e struct {
			AllowedActions []string `json:"allowed_actions"`
		}
		admin.do("POST", "/api/v1/council/topics/"+topic.ID+"/actions", map[string]any{"action": "close"}, &e)
		if len(e.AllowedActions) != 1 || e.AllowedActions[0] != "open_vote" {
			t.Errorf("409 allowed_actions %v", e.AllowedActions)
		}
	})

	t.Run("sign-in, once, then hours on sign-out", func(t *testing.T) {
		path := "/api/v1/volunteers/activities/" + westAct
		if st := west.do("POST", path+"/signin", map[string]any{"volunteer_id": vw.ID, "location": at}, nil); st != 201 {
			t.Fatalf("sign-in: %d", st)
		}
		if st := west.do("POST", path+"/signin", map[string]any{"volunteer_id": vw.ID, "location": at}, nil); st != 409 {
			t.Errorf("second sign-in: %d", st)
		}
		if st := west.do("POST", path+"/signout", map[string]any{"volunteer_id": vw.ID, "location": map[string]float64{"lng": 118.70, "lat": 32.0}}, nil); st != 409 {
			t.Errorf("sign-out from afar: %d", st)
		}
		if st := west.do("POST", path+"/signout", map[string]any{"volunteer_id": vw.ID, "location": at}, nil); st != 200 {
			t.Errorf("sign-out: %d", st)
		}
		var list struct {
			Items []struct {
				ID    string
				Hours float64
			}
			Total int
		}
		west.do("GET", "/api/v1/volunteers", nil, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != vw.ID {
			t.Errorf("west sees %+v", list)
		}
		// The activity began an hour ago: the sign-in a moment ago credits
		// only the quarter hours since, which is 0 here.
		if list.Items[0].Hours != 0 {
			t.Errorf("hours %v", list.Items[0].Hours)
		}
	})

	t.Run("a topic to completion, one vote per person", func(t *testing.T) {
		path := "/api/v1/council/topics/" + topic.ID
		steps := []struct {
			path string
			body any
			want int
		}{
			{"/opinions", map[string]any{"person": ve.ID, "text": "赞成"}, 201},
			{"/actions", map[string]any{"action": "open_vote", "version": 1}, 200},
			{"/actions", map[string]any{"action": "answer", "note": "同意", "version": 1}, 409}, // stale version
			{"/opinions", map[string]any{"person": ve.ID, "text": "迟了"}, 409},
			{"/votes", map[string]any{"person": ve.ID, "yes": true}, 201},
			{"/votes", map[string]any{"person": ve.ID, "yes": false}, 409},
			{"/votes", map[string]any{"person": "resident-1", "yes": false}, 201},
			{"/actions", map[string]any{"action": "answer", "note": " "}, 400},
			{"/actions", map[string]any{"action": "answer", "note": "同意在东门外设置停放区"}, 200},
			{"/actions", map[string]any{"action": "close"}, 409},
			{"/actions", map[string]any{"action": "follow_up", "note": "已施划"}, 200},
			{"/actions", map[string]any{"action": "close"}, 200},
		}
		for i, s := range steps {
			var out json.RawMessage
			if st := admin.do("POST", path+s.path, s.body, &out); st != s.want {
				t.Fatalf("step %d %s: %d %s, want %d", i, s.path, st, out, s.want)
			}
		}
		var v struct {
			State, Answer     string
			Yes, No, Opinions int
			Steps             []struct{ Action string }
			AllowedActions    []string `json:"allowed_actions"`
		}
		admin.do("GET", path, nil, &v)
		if v.State != "closed" || v.Yes != 1 || v.No != 1 || v.Opinions != 1 || len(v.Steps) != 4 || len(v.AllowedActions) != 0 || v.Answer != "同意在东门外设置停放区" {
			t.Errorf("topic %+v", v)
		}
		var list struct{ Total int }
		admin.do("GET", "/api/v1/council/topics?state=closed", nil, &list)
		if list.Total != 1 {
			t.Errorf("closed topics %d", list.Total)
		}
		if st := admin.do("GET", "/api/v1/council/topics?state=nope", nil, nil); st != 400 {
			t.Errorf("bad state: %d", st)
		}
	})
}

// TestCouncil_DemoCity: a new demo city has volunteers in every community,
// activities with credited hours, and topics in every state.
func TestCouncil_DemoCity(t *testing.T) {
	a := demoKPIApp(t, 300)
	base := serve(t, a)
	admin := login(t, base, "admin")
	communities := len(a.World.Atlas().Regions(org.LevelCommunity))
	var vols struct {
		Items []struct {
			Community string
			Phone     string
			Hours     float64
		}
		Total int
	}
	if st := admin.do("GET", "/api/v1/volunteers?limit=500", nil, &vols); st != 200 || vols.Total < 3*communities {
		t.Fatalf("%d: %d volunteers for %d communities", st, vols.Total, communities)
	}
	for _, v := range vols.Items {
		if len(v.Phone) != 11 || v.Phone[3:7] != "****" {
			t.Fatalf("phone not masked: %q", v.Phone)
		}
	}
	var acts struct{ Total int }
	admin.do("GET", "/api/v1/volunteers/activities", nil, &acts)
	if acts.Total == 0 {
		t.Error("no activities")
	}
	for _, s := range []string{"collecting", "voting", "answered", "following", "closed"} {
		var list struct{ Total int }
		if st := admin.do("GET", "/api/v1/council/topics?state="+s, nil, &list); st != 200 || list.Total == 0 {
			t.Errorf("%s: %d, %d topics", s, st, list.Total)
		}
	}
	t.Logf("%d communities: %d volunteers, %d activities", communities, vols.Total, acts.Total)
}
