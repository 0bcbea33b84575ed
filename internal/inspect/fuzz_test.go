package inspect

import (
	"bytes"
	"testing"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

func testCalendar(t *testing.T) *worktime.Calendar {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// FuzzParsePlan: the plan parser never panics and never answers an
// internal error; a plan it accepts has a canonical document that reads
// back to the same hash and draws without error.
func FuzzParsePlan(f *testing.F) {
	seeds := []string{
		`{"name":"抽查","period":"2026Q3","count":1,"per_object":2,"objects":[{"id":"o1","name":"商铺","kind":"shop","district":"玄武区"}],` +
			`"inspectors":[{"id":"a","name":"甲","certificate":"1"},{"id":"b","name":"乙","certificate":"2","excluded_districts":["鼓楼区"]}]}`,
		`{"name":"x","period":"p","district":"d","count":2,"per_object":2,"result_days":5,` +
			`"objects":[{"id":"o2","name":"n","kind":"vendor","district":"d","contact":"张三","phone":"13812345678"},{"id":"o1","name":"n","kind":"site","district":"d"}],` +
			`"inspectors":[{"id":"b","name":"乙","certificate":"2","district":"d"},{"id":"a","name":"甲","certificate":"1"},{"id":"c","name":"丙","certificate":"3"}],` +
			`"conflicts":[{"inspector":"c","object":"o1","reason":"亲属"}]}`,
		`{"name":"x","period":"p","count":1,"per_object":1,"objects":[],"inspectors":[]}`,
		`{"name":"x","unknown":1}`,
		`[]`, `{}`, `{"count":"1"}`, `{"objects":[{"id":"a b"}]}`, "{\"name\":\"\x00\"}",
		`{"name":"x","period":"p","count":1,"per_object":2,"objects":[{"id":"o1","name":"n","kind":"shop","district":"d"}],"inspectors":[{"id":"a","name":"甲","certificate":"1"},{"id":"a","name":"甲","certificate":"1"}]} {}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParsePlan(b)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid && errs.KindOf(err) != errs.KindUnprocessable {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		p := &Plan{ID: "fuzz", PlanInput: *in}
		doc := p.Canonical()
		if !bytes.Equal(doc, p.Canonical()) {
			t.Fatal("the canonical document is not stable")
		}
		q, err := PlanFromCanonical(doc)
		if err != nil {
			t.Fatalf("the canonical document does not read back: %v", err)
		}
		if q.Hash() != p.Hash() {
			t.Fatalf("round trip changed the hash:\n%s\n%s", doc, q.Canonical())
		}
		if _, err := Run(p, make([]byte, SeedSize)); err != nil {
			t.Fatalf("an accepted plan does not draw: %v", err)
		}
	})
}
