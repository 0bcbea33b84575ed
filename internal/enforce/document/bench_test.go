package document

import (
	"fmt"
	"testing"
)

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

// BenchmarkDocument renders every document of the catalogue from the
// sample case, one sub-benchmark each, and prints a table: milliseconds and
// bytes per PDF against the floor, the cheapest document of the run (the
// fixed cost of a PDF with its embedded font subset), with the ratio. The
// target is ≤ 200 ms a PDF:
//
//	go test ./internal/enforce/document/ -run '^$' -bench '^BenchmarkDocument$' -benchmem
func BenchmarkDocument(b *testing.B) {
	r := mustRenderer(b, Options{})
	c := SampleCase()
	type row struct {
		code  Code
		ms    float64
		bytes int
	}
	var rows []row
	for _, e := range Catalog() {
		num := Number{Prefix: "某城管" + e.Word, Year: 2026, Seq: 1}
		b.Run(string(e.Code), func(b *testing.B) {
			var size int
			for b.Loop() {
				pdf, err := r.Render(e.Code, num, c)
				if err != nil {
					b.Fatal(err)
				}
				size = len(pdf)
			}
			ms := float64(b.Elapsed().Microseconds()) / float64(b.N) / 1000
			b.ReportMetric(ms, "ms/pdf")
			b.ReportMetric(float64(size), "bytes/pdf")
			rows = append(rows, row{e.Code, ms, size})
		})
	}
	if len(rows) == 0 {
		return
	}
	floor := rows[0].ms
	for _, r := range rows {
		floor = min(floor, r.ms)
	}
	fmt.Printf("\n%-22s %10s %10s %8s   (target ≤ 200 ms a PDF)\n", "document", "ms/pdf", "bytes", "× floor")
	for _, r := range rows {
		fmt.Printf("%-22s %10.1f %10d %8.2f\n", r.code, r.ms, r.bytes, r.ms/floor)
	}
	fmt.Printf("%-22s %10.1f\n", "floor (cheapest)", floor)
}
