package evidence_test

import (
	"testing"

	"cityloop/internal/evidence"
)

// BenchmarkVerify: checking a case's chain of 10,000 custody entries.
func BenchmarkVerify(b *testing.B) {
	c := chainOf(10_000)
	b.ResetTimer()
	for b.Loop() {
		if err := evidence.Verify(c); err != nil {
			b.Fatal(err)
		}
	}
}
