package org

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func square(code, name, level, parent string, x, y, d float64) string {
	p := ""
	if parent != "" {
		p = fmt.Sprintf(`,"parent":%q`, parent)
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"name":%q,"level":%q%s},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
		code, name, level, p, x, y, x+d, y, x+d, y+d, x, y+d, x, y)
}

func fc(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func seq() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id-%d", n) }
}

func TestPlanImport(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	city := square("3201", "市", "city", "", 118, 32, 1)
	district := square("320101", "区", "district", "3201", 118, 32, 1)
	bowtie := `{"type":"Feature","properties":{"code":"320101001","name":"坏街道","level":"street","parent":"320101"},"geometry":{"type":"Polygon","coordinates":[[[118,32],[119,33],[119,32],[118,33],[118,32]]]}}`
	tests := []struct {
		name     string
		data     []byte
		problems []string // substrings, one per expected problem, in feature order
	}{
		{"good", fc(city, district, square("320101001", "街", "street", "320101", 118, 32, 0.5)), nil},
		{"unknown parent", fc(city, square("320102", "区", "district", "9999", 118, 32, 1)), []string{"unknown parent 9999"}},
		{"duplicate code", fc(city, district, square("320101", "又一个区", "district", "3201", 118, 32, 1)), []string{"duplicate code"}},
		{"not a position", fc(city, district, strings.Replace(bowtie, "[119,33]", "[119,333]", 1)), []string{"point 1 (119, 333) is not a valid longitude/latitude"}},
		{"missing geometry", fc(city, `{"type":"Feature","properties":{"code":"320109","name":"x","level":"district","parent":"3201"},"geometry":null}`), []string{"geometry"}},
		{"wrong level", fc(city, square("320101001", "街", "street", "3201", 118, 32, 1)), []string{"cannot sit under"}},
		{"no code", fc(`{"type":"Feature","properties":{"name":"x"},"geometry":null}`), []string{"code"}},
	}
	t.Run("self-intersecting is repaired and reported", func(t *testing.T) {
		plan, err := PlanImport(fc(city, district, bowtie), nil, now, seq())
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Repairs) != 1 || plan.Repairs[0].Index != 2 || plan.Repairs[0].Code != "320101001" || plan.Repairs[0].Name != "坏街道" {
			t.Fatalf("repairs %+v; want one, for feature 2 (320101001 坏街道)", plan.Repairs)
		}
		lines := strings.Join(plan.RepairLines(), "\n")
		if !strings.Contains(lines, "split_self_crossing at 118.5000000,32.5000000") {
			t.Errorf("report %q does not place the crossing", lines)
		}
		if got := len(plan.Insert[2].Shape); got != 2 {
			t.Errorf("bowtie became %d parts; want 2", got)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanImport(tt.data, nil, now, seq())
			if len(tt.problems) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if plan.Added != 3 || len(plan.Insert) != 3 {
					t.Fatalf("plan %+v", plan)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			probs, _ := e.Details["problems"].([]ImportProblem)
			if len(probs) < len(tt.problems) {
				t.Fatalf("problems %+v", probs)
			}
			for i, want := range tt.problems {
				if !strings.Contains(probs[i].Reason, want) {
					t.Errorf("problem %d = %q, want it to mention %q", i, probs[i].Reason, want)
				}
			}
		})
	}
}

func TestPlanImport_Supersedes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first, err := PlanImport(fc(square("3201", "市", "city", "", 118, 32, 1)), nil, now, seq())
	if err != nil {
		t.Fatal(err)
	}
	again, err := PlanImport(fc(square("3201", "市", "city", "", 118, 32, 1)), first.Insert, now, seq())
	if err != nil || again.Unchanged != 1 || len(again.Insert) != 0 {
		t.Fatalf("same file again: %+v %v", again, err)
	}
	moved, err := PlanImport(fc(square("3201", "新市", "city", "", 118, 32, 2)), first.Insert, now, seq())
	if err != nil || moved.Changed != 1 || moved.Insert[0].Version != 2 || len(moved.Supersede) != 1 {
		t.Fatalf("changed city: %+v %v", moved, err)
	}
}

// FuzzPlanImport feeds arbitrary bytes to the region import: it must never
// panic, and it either plans regions that all have a valid code, level and
// shape, or returns an error.
func FuzzPlanImport(f *testing.F) {
	f.Add(fc(square("3201", "市", "city", "", 118, 32, 1), square("320101", "区", "district", "3201", 118, 32, 1)))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":1,"level":"grid"},"geometry":{"type":"MultiPolygon","coordinates":[]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection"`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := PlanImport(data, nil, time.Unix(0, 0), seq())
		if err != nil {
			return
		}
		for _, r := range plan.Insert {
			if r.Code == "" || r.Level < LevelCity || r.Level > LevelGrid || r.Shape.Validate() != nil {
				t.Fatalf("planned a bad region: %+v", r)
			}
		}
	})
}

func TestPlanImportCoverage(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	city := square("3201", "市", "city", "", 118, 32, 0.01)
	district := square("320101", "区", "district", "3201", 118, 32, 0.01)
	// Two streets 0.005° wide, the second starting 0.004° east: they
	// overlap by a strip 0.001° wide and leave the top half of the district bare.
	a := square("320101001", "甲街道", "street", "320101", 118, 32, 0.005)
	b := square("320101002", "乙街道", "street", "320101", 118.004, 32, 0.005)
	plan, err := PlanImport(fc(city, district, a, b), nil, now, seq())
	if err != nil {
		t.Fatal(err)
	}
	cellM2 := func(w, h float64) float64 { // a box of w × h degrees at latitude 32
		return w * h * 111195 * 111195 * math.Cos(32.0025*math.Pi/180)
	}
	var gap, overlap *CoverageIssue
	for i, c := range plan.Coverage {
		switch {
		case c.Parent == "320101" && c.Kind == "gap":
			gap = &plan.Coverage[i]
		case c.Parent == "320101" && c.Kind == "overlap":
			overlap = &plan.Coverage[i]
		default:
			t.Errorf("unexpected coverage issue %+v", c)
		}
	}
	wantGap := cellM2(0.01, 0.01) - cellM2(0.009, 0.005)
	if gap == nil || math.Abs(gap.AreaM2-wantGap) > wantGap*0.01 {
		t.Errorf("gap %+v; want about %.0f m²", gap, wantGap)
	}
	wantOverlap := cellM2(0.001, 0.005)
	if overlap == nil || math.Abs(overlap.AreaM2-wantOverlap) > wantOverlap*0.01 || len(overlap.Codes) != 2 || overlap.Codes[0] != "320101001" {
		t.Errorf("overlap %+v; want about %.0f m² between the two streets", overlap, wantOverlap)
	}
	if lines := strings.Join(plan.RepairLines(), "\n"); !strings.Contains(lines, "320101001 and 320101002 overlap by") {
		t.Errorf("report %q does not name the overlapping pair", lines)
	}
}
