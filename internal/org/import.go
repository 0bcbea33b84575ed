package org

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/geo/repair"
)

// ImportProblem names one bad feature of an import file.
type ImportProblem struct {
	Index  int    `json:"index"` // position in the FeatureCollection, from 0
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason"`
}

// ImportPlan is what an accepted import changes: new versions to insert and
// current versions to close. Applying it is the store's job, in one transaction.
type ImportPlan struct {
	Insert    []Region `json:"-"`
	Supersede []string `json:"superseded"` // IDs of versions closed at the import time
	Added     int      `json:"added"`
	Changed   int      `json:"changed"`
	Unchanged int      `json:"unchanged"`
	// Repairs lists, per feature, what was fixed in its geometry so the
	// file could be used; features that needed nothing are left out.
	Repairs []FeatureRepairs `json:"repairs"`
	// Coverage lists where the children of a region in the file leave
	// gaps, overlap each other or reach beyond it, with the area.
	Coverage []CoverageIssue `json:"coverage"`
	// DryRun is set on a plan that was only previewed: nothing was written.
	DryRun bool `json:"dry_run"`
}

// FeatureRepairs is the repair report of one feature of an import file.
type FeatureRepairs struct {
	Index   int             `json:"index"` // position in the file, from 0
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Repairs []repair.Repair `json:"repairs"`
}

// maxImportProblems bounds the error list so a wholly wrong file still gives a readable answer.
const maxImportProblems = 200

// PlanImport checks every feature of a GeoJSON FeatureCollection against
// itself and the current tree and returns the plan, or an Invalid error whose
// "problems" detail lists every bad feature; nothing is imported then.
// newID makes IDs for new versions.
func PlanImport(data []byte, current []Region, now time.Time, newID func() string) (ImportPlan, error) {
	feats, err := geo.DecodeFeatureCollection(data)
	if err != nil {
		return ImportPlan{}, fmt.Errorf("read regions file: %w", err)
	}
	return PlanFeatures(feats, current, now, newID)
}

// PlanFeatures is PlanImport for features already read from a file of any
// format, their geometry as written: it repairs each geometry
// (internal/geo/repair) and lists the repairs in the plan, so a file from a
// GIS office imports as its map shows it instead of being refused whole.
// What cannot be repaired is a problem of its feature, named with its place.
func PlanFeatures(feats []geo.Feature, current []Region, now time.Time, newID func() string) (ImportPlan, error) {
	if len(feats) == 0 {
		return ImportPlan{}, errs.Invalid("the FeatureCollection has no features")
	}
	cur := make(map[string]Region, len(current))
	for _, r := range current {
		cur[r.Code] = r
	}
	var problems []ImportProblem
	var repairs []FeatureRepairs
	bad := func(i int, code, format string, args ...any) {
		problems = append(problems, ImportProblem{Index: i, Code: code, Reason: fmt.Sprintf(format, args...)})
	}
	type parsed struct {
		Region
		index int
	}
	inFile := map[string]parsed{}
	var order []string
	for _, f := range feats {
		code := propString(f.Properties, "code")
		name := propString(f.Properties, "name")
		parent := propString(f.Properties, "parent")
		lvl, lok := ParseLevel(propString(f.Properties, "level"))
		switch {
		case code == "":
			bad(f.Index, "", "property \"code\" is missing")
			continue
		case name == "":
			bad(f.Index, code, "property \"name\" is missing")
		case !lok:
			bad(f.Index, code, "property \"level\" must be one of city, district, street, community, grid (got %q)", propString(f.Properties, "level"))
		case lvl != LevelCity && parent == "":
			bad(f.Index, code, "property \"parent\" is missing; only the city has no parent")
		}
		if f.GeometryErr == nil {
			fixed, reps, err := repair.MultiPolygon(f.Geometry)
			f.Geometry, f.GeometryErr = fixed, err
			if len(reps) > 0 {
				repairs = append(repairs, FeatureRepairs{Index: f.Index, Code: code, Name: name, Repairs: reps})
			}
		}
		if f.GeometryErr != nil {
			bad(f.Index, code, "geometry: %s", errMessage(f.GeometryErr))
		}
		if prev, dup := inFile[code]; dup {
			bad(f.Index, code, "duplicate code %s (also feature %d)", code, prev.index)
			continue
		}
		r := Region{Code: code, Name: name, Level: lvl, Parent: parent, Shape: f.Geometry}
		inFile[code] = parsed{Region: r, index: f.Index}
		order = append(order, code)
	}
	levelOf := func(code string) (Level, bool) {
		if p, ok := inFile[code]; ok {
			return p.Level, true
		}
		if r, ok := cur[code]; ok {
			return r.Level, true
		}
		return 0, false
	}
	for _, code := range order {
		p := inFile[code]
		if p.Level == 0 || p.Level == LevelCity {
			continue
		}
		pl, ok := levelOf(p.Parent)
		if !ok {
			bad(p.index, code, "unknown parent %s: it is neither in this file nor in the current tree", p.Parent)
			continue
		}
		if pl != p.Level-1 {
			bad(p.index, code, "a %s cannot sit under %s, which is a %s", p.Level, p.Parent, pl)
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Index < problems[j].Index })
		if len(problems) > maxImportProblems {
			problems = problems[:maxImportProblems]
		}
		return ImportPlan{}, errs.Invalid("the file has %d problem(s); nothing was imported", len(problems)).With("problems", problems)
	}
	plan := ImportPlan{Repairs: repairs}
	file := make(map[string]Region, len(inFile))
	for c, p := range inFile {
		file[c] = p.Region
	}
	plan.Coverage = checkCoverage(file, current)
	for _, code := range order {
		p := inFile[code].Region
		p.Bounds = p.Shape.Bounds()
		p.AreaM2 = p.Shape.AreaM2()
		p.ValidFrom = now
		p.Version = 1
		if old, ok := cur[code]; ok {
			if sameRegion(old, p) {
				plan.Unchanged++
				continue
			}
			p.Version = old.Version + 1
			plan.Supersede = append(plan.Supersede, old.ID)
			plan.Changed++
		} else {
			plan.Added++
		}
		p.ID = newID()
		plan.Insert = append(plan.Insert, p)
	}
	return plan, nil
}

