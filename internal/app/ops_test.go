package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// waitReady polls /readyz until the node is ready (the jobs runner makes
// its first pass as Run starts).
func waitReady(t testing.TB, base string) map[string]any {
	t.Helper()
	var h map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		h = nil
		res, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		st := res.StatusCode
		err = json.NewDecoder(res.Body).Decode(&h)
		res.Body.Close()
		if st == 200 && err == nil {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz never ready: %d %v", st, h)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrape reads /metrics with token and parses the text format.
func scrape(t *testing.T, base, token string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return 200, fams
}

// TestOps_ReadyzAndMetrics: a running node is ready with every check named;
// /metrics lets in only an administrator, and labels requests by the route
// pattern, never the path sent.
func TestOps_ReadyzAndMetrics(t *testing.T) {
	a := testApp(t, "")
	base := serveRun(t, a)
	h := waitReady(t, base)
	checks, _ := h["checks"].(map[string]any)
	for _, name := range []string{"database_write", "migrations", "jobs"} {
		if checks[name] != "ok" {
			t.Errorf("readyz check %s = %v, want ok (%v)", name, checks[name], h)
		}
	}
	op := login(t, base, "operator")
	admin := login(t, base, "admin")
	op.do("GET", "/api/v1/cases/no-such-case-4711", nil, nil)
	report := map[string]any{"category": "event:0504", "description": "店外经营占道", "lng": 118.71, "lat": 32.01}
	if st := login(t, base, "supervisor").do("POST", "/api/v1/cases", report, nil); st != 201 {
		t.Fatalf("report: %d", st)
	}

	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"anonymous", "", 401},
		{"an operator", op.token, 403},
		{"a bad token", "nonsense", 401},
		{"an administrator", admin.token, 200},
	} {
		if st, _ := scrape(t, base, tc.token); st != tc.want {
			t.Errorf("%s reads /metrics: %d, want %d", tc.name, st, tc.want)
		}
	}
	_, fams := scrape(t, base, admin.token)
	reqs := fams["cityloop_http_request_duration_seconds"]
	if reqs == nil {
		t.Fatal("no request histogram")
	}
	routes := map[string]bool{}
	for _, m := range reqs.Metric {
		for _, l := range m.Label {
			if l.GetName() == "route" {
				routes[l.GetValue()] = true
				if strings.Contains(l.GetValue(), "4711") {
					t.Errorf("route label %q holds the raw path", l.GetValue())
				}
			}
		}
	}
	for _, want := range []string{"GET /api/v1/cases/{id}", "POST /api/v1/cases", "GET /readyz"} {
		if !routes[want] {
			t.Errorf("no requests labelled %q in %v", want, routes)
		}
	}
	for _, name := range []string{"cityloop_intake_cases_total", "cityloop_cases_open", "cityloop_cases_light",
		"cityloop_hub_lag_events", "cityloop_hub_dead_letters", "go_goroutines"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if v := gauge(fams, "cityloop_intake_cases_total", "source", "patrol"); v < 1 {
		t.Errorf("intake by source patrol = %v, want at least the case just reported", v)
	}
	if v := gauge(fams, "cityloop_cases_open", "stage", "pending_accept"); v < 1 {
		t.Errorf("open cases pending_accept = %v, want at least 1", v)
	}
}

// gauge is the value of the series of fam with label name=value.
func gauge(fams map[string]*dto.MetricFamily, fam, name, value string) float64 {
	f := fams[fam]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == name && l.GetValue() == value {
				switch {
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Counter != nil:
					return m.Counter.GetValue()
				}
			}
		}
	}
	return -1
}
