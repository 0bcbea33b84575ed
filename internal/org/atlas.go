package org

import (
	"fmt"
	"math"
	"sort"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Atlas is an immutable snapshot of the current region tree with a spatial
// index over its unit grids. It is rebuilt (not mutated) after an import, and
// swapped in atomically by whoever holds it.
type Atlas struct {
	byCode   map[string]*Region
	children map[string][]string
	index    *geo.Index
	city     *Region
	// snapM is how far, in metres, a point in no grid may be from the
	// nearest grid and still be placed in it (WithGapSnap); 0 places none.
	snapM float64
}

// Location is where a point falls: the grid and its ancestors.
type Location struct {
	Grid      string   `json:"grid"`
	GridName  string   `json:"grid_name"`
	Community string   `json:"community"`
	Street    string   `json:"street"`
	District  string   `json:"district"`
	City      string   `json:"city"`
	Path      []string `json:"path"` // codes from the city down to the grid
	Names     []string `json:"names"`
	// SnappedM is set when the point lay in no grid and was placed in the
	// nearest one, this many metres away (see Atlas.WithGapSnap).
	SnappedM float64 `json:"snapped_m,omitempty"`
}

// NewAtlas builds the tree from the current versions of regions. It fails if
// a parent is missing or a level does not sit directly under its parent's.
func NewAtlas(regions []Region) (*Atlas, error) {
	a := &Atlas{byCode: make(map[string]*Region, len(regions)), children: map[string][]string{}}
	for i := range regions {
		r := &regions[i]
		if _, dup := a.byCode[r.Code]; dup {
			return nil, errs.Invalid("region code %s appears twice", r.Code)
		}
		a.byCode[r.Code] = r
	}
	var items []geo.IndexItem
	for _, r := range a.byCode {
		if r.Level == LevelCity {
			if a.city != nil {
				return nil, errs.Invalid("two cities: %s and %s", a.city.Code, r.Code)
			}
			a.city = r
			continue
		}
		p, ok := a.byCode[r.Parent]
		if !ok {
			return nil, errs.Invalid("region %s: parent %q does not exist", r.Code, r.Parent)
		}
		if p.Level != r.Level-1 {
			return nil, errs.Invalid("region %s (%s) cannot sit under %s (%s)", r.Code, r.Level, p.Code, p.Level)
		}
		a.children[r.Parent] = append(a.children[r.Parent], r.Code)
		if r.Level == LevelGrid {
			items = append(items, geo.IndexItem{ID: r.Code, Shape: r.Shape})
		}
	}
	for _, c := range a.children {
		sort.Strings(c)
	}
	// Index in code order so overlaps (which import rejects anyway) resolve the same way every time.
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	a.index = geo.NewIndex(items)
	return a, nil
}

// City returns the root, or nil for an empty atlas.
func (a *Atlas) City() *Region { return a.city }

// Region returns the current version of a region by code.
func (a *Atlas) Region(code string) (*Region, bool) {
	r, ok := a.byCode[code]
	return r, ok
}

// Children returns the codes directly under code.
func (a *Atlas) Children(code string) []string { return a.children[code] }

// Len is the number of regions.
func (a *Atlas) Len() int { return len(a.byCode) }

// Grids is the number of unit grids in the index.
func (a *Atlas) Grids() int { return a.index.Len() }

// Regions returns all regions of one level (0 = all), sorted by code.
func (a *Atlas) Regions(level Level) []*Region {
	var out []*Region
	for _, r := range a.byCode {
		if level == 0 || r.Level == level {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Path returns the codes from the city down to code.
func (a *Atlas) Path(code string) []string {
	var rev []string
	for c := code; c != ""; {
		r, ok := a.byCode[c]
		if !ok {
			break
		}
		rev = append(rev, c)
		c = r.Parent
	}
	out := make([]string, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// Within reports whether code is ancestor or equal to descendant.
func (a *Atlas) Within(descendant, ancestor string) bool {
	for c := descendant; c != ""; {
		if c == ancestor {
			return true
		}
		r, ok := a.byCode[c]
		if !ok {
			return false
		}
		c = r.Parent
	}
	return false
}

// WithGapSnap returns a copy of a that places a point lying in no grid in
// the nearest grid within m metres. Boundary files from public sources leave
// slivers between neighbouring grids; a report made in one belongs to the
// grid beside it. The copy shares everything else with a.
func (a *Atlas) WithGapSnap(m float64) *Atlas {
	c := *a
	c.snapM = m
	return &c
}

// Locate finds the unit grid containing p (WGS84) and its ancestors. A point
// in no grid goes to the nearest grid within the gap-snap distance
// (WithGapSnap), Location.SnappedM saying how far; otherwise it is
// Unprocessable: the case cannot be routed.
func (a *Atlas) Locate(p geo.Point) (Location, error) {
	if !p.Valid() {
		return Location{}, errs.Invalid("coordinates (%g, %g) are not valid longitude/latitude", p.Lng, p.Lat)
	}
	code, ok := a.index.Locate(p)
	if !ok && a.snapM > 0 {
		if near, d, found := a.index.Nearest(p, a.snapM); found {
			loc := a.location(near)
			loc.SnappedM = math.Round(d*10) / 10
			return loc, nil
		}
	}
	if !ok {
		name := "the city"
		if a.city != nil {
			name = a.city.Name
		}
		return Location{}, errs.Unprocessable("the point (%.6f, %.6f) is outside %s: no unit grid contains it; check the coordinates and their crs (wgs84, gcj02 or bd09)", p.Lng, p.Lat, name).
			With("lng", p.Lng).With("lat", p.Lat)
	}
	return a.location(code), nil
}

func (a *Atlas) location(grid string) Location {
	loc := Location{Path: a.Path(grid)}
	for _, c := range loc.Path {
		r := a.byCode[c]
		loc.Names = append(loc.Names, r.Name)
		switch r.Level {
		case LevelGrid:
			loc.Grid, loc.GridName = c, r.Name
		case LevelCommunity:
			loc.Community = c
		case LevelStreet:
			loc.Street = c
		case LevelDistrict:
			loc.District = c
		case LevelCity:
			loc.City = c
		}
	}
	return loc
}

// LocationOf rebuilds the location of a known grid code.
func (a *Atlas) LocationOf(grid string) (Location, error) {
	if _, ok := a.byCode[grid]; !ok {
		return Location{}, errs.NotFound("grid %s does not exist", grid)
	}
	return a.location(grid), nil
}

// Subtree returns code and all codes under it.
func (a *Atlas) Subtree(code string) []string {
	out := []string{code}
	for i := 0; i < len(out); i++ {
		out = append(out, a.children[out[i]]...)
	}
	return out
}

// String is for logs.
func (a *Atlas) String() string {
	return fmt.Sprintf("atlas(%d regions, %d grids)", len(a.byCode), a.index.Len())
}
