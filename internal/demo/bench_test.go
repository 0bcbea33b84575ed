package demo

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/casework"
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

// BenchmarkGenerate measures the simulation alone (no store), in cases per
// second, with the 20,160-grid city built once per iteration.
func BenchmarkGenerate(b *testing.B) {
	dict, cal := mustEnv(b)
	const n = 20_000
	b.ReportAllocs()
	for b.Loop() {
		s := &countSink{}
		if _, err := Build(context.Background(), s, dict, cal, Options{Seed: 1, Cases: n, Now: testNow, PasswordHash: "x"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
}
