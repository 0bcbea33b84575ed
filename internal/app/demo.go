package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/demo"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// DemoInfo is what a demo generation wrote.
type DemoInfo struct {
	demo.Summary
	Toilets int // public toilets placed (about one per km²)
}

// Print writes a short summary.
func (d *DemoInfo) Print(w io.Writer) {
	fmt.Fprintf(w, "Demo city: %d districts, %d streets, %d communities, %d unit grids, %d accounts, %d cases (%d timeline events) in %s\n",
		d.Districts, d.Streets, d.Communities, d.Grids, d.Accounts, d.Cases, d.Events, d.Duration.Round(100*time.Millisecond))
	var keys []string
	for st, n := range d.ByStatus {
		keys = append(keys, fmt.Sprintf("%s %d", casework.StatusNames[st][0], n))
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "  by status: %s\n", strings.Join(keys, ", "))
	if d.Toilets > 0 {
		fmt.Fprintf(w, "  public toilets: %d\n", d.Toilets)
	}
}

// demoSink writes the demo city into the store and the photo directory.
type demoSink struct{ a *App }

func (s demoSink) ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error {
	return s.a.Store.ApplyImport(ctx, plan, at)
}

func (s demoSink) CreateAccount(ctx context.Context, acc *org.Account) error {
	return s.a.Store.CreateAccount(ctx, acc)
}

func (s demoSink) BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error {
	return s.a.Store.BulkCreateCases(ctx, cases, events)
}

func (s demoSink) PutPhoto(ctx context.Context, data []byte) (string, error) {
	id, err := s.a.Blobs.Put(ctx, data)
	if err != nil {
		return "", err
	}
	return id, s.a.Store.RecordPhoto(ctx, id, "image/png", len(data), "demo", s.a.Now())
}

// GenerateDemo writes the deterministic demo city into the (empty) store and
// reloads the region tree. Progress goes to w as a bar.
func (a *App) GenerateDemo(ctx context.Context, cases int, seed int64, w io.Writer) (*DemoInfo, error) {
	hash, err := auth.HashPassword("demo", auth.DefaultParams())
	if err != nil {
		return nil, err
	}
	if cases == 0 {
		cases = -1 // demo treats 0 as "default"; here 0 means none
	}
	var bar *progressbar.ProgressBar
	if w != nil && cases > 0 {
		bar = progressbar.NewOptions(cases, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("生成示范城市 demo city"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	sum, err := demo.Build(ctx, demoSink{a}, a.World.Dict(), a.Cal, demo.Options{
		Seed: seed, Cases: cases, Now: a.Now(), PasswordHash: hash,
		Progress: func(done, total int) {
			if bar != nil {
				_ = bar.Set(done)
			}
		},
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return nil, err
	}
	if err := a.World.LoadRegions(ctx); err != nil {
		return nil, err
	}
	// The demo also has an auditor, who reads the audit trail and nothing else.
	aud := &org.Account{ID: NewID(), Username: "auditor", Name: "审计员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostAuditor}}, CreatedAt: a.Now()}
	if err := a.Store.CreateAccount(ctx, aud); err != nil {
		return nil, fmt.Errorf("create demo auditor: %w", err)
	}
	sum.Accounts++
	for _, r := range sum.Rules {
		if _, err := a.World.PutRule(ctx, org.SystemActor, r); err != nil {
			return nil, fmt.Errorf("add demo routing rule %s: %w", r.ID, err)
		}
	}
	toilets, err := a.seedDemoToilets(ctx, seed)
	if err != nil {
		return nil, err
	}
	return &DemoInfo{Summary: sum, Toilets: toilets}, nil
}

// seedDemoToilets places about one public toilet per km² of the city's
// bounding box, at points drawn from the seed that fall in a unit grid.
func (a *App) seedDemoToilets(ctx context.Context, seed int64) (int, error) {
	atlas := a.World.Atlas()
	city := atlas.City()
	if city == nil {
		return 0, nil
	}
	b := city.Shape.Bounds()
	ctr := b.Center()
	wKm := geo.DistanceM(geo.Point{Lng: b.MinLng, Lat: ctr.Lat}, geo.Point{Lng: b.MaxLng, Lat: ctr.Lat}) / 1000
	hKm := geo.DistanceM(geo.Point{Lng: ctr.Lng, Lat: b.MinLat}, geo.Point{Lng: ctr.Lng, Lat: b.MaxLat}) / 1000
	want := min(int(math.Round(wKm*hKm)), 5000)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x70111e75))
	hours := []string{"06:00-22:00", "05:30-23:00", "07:00-21:00"}
	n := 0
	for try := 0; n < want && try < 4*want; try++ {
		p := geo.Point{Lng: b.MinLng + rng.Float64()*(b.MaxLng-b.MinLng), Lat: b.MinLat + rng.Float64()*(b.MaxLat-b.MinLat)}
		p = geo.Point{Lng: math.Round(p.Lng*1e6) / 1e6, Lat: math.Round(p.Lat*1e6) / 1e6}
		loc, err := atlas.Locate(p)
		if err != nil {
			continue
		}
		n++
		f := &facility.Facility{ID: fmt.Sprintf("wc%04d", n), Kind: facility.KindToilet, Point: p, Grid: loc.Grid, District: loc.District,
			Name: fmt.Sprintf("%s公厕%d号", loc.Names[min(3, len(loc.Names)-1)], n), Address: loc.GridName,
			Accessible: rng.IntN(10) < 6, Open24h: rng.IntN(3) == 0, UpdatedAt: a.Now()}
		if f.Open24h {
			f.Hours = "24h"
		} else {
			f.Hours = hours[rng.IntN(len(hours))]
		}
		if _, err := a.Store.PutFacility(ctx, f); err != nil {
			return n - 1, fmt.Errorf("add demo toilet: %w", err)
		}
	}
	return n, nil
}

// DemoAccounts lists the demo's accounts as "username  post" lines, or
// nothing when the store does not hold the demo city.
func (a *App) DemoAccounts(ctx context.Context) []string {
	accs, err := a.Store.FindAccounts(ctx)
	if err != nil {
		return nil
	}
	var lines []string
	others, supervisors := 0, 0
	isDemo := false
	for _, acc := range accs {
		if acc.Username == "admin" || acc.Username == "operator" {
			isDemo = true
		}
		if strings.HasPrefix(acc.Username, "handler_") {
			others++
			continue
		}
		if strings.HasPrefix(acc.Username, "supervisor_") {
			supervisors++
			continue
		}
		var posts []string
		for _, g := range acc.Grants {
			p := org.PostNames[g.Post][0]
			if g.Department != "" {
				p += " · " + g.Department
			}
			if g.Region != "" {
				p += " · " + g.Region
			}
			posts = append(posts, p)
		}
		lines = append(lines, fmt.Sprintf("%-12s %s", acc.Username, strings.Join(posts, ", ")))
	}
	if !isDemo || !a.Cfg.Demo {
		return nil
	}
	sort.Strings(lines)
	if others > 0 {
		lines = append(lines, fmt.Sprintf("handler_<department>  处置单位 of each other department (%d accounts)", others))
	}
	if supervisors > 0 {
		lines = append(lines, fmt.Sprintf("supervisor_<street>   监督员 of each other street (%d accounts)", supervisors))
	}
	return lines
}
