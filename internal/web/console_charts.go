package web

import (
	"context"
	"net/http"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

var chartMessages = map[string][2]string{
	"charts":          {"统计图表", "Charts"},
	"chart_reported":  {"近30天每日上报", "Reported per day, last 30 days"},
	"chart_lights":    {"在办案件亮灯", "Open cases by light"},
	"chart_top":       {"本月上报最多的小类（前10）", "Top 10 sub-classes this month"},
	"chart_districts": {"各区在办与超时", "Open and overdue by district"},
	"open":            {"在办", "Open"},
	"overdue":         {"超时", "Overdue"},
	"reported":        {"上报", "Reported"},
}

// chartSeries is one labelled series.
type chartSeries struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	Values []int    `json:"values"`
}

// chartData is what charts.js draws, in the page's language.
type chartData struct {
	Reported  chartSeries `json:"reported"`
	Lights    chartSeries `json:"lights"`
	Top       chartSeries `json:"top"`
	Districts struct {
		chartSeries
		Overdue []int    `json:"overdue"`
		Names   []string `json:"names"` // series names: open, overdue
	} `json:"districts"`
}

const chartDays = 30

// loadCharts computes the overview charts inside the actor's scope.
func (s *Server) loadCharts(ctx context.Context, l lang, a org.Actor) (*chartData, error) {
	now := s.Now()
	loc := s.Cal.Location()
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	since := today.AddDate(0, 0, -(chartDays - 1))
	_, off := n.Zone()
	// Without the store's aggregate query the overview shows no charts (NotFound).
	stats, err := s.Cases.Stats(ctx, a, casework.StatsQuery{Now: now, Since: since,
		ZoneOffset: time.Duration(off) * time.Second, MonthStart: time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc), TopN: 10})
	if err != nil {
		return nil, err
	}
	cd := &chartData{}
	cd.Reported.Title = l.T("chart_reported")
	for d := since; !d.After(today); d = d.AddDate(0, 0, 1) {
		_, o := d.Zone()
		day := (d.Unix() + int64(o)) / 86400
		cd.Reported.Labels = append(cd.Reported.Labels, d.Format("01-02"))
		cd.Reported.Values = append(cd.Reported.Values, stats.PerDay[day])
	}
	cd.Lights.Title = l.T("chart_lights")
	for _, lt := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
		_, cnt, err := s.Cases.FindCases(ctx, a, casework.Filter{Statuses: casework.OpenStatuses, Light: lt, Now: now, Limit: 1})
		if err != nil {
			return nil, err
		}
		cd.Lights.Labels = append(cd.Lights.Labels, l.T(string(lt)))
		cd.Lights.Values = append(cd.Lights.Values, cnt)
	}
	cd.Top.Title = l.T("chart_top")
	for _, kc := range stats.TopCategories {
		name := kc.Key
		if ref, err := catalog.ParseRef(kc.Key); err == nil {
			if sub, ok := s.World.Dict().Lookup(ref, now); ok {
				name = l.pick([2]string{sub.Name.Zh, sub.Name.En})
			}
		}
		cd.Top.Labels = append(cd.Top.Labels, name)
		cd.Top.Values = append(cd.Top.Values, kc.Count)
	}
	cd.Districts.Title = l.T("chart_districts")
	cd.Districts.Names = []string{l.T("open"), l.T("overdue")}
	at := s.World.Atlas()
	for _, dc := range stats.Districts {
		name := dc.District
		if reg, ok := at.Region(dc.District); ok {
			name = reg.Name
		} else if name == "" {
			name = "—"
		}
		cd.Districts.Labels = append(cd.Districts.Labels, name)
		cd.Districts.Values = append(cd.Districts.Values, dc.Open)
		cd.Districts.Overdue = append(cd.Districts.Overdue, dc.Overdue)
	}
	return cd, nil
}

// handleOverviewStats serves the overview charts' data as JSON, inside the
// signed-in actor's scope (any post; a handler sees its department's cases).
func (s *Server) handleOverviewStats(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	cd, err := s.loadCharts(r.Context(), s.langOf(w, r), sess.actor)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, cd)
}
