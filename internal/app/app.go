package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/api"
	"cityloop/internal/auth"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/config"
	"cityloop/internal/enforce/publish"
	"cityloop/internal/httpkit"
	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/jobs"
	"cityloop/internal/pii"
	"cityloop/internal/refdata"
	"cityloop/internal/sensing"
	"cityloop/internal/sensing/owner"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/web"
	"cityloop/internal/worktime"
)

// App is one running CityLoop node.
type App struct {
	Cfg   config.Config
	Store *sqlstore.DB
	World *refdata.Service
	Cases *casework.Service
	Blobs *blob.Dir
	Cal   *worktime.Calendar
	Log   *slog.Logger
	Now   func() time.Time

	// Node holds the listener, the background work (sensor ingestion,
	// deliveries) that Run starts beside HTTP and stops before closing the
	// store, and the cleanup that Close runs (Go, OnClose, Listen, Addr).
	httpkit.Node
	handler http.Handler
	node    string
	// FirstPassword is the one-time administrator password made on a first
	// start without the demo; shown once, never stored in plain.
	FirstPassword string
	// DemoSummary is set when this start generated the demo city.
	DemoSummary  *DemoInfo
	api          *api.Server
	keys         *pii.Keyring     // seals personal data and partner secrets
	sensing      *sensing.Service // set by wireSensing
	sensingOwner *owner.Owner     // set by wireSensing
	mqttSub      *mqtt.Subscriber // set by wireSensing; nil without --mqtt-addr
	hubChanges   web.HubChanges   // set by wireInterop; the console's live updates tail it
	jobs         *jobs.Runner     // the node's scheduled jobs and worker leases; set by wireJobs, the first wirer
	otpSender    web.CodeSender   // texts citizens' one-time codes; set by wireOutbox only when SMS is configured
	// resealers are the stores' re-sealing, in the order Reseal runs them.
	resealers []resealer
	observe   func(http.Handler) http.Handler // wraps the mux for /metrics; set by wireOps
}

// resealer seals one store's personal data or secrets again under the
// keyring's current key; what names them for the operator.
type resealer struct {
	what string
	run  func(ctx context.Context) (int, error)
}

// Reseal seals every store's personal data and secrets again under the
// keyring's current key (`cityloop pii rotate`), telling report how many of
// each it re-sealed.
func (a *App) Reseal(ctx context.Context, report func(what string, n int)) error {
	for _, r := range a.resealers {
		n, err := r.run(ctx)
		if err != nil {
			return fmt.Errorf("re-seal %s: %w", r.what, err)
		}
		report(r.what, n)
	}
	return nil
}

// openStore opens one part's store on the node's database, closes it with
// the node, brings its tables up to date and gives it the node's keyring.
func openStore[S interface {
	Migrate(context.Context) error
	Close() error
}](a *App, part string, open func(context.Context, string) (S, error)) (S, error) {
	ctx := context.Background()
	s, err := open(ctx, a.Cfg.DB)
	if err != nil {
		return s, fmt.Errorf("%s: %w", part, err)
	}
	a.OnClose(s.Close)
	if err := s.Migrate(ctx); err != nil {
		return s, fmt.Errorf("%s: %w", part, err)
	}
	if k, ok := any(s).(interface{ SetKeyring(*pii.Keyring) }); ok {
		k.SetKeyring(a.keys) // the store seals personal data with the node's keys
	}
	return s, nil
}

// schedule registers a part's jobs on the node's runner.
func (a *App) schedule(part string, list ...jobs.Job) error {
	for _, j := range list {
		if err := a.jobs.Register(j); err != nil {
			return fmt.Errorf("%s: %w", part, err)
		}
	}
	return nil
}

// wirer adds one part's routes to mux and may register background work.
type wirer func(a *App, mux *http.ServeMux) error

// wirers lists the parts beyond the core API, in the order they are wired (sensing before the web pages that show its state).
var wirers = []wirer{wireJobs, wireEnforce, wireSensing, wireInterop, wireOutbox, wireDisclosure, wireAnalysis, wireCommunity, wireCouncil, wireWeb, wireCloseNotice, wireOps, wireGeo}

// wireDisclosure: publication of penalty decisions fed to the hub, AI-camera reminders, camera sites (package enforce/publish).
func wireDisclosure(a *App, _ *http.ServeMux) error {
	pubs, desk, err := publish.Wire(publish.Parts{Enforcement: a.api.Enforcement, Hub: a.hubChanges, Outbox: a.api.Outbox,
		Sensing: a.sensing, Dict: a.World.Dict, Every: a.Cfg.SweepEvery, Now: a.Now, NewID: NewID, Log: a.Log, Schedule: a.schedule})
	a.api.EnforcementPublications, a.api.EnforcementPlaces = pubs, desk
	return err
}

