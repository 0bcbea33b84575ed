package app

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityloop/internal/caseindex"
	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// BenchmarkIntakeClustered is BenchmarkIntake where a city is after a few
// weeks: 20,000 open cases reported over the last two days at 300 places,
// and every new report lands at one of those places, so each duplicate
// search has dozens of candidates. "index" searches the in-memory
// duplicate index (package caseindex), "sql" the store's spatial scan (the
// path before it), in the same run. Run with
//
//	go test -run '^$' -bench IntakeClustered -benchtime 3s ./internal/app/
func BenchmarkIntakeClustered(b *testing.B) {
	for _, mode := range []string{"index", "sql"} {
		b.Run("sqlite/"+mode, func(b *testing.B) { benchIntakeClustered(b, mode == "index") })
	}
}

func benchIntakeClustered(b *testing.B, useIndex bool) {
	a := testApp(b, "")
	ctx := context.Background()
	cats := []string{"event:0501", "event:0504", "event:0102", "event:0505", "event:0201", "component:0305"}
	r := rand.New(rand.NewPCG(14, 1))
	places := make([][2]float64, 300)
	for i := range places {
		places[i] = [2]float64{118.701 + r.Float64()*0.097, 32.001 + r.Float64()*0.097}
	}
	near := func(r *rand.Rand) (float64, float64) { // within about 20 m of a place
		p := places[r.IntN(len(places))]
		return p[0] + (r.Float64()-0.5)*0.0004, p[1] + (r.Float64()-0.5)*0.0004
	}
	sup := org.Actor{ID: "bench", Name: "巡查", Grants: []org.Grant{{Post: org.PostSupervisor}}}
	now := a.Now().UTC()
	var cases []*casework.Case
	var events [][]casework.Event
	for range 20_000 {
		lng, lat := near(r)
		c, err := a.Cases.Draft(sup, casework.Report{Category: cats[r.IntN(len(cats))], Description: "巡查发现", Lng: &lng, Lat: &lat,
			At: now.Add(-time.Duration(r.Int64N(int64(48 * time.Hour))))})
		if err != nil {
			b.Fatal(err)
		}
		cases = append(cases, c)
		events = append(events, []casework.Event{{Action: casework.ActReport, To: c.Status, Actor: sup.ID, Name: sup.Name,
			Post: org.PostSupervisor, At: c.ReportedAt, Point: &c.Point}})
	}
	if err := a.Store.BulkCreateCases(ctx, cases, events); err != nil {
		b.Fatal(err)
	}
	if err := a.Cases.Nearby.(*caseindex.Index).Build(ctx); err != nil {
		b.Fatal(err)
	}
	if !useIndex {
		a.Cases.Nearby = nil // the store's FindNearby, as before the index
	}
	base := serve(b, a)
	token := login(b, base, "supervisor").token
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
	var (
		mu                    sync.Mutex
		lats                  []time.Duration
		seq, fail, size, dups atomic.Int64
	)
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(seq.Add(1)), 7))
		var local []time.Duration
		for pb.Next() {
			lng, lat := near(r)
			body, _ := json.Marshal(map[string]any{"category": cats[r.IntN(len(cats))], "description": "巡查发现", "lng": lng, "lat": lat})
			req, _ := http.NewRequest("POST", base+"/api/v1/cases", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			t0 := time.Now()
			res, err := hc.Do(req)
			if err != nil {
				fail.Add(1)
				continue
			}
			var sink bytes.Buffer
			n, _ := sink.ReadFrom(res.Body)
			res.Body.Close()
			local = append(local, time.Since(t0))
			size.Add(n)
			var out struct {
				Total int `json:"duplicates_total"`
			}
			_ = json.Unmarshal(sink.Bytes(), &out)
			dups.Add(int64(out.Total))
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
		b.ReportMetric(float64(size.Load())/float64(len(lats)), "resp-bytes")
		b.ReportMetric(float64(dups.Load())/float64(len(lats)), "candidates")
	}
}
