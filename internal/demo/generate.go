package demo

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Sink is where the demo city is written: the store, or memory in tests.
type Sink interface {
	ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error
	CreateAccount(ctx context.Context, a *org.Account) error
	// BulkCreateCases stores cases with their timelines; events[k] belongs
	// to cases[k]. Codes are the store's to assign.
	BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error
	// PutPhoto stores an image and returns its content ID.
	PutPhoto(ctx context.Context, data []byte) (id string, err error)
}

// DefaultCases is the number of cases of a default demo.
const DefaultCases = 100_000

// BatchSize is how many cases go to the sink in one BulkCreateCases call.
const BatchSize = 5000

// Options controls a demo run.
type Options struct {
	Seed  int64
	Cases int       // 0 means DefaultCases; negative means none
	Now   time.Time // the end of the simulated year; zero means time.Now()
	// Progress, when set, is called after each batch with the cases written so far.
	Progress func(done, total int)
	// PasswordHash is the hash of "demo" that every account gets (required).
	// The caller hashes once with auth.HashPassword: demo, a domain-level
	// package, does not import auth.
	PasswordHash string
	// Workers is how many cores simulate cases; 0 means GOMAXPROCS. The
	// result does not depend on it.
	Workers int
}

// Summary says what Generate wrote.
type Summary struct {
	Districts, Streets, Communities, Grids int
	Accounts                               int
	Photos                                 int
	Cases, Events                          int
	ByStatus                               map[casework.Status]int
	// TopDepartment is the department of the "handler" account.
	TopDepartment string
	// Rules are region-specific lines of the joint enforcement list that suit
	// the demo city (see [LocalRules]); the generator does not add them.
	Rules    []catalog.Rule
	Duration time.Duration
}

// Build is the whole demo flow for the app: the regions of [Regions], an
// atlas over them, a casework.Service around dict and cal, and [Generate].
func Build(ctx context.Context, sink Sink, dict *catalog.Dictionary, cal *worktime.Calendar, opt Options) (Summary, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	atlas, err := org.NewAtlas(Regions(opt.Seed, opt.Now))
	if err != nil {
		return Summary{}, fmt.Errorf("demo atlas: %w", err)
	}
	svc := &casework.Service{
		Atlas: func() *org.Atlas { return atlas },
		Dict:  func() *catalog.Dictionary { return dict },
		Cal:   cal,
		Now:   func() time.Time { return opt.Now },
	}
	return Generate(ctx, sink, svc, opt)
}

