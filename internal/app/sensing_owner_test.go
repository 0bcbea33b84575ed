package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
	"cityloop/internal/sensing/owner"
	"cityloop/internal/store/sensingstore"
)

// secondNode opens another node on a's database, with its own data folder.
func secondNode(t *testing.T, a *App) *App {
	t.Helper()
	cfg := a.Cfg
	cfg.DataDir = t.TempDir()
	b, err := Open(context.Background(), cfg, a.Log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startNode runs a as runApp does, with a fast sensing lease step, and
// returns its base URL and a function that stops it (handing over).
func startNode(t *testing.T, a *App) (string, func()) {
	t.Helper()
	a.sensingOwner.Every = 100 * time.Millisecond
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(stop)
	return "http://" + a.Addr(), stop
}

// TestSensing_TwoNodesHandOver runs two nodes on one database. One holds the
// sensing service; the other passes sensing requests to it. When the owner
// stops, the other takes over with the state it left, and (with a broker)
// the MQTT session moves with it: no reading published across the handover
// is lost.
func TestSensing_TwoNodesHandOver(t *testing.T) {
	mqttAddr := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	if mqttAddr != "" {
		t.Setenv("CITYLOOP_MQTT_ADDR", mqttAddr)
		t.Setenv("CITYLOOP_MQTT_CLIENT_ID", "cityloop-handover-"+suffix) // the same on both nodes
		t.Setenv("CITYLOOP_MQTT_SESSION_EXPIRY", "60s")
	} else {
		t.Log("CITYLOOP_TEST_MQTT_ADDR not set: testing the handover over HTTP only")
	}
	ctx := context.Background()
	a := testApp(t, "")
	b := secondNode(t, a)

	baseA, stopA := startNode(t, a)
	waitFor(t, 5*time.Second, "node A to take the sensing service", a.sensingOwner.IsOwner)
	baseB, _ := startNode(t, b)
	adminA, adminB := login(t, baseA, "admin"), login(t, baseB, "admin")

	// Registered through B, held by A.
	dev := "noise-" + suffix
	if st := adminB.do("PUT", "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "noise", "zone_class": "2", "lng": 118.71, "lat": 32.02, "interval_s": 600}, nil); st != 200 {
		t.Fatalf("put device through B: %d", st)
	}
	if _, ok := a.sensing.Device(dev); !ok {
		t.Fatal("the device registered through B is not in A's sensing service")
	}
	if st := adminA.do("GET", "/api/v1/sensing/devices/"+dev, nil, nil); st != 200 {
		t.Fatalf("device on A: %d", st)
	}
	if b.sensingOwner.IsOwner() {
		t.Fatal("both nodes hold the sensing service")
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	reading := func(i int) map[string]any {
		return map[string]any{"device_id": dev, "ts": t0.Add(time.Duration(i) * time.Second).Unix(), "values": map[string]float64{"noise_db": 45}}
	}
	if st := adminB.do("POST", "/api/v1/sensing/telemetry", reading(0), nil); st != 200 && st != 202 {
		t.Fatalf("telemetry through B: %d", st)
	}
	var v deviceView
	if st := adminB.do("GET", "/api/v1/sensing/devices/"+dev, nil, &v); st != 200 || !v.Device.Online {
		t.Fatalf("device through B: %d online=%v", st, v.Device.Online)
	}

	// Readings over MQTT while A stops and B takes over.
	const n = 400
	var pubDone chan error
	if mqttAddr != "" {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pub, err := mqtt.Dial(pctx, mqtt.ConnConfig{Addr: mqttAddr, ClientID: "handover-pub-" + suffix, CleanStart: true})
		if err != nil {
			t.Fatal(err)
		}
		pubDone = make(chan error, 1)
		go func() {
			for i := 1; i <= n; i++ {
				body := fmt.Appendf(nil, `{"ts":%d,"values":{"noise_db":%d}}`, t0.Add(time.Duration(i)*time.Second).Unix(), 40+i%10)
				if err := pub.PublishSync(pctx, sensing.Topic(dev), body); err != nil {
					pubDone <- err
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
			pubDone <- nil
		}()
		time.Sleep(150 * time.Millisecond) // some readings reach A first
	}
	stopA()
	t.Logf("node A stored %d readings before it stopped", a.sensing.Counters.Readings.Load())
	if a.sensingOwner.IsOwner() {
		t.Fatal("node A still holds the sensing service after stopping")
	}
	waitFor(t, 5*time.Second, "node B to take the sensing service over", b.sensingOwner.IsOwner)
	if _, ok := b.sensing.Device(dev); !ok {
		t.Fatal("node B took over without the device A held")
	}
	if st := adminB.do("POST", "/api/v1/sensing/telemetry", reading(n+1), nil); st != 200 && st != 202 {
		t.Fatalf("telemetry on B after the handover: %d", st)
	}
	want := 2
	if pubDone != nil {
		if err := <-pubDone; err != nil {
			t.Fatal(err)
		}
		want += n
	}
	db := b.sensing.Store.(*sensingstore.DB)
	var got int
	waitFor(t, 20*time.Second, fmt.Sprintf("%d readings stored", want), func() bool {
		var err error
		got, err = db.CountReadings(ctx, dev)
		return err == nil && got >= want
	})
	if got != want {
		t.Fatalf("%d readings stored, want %d", got, want)
	}
}

// TestSensing_GateWhileMoving: a request another node already passed on is
// not passed again while the lease moves; API callers get a problem
// document, browsers a page that reloads itself.
func TestSensing_GateWhileMoving(t *testing.T) {
	a := testApp(t, "")
	served := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, c := range []struct {
		path, accept, wantType, wantBody string
	}{
		{"/api/v1/sensing/figures", "application/json", "application/problem+json", "moving between nodes"},
		{"/api/v1/sensing/figures", "text/html", "application/problem+json", "moving between nodes"},
		{"/citizen/parking", "text/html,application/xhtml+xml", "text/html; charset=utf-8", "正在切换节点"},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		req.Header.Set("Accept", c.accept)
		req.Header.Set(owner.ForwardedHeader, "another-node")
		rec := httptest.NewRecorder()
		a.sensingOwner.Gate(served).ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
			rec.Header().Get("Content-Type") != c.wantType || !strings.Contains(rec.Body.String(), c.wantBody) {
			t.Errorf("%s (%s): %d %q %q", c.path, c.accept, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	// The node that holds the service serves such a request itself.
	a.sensingOwner.Step(context.Background())
	req := httptest.NewRequest("GET", "/citizen/parking", nil)
	req.Header.Set(owner.ForwardedHeader, "another-node")
	rec := httptest.NewRecorder()
	a.sensingOwner.Gate(served).ServeHTTP(rec, req)
	if rec.Code != http.StatusTeapot {
		t.Fatalf("owner answered a forwarded request with %d", rec.Code)
	}
}
