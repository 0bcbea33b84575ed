package sensing

import (
	"slices"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Zone is a vending zone (摊贩疏导区): inside it, at its hours and for its
// goods, street trading is allowed and an AI sighting is no case
// (定时、定点、定品类, DOMAIN.md §7.5).
type Zone struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Ring       [][2]float64 `json:"ring"` // [lng, lat] points of the outline, WGS84
	Hours      []Hours      `json:"hours"`
	Goods      []string     `json:"goods"`      // allowed goods; empty = any
	Categories []string     `json:"categories"` // sub-classes it tolerates; empty = 游商 and 店外经营
	Disabled   bool         `json:"disabled,omitempty"`
}

// VendingCategories are the sub-classes a zone tolerates by default.
var VendingCategories = []string{"event:0501", "event:0504"}

// Validate checks a zone.
func (z *Zone) Validate() error {
	bad := errs.Invalid("the vending zone is not valid")
	if !ValidID(z.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	}
	if len(z.Ring) < 3 || len(z.Ring) > 1000 {
		bad.WithField("ring", "3–1000 [lng, lat] points")
	} else if err := z.shape().Validate(); err != nil {
		bad.WithField("ring", "not a simple polygon")
	}
	if len(z.Hours) == 0 {
		bad.WithField("hours", "at least one window such as {\"from\":\"17:00\",\"to\":\"22:00\"}")
	}
	for _, h := range z.Hours {
		if h.Validate() != nil || h.From == "" {
			bad.WithField("hours", "HH:MM–HH:MM")
		}
	}
	for _, c := range z.Categories {
		if _, err := catalog.ParseRef(c); err != nil {
			bad.WithField("categories", "catalog refs such as event:0501")
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	if z.Name == "" {
		z.Name = "疏导区 " + z.ID
	}
	for i, g := range z.Goods {
		z.Goods[i] = strings.ToLower(strings.TrimSpace(g))
	}
	if z.Goods == nil {
		z.Goods = []string{}
	}
	if len(z.Categories) == 0 {
		z.Categories = slices.Clone(VendingCategories)
	}
	return nil
}

func (z *Zone) shape() geo.MultiPolygon {
	ring := make(geo.Ring, 0, len(z.Ring)+1)
	for _, p := range z.Ring {
		ring = append(ring, geo.Point{Lng: p[0], Lat: p[1]})
	}
	if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	return geo.MultiPolygon{geo.Polygon{ring}}
}

// Allows reports whether trading of category at p and t, selling goods
// ("" when the AI did not say), is allowed by the zone. Unknown goods get
// the benefit of the doubt: the camera could not tell, and a person can.
func (z *Zone) Allows(category string, p geo.Point, t time.Time, goods string) bool {
	if z.Disabled || !slices.Contains(z.Categories, category) || !z.shape().Contains(p) {
		return false
	}
	open := false
	for _, h := range z.Hours {
		open = open || h.Contains(t)
	}
	if !open {
		return false
	}
	goods = strings.ToLower(strings.TrimSpace(goods))
	return goods == "" || len(z.Goods) == 0 || slices.Contains(z.Goods, goods)
}
