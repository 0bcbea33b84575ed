package app

import (
	"os"
	"testing"
)

// TestClients_ScopedKeys: a partner system's key reaches only its endpoints,
// categories and regions, at its rate, and stops working when rotated or
// revoked.
func TestClients_ScopedKeys(t *testing.T) { clientsTest(t, "") }

func TestClients_ScopedKeysPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping API clients on PostgreSQL")
	}
	clientsTest(t, freshPostgres(t, url))
}

func clientsTest(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	base := serve(t, a)
	admin := login(t, base, "admin")
	var made struct {
		Client struct{ ID string }
		Key    string
	}
	body := map[string]any{"name": "12345热线平台", "endpoints": []string{"cases.create", "source.hotline"}, "categories": []string{"事件:0102"},
		"regions": []string{"320101001"}, "rate_per_min": 600}
	if st := admin.do("POST", "/api/v1/clients", body, &made); st != 201 || made.Key == "" {
		t.Fatalf("create client: %d", st)
	}
	if st := login(t, base, "operator").do("POST", "/api/v1/clients", body, nil); st != 403 {
		t.Fatalf("operator created a client: %d", st)
	}
	cl := &client{t: t, base: base, token: made.Key}
	report := func(lng float64, cat string) int {
		var out map[string]any
		st := cl.do("POST", "/api/v1/cases", map[string]any{"category": cat, "description": "工单", "lng": lng, "lat": 32.01, "source": "hotline", "external_ref": "GD-1"}, &out)
		if st == 201 && out["source"] != "hotline" {
			t.Fatalf("source %v", out["source"])
		}
		return st
	}
	for _, tt := range []struct {
		name string
		lng  float64
		cat  string
		want int
	}{
		{"inside its street and category", 118.71, "event:0102", 201},
		{"outside its region", 118.76, "event:0102", 403},
		{"another category", 118.71, "event:0501", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl.t = t
			if st := report(tt.lng, tt.cat); st != tt.want {
				t.Fatalf("status %d, want %d", st, tt.want)
			}
		})
	}
	cl.t = t
	if st := cl.do("GET", "/api/v1/cases", nil, nil); st != 403 {
		t.Fatalf("read without cases.read: %d", st)
	}
	var rot struct{ Key string }
	if st := admin.do("POST", "/api/v1/clients/"+made.Client.ID+"/rotate", nil, &rot); st != 200 {
		t.Fatalf("rotate: %d", st)
	}
	if st := report(118.71, "event:0102"); st != 401 {
		t.Fatalf("old key after rotation: %d", st)
	}
	cl.token = rot.Key
	if st := report(118.71, "event:0102"); st != 201 {
		t.Fatalf("new key: %d", st)
	}
	if st := admin.do("DELETE", "/api/v1/clients/"+made.Client.ID, nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st := report(118.71, "event:0102"); st != 401 {
		t.Fatalf("revoked key: %d", st)
	}

	// A slow client: 6 a minute, a burst of one.
	var slow struct{ Key string }
	admin.do("POST", "/api/v1/clients", map[string]any{"name": "慢", "endpoints": []string{"cases.create", "source.hotline"}, "rate_per_min": 6}, &slow)
	cl.token = slow.Key
	if st := report(118.72, "event:0102"); st != 201 {
		t.Fatalf("first: %d", st)
	}
	if st := report(118.72, "event:0102"); st != 429 {
		t.Fatalf("over the rate: %d", st)
	}
}
