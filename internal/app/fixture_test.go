package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/auth"
	"cityloop/internal/config"
	"cityloop/internal/org"
)

// fixtureCity is a small city as GeoJSON: one district, two streets (west
// and east halves), one community each, and 2×2 unit grids per community.
func fixtureCity() []byte {
	type feat struct {
		code, name, level, parent string
		x0, y0, x1, y1            float64
	}
	fs := []feat{
		{"3201", "测试市", "city", "", 118.70, 32.00, 118.80, 32.10},
		{"320101", "测试区", "district", "3201", 118.70, 32.00, 118.80, 32.10},
		{"320101001", "西街道", "street", "320101", 118.70, 32.00, 118.75, 32.10},
		{"320101002", "东街道", "street", "320101", 118.75, 32.00, 118.80, 32.10},
		{"320101001001", "西社区", "community", "320101001", 118.70, 32.00, 118.75, 32.10},
		{"320101002001", "东社区", "community", "320101002", 118.75, 32.00, 118.80, 32.10},
	}
	for ci, c := range []struct {
		code string
		x0   float64
	}{{"320101001001", 118.70}, {"320101002001", 118.75}} {
		n := 0
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				n++
				x0, y0 := c.x0+float64(i)*0.025, 32.00+float64(j)*0.05
				fs = append(fs, feat{fmt.Sprintf("%s%02d", c.code, n), fmt.Sprintf("网格%d-%d", ci+1, n), "grid", c.code, x0, y0, x0 + 0.025, y0 + 0.05})
			}
		}
	}
	var feats []map[string]any
	for _, f := range fs {
		ring := [][]float64{{f.x0, f.y0}, {f.x1, f.y0}, {f.x1, f.y1}, {f.x0, f.y1}, {f.x0, f.y0}}
		props := map[string]any{"code": f.code, "name": f.name, "level": f.level}
		if f.parent != "" {
			props["parent"] = f.parent
		}
		feats = append(feats, map[string]any{"type": "Feature", "properties": props,
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}})
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	return b
}

// testAccounts are the fixture's accounts: username → grants.
var testAccounts = map[string][]org.Grant{
	"supervisor": {{Post: org.PostSupervisor, Region: "320101001"}},
	"operator":   {{Post: org.PostOperator}},
	"shiftlead":  {{Post: org.PostShiftLead}},
	"dispatcher": {{Post: org.PostDispatcher}},
	"handler":    {{Post: org.PostHandler, Department: "enforcement"}},
	"handler2":   {{Post: org.PostHandler, Department: "sanitation"}},
	"leader":     {{Post: org.PostLeader}},
	"admin":      {{Post: org.PostAdmin}},
	"auditor":    {{Post: org.PostAuditor}},
}

// testApp opens an app on a temporary SQLite file with the fixture city.
func testApp(t testing.TB, dsn string) *App {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.EgressAllow = "loopback" // test receivers (webhooks, the 12345 hotline) listen on 127.0.0.1
	cfg.Demo = false
	cfg.Quiet = true
	cfg.Addr = "127.0.0.1:0"
	cfg.PublicRate = 0 // tests post many anonymous reports from one address
	// MQTT tests and benchmarks set CITYLOOP_MQTT_* as an operator would;
	// nothing else is taken from the environment.
	if err := cfg.FromEnv(func(k string) string {
		if strings.HasPrefix(k, "CITYLOOP_MQTT_") {
			return os.Getenv(k)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	cfg.DB = dsn
	if cfg.DB == "" {
		cfg.DB = "sqlite:" + filepath.Join(dir, "test.db")
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// CITYLOOP_TEST_LOG=1 shows the node's warnings and errors on stderr
	// (a benchmark's lease hand-overs, say); tests are quiet otherwise.
	var logTo io.Writer = io.Discard
	if os.Getenv("CITYLOOP_TEST_LOG") != "" {
		logTo = os.Stderr
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn})), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// Load the sensing state so tests may use a.sensing directly; a node
	// loads it when it takes the sensing service over (the lease is taken
	// by the first sensing request or Run, once the node's address is known).
	if err := a.sensing.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.World.ImportRegions(ctx, org.Actor{ID: "test"}, fixtureCity()); err != nil {
		t.Fatal(err)
	}
	// Cheap hashing parameters keep the suite fast; production uses DefaultParams.
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	for u, g := range testAccounts {
		if u == "admin" {
			// The first start made admin with a one-time password; take it over.
			acc, err := a.Store.FindAccountByUsername(ctx, "admin")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Store.SetPassword(ctx, acc.ID, hash, false); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := a.Store.CreateAccount(ctx, &org.Account{ID: NewID(), Username: u, Name: u, PasswordHash: hash, Grants: g, CreatedAt: a.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// client talks to a test server as one account.
type client struct {
	t     testing.TB
	base  string
	token string
}

func login(t testing.TB, base, user string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	if user == "" {
		return c
	}
	var out struct{ Token string }
	st := c.do("POST", "/api/v1/auth/token", map[string]string{"username": user, "password": "demo"}, &out)
	if st != 200 {
		t.Fatalf("login %s: status %d", user, st)
	}
	c.token = out.Token
	return c
}

func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, raw, err)
		}
	}
	if res.StatusCode >= 500 {
		c.t.Fatalf("%s %s: server error %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

func serve(t testing.TB, a *App) string {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// tinyPNG is a real 1×1 PNG.
var tinyPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
	0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}

func uploadPhoto(t testing.TB, c *client) string {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/photos", bytes.NewReader(tinyPNG))
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 201 || out.ID == "" {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	return out.ID
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// assertNotInDBFiles fails the test if any SQLite file (database, WAL,
// shared memory) in dir holds one of secrets in plain bytes. Close the app
// first, so the WAL is checkpointed.
func assertNotInDBFiles(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range secrets {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in plain text", filepath.Base(f), secret)
			}
		}
	}
}