// Generate writes the demo city to sink: the regions of svc's atlas as one
// import, the accounts of [Accounts], the photos, and opt.Cases cases
// spread over the two years ([Span]) before opt.Now, in batches of [BatchSize]. Every
// case is drafted with svc.Draft and moved only by casework.Decide at
// increasing simulated times, none after opt.Now. svc.Store is not used.
// The same seed, case count, now, dictionary and calendar give the same
// output, whatever the number of workers.
func Generate(ctx context.Context, sink Sink, svc *casework.Service, opt Options) (Summary, error) {
	began := time.Now()
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	switch {
	case opt.Cases == 0:
		opt.Cases = DefaultCases
	case opt.Cases < 0:
		opt.Cases = 0
	}
	if opt.PasswordHash == "" {
		return Summary{}, fmt.Errorf("demo: Options.PasswordHash is required: the hash of \"demo\" (auth.HashPassword), made once by the caller")
	}
	if svc == nil || svc.Atlas == nil || svc.Dict == nil || svc.Cal == nil {
		return Summary{}, fmt.Errorf("demo: the casework service needs Atlas, Dict and Cal")
	}
	atlas, dict := svc.Atlas(), svc.Dict()
	if atlas == nil || atlas.City() == nil || dict == nil {
		return Summary{}, fmt.Errorf("demo: the atlas is empty or the dictionary missing")
	}
	sum := Summary{ByStatus: map[casework.Status]int{}}

	// Regions, as one import valid from a month before the first case.
	var regions []org.Region
	for _, r := range atlas.Regions(0) {
		regions = append(regions, *r)
		switch r.Level {
		case org.LevelDistrict:
			sum.Districts++
		case org.LevelStreet:
			sum.Streets++
		case org.LevelCommunity:
			sum.Communities++
		case org.LevelGrid:
			sum.Grids++
		}
	}
	slices.SortStableFunc(regions, func(a, b org.Region) int {
		if a.Level != b.Level {
			return int(a.Level) - int(b.Level)
		}
		return compareStrings(a.Code, b.Code)
	})
	from := validFrom(opt.Now)
	if err := sink.ApplyImport(ctx, org.ImportPlan{Insert: regions, Added: len(regions)}, from); err != nil {
		return sum, fmt.Errorf("demo regions: %w", err)
	}

	// Accounts.
	accounts := Accounts(opt.Seed, regions, dict, opt.PasswordHash, opt.Now)
	for i := range accounts {
		if err := sink.CreateAccount(ctx, &accounts[i]); err != nil {
			return sum, fmt.Errorf("demo account %s: %w", accounts[i].Username, err)
		}
	}
	sum.Accounts = len(accounts)
	sum.TopDepartment = TopDepartment(dict, opt.Now)
	sum.Rules = LocalRules(regions, dict)

	photos, n, err := putPhotos(ctx, sink, opt.Seed)
	if err != nil {
		return sum, err
	}
	sum.Photos = n

	g, err := newGen(svc, opt, accounts, photos)
	if err != nil {
		return sum, err
	}
	if err := g.run(ctx, sink, opt, &sum); err != nil {
		return sum, err
	}
	sum.Duration = time.Since(began)
	return sum, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// batch is one slice of simulated cases on its way to the sink.
type batch struct {
	cases  []*casework.Case
	events [][]casework.Event
	err    error
}

// run simulates the cases batch by batch on all workers while the previous
// batch is being written, so memory stays at about two batches.
func (g *gen) run(ctx context.Context, sink Sink, opt Options, sum *Summary) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan batch, 1)
	go func() {
		defer close(out)
		for start := 0; start < g.n; start += BatchSize {
			end := min(start+BatchSize, g.n)
			b := batch{cases: make([]*casework.Case, end-start), events: make([][]casework.Event, end-start)}
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := start + w; i < end; i += workers {
						if ctx.Err() != nil {
							errs[w] = ctx.Err()
							return
						}
						c, evs, err := g.simulate(i)
						if err != nil {
							errs[w] = err
							return
						}
						b.cases[i-start], b.events[i-start] = c, evs
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.err = err
					break
				}
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	done := 0
	for b := range out {
		if b.err != nil {
			return b.err
		}
		if err := sink.BulkCreateCases(ctx, b.cases, b.events); err != nil {
			return fmt.Errorf("demo cases %d–%d: %w", done+1, done+len(b.cases), err)
		}
		for k, c := range b.cases {
			sum.ByStatus[c.Status]++
			sum.Events += len(b.events[k])
		}
		done += len(b.cases)
		sum.Cases = done
		if opt.Progress != nil {
			opt.Progress(done, g.n)
		}
	}
	return ctx.Err()
}

// LocalRules returns lines of the joint enforcement list that a city like
// the demo's keeps for single districts (DOMAIN.md §4, PRODUCT.md): in the
// second district pavement parking goes to the enforcement bureau instead of
// the traffic police. Rules whose category or department dict lacks are
// left out. The app may add them to its dictionary; Generate routes without
// them.
func LocalRules(regions []org.Region, dict *catalog.Dictionary) []catalog.Rule {
	var district string
	n := 0
	for _, r := range regions {
		if r.Level == org.LevelDistrict {
			n++
			if n == 2 {
				district = r.Code
			}
		}
	}
	if district == "" {
		return nil
	}
	rule := catalog.Rule{ID: "demo-parking-" + district, Category: catalog.Ref{Kind: catalog.Event, Code: "0505"},
		RegionCode: district, Department: "enforcement"}
	if _, ok := dict.Department(rule.Department); !ok || len(dict.Versions(rule.Category)) == 0 {
		return nil
	}
	return []catalog.Rule{rule}
}
