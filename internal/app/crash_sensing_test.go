package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
)

// TestCrash_SensingOwnerKilled runs two real cityloop processes on one
// database and the real broker. Readings stream in over MQTT; the node that
// holds the sensing service is killed with SIGKILL (no handover, no lease
// release). The other node takes over once the lease runs out, resumes the
// MQTT session, and in the end every published reading is stored.
func TestCrash_SensingOwnerKilled(t *testing.T) {
	broker := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
	if broker == "" {
		t.Skip("CITYLOOP_TEST_MQTT_ADDR not set: skipping the sensing failover test (e.g. CITYLOOP_TEST_MQTT_ADDR=127.0.0.1:1883)")
	}
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	suffix := fmt.Sprint(time.Now().UnixNano())
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(dir, "city.db"), "--data", dir,
		"--demo-cases", "0", "--quiet", "--mqtt-addr", broker, "--mqtt-client-id", "failover-" + suffix, "--mqtt-session-expiry", "2m"}
	a, baseA := startBinary(t, bin, args...)
	defer func() { _ = a.Process.Kill(); _ = a.Wait() }()
	adminA := login(t, baseA, "admin")
	dev := "failover-" + suffix
	if st := adminA.do("PUT", "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "noise", "zone_class": "2", "lng": 118.78, "lat": 32.04, "interval_s": 600}, nil); st != 200 {
		t.Fatalf("register device on A: %d", st)
	}
	b, baseB := startBinary(t, bin, args...)
	defer func() { _ = b.Process.Kill(); _ = b.Wait() }()
	adminB := login(t, baseB, "admin")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, err := mqtt.Dial(ctx, mqtt.ConnConfig{Addr: broker, ClientID: "failover-pub-" + suffix, CleanStart: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	published := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			ts := t0.Add(time.Duration(i) * 50 * time.Millisecond)
			body := fmt.Appendf(nil, `{"ts":"%s","values":{"noise_db":%d}}`, ts.Format(time.RFC3339Nano), 40+i%10)
			if err := pub.PublishSync(ctx, sensing.Topic(dev), body); err != nil {
				published <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		published <- nil
	}()
	time.Sleep(800 * time.Millisecond)
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	killed := time.Now()
	if err := <-published; err != nil {
		t.Fatal(err)
	}

	// Through B: 503 while nobody holds the service, then B's own answer.
	seriesURL := fmt.Sprintf("%s/api/v1/sensing/devices/%s/series?metric=noise_db&res=raw&from=%s&to=%s", baseB, dev,
		t0.Add(-time.Second).Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339))
	stored := func() int {
		req, _ := http.NewRequest("GET", seriesURL, nil)
		req.Header.Set("Authorization", "Bearer "+adminB.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1
		}
		defer res.Body.Close()
		var out struct {
			Points []struct{ N int } `json:"points"`
		}
		if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&out) != nil {
			return -1 // 503 while no node holds the sensing service
		}
		return len(out.Points)
	}
	var got int
	deadline := time.Now().Add(40 * time.Second)
	for got = stored(); got < n && time.Now().Before(deadline); got = stored() {
		time.Sleep(200 * time.Millisecond)
	}
	if got != n {
		t.Fatalf("%d of %d readings stored after the owner was killed", got, n)
	}
	t.Logf("all %d readings stored; node B served them %s after node A was killed", n, time.Since(killed).Round(100*time.Millisecond))

	// B answers telemetry itself now.
	body, _ := json.Marshal(map[string]any{"device_id": dev, "ts": t0.Add(45 * time.Second).Unix(), "values": map[string]float64{"noise_db": 50}})
	req, _ := http.NewRequest("POST", baseB+"/api/v1/sensing/telemetry", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminB.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("telemetry on B after the failover: %d", res.StatusCode)
	}
}
