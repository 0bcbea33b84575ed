package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// TestWeb_PublicMap: the citizens' case map shows open cases as points with
// a light and a status and nothing about the reporter; it is rate-limited.
func TestWeb_PublicMap(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	sup := login(t, base, "supervisor")
	photo := uploadPhoto(t, sup)
	const name, phone, words = "张三丰", "13912345678", "楼下垃圾堆了三天"
	var open, rejected caseOut
	anon := login(t, base, "")
	for _, c := range []*caseOut{&open, &rejected} {
		if st := anon.do("POST", "/api/v1/cases", map[string]any{"source": "citizen", "description": words, "lng": 118.7123, "lat": 32.0123,
			"reporter_name": name, "reporter_phone": phone, "photos": []string{photo}}, c); st != 201 {
			t.Fatalf("report: %d", st)
		}
	}
	opAcc, _ := a.Store.FindAccountByUsername(ctx, "operator")
	if _, _, err := a.Cases.Act(ctx, rejected.ID, casework.Command{Action: casework.ActReject, Note: "不属于城管范围",
		Actor: org.Actor{ID: opAcc.ID, Name: "operator", Grants: testAccounts["operator"]}}); err != nil {
		t.Fatal(err)
	}

	b := newBrowserClient(t, base)
	st, page, _ := b.get("/citizen/map")
	if st != 200 || !strings.Contains(page, `id="public-map"`) || !strings.Contains(page, `/citizen/map?elderly=1`) {
		t.Fatalf("map page: %d", st)
	}
	res, err := http.Get(base + "/citizen/map/cases")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("points: %d %s", res.StatusCode, raw)
	}
	var d struct {
		N    int
		P    []float64
		S, L []string
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.N != 1 || len(d.P) != 4 || d.P[0] != 32.012 || d.P[1] != 118.712 {
		t.Fatalf("points %+v, want only the open case, rounded to 3 decimals", d)
	}
	body := string(raw)
	for _, secret := range []string{name, phone, "1391", words, photo, open.ID, open.Code, rejected.Code, "reporter", "photo", "description"} {
		if secret != "" && strings.Contains(body, secret) {
			t.Fatalf("the public map carries %q: %s", secret, body)
		}
	}

	// Rate-limited per address: a burst, then 429.
	limited := false
	for range 30 {
		res, err := http.Get(base + "/citizen/map/cases")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			limited = res.Header.Get("Retry-After") != ""
			break
		}
	}
	if !limited {
		t.Fatal("no 429 with Retry-After after 30 quick requests")
	}
}
