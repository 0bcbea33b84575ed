package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
)

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// publishAll sends msgs readings spread over devices from conns QoS-1
// publisher connections and returns when all are in the publishers' sessions.
func publishAll(ctx context.Context, b *testing.B, addr, tag string, conns, devices, msgs int, t0 time.Time) {
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		pub, err := mqtt.Dial(ctx, mqtt.ConnConfig{Addr: addr, ClientID: fmt.Sprintf("bench-pub-%s-%d", tag, c), CleanStart: true})
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; i < msgs; i += conns {
				d := i % devices
				ts := t0.Add(time.Duration(i/devices) * time.Second)
				body := fmt.Appendf(nil, `{"ts":%d.%06d,"values":{"noise_db":%d}}`, ts.Unix(), ts.Nanosecond()/1000, 40+i%10)
				if err := pub.Publish(ctx, sensing.Topic(fmt.Sprintf("%s-%05d", tag, d)), body); err != nil {
					return
				}
			}
			_ = pub.PublishSync(ctx, "cityloop/bench/flush", []byte("x"))
		}(c)
	}
	wg.Wait()
}

// BenchmarkSensing_MQTTIngest compares, in one run on this machine, the
// broker alone (a subscriber that only counts) with CityLoop evaluating and
// storing the same QoS-1 stream from many devices. Tune with
// SENSING_BENCH_DEVICES (12000) and SENSING_BENCH_MSGS (60000);
// SENSING_BENCH_PLAIN=1 subscribes with one plain session (as a node on
// Mosquitto should), SENSING_BENCH_POSTGRES=1 stores in PostgreSQL.
func BenchmarkSensing_MQTTIngest(b *testing.B) {
	addr := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
	if addr == "" {
		b.Skip("CITYLOOP_TEST_MQTT_ADDR not set: skipping the MQTT ingest benchmark")
	}
	devices, msgs, conns := benchEnvInt("SENSING_BENCH_DEVICES", 12000), benchEnvInt("SENSING_BENCH_MSGS", 60000), 8
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Live readings, as devices send them: a few seconds old. (Readings
	// older than the downsampling mark take the late path, which also marks
	// their minutes for re-aggregation; BenchmarkAppendReadings in
	// sensingstore measures that separately.)
	t0 := time.Now().Add(-10 * time.Second).Truncate(time.Second)

	// 1. The broker alone: a plain QoS-1 subscriber that counts.
	var counted atomic.Int64
	filter := "$share/bench" + suffix + "/" + sensing.TopicPrefix + "+"
	countCtx, stopCount := context.WithCancel(ctx)
	for k := 0; k < 4; k++ { // as many sessions as CityLoop's subscriber uses
		_, err := mqtt.Dial(countCtx, mqtt.ConnConfig{Addr: addr, ClientID: fmt.Sprintf("bench-count-%s-%d", suffix, k), CleanStart: true,
			OnPublish: func(pr paho.PublishReceived) { counted.Add(1) },
			OnUp: func(ctx context.Context, cli *paho.Client, _ *paho.Connack) {
				_, _ = cli.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
			}})
		if err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	publishAll(ctx, b, addr, "cnt"+suffix, conns, devices, msgs, t0)
	seen, seenAt := counted.Load(), time.Now()
	for seen < int64(msgs) && time.Since(seenAt) < 3*time.Second && time.Since(start) < 2*time.Minute {
		time.Sleep(5 * time.Millisecond)
		if n := counted.Load(); n != seen {
			seen, seenAt = n, time.Now()
		}
	}
	brokerRate := float64(seen) / seenAt.Sub(start).Seconds()
	stopCount()

	// 2. CityLoop: parse, store (SQLite), run the noise rules, acknowledge.
	b.Setenv("CITYLOOP_MQTT_ADDR", addr)
	group := "bench" + suffix // shared subscription over 4 sessions
	if os.Getenv("SENSING_BENCH_PLAIN") != "" {
		group = "" // one plain session, as a single node on Mosquitto runs
	}
	b.Setenv("CITYLOOP_MQTT_GROUP", group)
	b.Setenv("CITYLOOP_MQTT_CLIENT_ID", "bench-cityloop-"+suffix)
	b.Setenv("CITYLOOP_MQTT_SESSION_EXPIRY", "5s")
	dsn, storeName := "", "SQLite"
	if os.Getenv("SENSING_BENCH_POSTGRES") != "" {
		url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if url == "" {
			b.Skip("SENSING_BENCH_POSTGRES needs CITYLOOP_TEST_POSTGRES_URL")
		}
		dsn, storeName = freshPostgres(b, url), "PostgreSQL"
	}
	a := testApp(b, dsn)
	base := serveRun(b, a)
	admin := login(b, base, "admin")
	tag := "dev" + suffix
	regStart := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for d := w; d < devices; d += 8 {
				admin.do("PUT", fmt.Sprintf("/api/v1/sensing/devices/%s-%05d", tag, d), map[string]any{"kind": "noise", "zone_class": "2",
					"lng": 118.701 + float64(d%97)*0.001, "lat": 32.001 + float64(d%89)*0.001, "interval_s": 3600}, nil)
			}
		}(w)
	}
	wg.Wait()
	regTime := time.Since(regStart)
	// Read the service's own counter: polling the figures endpoint would
	// spend the CPU being measured.
	readings := func() int64 { return a.sensing.Counters.Readings.Load() }
	time.Sleep(500 * time.Millisecond) // subscription up
	b.ResetTimer()
	start = time.Now()
	publishAll(ctx, b, addr, tag, conns, devices, msgs, t0)
	// Wait until every reading is in, or until none has come for 3 s: the
	// broker drops what overflows its queue when publishers outrun the
	// consumer, and waiting for those would measure the wait, not the
	// intake. The rate is what arrived by the last arrival.
	got, last := readings(), time.Now()
	for got < int64(msgs) && time.Since(last) < 3*time.Second && time.Since(start) < 3*time.Minute {
		time.Sleep(5 * time.Millisecond)
		if n := readings(); n != got {
			got, last = n, time.Now()
		}
	}
	el := last.Sub(start)
	rate := float64(got) / el.Seconds()
	b.StopTimer()
	b.ReportMetric(brokerRate, "broker_msg/s")
	b.ReportMetric(rate, "cityloop_msg/s")
	fmt.Printf("\nMQTT QoS-1 ingest, %d devices, %d messages, %d publisher connections (registration of devices took %s)\n", devices, msgs, conns, regTime.Round(time.Millisecond))
	fmt.Printf("| path | received | msg/s | share of broker |\n|---|---:|---:|---:|\n")
	fmt.Printf("| broker alone (counting subscriber) | %d | %.0f | 100%% |\n", counted.Load(), brokerRate)
	fmt.Printf("| CityLoop (parse, store in %s, rules, ack) | %d | %.0f | %.0f%% |\n", storeName, got, rate, 100*rate/brokerRate)
	if got != int64(msgs) {
		// Unpaced publishers outrun the consumer; Mosquitto then drops what
		// overflows max_queued_messages (1000 per session by default).
		fmt.Printf("LOST %d readings: the broker dropped them (raise max_queued_messages, or publish fewer: SENSING_BENCH_MSGS)\n", int64(msgs)-got)
	}
}

