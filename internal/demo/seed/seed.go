package seed

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/demo"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Info is what [Run] wrote.
type Info struct {
	demo.Summary
	Toilets int // public toilets placed (about one per km²)
}

// Print writes a short summary.
func (d *Info) Print(w io.Writer) {
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

// Store is where [Run] writes the demo city.
type Store interface {
	ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error
	CreateAccount(ctx context.Context, acc *org.Account) error
	BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error
	RecordPhoto(ctx context.Context, id, mime string, size int, by string, at time.Time) error
	PutFacility(ctx context.Context, f *facility.Facility) (created bool, err error)
}

// Blobs stores the photos' bytes and returns their ids.
type Blobs interface {
	Put(ctx context.Context, data []byte) (string, error)
}

// World is the reference data the city is seeded into: the dictionary the
// cases use, the region tree reloaded after the import, the routing rules.
type World interface {
	Dict() *catalog.Dictionary
	Atlas() *org.Atlas
	LoadRegions(ctx context.Context) error
	PutRule(ctx context.Context, actor org.Actor, r catalog.Rule) (catalog.Rule, error)
}

// Options say what [Run] writes.
type Options struct {
	Seed int64
	// Cases is the number of cases; 0 means none (unlike demo.Options.Cases).
	Cases        int
	PasswordHash string // of the demo accounts' password
	Now          func() time.Time
	NewID        func() string
	Progress     func(done, total int) // may be nil
}

// sink writes the demo city into the store and the photo directory.
type sink struct {
	Store
	blobs Blobs
	now   func() time.Time
}

func (s sink) PutPhoto(ctx context.Context, data []byte) (string, error) {
	id, err := s.blobs.Put(ctx, data)
	if err != nil {
		return "", err
	}
	return id, s.RecordPhoto(ctx, id, "image/png", len(data), "demo", s.now())
}

// Run writes the deterministic demo city (demo.Build) into the (empty)
// store st, with its photos in blobs, and reloads world's region tree; then
// the auditor, the routing rules and the public toilets.
func Run(ctx context.Context, st Store, blobs Blobs, world World, cal *worktime.Calendar, o Options) (*Info, error) {
	cases, seed, hash := o.Cases, o.Seed, o.PasswordHash
	if cases == 0 {
		cases = -1 // demo.Build treats 0 as "default"; here 0 means none
	}
	sum, err := demo.Build(ctx, sink{st, blobs, o.Now}, world.Dict(), cal, demo.Options{
		Seed: seed, Cases: cases, Now: o.Now(), PasswordHash: hash,
		Progress: func(done, total int) {
			if o.Progress != nil {
				o.Progress(done, total)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if err := world.LoadRegions(ctx); err != nil {
		return nil, err
	}
	// The demo also has an auditor, who reads the audit trail and nothing else.
	aud := &org.Account{ID: o.NewID(), Username: "auditor", Name: "审计员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostAuditor}}, CreatedAt: o.Now()}
	if err := st.CreateAccount(ctx, aud); err != nil {
		return nil, fmt.Errorf("create demo auditor: %w", err)
	}
	sum.Accounts++
	for _, r := range sum.Rules {
		if _, err := world.PutRule(ctx, org.SystemActor, r); err != nil {
			return nil, fmt.Errorf("add demo routing rule %s: %w", r.ID, err)
		}
	}
	toilets, err := seedToilets(ctx, st, world.Atlas(), seed, o.Now)
	if err != nil {
		return nil, err
	}
	return &Info{Summary: sum, Toilets: toilets}, nil
}

// seedToilets places about one public toilet per km² of the city's
// bounding box, at points drawn from the seed that fall in a unit grid.
func seedToilets(ctx context.Context, st Store, atlas *org.Atlas, seed int64, now func() time.Time) (int, error) {
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
			Accessible: rng.IntN(10) < 6, Open24h: rng.IntN(3) == 0, UpdatedAt: now()}
		if f.Open24h {
			f.Hours = "24h"
		} else {
			f.Hours = hours[rng.IntN(len(hours))]
		}
		if _, err := st.PutFacility(ctx, f); err != nil {
			return n - 1, fmt.Errorf("add demo toilet: %w", err)
		}
	}
	return n, nil
}

// Accounts is [AccountLines] of st's accounts, or nothing when demo is
// off or the accounts cannot be read: it feeds a start-up banner, and
// moved here from package app to keep app a composition root.
func Accounts(ctx context.Context, st interface {
	FindAccounts(context.Context) ([]*org.Account, error)
}, demo bool) []string {
	if !demo {
		return nil
	}
	accs, err := st.FindAccounts(ctx)
	if err != nil {
		return nil
	}
	return AccountLines(accs)
}

// AccountLines lists the demo's accounts among accs as "username  post"
// lines, or nothing when accs are not the demo city's.
func AccountLines(accs []*org.Account) []string {
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
	if !isDemo {
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
