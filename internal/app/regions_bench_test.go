package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"cityloop/internal/config"
	"cityloop/internal/org"
)

// cityFile writes a regions FeatureCollection of a city of 20,000 grids:
// 16 districts of 5 streets of 5 communities of 50 grids, each grid a
// square about 200 m across. Every tenth grid carries a defect of the kind
// public files have — unclosed ring, clockwise ring, repeated point, or a
// spike out and back — so the repair runs on 2,000 of them.
func cityFile() (data []byte, features int) {
	const cell = 0.002
	var b strings.Builder
	n := 0
	feature := func(code, name, level, parent string, ring [][2]float64) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		p := ""
		if parent != "" {
			p = fmt.Sprintf(`,"parent":%q`, parent)
		}
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"code":%q,"name":%q,"level":%q%s},"geometry":{"type":"Polygon","coordinates":[[`, code, name, level, p)
		for i, c := range ring {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%.6f,%.6f]", 118.5+c[0]*cell, 31.9+c[1]*cell)
		}
		b.WriteString("]]}}")
	}
	rect := func(x0, y0, x1, y1 float64) [][2]float64 {
		return [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	feature("3201", "基准市", "city", "", rect(0, 0, 200, 100))
	grid := 0
	for d := range 16 {
		dx, dy := d%4, d/4 // 50 × 25 cells
		dc := fmt.Sprintf("3201%02d", d+1)
		feature(dc, fmt.Sprintf("第%d区", d+1), "district", "3201", rect(float64(dx*50), float64(dy*25), float64(dx*50+50), float64(dy*25+25)))
		for s := range 5 { // streets are rows of 5 cells
			sc := fmt.Sprintf("%s%03d", dc, s+1)
			y0 := float64(dy*25 + s*5)
			feature(sc, fmt.Sprintf("第%d街道", s+1), "street", dc, rect(float64(dx*50), y0, float64(dx*50+50), y0+5))
			for c := range 5 { // communities are 10 × 5 cells
				cc := fmt.Sprintf("%s%03d", sc, c+1)
				x0 := float64(dx*50 + c*10)
				feature(cc, fmt.Sprintf("第%d社区", c+1), "community", sc, rect(x0, y0, x0+10, y0+5))
				for g := range 50 {
					x, y := x0+float64(g%10), y0+float64(g/10)
					r := rect(x, y, x+1, y+1)
					if grid%10 == 0 {
						switch grid / 10 % 4 {
						case 0:
							r = r[:4] // unclosed
						case 1:
							r = [][2]float64{r[0], r[3], r[2], r[1], r[0]} // clockwise
						case 2:
							r = [][2]float64{r[0], r[1], r[1], r[2], r[3], r[0]} // repeated point
						case 3:
							r = [][2]float64{r[0], r[1], {x + 1, y + 0.5}, {x + 1.3, y + 0.5}, {x + 1, y + 0.5}, r[2], r[3], r[0]} // spike
						}
					}
					feature(fmt.Sprintf("%s%03d", cc, g+1), fmt.Sprintf("网格%d", g+1), "grid", cc, r)
					grid++
				}
			}
		}
	}
	b.WriteString("]}")
	return []byte(b.String()), n
}

func emptyApp(b *testing.B) *App {
	b.Helper()
	return openBenchApp(b, func(c *config.Config) { c.Demo = false })
}

// BenchmarkRegionImport imports a city-wide regions file of 20,000 grids
// (cityFile: 20,497 features, 2,000 of them needing repair) into an empty
// SQLite city, as `cityloop import regions` does, and prints a table: the
// whole import, the dry run (read, repair and check, no write), and two
// floors measured in the same run — decoding the file with encoding/json
// into generic values, and writing the already-planned regions with the
// store's ApplyImport (the bare database). Run with
//
//	go test -run '^$' -bench RegionImport -benchtime 1x ./internal/app/
func BenchmarkRegionImport(b *testing.B) {
	data, n := cityFile()
	times := map[string]time.Duration{}
	timed := func(name string, run func(b *testing.B, a *App)) {
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				a := emptyApp(b)
				b.StartTimer()
				start := time.Now()
				run(b, a)
				total += time.Since(start)
			}
			times[name] = total / time.Duration(b.N)
			b.ReportMetric(float64(n)/times[name].Seconds(), "features/s")
		})
	}
	timed("import", func(b *testing.B, a *App) {
		plan, err := a.World.ImportRegions(context.Background(), org.Actor{ID: "bench"}, data)
		if err != nil {
			b.Fatal(err)
		}
		if plan.Added != n || len(plan.Repairs) != 2000 {
			b.Fatalf("added %d (want %d), repaired %d (want 2000)", plan.Added, n, len(plan.Repairs))
		}
	})
	timed("dry-run", func(b *testing.B, a *App) {
		if _, err := a.World.PreviewRegions(context.Background(), data); err != nil {
			b.Fatal(err)
		}
	})
	timed("floor-json", func(b *testing.B, _ *App) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("floor-db", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			b.StopTimer()
			a := emptyApp(b)
			plan, err := a.World.PreviewRegions(context.Background(), data)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			if err := a.Store.ApplyImport(context.Background(), plan, a.Now()); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
		}
		times["floor-db"] = total / time.Duration(b.N)
	})
	floor := times["floor-json"] + times["floor-db"]
	fmt.Fprintf(os.Stdout, "\nregion import, %d features (20,000 grids), %d KiB GeoJSON, SQLite\n", n, len(data)>>10)
	fmt.Fprintf(os.Stdout, "%-12s %10s %12s %8s\n", "run", "time", "features/s", "×floor")
	for _, name := range []string{"import", "dry-run", "floor-json", "floor-db"} {
		t := times[name]
		if t == 0 {
			continue
		}
		fmt.Fprintf(os.Stdout, "%-12s %9.2fs %12.0f %8.2f\n", name, t.Seconds(), float64(n)/t.Seconds(), t.Seconds()/floor.Seconds())
	}
	fmt.Fprintf(os.Stdout, "floor = floor-json + floor-db = %.2fs; the target is import ≤ 30 s\n", floor.Seconds())
}
