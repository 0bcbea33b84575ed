// Package metrics serves /metrics in the Prometheus text format with the
// official client library: HTTP requests and latency by route pattern and
// status, the cases (intake by source, open cases by stage and light), the
// jobs' runs and failures (the overdue sweep among them), the hub's backlog
// and dead letters, MQTT telemetry, store errors and the Go runtime.
//
// Request figures are labelled by the ServeMux pattern that served the
// request (r.Pattern, e.g. "GET /api/v1/cases/{id}"), never the raw path,
// so that the number of series stays that of the routing table whatever
// paths callers send. The case and hub figures are read at scrape time
// from counters the stores keep (case_tally, the subscriptions' cursors),
// never by reading the cases.
package metrics

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/worktime"
)

// Sources are what the scrape reads; a nil one is left out.
type Sources struct {
	Census  func(ctx context.Context, now time.Time) (casework.Census, error)
	Backlog func(ctx context.Context) (hubstore.Backlog, error)
	MQTT    func() sensing.IntakeCounters // nil without --mqtt-addr
	Now     func() time.Time
	Log     *slog.Logger
}

// Access says who may read /metrics on the node's own address.
type Access struct {
	// Token is the scraper's bearer token ("" = administrators only).
	Token string
	// Authenticate resolves a bearer token the way the API does.
	Authenticate func(r *http.Request) (org.Actor, bool, error)
}

// Metrics is one node's registry and its instruments.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	jobRuns  *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

// New builds the registry: the Go runtime and process collectors, the
// HTTP and job instruments fed by Instrument and ObserveJob, and the
// figures read from src at each scrape.
func New(src Sources) *Metrics {
	if src.Now == nil {
		src.Now = time.Now
	}
	if src.Log == nil {
		src.Log = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cityloop_http_request_duration_seconds",
		Help: "HTTP requests by route pattern (method and path template) and status, and how long they took.",
		// From 1 ms to 10 s: lists answer in milliseconds, exports and
		// bulletins take seconds.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "code"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cityloop_job_runs_total",
		Help: "Attempts of scheduled jobs this node finished (the overdue sweep is job overdue-sweep), by result (ok or failed).",
	}, []string{"job", "result"})
	m.jobTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cityloop_job_run_duration_seconds",
		Help:    "How long the attempts of scheduled jobs on this node took.",
		Buckets: []float64{.01, .1, .5, 1, 5, 15, 60, 300},
	}, []string{"job"})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.jobRuns, m.jobTime, &scrape{src: src})
	return m
}

// Instrument wraps the node's ServeMux: after the mux served a request,
// r.Pattern holds the pattern it matched ("" when none did, e.g. a 404 or
// 405 of the mux itself).
func (m *Metrics) Instrument(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, status := httpkit.Recorder(w)
		defer func() {
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := status()
			if code == 0 {
				code = http.StatusOK // nothing written: net/http answers 200
			}
			m.requests.WithLabelValues(route, strconv.Itoa(code)).Observe(time.Since(start).Seconds())
		}()
		mux.ServeHTTP(sw, r)
	})
}

// ObserveJob counts one finished attempt of a job (jobs.Runner.OnFinish).
func (m *Metrics) ObserveJob(job string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobTime.WithLabelValues(job).Observe(took.Seconds())
}

// Open serves the metrics to anyone: for the separate --metrics-addr
// listener, which the operator keeps on a private network.
func (m *Metrics) Open() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Guarded serves the metrics to the scraper's token or an administrator's
// bearer token: anonymous callers get 401, other tokens 403.
func (m *Metrics) Guarded(a Access) httpkit.HandlerFunc {
	open := m.Open()
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := a.allow(r); err != nil {
			return err
		}
		open.ServeHTTP(w, r)
		return nil
	}
}

func (a Access) allow(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return errs.Unauthenticated("读取监控指标需要管理员令牌或抓取令牌 / /metrics needs an administrator's bearer token or the scrape token (--metrics-token)")
	}
	if tok, err := auth.ParseBearer(h); err == nil && a.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.Token)) == 1 {
		return nil
	}
	if a.Authenticate == nil {
		return errs.Forbidden("此令牌不能读取监控指标 / this token may not read /metrics")
	}
	actor, ok, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("读取监控指标需要管理员令牌或抓取令牌 / /metrics needs an administrator's bearer token or the scrape token")
	}
	if _, admin := actor.Grant(org.PostAdmin); !admin {
		return errs.Forbidden("只有系统管理员或抓取令牌可读取监控指标 / only an administrator or the scrape token may read /metrics")
	}
	return nil
}

