package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// consistencyPosts open the 同案不同罚 report: those who answer for
// consistent penalties (the API route allows the same).
var consistencyPosts = []org.Post{enforce.PostLegalReviewer, org.PostLeader, org.PostAdmin}

func mayReadConsistency(a org.Actor) bool {
	for _, p := range consistencyPosts {
		if _, ok := a.Grant(p); ok {
			return true
		}
	}
	return false
}

type consistencySpread struct {
	Name             string
	URL              string
	N                int
	Min, Median, Max float64
	Outlier          bool
}

type consistencyOutlier struct {
	By, Label, URL string
	Value          float64
	Deviation      string
}

type consistencyGroup struct {
	Violation, Level, Party string
	All                     enforce.Spread
	Districts, Officers     []consistencySpread
	Outliers                []consistencyOutlier
}

type consistencyPage struct {
	From, To, Violation string
	Violations          []option
	Decisions, Outliers int
	MinGroup            int
	Tolerance           string
	Groups              []consistencyGroup
}

// handleEnforceConsistency is the console's 同案不同罚 report: per violation,
// level and kind of party, the spread of the fines across districts and
// officers, the outliers first, each decision linking to its case.
func (s *Server) handleEnforceConsistency(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	if !mayReadConsistency(sess.actor) {
		return errs.Forbidden("同案不同罚分析需要法制审核员、领导或管理员岗位 / the consistency report needs a legal reviewer, leader or administrator post")
	}
	q := r.URL.Query()
	loc := s.Cal.Location()
	now := s.Now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(-1, 0, 0)
	bad := errs.Invalid("统计区间不对 / the period is not valid")
	for _, p := range []struct {
		key string
		dst *time.Time
		end bool
	}{{"from", &from, false}, {"to", &to, true}} {
		if v := strings.TrimSpace(q.Get(p.key)); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				bad.WithField(p.key, "日期如 2026-01-02 / a date such as 2026-01-02")
				continue
			}
			if p.end {
				t = t.AddDate(0, 0, 1) // the last day is included
			}
			*p.dst = t
		}
	}
	if !from.Before(to) {
		bad.WithField("from", "须早于结束日期 / must be before the end")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("enf_consistency")
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	violation := strings.TrimSpace(q.Get("violation"))
	if _, ok := rb.Item(violation); violation != "" && !ok {
		return errs.Invalid("裁量基准中没有违法行为 %q / no rulebook item %q", violation, violation).WithField("violation", "unknown")
	}
	rep, err := s.Enforcement.Consistency(r.Context(), sess.actor, from, to, violation)
	if err != nil {
		return err
	}
	p := &consistencyPage{From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02"), Violation: violation,
		Decisions: rep.Decisions, Outliers: rep.Outliers, MinGroup: rep.Options.MinGroup, Tolerance: fmt.Sprintf("%.0f%%", rep.Options.Tolerance*100)}
	p.Violations = []option{{Value: "", Label: v.L.T("all")}}
	for _, it := range rb.Items {
		p.Violations = append(p.Violations, option{Value: it.ID, Label: it.ID + " " + v.L.pick([2]string{it.Name.Zh, it.Name.En}), Selected: it.ID == violation})
	}
	for _, g := range rep.Groups {
		p.Groups = append(p.Groups, s.consistencyGroup(v.L, rb, g))
	}
	// Groups with outliers first, the most outliers first; the order of
	// the report otherwise (violation, level, party).
	sort.SliceStable(p.Groups, func(i, j int) bool { return len(p.Groups[i].Outliers) > len(p.Groups[j].Outliers) })
	v.Data = p
	s.render(w, r, http.StatusOK, "enfconsistency", v)
	return nil
}

func (s *Server) consistencyGroup(l lang, rb *enforce.Rulebook, g enforce.Group) consistencyGroup {
	out := consistencyGroup{Violation: violationName(l, rb, g.Violation), Level: l.pick([2]string{enforce.LevelNames[g.Level].Zh, enforce.LevelNames[g.Level].En}),
		Party: l.T("enf_person"), All: g.All}
	if g.Party == enforce.Organisation {
		out.Party = l.T("enf_org")
	}
	flagged := map[string]bool{}
	for _, o := range g.Outliers {
		flagged[o.By+"/"+o.Key] = true
		row := consistencyOutlier{Label: o.Label, Value: o.Value, Deviation: fmt.Sprintf("%+.0f%%", o.Deviation*100)}
		switch o.By {
		case "decision":
			row.By, row.URL = l.T("enf_outlier_decision"), "/console/enforcement/cases/"+o.Key
		case "district":
			row.By, row.Label = l.T("enf_district"), s.regionName(o.Key)
		case "officer":
			row.By = l.T("enf_outlier_officer")
		}
		out.Outliers = append(out.Outliers, row)
	}
	for _, k := range sortedSpreadKeys(g.Districts) {
		sp := g.Districts[k]
		out.Districts = append(out.Districts, consistencySpread{Name: s.regionName(k), N: sp.N, Min: sp.Min, Median: sp.Median, Max: sp.Max,
			Outlier: flagged["district/"+k]})
	}
	for _, k := range sortedSpreadKeys(g.Officers) {
		sp := g.Officers[k]
		out.Officers = append(out.Officers, consistencySpread{Name: g.OfficerNames[k], N: sp.N, Min: sp.Min, Median: sp.Median, Max: sp.Max,
			Outlier: flagged["officer/"+k]})
	}
	return out
}

func sortedSpreadKeys(m map[string]enforce.Spread) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
