package community

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"cityloop/internal/demo"
	"cityloop/internal/geo"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
)

// Demo shops stand in rows on both sides of stretches of the demo's
// roads, as on a shopping street: every shopEvery metres, the door
// doorM from the centre line, the zone from the kerb (kerbM) to the
// door and sideways to the neighbours.
const (
	shopEvery = 25.0
	doorM     = 12.0
	kerbM     = 4.0
)

var (
	trades = []struct{ trade, word string }{
		{"餐饮", "面馆"}, {"餐饮", "小吃店"}, {"餐饮", "早餐店"}, {"零售", "便利店"}, {"零售", "水果店"},
		{"零售", "五金店"}, {"零售", "茶叶店"}, {"医药", "大药房"}, {"生活服务", "理发店"}, {"生活服务", "洗衣店"},
		{"零售", "服装店"}, {"生活服务", "快递驿站"},
	}
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}
)

// DemoMerchants makes n shops along the demo's roads, deterministic for a
// seed: stretches chosen at random, both sides of each filled, each shop
// located in the atlas (those outside the city are skipped, so slightly
// more stretches are drawn than n needs).
func DemoMerchants(at *org.Atlas, seed int64, n int, now time.Time) []*merchant.Merchant {
	rng := rand.New(rand.NewPCG(uint64(seed), 17))
	type stretch struct {
		road string
		a, b geo.Point
		from int // the house number where it starts
	}
	var all []stretch
	for _, r := range demo.Roads() {
		num := 1
		for i := 0; i+1 < len(r.Line); i++ {
			all = append(all, stretch{road: r.Name, a: r.Line[i], b: r.Line[i+1], from: num})
			num += 2 * int(geo.DistanceM(r.Line[i], r.Line[i+1])/shopEvery)
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	out := make([]*merchant.Merchant, 0, n)
	for _, s := range all {
		if len(out) >= n {
			break
		}
		out = append(out, shopsAlong(at, rng, s.road, s.a, s.b, s.from, now, len(out), n-len(out))...)
	}
	return out
}

// shopsAlong lines up to max shops on both sides of the segment a→b.
func shopsAlong(at *org.Atlas, rng *rand.Rand, road string, a, b geo.Point, from int, now time.Time, seq, limit int) []*merchant.Merchant {
	length := geo.DistanceM(a, b)
	if length < shopEvery {
		return nil
	}
	// Metres to degrees near the segment, and the unit vectors along and
	// across it (across points left of a→b).
	mLat := 1 / 111_195.0
	mLng := mLat / math.Cos(a.Lat*math.Pi/180)
	ux, uy := (b.Lng-a.Lng)/mLng/length, (b.Lat-a.Lat)/mLat/length
	vx, vy := -uy, ux
	pt := func(along, across float64) geo.Point {
		return geo.Point{Lng: a.Lng + (ux*along+vx*across)*mLng, Lat: a.Lat + (uy*along+vy*across)*mLat}
	}
	var out []*merchant.Merchant
	for k := 0; float64(k+1)*shopEvery <= length; k++ {
		for side, sign := range []float64{1, -1} {
			if len(out) >= limit {
				return out
			}
			t0, t1 := float64(k)*shopEvery+0.5, float64(k+1)*shopEvery-0.5
			door := pt((t0+t1)/2, sign*(doorM+1)) // just inside the shop
			loc, err := at.Locate(door)
			if err != nil {
				continue
			}
			ring := geo.Ring{pt(t0, sign*kerbM), pt(t1, sign*kerbM), pt(t1, sign*doorM), pt(t0, sign*doorM), pt(t0, sign*kerbM)}
			if sign < 0 {
				// Keep the ring counter-clockwise on both sides.
				ring = geo.Ring{ring[0], ring[3], ring[2], ring[1], ring[0]}
			}
			i := seq + len(out)
			tr := trades[rng.IntN(len(trades))]
			sur := surnames[rng.IntN(len(surnames))]
			code, _ := merchant.MakeUSCC(fmt.Sprintf("92%s%09d", loc.District[:6], 100000000+i))
			number := from + 2*k + side // odd on the left, even on the right
			out = append(out, &merchant.Merchant{
				ID: fmt.Sprintf("shop-%05d", i+1), Name: fmt.Sprintf("%s记%s", sur, tr.word), USCC: code, Trade: tr.trade,
				Address: fmt.Sprintf("%s%s%d号", districtName(at, loc.District), road, number),
				Point:   door, District: loc.District, Street: loc.Street, Grid: loc.Grid,
				Contact: &merchant.Contact{Person: sur + []string{"先生", "女士"}[rng.IntN(2)], Phone: fmt.Sprintf("139%08d", rng.IntN(100_000_000))},
				Zone:    geo.MultiPolygon{{ring}}, SignedAt: now.AddDate(0, 0, -rng.IntN(300)).Truncate(24 * time.Hour).UTC(),
			})
		}
	}
	return out
}

func districtName(at *org.Atlas, code string) string {
	if r, ok := at.Region(code); ok {
		return r.Name
	}
	return ""
}