// scrape reads the stores' figures at each scrape.
type scrape struct{ src Sources }

var (
	descIntake      = prometheus.NewDesc("cityloop_intake_cases_total", "Cases taken in, by intake channel (source), from the store's running counts.", []string{"source"}, nil)
	descOpen        = prometheus.NewDesc("cityloop_cases_open", "Cases still in the loop, by stage (status).", []string{"stage"}, nil)
	descLight       = prometheus.NewDesc("cityloop_cases_light", "Cases with a running stage clock, by traffic light (green, yellow, red).", []string{"light"}, nil)
	descHubLag      = prometheus.NewDesc("cityloop_hub_lag_events", "Change-feed events the furthest-behind active hub subscription has still to receive.", nil, nil)
	descHubDead     = prometheus.NewDesc("cityloop_hub_dead_letters", "Hub delivery batches given up on and not replayed.", nil, nil)
	descMQTT        = prometheus.NewDesc("cityloop_mqtt_messages_total", "MQTT telemetry messages on this node's subscription, by what happened to them (received, invalid, stored, acked).", []string{"state"}, nil)
	descMQTTLag     = prometheus.NewDesc("cityloop_mqtt_backlog_messages", "MQTT messages received by this node and not yet stored and acknowledged.", nil, nil)
	descMQTTBatches = prometheus.NewDesc("cityloop_mqtt_store_batches_total", "Store transactions of MQTT telemetry, by result (ok, retried).", []string{"result"}, nil)
	descStoreErr    = prometheus.NewDesc("cityloop_store_errors_total", "Database errors the stores of this process met, by kind (conflict, unavailable, internal).", []string{"kind"}, nil)
	descScrapeErr   = prometheus.NewDesc("cityloop_metrics_read_errors", "Figures this scrape could not read (see the node's log), by part.", []string{"part"}, nil)
)

func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descIntake, descOpen, descLight, descHubLag, descHubDead, descMQTT, descMQTTLag, descMQTTBatches, descStoreErr, descScrapeErr} {
		ch <- d
	}
}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := map[string]float64{"cases": 0, "hub": 0}
	if s.src.Census != nil {
		c, err := s.src.Census(ctx, s.src.Now())
		if err != nil {
			s.src.Log.Error("metrics: read the case census", "err", err)
			failed["cases"] = 1
		} else {
			for src, n := range c.BySource {
				ch <- prometheus.MustNewConstMetric(descIntake, prometheus.CounterValue, float64(n), string(src))
			}
			for _, st := range casework.OpenStatuses {
				ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(c.Open[st]), string(st))
			}
			for _, l := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
				ch <- prometheus.MustNewConstMetric(descLight, prometheus.GaugeValue, float64(c.Lights[l]), string(l))
			}
		}
	}
	if s.src.Backlog != nil {
		b, err := s.src.Backlog(ctx)
		if err != nil {
			s.src.Log.Error("metrics: read the hub's backlog", "err", err)
			failed["hub"] = 1
		} else {
			ch <- prometheus.MustNewConstMetric(descHubLag, prometheus.GaugeValue, float64(b.Lag))
			ch <- prometheus.MustNewConstMetric(descHubDead, prometheus.GaugeValue, float64(b.DeadLetters))
		}
	}
	if s.src.MQTT != nil {
		c := s.src.MQTT()
		for state, n := range map[string]int64{"received": c.Received, "invalid": c.Invalid, "stored": c.Stored, "acked": c.Acked} {
			ch <- prometheus.MustNewConstMetric(descMQTT, prometheus.CounterValue, float64(n), state)
		}
		ch <- prometheus.MustNewConstMetric(descMQTTLag, prometheus.GaugeValue, float64(max(0, c.Received-c.Invalid-c.Acked)))
		ch <- prometheus.MustNewConstMetric(descMQTTBatches, prometheus.CounterValue, float64(c.Batches), "ok")
		ch <- prometheus.MustNewConstMetric(descMQTTBatches, prometheus.CounterValue, float64(c.Retries), "retried")
	}
	for kind, n := range sqlkit.ErrorCounts() {
		ch <- prometheus.MustNewConstMetric(descStoreErr, prometheus.CounterValue, float64(n), kind)
	}
	for part, v := range failed {
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, v, part)
	}
}
