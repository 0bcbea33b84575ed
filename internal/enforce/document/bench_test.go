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
// sample case and prints a table: milliseconds and bytes per PDF, against
// the floor, the cheapest document of the run (the fixed cost of a PDF
// with its embedded font subset), with the ratio. The loop itself
// renders the 行政处罚决定书, the longest; the target is ≤ 200 ms a PDF:
//
//	go test ./internal/enforce/document/ -run '^$' -bench '^BenchmarkDocument$' -benchmem
func BenchmarkDocument(b *testing.B) {
	r := mustRenderer(b, Options{})
	c := SampleCase()
	render := func(code Code) ([]byte, error) {
		return r.Render(code, Number{Prefix: "某城管" + mustEntry(b, code).Word, Year: 2026, Seq: 1}, c)
	}
	for b.Loop() {
		if _, err := render(PenaltyDecision); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/pdf")
	type row struct {
		code  Code
		ms    float64
		bytes int
	}
	var rows []row
	floor := 0.0
	for _, e := range Catalog() {
		var size int
		res := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				pdf, err := render(e.Code)
				if err != nil {
					b.Fatal(err)
				}
				size = len(pdf)
			}
		})
		ms := float64(res.T.Microseconds()) / float64(res.N) / 1000
		if floor == 0 || ms < floor {
			floor = ms
		}
		rows = append(rows, row{e.Code, ms, size})
	}
	fmt.Printf("\n%-22s %10s %10s %8s   (target ≤ 200 ms a PDF)\n", "document", "ms/pdf", "bytes", "× floor")
	for _, r := range rows {
		fmt.Printf("%-22s %10.1f %10d %8.2f\n", r.code, r.ms, r.bytes, r.ms/floor)
	}
	fmt.Printf("%-22s %10.1f\n", "floor (cheapest)", floor)
}

func mustEntry(tb testing.TB, code Code) Entry {
	e, ok := Lookup(code)
	if !ok {
		tb.Fatalf("no entry %s", code)
	}
	return e
}
