package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIntake measures case intake over HTTP: 64 concurrent clients
// posting reports as a signed-in supervisor, each answered 201 only once the
// case is committed. It reports cases/s and the p99 latency. Run with
//
//	go test -run '^$' -bench Intake -benchtime 5s ./internal/app/
func BenchmarkIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIntake(b, "") })
	b.Run("postgres", func(b *testing.B) {
		url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if url == "" {
			b.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL intake benchmark")
		}
		benchIntake(b, freshPostgres(b, url))
	})
}

func benchIntake(b *testing.B, dsn string) {
	a := testApp(b, dsn)
	base := serve(b, a)
	sup := login(b, base, "supervisor")
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
	hc := &http.Client{Transport: tr}
	cats := []string{"event:0501", "event:0504", "event:0102", "event:0505", "event:0201", "component:0305"}
	var (
		mu   sync.Mutex
		lats []time.Duration
		seq  atomic.Int64
		fail atomic.Int64
	)
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 clients on this machine
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(seq.Add(1)), 7))
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			body, _ := json.Marshal(map[string]any{"category": cats[r.IntN(len(cats))], "description": "巡查发现",
				"lng": 118.70 + r.Float64()*0.0999, "lat": 32.00 + r.Float64()*0.0999})
			req, _ := http.NewRequest("POST", base+"/api/v1/cases", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+sup.token)
			t0 := time.Now()
			res, err := hc.Do(req)
			if err != nil {
				fail.Add(1)
				continue
			}
			var sink bytes.Buffer
			_, _ = sink.ReadFrom(res.Body)
			res.Body.Close()
			local = append(local, time.Since(t0))
			if res.StatusCode != 201 {
				fail.Add(1)
			}
		}
		mu.Lock()
		lats = append(lats, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if fail.Load() > 0 {
		b.Fatalf("%d of %d requests failed", fail.Load(), b.N)
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	if len(lats) > 0 {
		b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "cases/s")
		b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50-ms")
	}
}

// freshPostgres makes an empty schema for one test and returns a DSN that uses it.
func freshPostgres(t testing.TB, url string) string {
	t.Helper()
	schema := fmt.Sprintf("cl_app_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
	if err := execPostgres(url, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = execPostgres(url, "DROP SCHEMA "+schema+" CASCADE") })
	sep := "?"
	if bytes.ContainsRune([]byte(url), '?') {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