// serveRun is runApp for benchmarks.
func serveRun(b testing.TB, a *App) string {
	if err := a.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + a.Addr()
}

// BenchmarkSensing_CameraIntake posts AI events from 64 clients: 200
// cameras, each seeing a few places again and again, so most events are
// de-duplicated and some open cases.
func BenchmarkSensing_CameraIntake(b *testing.B) {
	a := testApp(b, "")
	base := serveRun(b, a)
	admin := login(b, base, "admin")
	const cams = 200
	for i := 0; i < cams; i++ {
		admin.do("PUT", fmt.Sprintf("/api/v1/sensing/cameras/bc-%03d", i), map[string]any{"lng": 118.701 + float64(i%99)*0.001, "lat": 32.001 + float64(i/99)*0.03, "vendor": "dahua"}, nil)
	}
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
	hc := &http.Client{Transport: tr}
	var seq, cases, fails atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			cell := float64(n%3) * 0.3
			body := fmt.Sprintf(`{"camera_id":"bc-%03d","code":"884","confidence":0.9,"bbox":[%.1f,0.5,0.1,0.1]}`, n%cams, cell)
			req, _ := http.NewRequest("POST", base+"/api/v1/sensing/camera-events", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+admin.token)
			res, err := hc.Do(req)
			if err != nil {
				fails.Add(1)
				continue
			}
			res.Body.Close()
			switch res.StatusCode {
			case 201:
				cases.Add(1)
			case 200:
			default:
				fails.Add(1)
			}
		}
	})
	el := time.Since(start)
	b.StopTimer()
	rate := float64(b.N) / el.Seconds()
	b.ReportMetric(rate, "events/s")
	fmt.Printf("\nAI event intake: %d events in %s from 64 clients; %d cases, %d duplicates, %d failures: %.0f events/s\n",
		b.N, el.Round(time.Millisecond), cases.Load(), int64(b.N)-cases.Load()-fails.Load(), fails.Load(), rate)
}

