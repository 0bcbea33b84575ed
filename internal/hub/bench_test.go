package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
)

// BenchmarkFanout measures the whole outbox path on loopback: cases and
// their report events are written to case_events at a fixed rate (one bulk
// insert of rate/10 cases every 100 ms), the feeder copies them into the
// outbox, and the engine delivers signed batches to 20 subscribers, each
// its own HTTP server. It reports the rate each subscriber received and the
// change-to-delivery delay (event stored → receiver has the body) over all
// changes of all subscribers. Nothing is asserted; see the issue note.
//
//	go test ./internal/hub -run '^$' -bench Fanout -benchtime 100x
func BenchmarkFanout(b *testing.B) {
	for _, rate := range []int{2000, 4000} {
		b.Run(fmt.Sprintf("sqlite/20subs/%d_per_s", rate), func(b *testing.B) { benchFanout(b, false, 20, rate) })
	}
	if os.Getenv(hubtest.PostgresEnv) != "" {
		b.Run("postgres/20subs/2000_per_s", func(b *testing.B) { benchFanout(b, true, 20, 2000) })
	}
}

type sink struct {
	mu     sync.Mutex
	delays []time.Duration
	n      atomic.Int64
}

var changedAtKey = []byte(`"changed_at":"`)

// ServeHTTP reads each change's changed_at without a full JSON decode, so
// the receivers cost little of the machine the sender runs on.
func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	now := time.Now()
	var local []time.Duration
	for rest := body; ; {
		i := bytes.Index(rest, changedAtKey)
		if i < 0 {
			break
		}
		rest = rest[i+len(changedAtKey):]
		j := bytes.IndexByte(rest, '"')
		if t, err := time.Parse(time.RFC3339Nano, string(rest[:j])); err == nil {
			local = append(local, now.Sub(t))
		}
	}
	s.mu.Lock()
	s.delays = append(s.delays, local...)
	s.mu.Unlock()
	s.n.Add(int64(len(local)))
	w.WriteHeader(http.StatusNoContent)
}

func benchFanout(b *testing.B, pg bool, subs, rate int) {
	env := hubtest.Open(b, pg)
	ctx := context.Background()
	sinks := make([]*sink, subs)
	for i := range sinks {
		sinks[i] = &sink{}
		srv := httptest.NewServer(sinks[i])
		b.Cleanup(srv.Close)
		if _, _, err := hub.NewSubscription(ctx, env.Hub, loopback, "bench", fmt.Sprintf("partner %d", i), fmt.Sprintf("dept-%d", i%12),
			srv.URL, nil, nil, nil, 100, true, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	e := &hub.Engine{Store: env.Hub, Client: loopback.Client(15 * time.Second), Feeder: &hub.Feeder{Store: env.Hub}}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(runCtx) }()
	time.Sleep(300 * time.Millisecond)

	per := rate / 10
	cat := catalog.Ref{Kind: catalog.Event, Code: "0501"}
	b.ResetTimer()
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	for i := 0; i < b.N; i++ {
		cases := make([]*casework.Case, per)
		events := make([][]casework.Event, per)
		now := time.Now().UTC()
		for k := range cases {
			c := &casework.Case{ID: uuid.Must(uuid.NewV7()).String(), Status: casework.StatusPendingAccept, Source: casework.SourcePatrol,
				Category: &cat, Description: "乱停车", Point: geo.Point{Lng: 118.72, Lat: 32.03}, Grid: "32010100100101",
				Street: "320101001", District: "320101", Photos: []string{}, AfterPhotos: []string{}, ReportedAt: now, UpdatedAt: now}
			cases[k] = c
			events[k] = []casework.Event{{Action: casework.ActReport, To: c.Status, Actor: "bench", At: now, Note: c.Description, Point: &c.Point}}
		}
		if err := env.Store.BulkCreateCases(ctx, cases, events); err != nil {
			b.Fatal(err)
		}
		<-tick.C
	}
	tick.Stop()
	want := int64(b.N * per)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		all := true
		for _, s := range sinks {
			all = all && s.n.Load() >= want
		}
		if all {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	var delays []time.Duration
	minGot := want
	for _, s := range sinks {
		minGot = min(minGot, s.n.Load())
		delays = append(delays, s.delays...)
	}
	slices.Sort(delays)
	pct := func(p float64) float64 {
		if len(delays) == 0 {
			return 0
		}
		return float64(delays[min(len(delays)-1, int(p*float64(len(delays))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(minGot)/elapsed.Seconds(), "events/s/sub")
	b.ReportMetric(float64(minGot*int64(subs))/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(want-minGot), "missing")
	b.ReportMetric(0, "ns/op")
}
