package org

import (
	"math"
	"sort"

	"cityloop/internal/geo"
	"cityloop/internal/geo/repair"
)

// CoverageIssue is one way the children of a region fail to tile it: a gap
// (part of the parent no child covers), an overlap (part covered by two
// children; Codes names the pair when it was found) or outside (children
// reaching beyond the parent). The import still goes ahead: real boundary
// files are rarely exact, and a report in a gap goes to the nearest grid
// (Atlas.WithGapSnap); the report says where the file needs work.
type CoverageIssue struct {
	Parent string    `json:"parent"`
	Kind   string    `json:"kind"` // gap, overlap, outside, or unchecked (too large to compare)
	Codes  []string  `json:"codes,omitempty"`
	AreaM2 float64   `json:"area_m2"`
	At     geo.Point `json:"at"` // near the overlap of a pair; zero otherwise
}

// minCoverageM2 is the smallest gap or overlap worth a line: below it the
// difference is rounding in the file, not a boundary anyone drew.
const minCoverageM2 = 1.0

// checkCoverage compares every parent that has a child in the file with
// its children as the import would leave them.
func checkCoverage(file map[string]Region, current []Region) []CoverageIssue {
	next := make(map[string]Region, len(current)+len(file))
	for _, r := range current {
		next[r.Code] = r
	}
	for c, r := range file {
		next[c] = r
	}
	kids := map[string][]Region{}
	touched := map[string]bool{}
	for _, r := range next {
		if r.Parent != "" {
			kids[r.Parent] = append(kids[r.Parent], r)
		}
	}
	for _, r := range file {
		if r.Parent != "" {
			touched[r.Parent] = true
		}
		if len(kids[r.Code]) > 0 {
			touched[r.Code] = true
		}
	}
	parents := make([]string, 0, len(touched))
	for p := range touched {
		parents = append(parents, p)
	}
	sort.Strings(parents)
	var out []CoverageIssue
	for _, code := range parents {
		p, ok := next[code]
		if !ok || len(p.Shape) == 0 {
			continue
		}
		children := kids[code]
		sort.Slice(children, func(i, j int) bool { return children[i].Code < children[j].Code })
		shapes := make([]geo.MultiPolygon, len(children))
		for i, c := range children {
			shapes[i] = c.Shape
		}
		gap, outside, overlap, ok := repair.Compare(p.Shape, shapes)
		if !ok {
			out = append(out, CoverageIssue{Parent: code, Kind: "unchecked"})
			continue
		}
		if gap >= minCoverageM2 {
			out = append(out, CoverageIssue{Parent: code, Kind: "gap", AreaM2: round1(gap)})
		}
		if outside >= minCoverageM2 {
			out = append(out, CoverageIssue{Parent: code, Kind: "outside", AreaM2: round1(outside)})
		}
		if overlap >= minCoverageM2 {
			pairs := overlappingPairs(code, children)
			if len(pairs) == 0 {
				pairs = []CoverageIssue{{Parent: code, Kind: "overlap", AreaM2: round1(overlap)}}
			}
			out = append(out, pairs...)
		}
	}
	return out
}

// overlappingPairs finds which siblings overlap, comparing only those whose
// boxes share some area; it runs only once the parent's total says there is
// an overlap to find.
func overlappingPairs(parent string, children []Region) []CoverageIssue {
	var out []CoverageIssue
	for i, a := range children {
		ba := a.Shape.Bounds()
		for _, b := range children[i+1:] {
			bb := b.Shape.Bounds()
			w := math.Min(ba.MaxLng, bb.MaxLng) - math.Max(ba.MinLng, bb.MinLng)
			h := math.Min(ba.MaxLat, bb.MaxLat) - math.Max(ba.MinLat, bb.MinLat)
			if w <= 0 || h <= 0 {
				continue
			}
			_, outside, _, ok := repair.Compare(a.Shape, []geo.MultiPolygon{b.Shape})
			if !ok {
				continue
			}
			if both := b.Shape.AreaM2() - outside; both >= minCoverageM2 {
				at := geo.Point{Lng: math.Max(ba.MinLng, bb.MinLng) + w/2, Lat: math.Max(ba.MinLat, bb.MinLat) + h/2}
				out = append(out, CoverageIssue{Parent: parent, Kind: "overlap", Codes: []string{a.Code, b.Code}, AreaM2: round1(both), At: at})
			}
		}
	}
	return out
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