func sameRegion(a, b Region) bool {
	if a.Name != b.Name || a.Level != b.Level || a.Parent != b.Parent {
		return false
	}
	ja, _ := json.Marshal(a.Shape)
	jb, _ := json.Marshal(b.Shape)
	return bytes.Equal(ja, jb)
}

func propString(props map[string]any, key string) string {
	v, ok := props[key]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strings.TrimSpace(fmt.Sprintf("%.0f", x))
	case json.Number:
		return x.String()
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// RepairLines is the repair report as the command line prints it: per
// feature a heading, then one repair a line ("kind at lon,lat: detail").
func (p ImportPlan) RepairLines() []string {
	var out []string
	for _, f := range p.Repairs {
		out = append(out, fmt.Sprintf("feature %d %s %s: %d repair(s)", f.Index, f.Code, f.Name, len(f.Repairs)))
		for _, r := range f.Repairs {
			out = append(out, "  "+r.String())
		}
	}
	for _, c := range p.Coverage {
		switch {
		case c.Kind == "unchecked":
			out = append(out, fmt.Sprintf("children of %s: too large to compare with it; not checked for gaps and overlaps", c.Parent))
		case len(c.Codes) == 2:
			out = append(out, fmt.Sprintf("children of %s: %s and %s overlap by %.1f m² near %.7f,%.7f", c.Parent, c.Codes[0], c.Codes[1], c.AreaM2, c.At.Lng, c.At.Lat))
		default:
			out = append(out, fmt.Sprintf("children of %s: %s of %.1f m²", c.Parent, c.Kind, c.AreaM2))
		}
	}
	return out
}

// Describe is err as the command line prints it: a user-facing message,
// with every problem of a refused region import ([ImportProblem]) on a line
// of its own.
func Describe(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	msg := err.Error()
	p, ok := e.Details["problems"].([]ImportProblem)
	if !ok {
		return msg
	}
	var b strings.Builder
	b.WriteString(msg)
	for _, x := range p {
		fmt.Fprintf(&b, "\n  feature %d %s: %s", x.Index, x.Code, x.Reason)
	}
	return b.String()
}
