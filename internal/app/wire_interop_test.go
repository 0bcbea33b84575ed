package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/workorder"
)

// TestInterop_Wired checks that the interoperability routes are mounted and
// work end to end through the app: an administrator issues an Open311 key,
// a client posts a request with it, the hub and hotline endpoints answer.
func TestInterop_Wired(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op := login(t, base, "admin"), login(t, base, "operator")
	var key struct {
		APIKey string `json:"api_key"`
	}
	if st := admin.do("POST", "/api/v1/open311/keys", map[string]string{"account": "supervisor", "label": "随手拍 App"}, &key); st != 201 || key.APIKey == "" {
		t.Fatalf("issue key: %d", st)
	}
	if st := op.do("POST", "/api/v1/open311/keys", map[string]string{"account": "supervisor"}, nil); st != 403 {
		t.Fatalf("a non-admin issued a key: %d", st)
	}
	res, err := http.PostForm(base+"/open311/v2/requests.json", url.Values{"api_key": {key.APIKey}, "service_code": {"event:0501"},
		"lat": {"32.03"}, "long": {"118.72"}, "description": {"人行道乱停车"}, "media_url": {"https://img.example.org/1.jpg"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("open311 post: %d", res.StatusCode)
	}
	var ds struct {
		Datasets []struct{ Code string } `json:"datasets"`
	}
	if st := admin.do("GET", "/api/v1/hub/datasets", nil, &ds); st != 200 || len(ds.Datasets) < 4 {
		t.Fatalf("datasets: %d %+v", st, ds)
	}
	if st := admin.do("GET", "/api/v1/hub/figures", nil, nil); st != 200 {
		t.Fatalf("figures: %d", st)
	}
	if st := admin.do("PUT", "/api/v1/hotline/settings", map[string]any{"contact_days": 3, "reply_days": 5}, nil); st != 200 {
		t.Fatalf("hotline settings: %d", st)
	}
	var pushed struct {
		Orders []struct {
			CaseCode string `json:"case_code"`
		} `json:"orders"`
	}
	st := op.do("POST", "/api/v1/hotline/orders", map[string]any{"order_no": "GD9", "content": "垃圾满溢", "category": "event:0102",
		"lng": 118.76, "lat": 32.07}, &pushed)
	if st != 201 || len(pushed.Orders) != 1 || !strings.HasPrefix(pushed.Orders[0].CaseCode, "20") {
		t.Fatalf("hotline push: %d %+v", st, pushed)
	}
}

// TestInterop_PullTokenSealed: the 12345 pull token set through the API is
// shown masked, kept when the mask is sent back, readable by the poller and
// nowhere in plain in the database files. The hub's retention is served.
func TestInterop_PullTokenSealed(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	const token = "pull-token-of-the-12345-platform"
	if st := admin.do("PUT", "/api/v1/hotline/settings", map[string]any{"pull_url": "http://127.0.0.1:1/orders", "pull_token": token}, nil); st != 200 {
		t.Fatalf("hotline settings: %d", st)
	}
	var shown workorder.Settings
	if st := admin.do("GET", "/api/v1/hotline/settings", nil, &shown); st != 200 || shown.PullToken != hotline.TokenMask {
		t.Fatalf("GET settings: %d %+v", st, shown)
	}
	shown.PullEvery = "1m"
	if st := admin.do("PUT", "/api/v1/hotline/settings", shown, nil); st != 200 {
		t.Fatalf("PUT settings back: %d", st)
	}
	ctx := context.Background()
	hs, err := hubstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	hs.SetKeyring(a.keys)
	set, _, err := hs.HotlineSettings(ctx)
	hs.Close()
	if err != nil || set.PullToken != token || set.PullEvery != "1m" {
		t.Fatalf("stored settings: %+v %v", set, err)
	}
	var ret struct {
		Retention hub.Retention `json:"retention"`
	}
	if st := admin.do("GET", "/api/v1/hub/retention", nil, &ret); st != 200 || ret.Retention.ChangesDays != hub.DefaultChangesDays {
		t.Fatalf("retention: %d %+v", st, ret)
	}
	a.Close() // checkpoints the WAL into the main file
	assertNotInDBFiles(t, a.Cfg.DataDir, token)
}
