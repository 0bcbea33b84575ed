package storetest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/caseindex"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
)

// nearbyView is what a duplicate or recurrence search reads of a case; the
// index must return exactly the store's cases, in the store's order, with
// these fields equal.
type nearbyView struct {
	ID, Code, Status, Category              string
	Lng, Lat                                float64
	Grid, Community, Street, District, Dept string
	Reported                                int64
	Closed                                  int64
	Version                                 int
}

func nearbyViews(list []*casework.Case) []nearbyView {
	out := make([]nearbyView, len(list))
	for i, c := range list {
		v := nearbyView{ID: c.ID, Code: c.Code, Status: string(c.Status), Lng: c.Point.Lng, Lat: c.Point.Lat,
			Grid: c.Grid, Community: c.Community, Street: c.Street, District: c.District, Dept: c.Department,
			Reported: c.ReportedAt.UnixMicro(), Closed: -1, Version: c.Version}
		if c.Category != nil {
			v.Category = c.Category.String()
		}
		if c.ClosedAt != nil {
			v.Closed = c.ClosedAt.UnixMicro()
		}
		out[i] = v
	}
	return out
}

// testNearbyIndex fills the store with random cases (clustered points,
// points on cell edges, shared report times, every status, a few without
// category or closing time), builds the in-memory index from it, goes on
// writing through CreateCase and UpdateCase while telling the index (and
// telling it stale states too), and asks both the store and the index the
// same random duplicate and recurrence questions: the answers must be the
// same cases in the same order.
func testNearbyIndex(t *testing.T, s Store) {
	ctx := context.Background()
	now := t0.UTC()
	rng := rand.New(rand.NewPCG(14, uint64(len(t.Name()))))
	cats := []catalog.Ref{catParking, catManhole, catOther, {Kind: catalog.Event, Code: "0201"}}
	statuses := []casework.Status{casework.StatusPendingAccept, casework.StatusPendingVerify, casework.StatusPendingFile,
		casework.StatusPendingDispatch, casework.StatusDispatched, casework.StatusInDisposal, casework.StatusReturned,
		casework.StatusSuspended, casework.StatusPendingCheck, casework.StatusPendingClose, casework.StatusClosed,
		casework.StatusClosed, casework.StatusClosed, casework.StatusRejected, casework.StatusVoided, casework.StatusMerged}
	centers := make([]geo.Point, 6)
	for i := range centers {
		centers[i] = geo.Point{Lng: 120.10 + rng.Float64()*0.03, Lat: 30.90 + rng.Float64()*0.03}
	}
	var all []*casework.Case
	var times []time.Time
	randomCase := func() *casework.Case {
		c := newCase(now)
		switch r := rng.IntN(20); {
		case r == 0 && len(all) > 0: // the very same place as an earlier case
			c.Point = all[rng.IntN(len(all))].Point
		case r == 1: // on a cell edge of the index
			c.Point = geo.Point{Lng: math.Round(centers[0].Lng/0.002) * 0.002, Lat: centers[0].Lat + rng.NormFloat64()*0.0005}
		default:
			sd := []float64{0.0001, 0.0004, 0.0015}[rng.IntN(3)]
			ctr := centers[rng.IntN(len(centers))]
			c.Point = geo.Point{Lng: ctr.Lng + rng.NormFloat64()*sd, Lat: ctr.Lat + rng.NormFloat64()*sd}
		}
		c.Category = ptr(cats[rng.IntN(len(cats))])
		if rng.IntN(20) == 0 {
			c.Category = nil
		}
		c.Status = statuses[rng.IntN(len(statuses))]
		c.ReportedAt = now.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))).Truncate(time.Microsecond)
		if rng.IntN(15) == 0 && len(times) > 0 { // the same microsecond as another: the id decides the order
			c.ReportedAt = times[rng.IntN(len(times))]
		}
		times = append(times, c.ReportedAt)
		c.ClosedAt = nil
		if c.Status == casework.StatusClosed && rng.IntN(25) != 0 {
			c.ClosedAt = ptr(c.ReportedAt.Add(time.Duration(rng.Int64N(int64(now.Sub(c.ReportedAt)) + 1))).Truncate(time.Microsecond))
		}
		c.Grid = []string{"g1", "g2", "g3"}[rng.IntN(3)]
		c.Department = []string{"dept-a", "dept-b", ""}[rng.IntN(3)]
		return c
	}

	// 1. A store with history; the index is built from it.
	var bulk []*casework.Case
	var bulkEvents [][]casework.Event
	for range 700 {
		c := randomCase()
		bulk, bulkEvents = append(bulk, c), append(bulkEvents, newEvents(c, 1))
	}
	if err := s.BulkCreateCases(ctx, bulk, bulkEvents); err != nil {
		t.Fatalf("BulkCreateCases: %v", err)
	}
	all = append(all, bulk...)
	ix := caseindex.New(s, func() time.Time { return now }, 0)
	if err := ix.Build(ctx); err != nil {
		t.Fatalf("Build: %v", err)
	}

	// 2. This node goes on writing, and tells the index; some news
	// arrives late (an older state after a newer one) and must not win.
	for range 250 {
		c := randomCase()
		mustCreate(t, s, c, 1)
		ix.Stored(c)
		all = append(all, c)
	}
	for range 250 {
		c, err := s.FindCaseByID(ctx, all[rng.IntN(len(all))].ID)
		if err != nil {
			t.Fatal(err)
		}
		old := *c
		c.Status = statuses[rng.IntN(len(statuses))]
		c.ClosedAt = nil
		if c.Status == casework.StatusClosed {
			c.ClosedAt = ptr(now.Add(-time.Duration(rng.Int64N(int64(40 * 24 * time.Hour)))).Truncate(time.Microsecond))
		}
		if err := s.UpdateCase(ctx, c, c.Version, nil); err != nil {
			t.Fatalf("UpdateCase: %v", err)
		}
		ix.Stored(c)
		if rng.IntN(4) == 0 {
			ix.Stored(&old) // a stale re-read from the change feed
		}
	}

	probe := func(t *testing.T, ix *caseindex.Index, n int) {
		t.Helper()
		found, cut := 0, 0
		defer func() {
			// The questions must be ones with answers, several cut by the limit.
			if !t.Failed() && (found < n/3 || cut < n/20) {
				t.Errorf("only %d of %d probes found cases and %d were cut by the limit; the test data no longer tests much", found, n, cut)
			}
		}()
		for i := range n {
			var p geo.Point
			if rng.IntN(10) < 7 {
				p = all[rng.IntN(len(all))].Point
				if rng.IntN(2) == 0 {
					p.Lng += rng.NormFloat64() * 0.0003
					p.Lat += rng.NormFloat64() * 0.0003
				}
			} else {
				p = geo.Point{Lng: 120.09 + rng.Float64()*0.05, Lat: 30.89 + rng.Float64()*0.05}
			}
			radius := []float64{10, 50, 50, 120, 400, 3000}[rng.IntN(6)]
			dLat := radius / 111_320
			dLng := radius / (111_320 * math.Cos(p.Lat*math.Pi/180))
			q := casework.NearbyQuery{Category: cats[rng.IntN(len(cats))],
				Bounds: geo.Bounds{MinLng: p.Lng - dLng, MinLat: p.Lat - dLat, MaxLng: p.Lng + dLng, MaxLat: p.Lat + dLat},
				Limit:  []int{0, 1, 3, 20, 50, 600}[rng.IntN(6)]}
			if rng.IntN(10) < 3 {
				q.Closed = true
				q.Since = now.Add(-time.Duration(rng.Int64N(int64(31 * 24 * time.Hour)))).Truncate(time.Microsecond)
			} else {
				q.Since = now.Add(-time.Duration(rng.Int64N(int64(70 * 24 * time.Hour)))).Truncate(time.Microsecond)
			}
			if rng.IntN(8) == 0 { // a box edge exactly on a stored point: both ranges are inclusive
				oc := all[rng.IntN(len(all))]
				o := oc.Point
				if oc.Category != nil && !q.Closed {
					q.Category, q.Since = *oc.Category, now.Add(-90*24*time.Hour)
				}
				switch rng.IntN(4) {
				case 0:
					q.Bounds.MinLng, q.Bounds.MaxLng = o.Lng, o.Lng+dLng
				case 1:
					q.Bounds.MinLng, q.Bounds.MaxLng = o.Lng-dLng, o.Lng
				case 2:
					q.Bounds.MinLat, q.Bounds.MaxLat = o.Lat, o.Lat+dLat
				default:
					q.Bounds.MinLat, q.Bounds.MaxLat = o.Lat-dLat, o.Lat
				}
			}
			if rng.IntN(3) == 0 {
				q.Exclude = all[rng.IntN(len(all))].ID
			}
			if rng.IntN(20) == 0 { // exactly a stored report time
				q.Since = times[rng.IntN(len(times))]
			}
			want, err := s.FindNearby(ctx, q)
			if err != nil {
				t.Fatalf("store FindNearby: %v", err)
			}
			got, err := ix.FindNearby(ctx, q)
			if err != nil {
				t.Fatalf("index FindNearby: %v", err)
			}
			if len(want) > 0 {
				found++
			}
			if q.Limit > 0 && len(want) == q.Limit {
				cut++
			}
			if d := cmp.Diff(nearbyViews(want), nearbyViews(got)); d != "" {
				t.Fatalf("probe %d %+v: index differs from the store (-store +index):\n%s", i, q, d)
			}
		}
	}
	t.Run("after build and writes", func(t *testing.T) {
		probe(t, ix, 600)
		answered, passed, held := ix.Stats()
		if answered < 550 || passed > 50 {
			t.Errorf("the index answered %d of 600 searches and passed %d to the store (holding %d cases); it should answer nearly all",
				answered, passed, held)
		}
	})
	t.Run("rebuilt", func(t *testing.T) {
		fresh := caseindex.New(s, func() time.Time { return now }, 0)
		if err := fresh.Build(ctx); err != nil {
			t.Fatal(err)
		}
		probe(t, fresh, 300)
	})
	t.Run("before build the store answers", func(t *testing.T) {
		cold := caseindex.New(s, func() time.Time { return now }, 0)
		probe(t, cold, 50)
		if answered, passed, _ := cold.Stats(); answered != 0 || passed != 50 {
			t.Errorf("an index not built answered %d and passed %d; want 0 and 50", answered, passed)
		}
	})
}
