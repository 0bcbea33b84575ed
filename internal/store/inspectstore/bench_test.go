package inspectstore_test

import (
	"context"
	"testing"
)

// BenchmarkPlanLife writes a plan of 20,000 objects and 2,000 inspectors
// (the domain's upper sizes), commits it and draws 500 objects, on SQLite:
// the whole life of the largest plan, sealing included.
func BenchmarkPlanLife(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := service(b, mustOpen(b, sqliteDSN(b)), t0)
		in := input(20000, 2000, 500, 2)
		b.StartTimer()
		p, err := s.CreatePlan(ctx, leader, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Commit(ctx, leader, p.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Draw(ctx, leader, p.ID); err != nil {
			b.Fatal(err)
		}
	}
}
