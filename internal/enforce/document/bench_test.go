package document

import "testing"

// BenchmarkRenderDecision renders one 行政处罚决定书 of two pages; the issue
// asks for one PDF in at most 200 ms. Run:
//
//	go test -run '^$' -bench RenderDecision -benchmem ./internal/enforce/document/
func BenchmarkRenderDecision(b *testing.B) {
	r := mustRenderer(b, Options{})
	c := SampleCase()
	num := Number{Prefix: "某城管罚决字", Year: 2026, Seq: 1}
	var size int
	for b.Loop() {
		pdf, err := r.Render(PenaltyDecision, num, c)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
