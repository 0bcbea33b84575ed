package assess

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

var jan = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ptr(v float64) *float64 { return &v }

func TestDefault_ShipsJNAndJH(t *testing.T) {
	b := Default()
	for _, code := range []string{"jn_table", "jh_table"} {
		s, err := b.Find(code, jan)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if s.MaxPoints() != 100 {
			t.Errorf("%s is out of %v points, want 100", code, s.MaxPoints())
		}
	}
	if _, err := b.Find("jn_table", jan.AddDate(-1, 0, 0)); err == nil {
		t.Error("a scheme was in force before its effective date")
	}
}

func TestParse_Mistakes(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"not json", `{`, "not valid JSON"},
		{"unknown field", `{"schemes":[{"code":"x_table","bogus":1}]}`, "not valid JSON"},
		{"count indicator", `{"schemes":[{"code":"x_table","name":{"zh":"甲","en":"A"},"items":[{"indicator":"closed","weight":10}],"grades":[{"letter":"A","min":0}],"version":1,"effective":"2026-01-01"}]}`, "must name a rate"},
		{"bad predicate", `{"schemes":[{"code":"x_table","name":{"zh":"甲","en":"A"},"items":[{"indicator":"closure_rate","weight":10}],"deductions":[{"name":{"zh":"乙","en":"B"},"is":"nonsense","points":1}],"grades":[{"letter":"A","min":0}],"version":1,"effective":"2026-01-01"}]}`, "is must be case conditions"},
		{"per point without threshold", `{"schemes":[{"code":"x_table","name":{"zh":"甲","en":"A"},"items":[{"indicator":"closure_rate","weight":10,"per_point":1}],"grades":[{"letter":"A","min":0}],"version":1,"effective":"2026-01-01"}]}`, "per_point needs a threshold"},
		{"unknown double source", `{"schemes":[{"code":"x_table","name":{"zh":"甲","en":"A"},"items":[{"indicator":"closure_rate","weight":10}],"double":["media"],"grades":[{"letter":"A","min":0}],"version":1,"effective":"2026-01-01"}]}`, "unknown source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json), kpi.Default())
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error() + " " + kpi.Problems(err); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}

func TestPoints(t *testing.T) {
	for _, tc := range []struct {
		name string
		it   Item
		v    float64
		want float64
	}{
		{"linear", Item{Weight: 30}, 90, 27},
		{"linear inverted", Item{Weight: 20, Invert: true}, 5, 19},
		{"threshold met", Item{Weight: 50, Threshold: ptr(70), PerPoint: 1}, 75.8, 50},
		{"threshold short", Item{Weight: 50, Threshold: ptr(70), PerPoint: 1}, 62.5, 42.5},
		{"threshold floor", Item{Weight: 20, Threshold: ptr(90), PerPoint: 1}, 10, 0},
		{"inverted threshold over", Item{Weight: 10, Threshold: ptr(5), PerPoint: 2, Invert: true}, 8, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := points(tc.it, tc.v); got != tc.want {
				t.Errorf("points = %v, want %v", got, tc.want)
			}
		})
	}
}

// fakeCounter answers each tally from cases held in memory, by the
// predicates' own meaning (casework.Predicate.Holds).
// fakeCounter counts its cases as the store would; queries, when set,
// counts the queries asked.
type fakeCounter struct {
	cases   []*casework.Case
	queries *int
}

func (f fakeCounter) Tally(_ context.Context, _ org.Actor, q casework.TallyQuery) ([]casework.TallyRow, error) {
	if f.queries != nil {
		*f.queries++
	}
	rows := map[string]*casework.TallyRow{}
	var order []string
	for _, c := range f.cases {
		if q.Filter.Source != "" && c.Source != q.Filter.Source || q.Filter.ReporterID != "" && c.ReporterID != q.Filter.ReporterID ||
			len(q.Filter.ReporterIDs) > 0 && !slices.Contains(q.Filter.ReporterIDs, c.ReporterID) {
			continue
		}
		key := ""
		switch q.GroupBy {
		case "district":
			key = c.District
		case casework.TallyByReporter:
			key = c.ReporterID
		}
		r, ok := rows[key]
		if !ok {
			r = &casework.TallyRow{Key: key, Counts: make([]int, len(q.Sets))}
			rows[key] = r
			order = append(order, key)
		}
		for i, p := range q.Sets {
			if p.Holds(c) {
				r.Counts[i]++
			}
		}
	}
	var out []casework.TallyRow
	for _, k := range order {
		out = append(out, *rows[k])
	}
	return out, nil
}

