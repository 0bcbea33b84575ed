package owner

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/jobs"
	"cityloop/internal/sensing"
)

// The live sensing state (devices' last readings, rule states with their
// durations and hysteresis, camera tracks) is kept in one node's memory, so
// that a rule sees every reading of its device in order and one silent
// device opens one case. With several nodes, the node that holds the
// "sensing-owner" lease is that node: it alone subscribes to the MQTT
// telemetry (a plain persistent session whose client id all nodes share, so
// the broker hands the session, with its queued and unacknowledged
// messages, to whichever node takes over), runs the time-driven checks and
// opens the cases. The other nodes pass every /api/v1/sensing request on to
// it. When the owner stops it writes out what it holds and releases the
// lease; when it dies, another node takes over once the lease has run out
// (LeaseTTL), loading the state from the store.
//
// The lease is one of the jobs runner's leases, held by jobs.Runner.Hold
// (Run), so GET /api/v1/jobs lists it with its holder and since when; a
// request also takes it on demand when nobody holds it (Step, from serve).
// The time-driven checks (Detect: silent devices, overstayed berths,
// missed collections; Flush; the time-series maintenance) run in the
// owner's work under that lease (own), not as scheduled jobs: they read
// and change the live state that only the owner's memory holds, so they
// must run exactly where the lease is, and a scheduled job runs on
// whichever node claims it first.
const (
	// Lease is the name of the jobs runner's lease the owner holds.
	Lease    = "sensing-owner"
	LeaseTTL = 10 * time.Second
	// ForwardedHeader marks a request one node passed to another, so a
	// request never travels twice (the lease may move meanwhile).
	ForwardedHeader = "X-Cityloop-Forwarded-By"
)

// Ingestion is the node's sensor ingestion (the MQTT subscriber), which
// runs only while the node is owner.
type Ingestion interface {
	Run(ctx context.Context) error
}

// Owner holds or follows the sensing lease for one node and gates the
// requests that read the live sensing state.
type Owner struct {
	svc    *sensing.Service
	leases *jobs.Runner
	node   string        // this node's id
	url    func() string // the base URL other nodes reach this one at
	now    func() time.Time
	log    *slog.Logger
	// Ingest runs while this node is owner; nil when MQTT is not configured.
	Ingest Ingestion
	// Every is the lease renewal and tick period.
	Every time.Duration

	owner atomic.Bool
	// mu serialises taking and giving up the lease; work is held for
	// reading while the worker runs and for writing while the state is
	// reloaded, so a reload never pulls the maps from under a case being
	// opened.
	mu      sync.Mutex
	work    sync.RWMutex
	renewed time.Time
	stopSub context.CancelFunc
	subDone chan struct{}

	hmu      sync.Mutex
	holder   string
	held     bool
	holderAt time.Time
	proxies  map[string]*httputil.ReverseProxy
}

// New makes the owner of node (its id) over svc, holding the lease on
// leases; url tells the base URL other nodes reach this one at.
func New(svc *sensing.Service, leases *jobs.Runner, node string, url func() string, now func() time.Time, log *slog.Logger) *Owner {
	return &Owner{svc: svc, leases: leases, node: node, url: url, now: now, log: log, Every: 2 * time.Second,
		proxies: map[string]*httputil.ReverseProxy{}}
}

// Self is this node's lease holder name: its id and the URL other nodes
// reach it at. The URL is known once the node listens, so the lease is only
// taken from then on (Run, or a request, which cannot come earlier).
func (o *Owner) Self() string { return o.node + " " + o.url() }

// IsOwner reports whether this node holds the sensing state now.
func (o *Owner) IsOwner() bool { return o.owner.Load() }

// Run holds the sensing lease on the jobs runner (jobs.Runner.Hold, every
// o.Every): while this node holds it, own runs the owner's time-driven
// work. When ctx ends it hands over.
func (o *Owner) Run(ctx context.Context) error {
	return o.leases.Hold(ctx, jobs.Worker{Name: Lease, TTL: LeaseTTL, Every: o.Every, Holder: o.Self(), Run: o.own})
}

