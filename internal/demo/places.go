package demo

import (
	"math"
	"math/rand/v2"
	"strconv"

	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// community is where cases happen: its grids, its share of the caseload and
// a few road names for addresses.
type community struct {
	code, name   string
	street       string
	streetName   string
	districtName string
	grids        []geo.Bounds
	hotGrids     []int // the busiest grids of a hotspot (a market lane, a school gate)
	roads        []string
}

type places struct {
	comms []community
	pick  cumTable
}

var roadNames = []string{
	"中山", "建设", "人民", "解放", "和平", "胜利", "文化", "友谊", "复兴", "光明", "长江", "黄河", "太平", "汉中",
	"北京", "上海", "广州", "珠江", "云南", "湖南", "江东", "虎踞", "龙蟠", "清凉", "模范", "草场", "山西", "集庆",
	"升州", "进香", "丰富", "三山", "石鼓", "洪武", "常府", "户部", "瑞金", "御道", "标营", "五台", "宁海", "颐和",
}

var roadSuffixes = []string{"路", "路", "街", "大街", "巷", "大道"}

// districtActivity makes the old centre busier than the new edges.
var districtActivity = []float64{1.1, 1.6, 1.0, 1.3, 0.8, 0.7}

// hotspots is how many communities carry 5–10 times the usual density.
const hotspots = 5

// newPlaces indexes the atlas's communities and weights them: by area,
// district and a per-street factor, with a few hotspots.
func newPlaces(seed int64, atlas *org.Atlas) *places {
	rng := stream(seed, saltLayout, 1)
	ps := &places{}
	dists := atlas.Regions(org.LevelDistrict)
	dIndex := map[string]int{}
	for i, d := range dists {
		dIndex[d.Code] = i
	}
	streetF := map[string]float64{}
	var weights []float64
	for _, c := range atlas.Regions(org.LevelCommunity) {
		st, _ := atlas.Region(c.Parent)
		if st == nil {
			continue
		}
		d, _ := atlas.Region(st.Parent)
		if d == nil {
			continue
		}
		cm := community{code: c.Code, name: c.Name, street: st.Code, streetName: st.Name, districtName: d.Name}
		for _, g := range atlas.Children(c.Code) {
			if r, ok := atlas.Region(g); ok && r.Level == org.LevelGrid {
				cm.grids = append(cm.grids, r.Shape.Bounds())
			}
		}
		if len(cm.grids) == 0 {
			continue
		}
		for k := range 3 {
			cm.roads = append(cm.roads, roadNames[rng.IntN(len(roadNames))]+roadSuffixes[(k+rng.IntN(2))%len(roadSuffixes)])
		}
		f, ok := streetF[st.Code]
		if !ok {
			f = 0.6 + rng.Float64()
			streetF[st.Code] = f
		}
		act := 1.0
		if i, ok := dIndex[d.Code]; ok && i < len(districtActivity) {
			act = districtActivity[i]
		}
		ps.comms = append(ps.comms, cm)
		weights = append(weights, float64(len(cm.grids))*f*act)
	}
	if len(ps.comms) == 0 {
		return ps
	}
	// Hotspots: the first community of the first street (the demo
	// supervisor's beat) and a few others anywhere in the city.
	hot := []int{0}
	for len(hot) < min(hotspots, len(ps.comms)) {
		k := rng.IntN(len(ps.comms))
		dup := false
		for _, h := range hot {
			dup = dup || h == k
		}
		if !dup {
			hot = append(hot, k)
		}
	}
	mean := 0.0
	for _, w := range weights {
		mean += w
	}
	mean /= float64(len(weights))
	for _, k := range hot {
		weights[k] = mean * (5 + 5*rng.Float64())
		cm := &ps.comms[k]
		for range 3 {
			cm.hotGrids = append(cm.hotGrids, rng.IntN(len(cm.grids)))
		}
	}
	ps.pick = newCumTable(weights)
	return ps
}

// point draws a place: a community by weight, a grid (the hot ones half the
// time in a hotspot), and a point well inside it.
func (ps *places) point(rng *rand.Rand) (*community, geo.Point) {
	cm := &ps.comms[ps.pick.pick(rng.Float64())]
	g := rng.IntN(len(cm.grids))
	if len(cm.hotGrids) > 0 && rng.IntN(2) == 0 {
		g = cm.hotGrids[rng.IntN(len(cm.hotGrids))]
	}
	b := cm.grids[g]
	return cm, geo.Point{
		Lng: b.MinLng + (0.08+0.84*rng.Float64())*(b.MaxLng-b.MinLng),
		Lat: b.MinLat + (0.08+0.84*rng.Float64())*(b.MaxLat-b.MinLat),
	}
}

// address is a plausible street address in the community.
func (cm *community) address(rng *rand.Rand) string {
	return cm.districtName + cm.streetName + cm.roads[rng.IntN(len(cm.roads))] + strconv.Itoa(1+rng.IntN(280)) + "号附近"
}

// offset moves p by d metres on bearing θ (radians).
func offset(p geo.Point, d, theta float64) geo.Point {
	return geo.Point{
		Lng: p.Lng + d*math.Sin(theta)/(metresPerDegLat*math.Cos(p.Lat*math.Pi/180)),
		Lat: p.Lat + d*math.Cos(theta)/metresPerDegLat,
	}
}