func closedCase(district string, src casework.Source, onTime, reworked bool) *casework.Case {
	at := jan.Add(time.Hour)
	c := &casework.Case{District: district, Source: src, Status: casework.StatusClosed, ReportedAt: at,
		FiledAt: &at, DispatchedAt: &at, DisposedAt: &at, ClosedAt: &at, ClosedLate: !onTime, Satisfaction: "satisfied"}
	if !onTime {
		c.ClosureKind = "late"
	}
	if reworked {
		c.Reworks = 1
	}
	return c
}

func TestAssess_JHRanksWithDeductionsAndDoubleLeaderCases(t *testing.T) {
	var cases []*casework.Case
	// District A: 10 cases closed on time, one reworked. District B: 10
	// cases, 4 closed late, one of them a leader's case (counted twice).
	for i := 0; i < 10; i++ {
		cases = append(cases, closedCase("A", casework.SourcePatrol, true, i == 0))
	}
	for i := 0; i < 10; i++ {
		src := casework.SourcePatrol
		if i == 0 {
			src = casework.SourceLeader
		}
		cases = append(cases, closedCase("B", src, i >= 4, false))
	}
	cases = append(cases, closedCase("C", casework.SourcePatrol, true, false))
	s, err := Default().Find("jh_table", jan)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(s, kpi.Default(), jan)
	if err != nil {
		t.Fatal(err)
	}
	units := []Unit{{org.LevelDistrict, "A", "甲区"}, {org.LevelDistrict, "B", "乙区"}, {org.LevelDistrict, "D", "丁区"}}
	ranked, err := Assess(context.Background(), fakeCounter{cases: cases}, org.Actor{}, Query{Plan: p, Period: kpi.Month(jan), GroupBy: "district", Units: units})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranked) != 3 || ranked[0].Code != "A" || ranked[1].Code != "B" || ranked[2].Code != "D" {
		t.Fatalf("order %v", ranked)
	}
	a, b := ranked[0].Result, ranked[1].Result
	// A: every rate perfect but rework 10 % → 15 × 0.9 = 13.5; one failed check −0.2.
	if got := *a.Score; got != 50+20+15+13.5-0.2 {
		t.Errorf("A scored %v", got)
	}
	if a.Deductions[0].Cases != 1 || a.Deductions[0].Points != 0.2 {
		t.Errorf("A's deduction %+v", a.Deductions[0])
	}
	// B: 11 counted cases (the leader's twice), 5 late → 6/11 on time = 54.55 %.
	if v := *b.Parts[0].Figure.Value; v != 54.55 {
		t.Errorf("B on-time closure %v, want 54.55 (leader case double)", v)
	}
	if got := *b.Score; got != 50-(70-54.55)+20+15+15 {
		t.Errorf("B scored %v", got)
	}
	if ranked[2].Rank != 0 || ranked[2].Result.Score != nil {
		t.Errorf("a district without cases was ranked: %+v", ranked[2])
	}
	if a.Grade != "A" || b.Grade != "B" {
		t.Errorf("grades %s %s", a.Grade, b.Grade)
	}
}

func TestRankAndRedBlack(t *testing.T) {
	units := []Unit{{Code: "a"}, {Code: "b"}, {Code: "c"}, {Code: "d"}, {Code: "e"}}
	res := []Result{{Score: ptr(80)}, {Score: ptr(90)}, {Score: ptr(80)}, {}, {Score: ptr(50)}}
	r := Rank(units, res)
	var got []string
	for _, x := range r {
		got = append(got, x.Code+":"+string(rune('0'+x.Rank)))
	}
	if strings.Join(got, " ") != "b:1 a:2 c:2 e:4 d:0" {
		t.Errorf("ranking %v", got)
	}
	for _, tc := range []struct {
		n          int
		red, black string
	}{{1, "b", "e"}, {2, "b a", "e c"}, {3, "b a", "e c"}} {
		red, black := RedBlack(r, tc.n)
		codes := func(rs []Ranked) string {
			var s []string
			for _, x := range rs {
				s = append(s, x.Code)
			}
			return strings.Join(s, " ")
		}
		if codes(red) != tc.red || codes(black) != tc.black {
			t.Errorf("n=%d: red %q black %q", tc.n, codes(red), codes(black))
		}
	}
}

