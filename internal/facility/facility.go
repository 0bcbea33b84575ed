package facility

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Kind names a class of facility.
type Kind string

const (
	KindToilet     Kind = "toilet"      // 公共厕所
	KindParking    Kind = "parking"     // 停车场
	KindBinStation Kind = "bin_station" // 垃圾收集站
)

// KindNames holds {Chinese, English} per kind.
var KindNames = map[Kind][2]string{
	KindToilet:     {"公共厕所", "Public toilet"},
	KindParking:    {"停车场", "Parking"},
	KindBinStation: {"垃圾收集站", "Refuse collection station"},
}

// ParseKind accepts a known kind; empty is toilet.
func ParseKind(s string) (Kind, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return KindToilet, nil
	}
	if _, ok := KindNames[Kind(s)]; ok {
		return Kind(s), nil
	}
	return "", errs.Invalid("unknown facility kind %q; use toilet, parking or bin_station", s).WithField("kind", "unknown")
}

// Facility is one registered facility. Point is WGS84; Grid and District
// come from the atlas when it is saved.
type Facility struct {
	ID         string    `json:"id"`
	Kind       Kind      `json:"kind"`
	Name       string    `json:"name"`
	Address    string    `json:"address,omitempty"`
	Point      geo.Point `json:"point"`
	Grid       string    `json:"grid"`
	District   string    `json:"district"`
	Hours      string    `json:"hours,omitempty"` // opening hours as text, e.g. 06:00-22:00
	Accessible bool      `json:"accessible"`      // 无障碍
	Open24h    bool      `json:"open_24h"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks what does not need the atlas.
func (f *Facility) Validate() error {
	bad := errs.Invalid("the facility is not valid")
	if strings.TrimSpace(f.ID) == "" || len(f.ID) > 64 || strings.ContainsAny(f.ID, "/ ?#") {
		bad.WithField("id", "1–64 characters without / ? # or spaces")
	}
	if _, ok := KindNames[f.Kind]; !ok {
		bad.WithField("kind", "use toilet, parking or bin_station")
	}
	if n := len([]rune(strings.TrimSpace(f.Name))); n == 0 || n > 100 {
		bad.WithField("name", "required, at most 100 characters")
	}
	if len([]rune(f.Address)) > 200 {
		bad.WithField("address", "at most 200 characters")
	}
	if len([]rune(f.Hours)) > 100 {
		bad.WithField("hours", "at most 100 characters")
	}
	if !f.Point.Valid() {
		bad.WithField("lng", "give lng and lat")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// Near is a facility with its distance from the search point.
type Near struct {
	Facility
	DistanceM float64 `json:"distance_m"`
}

// MaxRadiusM caps the nearest search.
const MaxRadiusM = 5000

// BoxAround returns a box that holds every point within radiusM of p.
func BoxAround(p geo.Point, radiusM float64) geo.Bounds {
	dLat := radiusM / 111_195.0
	c := math.Cos(p.Lat * math.Pi / 180)
	if c < 0.01 {
		c = 0.01
	}
	dLng := dLat / c
	return geo.Bounds{MinLng: p.Lng - dLng, MinLat: p.Lat - dLat, MaxLng: p.Lng + dLng, MaxLat: p.Lat + dLat}
}

// Nearest ranks candidates by exact distance from p, keeps those within
// radiusM and returns at most limit, nearest first (ties by id).
func Nearest(p geo.Point, cands []*Facility, radiusM float64, limit int) []Near {
	out := make([]Near, 0, len(cands))
	for _, f := range cands {
		d := geo.DistanceM(p, f.Point)
		if d <= radiusM {
			out = append(out, Near{Facility: *f, DistanceM: math.Round(d)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DistanceM != out[j].DistanceM {
			return out[i].DistanceM < out[j].DistanceM
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// The standard is one public toilet per StandardKm2 square kilometres —
// the national standard the city's plan holds its toilets to (§2.3.1) —
// and BaselineKm2 is the density the plan found, one per 5 km², which it
// calls deficient. Coverage meets the standard, not the baseline; the
// baseline is kept only to show how far a district has come.
const (
	StandardKm2 = 3.0
	BaselineKm2 = 5.0
)

// AccessibleGoal is the share of public toilets with barrier-free
// facilities (无障碍) the plan aims at: it found 12 % (§2.3.1) and asks for
// every public toilet to have them and special groups to be served
// everywhere (特殊群体服务覆盖率 100 %, §3.2, §5.3).
const AccessibleGoal = 100.0

// District is what coverage needs of a district.
type District struct {
	Code, Name string
	AreaM2     float64
}

// Coverage is one district's figure.
type Coverage struct {
	District       string   `json:"district"`
	Name           string   `json:"name"`
	Count          int      `json:"count"`
	AreaKm2        float64  `json:"area_km2"`
	Km2PerFacility *float64 `json:"km2_per_facility"` // null when there are none
	MeetsStandard  bool     `json:"meets_standard"`   // ≤ StandardKm2 per facility
	MeetsBaseline  bool     `json:"meets_baseline"`   // ≤ BaselineKm2 per facility
	Needed         int      `json:"needed"`           // more facilities to meet the standard
	// Accessible counts the barrier-free ones; AccessibleShare is
	// Accessible / Count × 100 (null when there are none), held against
	// AccessibleGoal; AccessibleNeeded is how many more must be made
	// barrier-free (or added so) for the goal at today's count.
	Accessible          int      `json:"accessible"`
	AccessibleShare     *float64 `json:"accessible_share"`
	MeetsAccessibleGoal bool     `json:"meets_accessible_goal"`
	AccessibleNeeded    int      `json:"accessible_needed"`
}

// CoverageOf counts facilities per district (by their District field).
func CoverageOf(districts []District, fs []*Facility) []Coverage {
	n, acc := map[string]int{}, map[string]int{}
	for _, f := range fs {
		n[f.District]++
		if f.Accessible {
			acc[f.District]++
		}
	}
	out := make([]Coverage, 0, len(districts))
	for _, d := range districts {
		c := Coverage{District: d.Code, Name: d.Name, Count: n[d.Code], AreaKm2: round2(d.AreaM2 / 1e6), Accessible: acc[d.Code]}
		if c.Count > 0 {
			per := d.AreaM2 / 1e6 / float64(c.Count)
			v := round2(per)
			c.Km2PerFacility = &v
			c.MeetsStandard = per <= StandardKm2
			c.MeetsBaseline = per <= BaselineKm2
			share := round2(float64(c.Accessible) * 100 / float64(c.Count))
			c.AccessibleShare = &share
			c.MeetsAccessibleGoal = share >= AccessibleGoal
			c.AccessibleNeeded = max(int(math.Ceil(float64(c.Count)*AccessibleGoal/100))-c.Accessible, 0)
		}
		if need := int(math.Ceil(d.AreaM2/1e6/StandardKm2)) - c.Count; need > 0 {
			c.Needed = need
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].District < out[j].District })
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Finder lists facilities of a kind inside a box (nil: everywhere).
type Finder interface {
	FindFacilities(ctx context.Context, kind Kind, box *geo.Bounds, limit int) ([]*Facility, error)
}

// FindNearest finds up to limit facilities of kind nearest to p (WGS84)
// within MaxRadiusM: a box query first, widened until enough are found,
// then exact distances.
func FindNearest(ctx context.Context, st Finder, kind Kind, p geo.Point, limit int) ([]Near, error) {
	var out []Near
	for _, r := range []float64{500, 1000, 2000, MaxRadiusM} {
		box := BoxAround(p, r)
		cands, err := st.FindFacilities(ctx, kind, &box, 0)
		if err != nil {
			return nil, err
		}
		out = Nearest(p, cands, r, limit)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}