// NewID makes a UUIDv7: time-ordered, so new rows land at the end of indexes.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Open builds a node from cfg: store and migrations, reference data, the
// demo city on an empty store (if enabled), services and HTTP handler. It
// does not listen yet; see Listen and Run.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, progress io.Writer) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a := &App{Cfg: cfg, Store: db, Log: log, Now: time.Now, node: NewID(), Node: httpkit.Node{Address: cfg.Addr}}
	if err := a.init(ctx, progress); err != nil {
		a.Close() // what the wirers opened, then the store
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context, progress io.Writer) error {
	if err := a.Store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	keys, err := a.loadKeyring()
	if err != nil {
		return err
	}
	a.Store.SetKeyring(keys)
	a.keys = keys
	a.resealers = append(a.resealers, resealer{"cases' contact details (reporters' names and phones)", a.Store.ResealContacts})
	cal, err := worktime.Default()
	if err != nil {
		return fmt.Errorf("load working calendar: %w", err)
	}
	a.Cal = cal
	blobs, err := blob.NewDir(filepath.Join(a.Cfg.DataDir, "photos"))
	if err != nil {
		return err
	}
	a.Blobs = blobs
	a.World = refdata.New(a.Store, a.Now, NewID)
	if err := a.World.LoadStored(ctx); err != nil {
		return err
	}
	a.Cases = &casework.Service{Store: a.Store, Atlas: a.World.Atlas, Dict: a.World.Dict, Cal: cal,
		Now: func() time.Time { return a.Now().UTC() }, NewID: NewID}
	if a.World.Atlas().Len() == 0 && a.Cfg.Demo {
		info, err := a.GenerateDemo(ctx, a.Cfg.DemoCases, a.Cfg.DemoSeed, progress)
		if err != nil {
			return fmt.Errorf("generate demo city: %w", err)
		}
		a.DemoSummary = info
	}

	h, err := a.buildHandler()
	if err != nil {
		return err
	}
	a.handler = h
	return nil
}

func (a *App) buildHandler() (http.Handler, error) {
	mux := http.NewServeMux()
	srv := &api.Server{
		Cases: a.Cases, Accounts: a.Store, Regions: a.Store, Photos: a.Store, Blobs: a.Blobs,
		World: a.World, Cal: a.Cal, Now: a.Now,
		// One sign-in throttle for the API and the web console (wireWeb
		// passes it on), in memory on this node; see auth.Throttle.
		Throttle: auth.NewThrottle(10, 15*time.Minute, 15*time.Minute, time.Now),
		TokenTTL: a.Cfg.TokenTTL, MaxPhoto: int64(a.Cfg.MaxPhotoMiB) << 20,
		Auditor: a.newAuditLog(), AuditSearch: a.Store, Clients: a.Store,
		Facilities: a.Store, Ready: a.Store.CheckWritable, SessionToken: web.SessionToken,
	}
	srv.Routes(mux)
	a.api = srv
	for _, w := range wirers {
		if err := w(a, mux); err != nil {
			return nil, err
		}
	}
	// Anonymous writes (citizen reports, sign-in, photo uploads) are limited
	// per address, with bursts of a third of a minute's allowance.
	var public http.Handler = mux
	if r := a.Cfg.PublicRate; r > 0 {
		public = httpkit.LimitAnonymous(mux, httpkit.NewLimiter(r, max(r/3, 5), time.Now), srv.RateCaller)
	}
	if a.observe != nil { // outside the limiter, which hands on the same request: r.Pattern is the mux's
		public = a.observe(public)
	}
	return httpkit.Middleware(http.MaxBytesHandler(public, 80<<20), httpkit.Options{Logger: a.Log, Timeout: 30 * time.Second, Quiet: a.Cfg.Quiet}), nil
}

// Handler is the node's whole HTTP handler (for tests).
func (a *App) Handler() http.Handler { return a.handler }

// Run serves HTTP and runs the background work until ctx ends, then shuts
// down in reverse order within a timeout (httpkit.Serve).
func (a *App) Run(ctx context.Context) error { return a.Node.Run(ctx, a.handler, a.Log) }

// Close runs the registered cleanup and releases the store.
func (a *App) Close() error { return errors.Join(a.CloseAll(), a.Store.Close()) }
