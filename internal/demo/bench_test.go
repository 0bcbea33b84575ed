package demo

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

// countSink discards what it is given, counting it.
type countSink struct{ cases, events int }

func (s *countSink) ApplyImport(context.Context, org.ImportPlan, time.Time) error { return nil }
func (s *countSink) CreateAccount(context.Context, *org.Account) error            { return nil }
func (s *countSink) PutPhoto(context.Context, []byte) (string, error)             { return "photo", nil }
func (s *countSink) BulkCreateCases(_ context.Context, cs []*casework.Case, evs [][]casework.Event) error {
	s.cases += len(cs)
	for _, e := range evs {
		s.events += len(e)
	}
	return nil
}

// BenchmarkGenerate measures Generate into a sink that discards, in cases
// per second; the atlas is built once outside the loop.
func BenchmarkGenerate(b *testing.B) {
	dict, cal := mustEnv(b)
	atlas, err := org.NewAtlas(Regions(1, testNow))
	if err != nil {
		b.Fatal(err)
	}
	svc := &casework.Service{Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict }, Cal: cal}
	const n = 50_000
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(context.Background(), &countSink{}, svc, Options{Seed: 1, Cases: n, Now: testNow, PasswordHash: "x"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
}
