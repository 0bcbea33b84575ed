package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// The demo city sits on a lattice of square cells of cellM metres; every
// region is a rectangle of whole cells, so neighbours share their edges
// exactly (the same float for the same lattice line) and the tree tiles
// without gaps or overlaps: each grid is one cell, a community a block of
// grids, a street a block of communities and so on.
const (
	CityCode = "3201"
	CityName = "示范市"

	centreLng = 118.78
	centreLat = 32.04
	cellM     = 100.0 // a unit grid is cellM × cellM ≈ 10,000 m² (DOMAIN.md §3)

	cityCols, cityRows = 126, 160 // 12.6 km × 16 km, 20,160 grids
	distCols, distRows = 3, 2     // 6 districts
	strCols, strRows   = 2, 4     // 8 streets per district
	// communities: 7 per street, in two rows of 4 and 3
	maxGridsPerCommunity = 99 // two-digit grid sequence numbers
)

// metres per degree of latitude on geo's sphere (radius 6,371,008.8 m).
const metresPerDegLat = 6371008.8 * math.Pi / 180

var (
	dLat  = cellM / metresPerDegLat
	dLng  = cellM / (metresPerDegLat * math.Cos(centreLat*math.Pi/180))
	west  = centreLng - float64(cityCols)/2*dLng
	north = centreLat + float64(cityRows)/2*dLat
)

func lngAt(x int) float64 { return west + float64(x)*dLng }
func latAt(y int) float64 { return north - float64(y)*dLat }

// rect is a block of lattice cells [x0, x1) × [y0, y1), y growing southwards.
type rect struct{ x0, y0, x1, y1 int }

func (r rect) w() int     { return r.x1 - r.x0 }
func (r rect) h() int     { return r.y1 - r.y0 }
func (r rect) cells() int { return r.w() * r.h() }

// shape is the rectangle as a counter-clockwise ring.
func (r rect) shape() geo.MultiPolygon {
	w, e, n, s := lngAt(r.x0), lngAt(r.x1), latAt(r.y0), latAt(r.y1)
	return geo.MultiPolygon{geo.Polygon{geo.Ring{{Lng: w, Lat: s}, {Lng: e, Lat: s}, {Lng: e, Lat: n}, {Lng: w, Lat: n}, {Lng: w, Lat: s}}}}
}

// partition splits n cells into k parts of near-equal size, then moves each
// inner boundary by up to jitter cells where both neighbours stay within
// [minPart, maxPart]. The equal split must itself fit.
func partition(rng *rand.Rand, n, k, jitter, minPart, maxPart int) []int {
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = n / k
		if i < n%k {
			sizes[i]++
		}
	}
	for j := 1; j < k; j++ {
		s := rng.IntN(2*jitter+1) - jitter
		a, b := sizes[j-1]+s, sizes[j]-s
		if a >= minPart && b >= minPart && a <= maxPart && b <= maxPart {
			sizes[j-1], sizes[j] = a, b
		}
	}
	return sizes
}

// cut turns sizes into consecutive [from, to) spans starting at start.
func cut(start int, sizes []int) [][2]int {
	out := make([][2]int, len(sizes))
	for i, s := range sizes {
		out[i] = [2]int{start, start + s}
		start += s
	}
	return out
}

var districtNames = []string{"紫金区", "秦源区", "玄湖区", "鼓楼区", "栖霞区", "雨花区"}

var streetNames = []string{
	"朝阳", "青石", "桃源", "梅园", "清溪", "长乐", "安仁", "兴隆", "凤凰", "龙江", "白鹭", "枫林",
	"桂花", "荷塘", "锦绣", "翠屏", "明德", "和平", "新华", "光华", "红山", "燕子", "迈皋", "尧化",
	"仙林", "马群", "孝陵", "卫岗", "铁心", "宁南", "赛虹", "西善", "板桥", "江心", "沙洲", "双闸",
	"南苑", "莫愁", "华侨", "湖滨", "宝塔", "月牙", "天润", "紫荆", "玉兰", "金川", "银杏", "芳草",
	"泰山", "永宁", "丹凤", "石城", "秋湖", "柳营", "观音", "凤台",
}

var (
	communityFirst  = []rune("春华安康福瑞和祥新丰嘉兴明德永盛吉宁泰欣锦翠金玉")
	communitySecond = []rune("苑园村里坊庭湾城桥门林塘岭巷院居")
)

// cityLayout is the lattice plan of the whole tree, before it becomes regions.
type cityLayout struct {
	districts []node
}

type node struct {
	code, name string
	r          rect
	kids       []node
}

