package inspect

import "testing"

// BenchmarkRun draws 500 objects, 2 inspectors each, from a full list of
// 20,000 objects and 2,000 inspectors (the package's upper limits are
// these sizes): the draw and its verification stay well under a second.
func BenchmarkRun(b *testing.B) {
	p := testPlan(MaxObjects, 2000, 500, 2)
	seed := seedOf(3)
	for b.Loop() {
		if _, err := Run(p, seed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate checks a plan of the same size: feasibility counts per
// district, not per object and inspector.
func BenchmarkValidate(b *testing.B) {
	p := testPlan(MaxObjects, 2000, 500, 2)
	for b.Loop() {
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
