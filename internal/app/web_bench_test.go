package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/config"
)

// demoApp opens the demo city: CITYLOOP_BENCH_DEMO names the data directory
// of one made before (`cityloop demo --data DIR`); otherwise the demo is
// generated into a temporary directory (100,000 cases, about half a minute).
func demoApp(b *testing.B) *App {
	b.Helper()
	return openBenchApp(b, func(c *config.Config) {
		if dir := os.Getenv("CITYLOOP_BENCH_DEMO"); dir != "" {
			c.DataDir = dir // a demo city built once and kept between runs
		}
	})
}

// openBenchApp opens a quiet node on a free port for a benchmark, with its
// data in a temporary directory unless set says otherwise, and closes it
// with the benchmark.
func openBenchApp(b *testing.B, set func(*config.Config)) *App {
	b.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Quiet, cfg.Addr = b.TempDir(), true, "127.0.0.1:0"
	set(&cfg)
	if err := cfg.Finish(); err != nil {
		b.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// BenchmarkWeb_DemoCity measures, on the demo city, the first render of each
// workbench after sign-in, a warm render, and the map's case endpoint with
// every case (cold: the cache is bypassed by a different filter each time).
//
//	go test -run '^$' -bench Web_DemoCity -benchtime 3x ./internal/app/
func BenchmarkWeb_DemoCity(b *testing.B) {
	a := demoApp(b)
	base := serve(b, a)
	_, total, _ := a.Store.FindCases(context.Background(), casework.Filter{Now: a.Now(), Limit: 1})
	b.Logf("demo city: %d cases", total)
	// One sign-in per account (sign-ins are throttled per address); the
	// first render of each session is reported, then warm renders are timed.
	leader := newBrowserClient(b, base)
	for _, user := range []string{"operator", "shiftlead", "dispatcher", "handler", "supervisor", "leader"} {
		bc := newBrowserClient(b, base)
		if user == "leader" {
			bc = leader
		}
		if res := bc.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign in %s: %d", user, res.StatusCode)
		}
		start := time.Now()
		if st, _, _ := bc.get("/console"); st != 200 {
			b.Fatalf("console: %d", st)
		}
		first := time.Since(start)
		b.Run("console-"+user, func(b *testing.B) {
			b.ReportMetric(float64(first.Microseconds())/1000, "ms/first-page")
			for i := 0; i < b.N; i++ {
				if st, _, _ := bc.get("/console"); st != 200 {
					b.Fatalf("console: %d", st)
				}
			}
		})
	}
	b.Run("map-cases-cold", func(b *testing.B) {
		bc := leader
		for i := 0; i < b.N; i++ {
			start := time.Now()
			res, err := bc.http.Get(fmt.Sprintf("%s/web/map/cases?from=2000-01-%02d", base, 1+i%28))
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/request")
			b.ReportMetric(float64(n), "bytes")
		}
	})
}
