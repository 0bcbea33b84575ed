package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/app"
	"cityloop/internal/config"
)

// simCity serves a demo city without cases (regions and accounts only)
// for the simulator to drive.
func simCity(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.DB = "sqlite:" + filepath.Join(dir, "sim.db")
	cfg.Demo, cfg.DemoCases = true, 0
	cfg.Quiet = true
	cfg.Addr = "127.0.0.1:0"
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestSimulateSensors_Smoke runs `cityloop simulate sensors` for a couple of
// seconds against a demo city (no cases, just regions and accounts) served
// by httptest, and checks that its devices were registered and that their
// readings were accepted over HTTP.
func TestSimulateSensors_Smoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for 2 s")
	}
	ctx := context.Background()
	srv := simCity(t)

	const n = 12
	simCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(simCtx, []string{"simulate", "sensors", "--addr", srv.URL, "--n", "12", "--every", "200ms"}, &out, &out); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "registered 12 devices and 20 parking berths") {
		t.Fatalf("output:\n%s", out.String())
	}
	if strings.Contains(out.String(), "telemetry:") {
		t.Fatalf("a telemetry post failed:\n%s", out.String())
	}

	get := func(token, path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	body := strings.NewReader(`{"username":"admin","password":"demo"}`)
	res, err := http.Post(srv.URL+"/api/v1/auth/token", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if tok.Token == "" {
		t.Fatalf("sign in as admin: %d", res.StatusCode)
	}
	var devs struct {
		Total int
		Items []struct {
			ID       string     `json:"id"`
			LastSeen *time.Time `json:"last_seen"`
		}
	}
	get(tok.Token, "/api/v1/sensing/devices", &devs)
	const berths = 20 // the simulated parking lots' sensors
	if devs.Total != n+berths {
		t.Fatalf("%d devices registered, want %d sensors and %d berths", devs.Total, n, berths)
	}
	for _, d := range devs.Items {
		if !strings.HasPrefix(d.ID, "sim-") || d.LastSeen == nil {
			t.Fatalf("device %s: last seen %v", d.ID, d.LastSeen)
		}
	}
	var fig struct {
		Sensing struct {
			Readings int64 `json:"readings_since_start"`
			Unknown  int64 `json:"readings_from_unknown_devices"`
		} `json:"sensing"`
	}
	get(tok.Token, "/api/v1/sensing/figures", &fig)
	if fig.Sensing.Readings < 2*n || fig.Sensing.Unknown != 0 {
		t.Fatalf("figures after the run: %+v, want ≥ %d readings from known devices", fig.Sensing, 2*n)
	}
	var lots struct {
		Items []struct {
			Lot struct {
				ID string `json:"id"`
			} `json:"lot"`
			Berths, Occupied, Free, Unknown int
		}
	}
	get(tok.Token, "/api/v1/sensing/parking/lots", &lots)
	if len(lots.Items) != 3 {
		t.Fatalf("%d parking lots, want the simulator's 3", len(lots.Items))
	}
	for _, l := range lots.Items {
		if l.Berths == 0 || l.Unknown != 0 || l.Occupied+l.Free == 0 {
			t.Fatalf("lot %s after the run: %+v, want every berth sensed", l.Lot.ID, l)
		}
	}
	t.Logf("%d readings accepted in 2 s", fig.Sensing.Readings)
}

// TestSimulateCameras_Smoke runs `cityloop simulate cameras` for a moment
// and checks that its cameras were registered and, through their
// heartbeats, count as online.
func TestSimulateCameras_Smoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for 1 s")
	}
	ctx := context.Background()
	srv := simCity(t)

	simCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(simCtx, []string{"simulate", "cameras", "--addr", srv.URL, "--n", "5", "--every", "200ms"}, &out, &out); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "registered 5 cameras") || strings.Contains(out.String(), "heartbeat:") {
		t.Fatalf("output:\n%s", out.String())
	}
	res, err := http.Post(srv.URL+"/api/v1/auth/token", "application/json", strings.NewReader(`{"username":"admin","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/sensing/figures", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var fig struct {
		Sensing struct {
			Cameras struct {
				Total  int `json:"total"`
				Online int `json:"online"`
			} `json:"cameras"`
		} `json:"sensing"`
	}
	if err := json.NewDecoder(res.Body).Decode(&fig); err != nil || res.StatusCode != 200 {
		t.Fatalf("figures: %d %v", res.StatusCode, err)
	}
	if c := fig.Sensing.Cameras; c.Total != 5 || c.Online != 5 {
		t.Fatalf("cameras %+v, want 5 online", c)
	}
}