func layoutCity(seed int64) cityLayout {
	rng := stream(seed, saltLayout, 0)
	sn := append([]string(nil), streetNames...)
	rng.Shuffle(len(sn), func(i, j int) { sn[i], sn[j] = sn[j], sn[i] })
	var cn []string
	for _, a := range communityFirst {
		for _, b := range communitySecond {
			cn = append(cn, string(a)+string(b))
		}
	}
	rng.Shuffle(len(cn), func(i, j int) { cn[i], cn[j] = cn[j], cn[i] })

	var lay cityLayout
	cols := cut(0, partition(rng, cityCols, distCols, 3, 30, 60))
	rows := cut(0, partition(rng, cityRows, distRows, 4, 60, 100))
	streetNo, commNo := 0, 0
	for _, ry := range rows {
		for _, cx := range cols {
			di := len(lay.districts)
			d := node{code: fmt.Sprintf("%s%02d", CityCode, di+1), name: districtNames[di], r: rect{cx[0], ry[0], cx[1], ry[1]}}
			scols := cut(d.r.x0, partition(rng, d.r.w(), strCols, 1, 10, 40))
			srows := cut(d.r.y0, partition(rng, d.r.h(), strRows, 1, 10, 40))
			for _, sy := range srows {
				for _, sx := range scols {
					s := node{code: fmt.Sprintf("%s%03d", d.code, len(d.kids)+1), name: sn[streetNo] + "街道",
						r: rect{sx[0], sy[0], sx[1], sy[1]}}
					streetNo++
					s.kids = layoutCommunities(rng, s, cn, &commNo)
					d.kids = append(d.kids, s)
				}
			}
			lay.districts = append(lay.districts, d)
		}
	}
	return lay
}

// layoutCommunities splits a street into a row of four communities and a
// row of three, the row of four on the north or the south side.
func layoutCommunities(rng *rand.Rand, s node, names []string, next *int) []node {
	h := s.r.h()
	h4 := int(math.Round(0.55*float64(h))) - rng.IntN(2)
	heights := []int{h4, h - h4}
	counts := []int{4, 3}
	if rng.IntN(2) == 0 {
		heights[0], heights[1] = heights[1], heights[0]
		counts[0], counts[1] = counts[1], counts[0]
	}
	var out []node
	y := s.r.y0
	for row := range 2 {
		hh := heights[row]
		widths := partition(rng, s.r.w(), counts[row], 1, 2, maxGridsPerCommunity/hh)
		for _, span := range cut(s.r.x0, widths) {
			c := node{code: fmt.Sprintf("%s%03d", s.code, len(out)+1), name: names[*next] + "社区",
				r: rect{span[0], y, span[1], y + hh}}
			*next++
			out = append(out, c)
		}
		y += hh
	}
	return out
}

// Regions returns the demo city's region tree: the city, 6 districts, 48
// streets, 336 communities and about 20,000 unit grids of 100 m × 100 m,
// sorted by level and code, every one a rectangle in WGS84 that tiles its
// parent. The split lines, the names and the IDs follow from seed; every
// version is valid from a year and a month before now, so last year's cases
// fall inside it.
//
// Codes follow DOMAIN.md §3: district = city + 2 digits (320101…), street =
// district + 3 (320101001…), community = street + 3 (320101001001…), grid =
// community + a 2-digit sequence numbered west→east, north→south. The layout
// keeps every community at 99 grids or fewer so the sequence always has two
// digits; should that ever change, gridCode switches every grid of the city
// to three digits, never a mix.
func Regions(seed int64, now time.Time) []org.Region {
	lay := layoutCity(seed)
	from := validFrom(now)
	digits := 2
	for _, d := range lay.districts {
		for _, s := range d.kids {
			for _, c := range s.kids {
				if c.r.cells() > maxGridsPerCommunity {
					digits = 3
				}
			}
		}
	}
	var out []org.Region
	add := func(code, name, parent string, lvl org.Level, r rect) {
		shape := r.shape()
		out = append(out, org.Region{
			ID: idFor(seed, from, "region:"+code), Code: code, Name: name, Level: lvl, Parent: parent,
			Shape: shape, Bounds: shape.Bounds(), AreaM2: shape.AreaM2(), ValidFrom: from, Version: 1,
		})
	}
	add(CityCode, CityName, "", org.LevelCity, rect{0, 0, cityCols, cityRows})
	for _, d := range lay.districts {
		add(d.code, d.name, CityCode, org.LevelDistrict, d.r)
		for _, s := range d.kids {
			add(s.code, s.name, d.code, org.LevelStreet, s.r)
			for _, c := range s.kids {
				add(c.code, c.name, s.code, org.LevelCommunity, c.r)
				n := 0
				for y := c.r.y0; y < c.r.y1; y++ {
					for x := c.r.x0; x < c.r.x1; x++ {
						n++
						code := c.code + pad(n, digits)
						add(code, c.name+"第"+strconv.Itoa(n)+"网格", c.code, org.LevelGrid, rect{x, y, x + 1, y + 1})
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Level != out[j].Level {
			return out[i].Level < out[j].Level
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func pad(n, digits int) string {
	s := strconv.Itoa(n)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

// validFrom is when the demo's regions and accounts begin: local midnight
// a month before the first case ([Span] before now).
func validFrom(now time.Time) time.Time {
	t := now.Add(-Span).In(shanghai).AddDate(0, -1, 0)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shanghai).UTC()
}

var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()