// TestAssess_SupervisorsByTheirReports: the supervisor table scores each
// supervisor by the cases he reported; a report filed and then voided is
// a false report (虚报) and costs a point; a supervisor without reports
// is listed, not ranked.
func TestAssess_SupervisorsByTheirReports(t *testing.T) {
	at := jan.Add(time.Hour)
	report := func(by string, filed, voided bool) *casework.Case {
		c := &casework.Case{ReporterID: by, Source: casework.SourcePatrol, Status: casework.StatusPendingFile, ReportedAt: at}
		if filed {
			c.FiledAt, c.Status = &at, casework.StatusDispatched
		}
		if voided {
			c.Status = casework.StatusVoided
		}
		return c
	}
	var cases []*casework.Case
	for i := 0; i < 10; i++ { // wang: 10 reports, all filed, one voided after filing
		cases = append(cases, report("wang", true, i == 0))
	}
	for i := 0; i < 10; i++ { // li: 10 reports, 8 filed
		cases = append(cases, report("li", i < 8, false))
	}
	b := Default()
	s, err := b.ForLevel(GroupBySupervisor, jan)
	if err != nil || s.Code != "supervisor_table" {
		t.Fatalf("the supervisors' scheme: %v, %v", s, err)
	}
	if s.MaxPoints() != 100 {
		t.Errorf("supervisor_table is out of %v points", s.MaxPoints())
	}
	p, err := NewPlan(s, kpi.Default(), jan)
	if err != nil {
		t.Fatal(err)
	}
	units := []Unit{{Code: "li", Name: "李"}, {Code: "wang", Name: "王"}, {Code: "zhao", Name: "赵"}}
	// A citizen's reports are no supervisor's.
	cases = append(cases, report("citizen-1", true, true), report("citizen-1", true, true))
	queries := 0
	ranked, err := Assess(context.Background(), fakeCounter{cases, &queries}, org.Actor{}, Query{Plan: p, Period: kpi.Month(jan), GroupBy: GroupBySupervisor, Units: units})
	if err != nil {
		t.Fatal(err)
	}
	// One grouped query for every supervisor, and one for the leader's
	// cases the scheme counts twice: not one per supervisor.
	if want := 1 + len(s.Double); queries != want {
		t.Errorf("ranking %d supervisors took %d queries, want %d", len(units), queries, want)
	}
	// wang: 70 × 100 % + 30 × 90 % − 1 = 96; li: 70 × 80 % + 30 × 100 % = 86.
	want := []struct {
		code  string
		score float64
		rank  int
	}{{"wang", 96, 1}, {"li", 86, 2}, {"zhao", 0, 0}}
	for i, w := range want {
		got := ranked[i]
		if got.Code != w.code || got.Rank != w.rank {
			t.Fatalf("place %d: %s rank %d, want %s rank %d", i, got.Code, got.Rank, w.code, w.rank)
		}
		if w.rank > 0 && *got.Result.Score != w.score {
			t.Errorf("%s scored %v, want %v", got.Code, *got.Result.Score, w.score)
		}
	}
	if d := ranked[0].Result.Deductions[0]; d.Cases != 1 || d.Points != 1 {
		t.Errorf("wang's false reports: %+v", d)
	}
}

func TestScheme_Levels(t *testing.T) {
	b := Default()
	jn, _ := b.Find("jn_table", jan)
	sup, _ := b.Find("supervisor_table", jan)
	for _, tc := range []struct {
		s     *Scheme
		level string
		want  bool
	}{
		{jn, "district", true}, {jn, "community", true}, {jn, "department", true}, {jn, GroupBySupervisor, false},
		{sup, GroupBySupervisor, true}, {sup, "district", false},
		{&Scheme{}, "street", true}, {&Scheme{}, "community", false}, {&Scheme{}, GroupBySupervisor, false},
	} {
		if got := tc.s.Ranks(tc.level); got != tc.want {
			t.Errorf("%q ranks %s: %v, want %v", tc.s.Code, tc.level, got, tc.want)
		}
	}
	if _, err := (&Book{}).ForLevel("district", jan); err == nil || !strings.Contains(kpi.Problems(err), "levels") {
		t.Errorf("an empty book ranks districts: %v", err)
	}
}

// TestLoad: a city's schemes file replaces the shipped book; a file with
// mistakes is refused naming each, and no path is the shipped book.
func TestLoad(t *testing.T) {
	good := `{"schemes":[{"code":"city_table","name":{"zh":"本市考核","en":"City table"},"items":[{"indicator":"closure_rate","weight":100}],"grades":[{"letter":"A","min":90},{"letter":"B","min":0}],"levels":["district"],"version":1,"effective":"2026-01-01"}]}`
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct{ name, path, err string }{
		{"no file", "", ""},
		{"a city's file", write("good.json", good), ""},
		{"missing", filepath.Join(dir, "missing.json"), "read the assessment schemes"},
		{"unknown level", write("level.json", strings.Replace(good, `["district"]`, `["province"]`, 1)), `unknown object "province"`},
		{"unknown indicator", write("ind.json", strings.Replace(good, "closure_rate", "happiness_rate", 1)), "must name a rate indicator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Load(tc.path, nil)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Load: %v, want an error naming %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case tc.path == "" && b != nil:
				t.Error("no path gave a book")
			case tc.path != "":
				if s, err := b.ForLevel("district", jan); err != nil || s.Code != "city_table" {
					t.Errorf("the city's table is not used: %v %v", s, err)
				}
			}
		})
	}
}
