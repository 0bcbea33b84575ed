package bulletin

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRender times each rendering of a small city's month (the
// counting is the store's, measured in package app).
//
//	go test -run '^$' -bench Render ./internal/bulletin/
func BenchmarkRender(b *testing.B) {
	s, _ := testService(b)
	r, err := s.Build(context.Background(), Month, time.Date(2026, 1, 15, 0, 0, 0, 0, s.Loc), "3201")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("html", func(b *testing.B) {
		for b.Loop() {
			if _, err := RenderHTML(r, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if _, err := RenderPDF(r, s.Font); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xlsx", func(b *testing.B) {
		for b.Loop() {
			if _, err := RenderXLSX(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
