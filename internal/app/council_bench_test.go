package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"text/tabwriter"
	"time"

	"cityloop/internal/council/councilwire"
	"cityloop/internal/org"
	"cityloop/internal/store/councilstore"
)

// BenchmarkCouncil measures, on the demo city (its council records do not
// depend on the case count: every community has its volunteers and topic),
// the first page of volunteers and of topics by HTTP against the floor of
// the same server (/livez), and the seeding of the council's demo records
// on a fresh SQLite store. It prints a table; run with -benchtime=1x.
func BenchmarkCouncil(b *testing.B) {
	a := demoKPIApp(b, 300)
	base := serve(b, a)
	admin := login(b, base, "admin")
	get := func(path string, n int) time.Duration {
		start := time.Now()
		for range n {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Authorization", "Bearer "+admin.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("%s: %v %v", path, err, res)
			}
			res.Body.Close()
		}
		return time.Since(start) / time.Duration(n)
	}
	const n = 200
	get("/api/v1/volunteers", 5) // warm the token cache and the pools
	floor := get("/livez", n)
	vols := get("/api/v1/volunteers?limit=50", n)
	topics := get("/api/v1/council/topics?limit=50", n)
	communities := a.World.Atlas().Regions(org.LevelCommunity)

	db, err := councilstore.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "seed.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetKeyring(a.keys)
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	c, err := councilwire.Seed(context.Background(), db, a.World.Atlas(), 1, a.Now().UTC(), NewID)
	if err != nil {
		b.Fatal(err)
	}
	seed := time.Since(start)

	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "council on the demo city: %d communities, %d volunteers, %d activities, %d topics\t\t\t\n", len(communities), c.Volunteers, c.Activities, c.Topics)
	fmt.Fprintf(w, "request (SQLite, %d each)\tmean\t× floor\t\n", n)
	for _, r := range []struct {
		name string
		d    time.Duration
	}{{"floor GET /livez", floor}, {"GET /api/v1/volunteers?limit=50", vols}, {"GET /api/v1/council/topics?limit=50", topics}} {
		fmt.Fprintf(w, "%s\t%v\t%.1f\t\n", r.name, r.d.Round(time.Microsecond), float64(r.d)/float64(floor))
	}
	fmt.Fprintf(w, "seed the council's demo records (one transaction per record)\t%v\t\t\n", seed.Round(time.Millisecond))
	w.Flush()
}
