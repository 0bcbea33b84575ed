package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
)

// seedDecided stores decided penalty cases straight into the store, as an
// import would: fines of one violation at one level across two districts
// and three officers.
func seedDecided(t *testing.T, svc *enforce.Service, at time.Time, rows []struct {
	district, officer string
	fine              float64
}) []*enforce.Case {
	t.Helper()
	var out []*enforce.Case
	for i, r := range rows {
		c := &enforce.Case{ID: fmt.Sprintf("dec-%02d", i), District: r.district, Procedure: enforce.Ordinary, Status: enforce.StatusExecuting,
			Party: enforce.Party{Kind: enforce.Person, Name: "某人"}, Violation: "ROAD-01", OccurredAt: at.Add(-72 * time.Hour), Brigade: "enforcement",
			Officers: []enforce.Officer{{ID: r.officer, Name: "执法" + r.officer, Certificate: "3201" + r.officer}, {ID: "o2", Name: "执法o2", Certificate: "3201o2"}},
			Proposal: &enforce.Proposal{Violation: "ROAD-01", Benchmark: enforce.Outcome{Level: enforce.LevelGeneral}},
			Decision: &enforce.Decision{Number: fmt.Sprintf("宁城管罚决字〔2026〕%d号", 100+i), At: at.Add(time.Duration(i) * time.Minute),
				Penalty: enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: r.fine}}, Version: 1, UpdatedAt: at}
		party := enforce.PartyDetail{Kind: enforce.Person, Name: "某人", IDNumber: fmt.Sprintf("3201021990010112%02d", i)}
		if err := svc.Store.CreateCase(context.Background(), c, party, []enforce.Event{{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen,
			To: enforce.StatusLead, Actor: r.officer, At: at}}, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestEnforcement_Consistency(t *testing.T) {
	rig := newEnforceRig(t)
	svc := rig.svc
	at := time.Date(2026, 5, 20, 2, 0, 0, 0, time.UTC)
	cases := seedDecided(t, svc, at, []struct {
		district, officer string
		fine              float64
	}{{"320102", "o1", 500}, {"320102", "o1", 500}, {"320102", "o1", 600}, {"320102", "o2", 500}, {"320102", "o2", 450}, {"320104", "o3", 2000}})
	tests := []struct {
		name, who, query string
		status           int
		must             []string
		mustNot          []string
	}{
		{"the legal reviewer sees the spread and the outliers", "R1", "?from=2026-05-01&to=2026-06-01", 200,
			[]string{`"decisions":6`, `"violation":"ROAD-01"`, `"level":"general"`, `"320104":{"n":1,"min":2000`, `"by":"decision","key":"` + cases[5].ID + `","label":"` + cases[5].Code + `"`,
				`"by":"district","key":"320104"`, `"by":"officer","key":"o3","label":"执法o3"`, `"outliers":3`}, []string{`"key":"` + cases[0].ID + `"`}},
		{"one violation", "L1", "?from=2026-05-01&to=2026-06-01&violation=ROAD-01", 200, []string{`"decisions":6`}, nil},
		{"another violation has no decisions", "L1", "?from=2026-05-01&to=2026-06-01&violation=WASTE-01", 200, []string{`"decisions":0`, `"groups":[]`}, nil},
		{"outside the period", "L1", "?from=2026-01-01&to=2026-02-01", 200, []string{`"decisions":0`}, nil},
		{"an unknown violation is a 400 naming the field", "L1", "?violation=XYZ-99", 400, []string{"violation", "rulebook"}, nil},
		{"a bad date", "L1", "?from=yesterday", 400, []string{"from"}, nil},
		{"an unknown parameter", "L1", "?district=320102", 400, []string{"district"}, nil},
		{"an enforcer may not", "o1", "", 403, []string{"legal_reviewer"}, nil},
		{"anonymous", "", "", 401, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := rig.do("GET", "/api/v1/enforcement/consistency"+tt.query, tt.who, "")
			if code != tt.status {
				t.Fatalf("%d, want %d: %s", code, tt.status, body)
			}
			for _, m := range tt.must {
				if !strings.Contains(body, m) {
					t.Errorf("no %s in %s", m, body)
				}
			}
			for _, m := range tt.mustNot {
				if strings.Contains(body, m) {
					t.Errorf("%s in %s", m, body)
				}
			}
		})
	}
}
