package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
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
// path before it), in the same run; "floor" is a bare net/http server that
// decodes the same JSON and answers 201, driven by the same clients, so the
// printed table gives CityLoop's rate and p99 as a share of the machine's.
// The rate of each quarter of a run is printed too: a rate that falls as
// cases pile up shows there. Run with
//
//	go test -run '^$' -bench IntakeClustered -benchtime 3s ./internal/app/
func BenchmarkIntakeClustered(b *testing.B) {
	results := map[string]intakeRun{}
	b.Run("floor", func(b *testing.B) { results["floor"] = benchIntakeFloor(b) })
	for _, mode := range []string{"index", "sql"} {
		b.Run("sqlite/"+mode, func(b *testing.B) { results[mode] = benchIntakeClustered(b, mode == "index") })
	}
	floor, ok := results["floor"]
	if !ok || floor.rate == 0 {
		return
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n%-14s %10s %9s %9s %9s  %s\n", "server", "req/s", "p99 ms", "rate/floor", "p99/floor", "req/s per quarter of the run")
	for _, name := range []string{"floor", "index", "sql"} {
		r, ok := results[name]
		if !ok || r.rate == 0 {
			continue
		}
		fmt.Fprintf(&t, "%-14s %10.0f %9.1f %8.1f %% %9.1f×  %v\n", name, r.rate, r.p99ms, 100*r.rate/floor.rate, r.p99ms/floor.p99ms, r.quarters)
	}
	fmt.Print(t.String()) // a table, after the benchmark lines
}

// intakeRun is what one run of the intake clients measured.
type intakeRun struct {
	rate, p99ms float64
	quarters    []int // requests/s in each quarter of the run
}

// benchIntakeFloor serves what the floor of intake is on this machine: a
// bare net/http handler that decodes the report's JSON and answers 201.
func benchIntakeFloor(b *testing.B) intakeRun {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Category, Description string
			Lng, Lat              float64
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"category": in.Category, "lng": in.Lng, "lat": in.Lat})
	}))
	b.Cleanup(srv.Close)
	near := func(r *rand.Rand) (float64, float64) { return 118.701 + r.Float64()*0.097, 32.001 + r.Float64()*0.097 }
	return driveIntake(b, srv.URL, "", near, []string{"event:0501"})
}

func benchIntakeClustered(b *testing.B, useIndex bool) intakeRun {
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
	return driveIntake(b, base, token, near, cats)
}

// driveIntake posts reports from 32×GOMAXPROCS clients for b.N requests
// and reports the rate, p99, response size and duplicate candidates.
func driveIntake(b *testing.B, base, token string, near func(*rand.Rand) (float64, float64), cats []string) intakeRun {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
	var (
		mu                    sync.Mutex
		lats                  []time.Duration
		done                  []time.Duration // when each request finished, from the start
		seq, fail, size, dups atomic.Int64
	)
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(seq.Add(1)), 7))
		var local, ends []time.Duration
		for pb.Next() {
			lng, lat := near(r)
			body, _ := json.Marshal(map[string]any{"category": cats[r.IntN(len(cats))], "description": "巡查发现", "lng": lng, "lat": lat})
			req, _ := http.NewRequest("POST", base+"/api/v1/cases", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			t0 := time.Now()
			res, err := hc.Do(req)
			if err != nil {
				fail.Add(1)
				continue
			}
			var sink bytes.Buffer
			n, _ := sink.ReadFrom(res.Body)
			res.Body.Close()
			local, ends = append(local, time.Since(t0)), append(ends, time.Since(start))
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
		lats, done = append(lats, local...), append(done, ends...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if fail.Load() > 0 {
		b.Fatalf("%d of %d requests failed", fail.Load(), b.N)
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	var run intakeRun
	if len(lats) > 0 {
		run.rate, run.p99ms = float64(len(lats))/elapsed.Seconds(), float64(lats[len(lats)*99/100].Microseconds())/1000
		b.ReportMetric(run.rate, "cases/s")
		b.ReportMetric(run.p99ms, "p99-ms")
		b.ReportMetric(float64(size.Load())/float64(len(lats)), "resp-bytes")
		b.ReportMetric(float64(dups.Load())/float64(len(lats)), "candidates")
		q := elapsed / 4
		counts := make([]int, 4)
		for _, d := range done {
			counts[min(int(d/q), 3)]++
		}
		for _, n := range counts {
			run.quarters = append(run.quarters, int(float64(n)/q.Seconds()))
		}
	}
	return run
}
