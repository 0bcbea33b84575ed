package app

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"cityloop/internal/org"
)

// TestKPIs_DemoLooksReal: the demo city's indicators for its last full
// month look like a real city's (DOMAIN.md §5's bulletin: 结案率 93.72 %,
// 按期结案率 75.82 %): most rates between 60 % and 99 %, and a few
// districts failing a target. CITYLOOP_KPI_DEMO_CASES sizes the demo
// (default 6000); -v prints the table.
func TestKPIs_DemoLooksReal(t *testing.T) {
	n := 6000
	if v, err := strconv.Atoi(os.Getenv("CITYLOOP_KPI_DEMO_CASES")); err == nil && v > 0 {
		n = v
	}
	a := demoKPIApp(t, n)
	base := serve(t, a)
	leader := login(t, base, "leader")
	now := a.Now().In(a.Cal.Location())
	first := now.AddDate(0, 0, -now.Day()+1)
	from, to := first.AddDate(0, -1, 0).Format("2006-01-02"), first.AddDate(0, 0, -1).Format("2006-01-02")
	span := "from=" + from + "&to=" + to
	units := []string{""}
	for _, r := range a.World.Atlas().Regions(org.LevelDistrict) {
		units = append(units, r.Code)
	}
	rates, inRange, failing := 0, 0, map[string][]string{}
	var table strings.Builder
	fmt.Fprintf(&table, "%s…%s, %d demo cases\n", from, to, n)
	for _, u := range units {
		var out struct{ Items []kpiItem }
		path := "/api/v1/kpis?" + span
		if u != "" {
			path += "&region=" + u
		}
		if st := leader.do("GET", path, nil, &out); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		name := u
		if u == "" {
			name = "city"
		}
		fmt.Fprintf(&table, "%-8s", name)
		for _, it := range out.Items {
			if it.Value == nil {
				continue
			}
			if strings.HasSuffix(it.Code, "_rate") || it.Code == "avg_response_hours" {
				fmt.Fprintf(&table, " %s=%.1f", it.Code, *it.Value)
			}
			if u == "" && strings.HasSuffix(it.Code, "_rate") && it.Target != nil {
				rates++
				if *it.Value >= 60 && *it.Value <= 99 {
					inRange++
				}
			}
			if u != "" && it.MeetsTarget != nil && !*it.MeetsTarget {
				failing[u] = append(failing[u], it.Code)
			}
		}
		table.WriteString("\n")
	}
	t.Log(table.String())
	t.Logf("districts failing a target: %v", failing)
	// The demo spans two years, so the month so far has its year-ago
	// month (同比) on the console's first page, not a blank.
	var cur struct{ Items []kpiItem }
	path := "/api/v1/kpis?from=" + first.Format("2006-01-02") + "&to=" + now.Format("2006-01-02")
	if st := leader.do("GET", path, nil, &cur); st != 200 {
		t.Fatalf("GET %s: %d", path, st)
	}
	yoy := 0
	for _, it := range cur.Items {
		if it.Code == "reported" && (it.YearAgo == nil || it.YearAgo.Numerator == 0 || it.YoY == nil) {
			t.Errorf("%s: the month so far has no year-ago reports to compare with: %+v", path, it.YearAgo)
		}
		if it.YoY != nil {
			yoy++
		}
	}
	t.Logf("%s: %d of %d figures have a year-on-year change", path, yoy, len(cur.Items))
	if rates == 0 || inRange*4 < rates*3 {
		t.Errorf("%d of the city's %d targeted rates lie between 60 %% and 99 %%; a real city's mostly do", inRange, rates)
	}
	if len(failing) == 0 || len(failing) == len(units)-1 {
		t.Errorf("%d of %d districts fail a target; a real city has a few", len(failing), len(units)-1)
	}
}