// BenchmarkSensing_ReadingToCase measures, over the real broker, the time
// from publishing a reading that breaks an immediate rule (cover tilt) to
// its case existing in the loop.
func BenchmarkSensing_ReadingToCase(b *testing.B) {
	addr := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
	if addr == "" {
		b.Skip("CITYLOOP_TEST_MQTT_ADDR not set: skipping the reading-to-case benchmark")
	}
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	b.Setenv("CITYLOOP_MQTT_ADDR", addr)
	b.Setenv("CITYLOOP_MQTT_GROUP", "lat"+suffix)
	b.Setenv("CITYLOOP_MQTT_CLIENT_ID", "lat-cityloop-"+suffix)
	b.Setenv("CITYLOOP_MQTT_SESSION_EXPIRY", "5s")
	a := testApp(b, "")
	base := serveRun(b, a)
	admin := login(b, base, "admin")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, err := mqtt.Dial(ctx, mqtt.ConnConfig{Addr: addr, ClientID: "lat-pub-" + suffix, CleanStart: true})
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	var lats []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dev := fmt.Sprintf("lat-%s-%d", suffix, i)
		// Covers spread out so casework does not merge them as duplicates.
		admin.do("PUT", "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "cover", "category": "component:0103",
			"lng": 118.7005 + float64(i%90)*0.001, "lat": 32.0005 + float64(i/90%90)*0.001, "interval_s": 3600}, nil)
		body, _ := json.Marshal(map[string]any{"values": map[string]float64{"tilt_deg": 35}})
		start := time.Now()
		if err := pub.PublishSync(ctx, sensing.Topic(dev), body); err != nil {
			b.Fatal(err)
		}
		for {
			if _, id := ruleCaseB(admin, dev, "cover-tilt"); id != "" {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no case for %s", dev)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lats = append(lats, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	p := func(q float64) time.Duration { return lats[min(len(lats)-1, int(q*float64(len(lats))))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99_ms")
	fmt.Printf("\nReading → case (MQTT publish to case stored, auto-filed), n=%d: p50 %s, p90 %s, p99 %s, max %s\n",
		len(lats), p(0.5).Round(time.Millisecond), p(0.9).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lats[len(lats)-1].Round(time.Millisecond))
}

func ruleCaseB(c *client, dev, rule string) (string, string) {
	var v deviceView
	c.do("GET", "/api/v1/sensing/devices/"+dev, nil, &v)
	for _, r := range v.Rules {
		if r.Rule == rule {
			return r.Phase, r.CaseID
		}
	}
	return "", ""
}
