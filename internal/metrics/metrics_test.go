package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/worktime"
)

const scrapeToken = "0123456789abcdef0123456789abcdef"

type hub struct{ err error }

func (h hub) Backlog(context.Context) (hubstore.Backlog, error) {
	return hubstore.Backlog{Lag: 7, DeadLetters: 2}, h.err
}

func census(context.Context, time.Time) (casework.Census, error) {
	return casework.Census{
		Open:     map[casework.Status]int64{casework.StatusPendingAccept: 3, casework.StatusDispatched: 5},
		Lights:   map[worktime.Light]int64{worktime.Red: 1, worktime.Green: 6},
		BySource: map[casework.Source]int64{casework.SourcePatrol: 10, casework.SourceCitizen: 4},
	}, nil
}

// authenticate knows two tokens: an administrator's and an operator's.
func authenticate(r *http.Request) (org.Actor, bool, error) {
	switch r.Header.Get("Authorization") {
	case "Bearer admin-token":
		return org.Actor{ID: "a", Grants: []org.Grant{{Post: org.PostAdmin}}}, true, nil
	case "Bearer operator-token":
		return org.Actor{ID: "o", Grants: []org.Grant{{Post: org.PostOperator}}}, true, nil
	case "":
		return org.Actor{}, false, nil
	}
	return org.Actor{}, false, errs.Unauthenticated("unknown token") // as the API answers
}

func parse(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	return fams
}

func value(f *dto.MetricFamily, label, want string) float64 {
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if label == "" || (l.GetName() == label && l.GetValue() == want) {
				return m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
		if label == "" {
			return m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return -1
}

func TestGuarded_Access(t *testing.T) {
	w := Wire(Parts{Census: census, Authenticate: authenticate, Token: scrapeToken})
	h := httpkit.Handle(w.Handler)
	for _, tc := range []struct {
		name, header string
		want         int
	}{
		{"anonymous", "", 401},
		{"the scrape token", "Bearer " + scrapeToken, 200},
		{"an administrator", "Bearer admin-token", 200},
		{"an operator", "Bearer operator-token", 403},
		{"a near miss of the scrape token", "Bearer " + scrapeToken[:31] + "0", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}
}

// TestScrape: every figure of the sources comes out, parseable, with the
// request histogram labelled by pattern and the jobs' results counted.
func TestScrape(t *testing.T) {
	mqtt := func() sensing.IntakeCounters {
		return sensing.IntakeCounters{Received: 100, Invalid: 3, Stored: 90, Acked: 90, Batches: 12, Retries: 1}
	}
	w := Wire(Parts{Census: census, Hub: hub{}, MQTT: mqtt, Authenticate: authenticate})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/cases/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) })
	srv := w.Instrument(mux)
	for _, p := range []string{"/api/v1/cases/a", "/api/v1/cases/b", "/nowhere"} {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	w.ObserveJob("overdue-sweep", 20*time.Millisecond, nil)
	w.ObserveJob("overdue-sweep", time.Second, errors.New("boom"))

	rec := httptest.NewRecorder()
	w.Open().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	fams := parse(t, rec.Body.String())
	for _, tc := range []struct {
		fam, label, value string
		want              float64
	}{
		{"cityloop_intake_cases_total", "source", "patrol", 10},
		{"cityloop_cases_open", "stage", "dispatched", 5},
		{"cityloop_cases_open", "stage", "in_disposal", 0},
		{"cityloop_cases_light", "light", "red", 1},
		{"cityloop_cases_light", "light", "yellow", 0},
		{"cityloop_hub_lag_events", "", "", 7},
		{"cityloop_hub_dead_letters", "", "", 2},
		{"cityloop_mqtt_messages_total", "state", "invalid", 3},
		{"cityloop_mqtt_backlog_messages", "", "", 7},
		{"cityloop_job_runs_total", "result", "failed", 1},
		{"cityloop_job_runs_total", "result", "ok", 1},
		{"cityloop_metrics_read_errors", "part", "hub", 0},
	} {
		f := fams[tc.fam]
		if f == nil {
			t.Errorf("no %s", tc.fam)
			continue
		}
		if got := value(f, tc.label, tc.value); got != tc.want {
			t.Errorf("%s{%s=%q} = %v, want %v", tc.fam, tc.label, tc.value, got, tc.want)
		}
	}
	h := fams["cityloop_http_request_duration_seconds"]
	counts := map[string]uint64{}
	for _, m := range h.GetMetric() {
		var route, code string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "route":
				route = l.GetValue()
			case "code":
				code = l.GetValue()
			}
		}
		counts[route+" "+code] = m.GetHistogram().GetSampleCount()
	}
	if counts["GET /api/v1/cases/{id} 404"] != 2 || counts["unmatched 404"] != 1 || len(counts) != 2 {
		t.Errorf("requests by route and code: %v", counts)
	}
	if fams["go_goroutines"] == nil {
		t.Error("no Go runtime figures")
	}
}

// TestScrape_SourceFails: a store that cannot be read costs its figures,
// not the scrape; the failure is itself a figure.
func TestScrape_SourceFails(t *testing.T) {
	w := Wire(Parts{Hub: hub{err: errors.New("database is locked")}})
	rec := httptest.NewRecorder()
	w.Open().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	fams := parse(t, rec.Body.String())
	if fams["cityloop_hub_lag_events"] != nil {
		t.Error("hub lag reported although it could not be read")
	}
	if v := value(fams["cityloop_metrics_read_errors"], "part", "hub"); v != 1 {
		t.Errorf("read errors of the hub = %v, want 1", v)
	}
}
