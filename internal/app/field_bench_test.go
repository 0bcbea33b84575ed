package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/web"
)

// BenchmarkWeb_FieldDemoCity times, on the demo city (100,000 cases), the
// pages a field post and a citizen open on a phone: the field app's task
// list for the handler and the supervisor, the phone case page of the
// handler's first task, and the tracking page of a closed case with its
// outcome. The floor is a bare net/http handler writing a page of the same
// size, timed in the same run; the table gives p50 and p95 in ms and the
// ratio of each p50 to the floor's.
//
//	go test -run '^$' -bench Web_FieldDemoCity -benchtime 1x -timeout 30m ./internal/app/
func BenchmarkWeb_FieldDemoCity(b *testing.B) {
	a := demoApp(b)
	base := serve(b, a)
	ctx := context.Background()
	repeat := benchEnvInt("CITYLOOP_BENCH_REPEAT", 30)

	handler, supervisor := newBrowserClient(b, base), newBrowserClient(b, base)
	for user, bc := range map[string]*browserClient{"handler": handler, "supervisor": supervisor} {
		if res := bc.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign in %s: %d", user, res.StatusCode)
		}
	}
	res, err := handler.http.Get(base + "/field/tasks")
	if err != nil {
		b.Fatal(err)
	}
	var tasks struct{ Items []struct{ ID string } }
	err = json.NewDecoder(res.Body).Decode(&tasks)
	res.Body.Close()
	if err != nil || len(tasks.Items) == 0 {
		b.Fatalf("the handler's tasks: %v, %d", err, len(tasks.Items))
	}
	closed, _, err := a.Store.FindCases(ctx, casework.Filter{Statuses: []casework.Status{casework.StatusClosed}, Now: a.Now(), Limit: 1})
	if err != nil || len(closed) == 0 {
		b.Fatalf("a closed case: %v", err)
	}
	secret, err := web.LoadSecret(filepath.Join(a.Cfg.DataDir, "web.secret"))
	if err != nil {
		b.Fatal(err)
	}
	anon := newBrowserClient(b, base)
	pages := []struct {
		name string
		bc   *browserClient
		path string
	}{
		{"GET /field (handler)", handler, "/field"},
		{"GET /field (supervisor)", supervisor, "/field"},
		{"GET /field/cases/{id} (handler)", handler, "/field/cases/" + tasks.Items[0].ID},
		{"GET /citizen/track (closed, key)", anon, "/citizen/track?code=" + closed[0].Code + "&key=" + web.TrackingKey(secret, closed[0].ID)},
	}
	_, sample, _ := handler.get("/field")
	page := []byte(sample)
	floorSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	defer floorSrv.Close()
	floorClient := newBrowserClient(b, floorSrv.URL)

	for b.Loop() {
		floor := &timing{name: fmt.Sprintf("floor: bare net/http, %d B page", len(page))}
		rows := make([]*timing, len(pages))
		for i, p := range pages {
			rows[i] = &timing{name: p.name}
		}
		for range repeat {
			start := time.Now()
			if st, _, _ := floorClient.get("/"); st != 200 {
				b.Fatalf("floor: %d", st)
			}
			floor.lats = append(floor.lats, time.Since(start))
			for i, p := range pages {
				start := time.Now()
				st, body, _ := p.bc.get(p.path)
				rows[i].lats = append(rows[i].lats, time.Since(start))
				rows[i].total = len(body)
				if st != 200 {
					b.Fatalf("%s: %d", p.name, st)
				}
			}
		}
		var out strings.Builder
		fmt.Fprintf(&out, "\n%-40s %8s %8s %9s %8s\n", "page (demo city)", "p50 ms", "p95 ms", "bytes", "×floor")
		f50 := floor.pct(0.5)
		fmt.Fprintf(&out, "%-40s %8.2f %8.2f %9d %8s\n", floor.name, f50, floor.pct(0.95), len(page), "1.0")
		for _, r := range rows {
			fmt.Fprintf(&out, "%-40s %8.2f %8.2f %9d %8.1f\n", r.name, r.pct(0.5), r.pct(0.95), r.total, r.pct(0.5)/max(f50, 0.001))
		}
		b.Log(out.String())
	}
}