// own is the owner's work while Hold keeps the lease: it takes the state
// over (unless a request already made this node owner, see serve), runs
// the time-driven checks every o.Every and, every minute, the time-series
// maintenance. When ctx ends it steps down: with a handover when the node
// stops, without one when the lease was lost (another node may already
// hold the state).
func (o *Owner) own(ctx context.Context) error {
	o.mu.Lock()
	if !o.owner.Load() {
		if err := o.become(ctx); err != nil {
			o.mu.Unlock()
			return fmt.Errorf("sensing: could not take over: %w", err)
		}
	}
	o.renewed = o.now()
	o.mu.Unlock()
	o.forgetHolder()
	t := time.NewTicker(o.Every)
	defer t.Stop()
	var maintained time.Time
	for {
		if o.owner.Load() {
			if err := o.Tick(ctx); err != nil && ctx.Err() == nil {
				o.log.Warn("sensing tick", "err", err)
			}
			if time.Since(maintained) >= time.Minute {
				maintained = time.Now()
				if err := o.svc.Maintain(ctx); err != nil && ctx.Err() == nil {
					o.log.Warn("sensing downsample", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			o.mu.Lock()
			o.stepDown(!errors.Is(context.Cause(ctx), jobs.ErrLeaseLost))
			o.mu.Unlock()
			o.forgetHolder()
			return nil
		case <-t.C:
		}
	}
}

// Tick is the owner's periodic work: Detect (silent devices, overstayed
// berths, missed collections) starts episodes; Flush writes device status
// and camera tracks and reads how people judged AI cases.
func (o *Owner) Tick(ctx context.Context) error {
	o.work.RLock()
	defer o.work.RUnlock()
	if err := o.svc.Detect(ctx); err != nil {
		return err
	}
	return o.svc.Flush(ctx)
}

// Worker opens and resolves the cases rule states call for, as soon as
// readings ask (and every second for retries), while this node is owner.
func (o *Owner) Worker(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if o.owner.Load() {
			o.work.RLock()
			err := o.svc.Work(ctx)
			o.work.RUnlock()
			if err != nil && ctx.Err() == nil {
				o.log.Warn("sensing worker", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-o.svc.Wake():
		case <-t.C:
		}
	}
}

// Step takes or renews the lease and becomes owner or steps down to match.
// Requests call it when nobody holds the lease (serve): a node that is not
// running (tests on the handler alone) or that has just started serves the
// sensing state without waiting for Hold's next try, which then finds the
// lease its own and carries on as owner.
func (o *Owner) Step(ctx context.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	ok, err := o.leases.TryHold(ctx, Lease, o.Self(), LeaseTTL)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return
		}
		o.log.Warn("sensing lease", "err", err)
		// Unsure whether it is still ours: give it up before it could
		// have run out, so two nodes never hold the state at once.
		if o.owner.Load() && now.Sub(o.renewed) > LeaseTTL-2*o.Every {
			o.stepDown(false)
		}
	case ok && o.owner.Load():
		o.renewed = now
	case ok:
		if err := o.become(ctx); err != nil {
			o.log.Error("sensing: could not take over", "err", err)
			_ = o.leases.Release(context.WithoutCancel(ctx), Lease, o.Self(), "")
			return
		}
		o.renewed = now
	case o.owner.Load():
		o.log.Warn("sensing: another node took the sensing lease; stepping down")
		o.stepDown(false)
	}
	o.forgetHolder()
}

// become loads the state the previous owner left and starts ingestion.
// o.mu is held.
func (o *Owner) become(ctx context.Context) error {
	o.work.Lock()
	err := o.svc.Load(ctx)
	o.work.Unlock()
	if err != nil {
		return fmt.Errorf("load sensing state: %w", err)
	}
	if o.Ingest != nil {
		subCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		o.stopSub, o.subDone = cancel, done
		go func() {
			defer close(done)
			if err := o.Ingest.Run(subCtx); err != nil && subCtx.Err() == nil {
				o.log.Error("mqtt ingestion stopped", "err", err)
			}
		}()
	}
	o.owner.Store(true)
	o.log.Info("sensing: this node holds the sensing service", "node", o.Self())
	return nil
}

// stepDown stops ingestion; on a clean stop it also writes out what only
// memory holds and releases the lease, so another node takes over at once.
// o.mu is held.
func (o *Owner) stepDown(clean bool) {
	if !o.owner.Load() {
		return
	}
	o.owner.Store(false)
	if o.stopSub != nil {
		o.stopSub()
		<-o.subDone
		o.stopSub, o.subDone = nil, nil
	}
	if !clean {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o.work.Lock()
	err := o.svc.Handover(ctx)
	o.work.Unlock()
	if err != nil {
		o.log.Warn("sensing: writing state at handover", "err", err)
	}
	if err := o.leases.Release(ctx, Lease, o.Self(), ""); err != nil {
		o.log.Warn("sensing: releasing the lease", "err", err)
	}
}

// Gate wraps a handler that reads the live sensing state: each route of
// the API under /api/v1/sensing (api.Server.SensingGate) and the web pages
// on sensors and parking.
func (o *Owner) Gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { o.serve(h, w, r) })
}

// serve runs inner here when this node is owner, takes the lease when
// nobody holds it, and passes the request to the owner otherwise.
func (o *Owner) serve(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	if o.owner.Load() {
		inner.ServeHTTP(w, r)
		return
	}
	if by := r.Header.Get(ForwardedHeader); by != "" {
		unavailable(w, r, "the sensing service is moving between nodes; try again in a few seconds")
		return
	}
	holder, held, err := o.currentHolder(r.Context())
	if err != nil {
		httpkit.WriteError(w, r, err)
		return
	}
	if !held || holder == o.Self() {
		o.Step(r.Context())
		if o.owner.Load() {
			inner.ServeHTTP(w, r)
			return
		}
		if holder, held, err = o.currentHolder(r.Context()); err != nil {
			httpkit.WriteError(w, r, err)
			return
		}
		if !held {
			unavailable(w, r, "no node holds the sensing service right now; try again in a few seconds")
			return
		}
	}
	p, err := o.proxy(holder)
	if err != nil {
		unavailable(w, r, err.Error())
		return
	}
	r.Header.Set(ForwardedHeader, o.node)
	p.ServeHTTP(w, r)
}

// unavailable answers 503 while no node can serve the sensing state: a
// problem document for API callers, and for people's browsers a page that
// says so and reloads itself.
func unavailable(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("Retry-After", "2")
	if strings.HasPrefix(r.URL.Path, "/api/") || !strings.Contains(r.Header.Get("Accept"), "text/html") {
		httpkit.WriteError(w, r, errs.E(errs.KindUnavailable, "%s", msg))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = movingPage.Execute(w, msg)
}

var movingPage = template.Must(template.New("moving").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3"><title>请稍候 · Please wait</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em">
<h1>智能感知服务正在切换节点，请稍候</h1>
<p>本页将在几秒后自动刷新。</p>
<p lang="en">The monitoring service is moving to another server; this page reloads in a few seconds.</p>
<p lang="en" style="color: #666">{{.}}</p>
</body></html>
`))

// currentHolder reads the lease holder, remembering it for a second.
func (o *Owner) currentHolder(ctx context.Context) (string, bool, error) {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	if time.Since(o.holderAt) < time.Second {
		return o.holder, o.held, nil
	}
	h, ok, err := o.leases.Holder(ctx, Lease)
	if err != nil {
		return "", false, err
	}
	o.holder, o.held, o.holderAt = h, ok, time.Now()
	return h, ok, nil
}

func (o *Owner) forgetHolder() {
	o.hmu.Lock()
	o.holderAt = time.Time{}
	o.hmu.Unlock()
}

// proxy returns the reverse proxy to the node named by a lease holder.
func (o *Owner) proxy(holder string) (*httputil.ReverseProxy, error) {
	_, base, _ := strings.Cut(holder, " ")
	target, err := url.Parse(base)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("the node holding the sensing service (%s) has no address other nodes can reach; set --advertise on it", holder)
	}
	o.hmu.Lock()
	defer o.hmu.Unlock()
	if p, ok := o.proxies[base]; ok {
		return p, nil
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			o.forgetHolder()
			if errors.Is(err, context.Canceled) {
				return
			}
			unavailable(w, r, fmt.Sprintf("the node holding the sensing service (%s) did not answer; try again in a few seconds", target.Host))
		},
	}
	o.proxies[base] = p
	return p, nil
}

// AdvertiseURL is the base URL other nodes reach a node at: advertise
// (--advertise) when set, or http:// and the address l listens on (the
// host name when it listens on every interface); "" before it listens.
func AdvertiseURL(advertise string, l net.Listener) string {
	if advertise != "" {
		return strings.TrimSuffix(advertise, "/")
	}
	if l == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}
