package hotline_test

import (
	"testing"

	"cityloop/internal/hotline"
)

// FuzzParseOrders feeds arbitrary bodies to the work-order parser: no
// panics, and every accepted order is valid.
func FuzzParseOrders(f *testing.F) {
	for _, s := range []string{
		`{"order_no":"GD20260302001","title":"占道经营","content":"早市占道","lng":118.72,"lat":32.03,"received_at":"2026-03-02T08:00:00+08:00"}`,
		`{"orders":[{"order_no":"A1","content":"x","lng":1,"lat":2}],"next_cursor":"c1"}`,
		`{"orders":[]}`, `{"order_no":"bad no","content":"x","lng":1,"lat":2}`, `[]`, `null`, `{"order_no":"A","lng":1e999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := hotline.ParseOrders(body)
		if err != nil {
			return
		}
		if len(b.Orders) > hotline.MaxBatch {
			t.Fatal("too many orders")
		}
		seen := map[string]bool{}
		for _, o := range b.Orders {
			if o.OrderNo == "" || len(o.OrderNo) > 64 || seen[o.OrderNo] {
				t.Fatalf("bad order number %q", o.OrderNo)
			}
			seen[o.OrderNo] = true
			if o.Lng == nil || o.Lat == nil || o.Title+o.Content == "" {
				t.Fatalf("accepted incomplete order %+v", o)
			}
			if o.Description() == "" {
				t.Fatal("empty description")
			}
		}
	})
}
