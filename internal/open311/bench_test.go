package open311_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/open311"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlstore"
)

// fixturePath is sqlstore's cached 1,000,000-case benchmark store (built by
// BenchmarkFindCasesStreetStatus in internal/store/sqlstore, reports from
// 2025-03-01 to 2026-03-01). When it is missing this benchmark builds a file
// of its own with the same shape (see buildFixture).
func fixturePath() string {
	if p := filepath.Join(os.TempDir(), "cityloop-bench-v2.db"); fileExists(p) {
		return p
	}
	return filepath.Join(os.TempDir(), "cityloop-open311-bench-v1.db")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// buildFixture writes 1,000,000 cases over the year before 2026-03-01 with
// sqlstore's BulkCreateCases. It duplicates the idea of sqlstore's fixture
// only as a fallback; an exported helper there would remove it.
func buildFixture(b *testing.B, path string) {
	ctx := context.Background()
	tmp := path + ".building"
	os.Remove(tmp)
	db, err := sqlstore.Open(ctx, "sqlite:"+tmp)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2026, 311))
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const total, chunk = 1_000_000, 50_000
	for done := 0; done < total; done += chunk {
		cases := make([]*casework.Case, chunk)
		for i := range cases {
			at := end.Add(-time.Duration(total-done-i) * 31 * time.Second)
			cat := catalog.Ref{Kind: catalog.Event, Code: fmt.Sprintf("%02d%02d", r.IntN(5)+1, r.IntN(6)+1)}
			st := casework.StatusClosed
			if r.IntN(10) < 3 {
				st = casework.StatusInDisposal
			}
			cases[i] = &casework.Case{ID: uuid.Must(uuid.NewV7()).String(), Status: st, Source: casework.SourceCitizen, Category: &cat,
				Description: "机动车乱停放，占用人行道", Address: "人民路 12 号", Point: geo.Point{Lng: 118.7 + r.Float64()*0.1, Lat: 32 + r.Float64()*0.1},
				Department: "enforcement", Photos: []string{}, AfterPhotos: []string{}, ReportedAt: at, UpdatedAt: at}
		}
		if err := db.BulkCreateCases(ctx, cases, nil); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGetRequests30Days measures GET /open311/v2/requests with a
// 30-day window over 1,000,000 cases: the query (the newest 1,000 of about
// 84,000 cases in the window) and the encoding, through the handler without
// the network. Windows move over the fixture's year.
//
//	go test ./internal/open311 -run '^$' -bench GetRequests -benchtime 200x
func BenchmarkGetRequests30Days(b *testing.B) {
	path := fixturePath()
	if !fileExists(path) {
		buildFixture(b, path)
	}
	env := hubtest.OpenDSN(b, context.Background(), "sqlite:"+path)
	if n, err := env.Store.CountCases(context.Background()); err != nil || n != 1_000_000 {
		b.Fatalf("fixture %s has %d cases (%v); delete it to rebuild", path, n, err)
	}
	s := &open311.Server{Cases: env.Cases, Dict: env.Cases.Dict, Atlas: env.Cases.Atlas, Store: env.Hub, CaseReader: env.Store, Accounts: env.Store,
		Bearer: func(*http.Request) (org.Actor, bool, error) { return org.Actor{}, false, nil },
		Now:    func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }, Loc: env.Cal.Location()}
	mux := http.NewServeMux()
	s.Routes(mux)
	first := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ name, ext, extra string }{
		{"json", "json", ""}, {"xml", "xml", ""}, {"json+status_open", "json", "&status=open"},
		{"json+service_code", "json", "&service_code=event:0501"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n := 0
			for i := 0; b.Loop(); i++ {
				from := first.Add(time.Duration(i%300) * 24 * time.Hour)
				q := "start_date=" + url.QueryEscape(from.Format(time.RFC3339)) + "&end_date=" + url.QueryEscape(from.Add(30*24*time.Hour).Format(time.RFC3339)) + tc.extra
				req := httptest.NewRequest("GET", "/open311/v2/requests."+tc.ext+"?"+q, nil)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
				n = rec.Body.Len()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(n)/1024, "KiB/resp")
		})
	}
}
