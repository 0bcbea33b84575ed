package assess

import (
	"testing"

	"cityloop/internal/kpi"
)

// FuzzParse: a city's scheme file never panics the parser, and what it
// accepts can be planned and scored without a panic.
func FuzzParse(f *testing.F) {
	f.Add(schemesJSON)
	f.Add([]byte(`{"schemes":[]}`))
	f.Add([]byte(`{"schemes":[{"code":"x_table","name":{"zh":"甲","en":"A"},"items":[{"indicator":"closure_rate","weight":10,"threshold":90,"per_point":1}],"deductions":[{"name":{"zh":"乙","en":"B"},"is":"reworked,!closed","points":0.5,"max":3}],"double":["leader"],"grades":[{"letter":"A","min":0}],"levels":["supervisor","community"],"version":1,"effective":"2026-01-01"}]}`))
	book := kpi.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data, book)
		if err != nil {
			return
		}
		for i := range b.Schemes {
			s := &b.Schemes[i]
			p, err := NewPlan(s, book, s.effective)
			if err != nil {
				continue
			}
			p.Score(nil)
		}
	})
}
