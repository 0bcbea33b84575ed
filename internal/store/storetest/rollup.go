package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// rollupCity is a small city for the rollup test: two districts, three
// streets, a community and two grids in each street, laid out as boxes so
// the service places a report by its point.
func rollupCity(t *testing.T) *org.Atlas {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var rs []org.Region
	add := func(code, parent string, l org.Level, x0, y0, x1, y1 float64) {
		s := geo.MultiPolygon{geo.Polygon{geo.Ring{{Lng: x0, Lat: y0}, {Lng: x1, Lat: y0}, {Lng: x1, Lat: y1}, {Lng: x0, Lat: y1}, {Lng: x0, Lat: y0}}}}
		rs = append(rs, org.Region{ID: newID("region"), Code: code, Name: code, Parent: parent, Level: l, Shape: s, Bounds: s.Bounds(), ValidFrom: at, Version: 1})
	}
	add("3300", "", org.LevelCity, 120.0, 30.0, 120.3, 30.1)
	add("3301", "3300", org.LevelDistrict, 120.0, 30.0, 120.2, 30.1)
	add("3302", "3300", org.LevelDistrict, 120.2, 30.0, 120.3, 30.1)
	for i, st := range []struct{ code, district string }{{"330101", "3301"}, {"330102", "3301"}, {"330201", "3302"}} {
		x0 := 120.0 + 0.1*float64(i)
		add(st.code, st.district, org.LevelStreet, x0, 30.0, x0+0.1, 30.1)
		add(st.code+"01", st.code, org.LevelCommunity, x0, 30.0, x0+0.1, 30.1)
		add(st.code+"0101", st.code+"01", org.LevelGrid, x0, 30.0, x0+0.05, 30.1)
		add(st.code+"0102", st.code+"01", org.LevelGrid, x0+0.05, 30.0, x0+0.1, 30.1)
	}
	a, err := org.NewAtlas(rs)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testRollups drives random case histories through the real casework
// service on the store — reports from every channel, every transition the
// table allows (extensions and pauses requested, approved and denied,
// returns, rework after a failed check, merges, voids, reclassification on
// accepting and filing, callbacks), the overdue sweep, and
// corrections of a case's place and sub-class written straight to the
// store, as an administrator's repair would be — and proves after each
// round that the rollups equal a recount from the raw cases: row by row
// (CheckRollups), and as the figures of every shipped indicator per unit
// and period (TallyCases, which sums the rollups for whole days) against
// Fact.Holds over the listed cases.
func testRollups(t *testing.T, s Store) {
	ctx := context.Background()
	atlas := rollupCity(t)
	dict, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := t0.AddDate(0, 0, -20)
	svc := &casework.Service{Store: s, Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict },
		Cal: cal, Now: func() time.Time { return now }, NewID: func() string { return newID("rcase") }}
	r := rand.New(rand.NewPCG(12, 13))
	var cats []catalog.Ref
	for _, sc := range dict.SubClasses(now) {
		if len(cats) < 8 && len(sc.Conditions) > 0 {
			cats = append(cats, sc.Ref)
		}
	}
	var depts []string
	for _, d := range dict.Departments() {
		depts = append(depts, d.Code)
	}
	depts = depts[:min(4, len(depts))]
	grids := atlas.Regions(org.LevelGrid)
	var grants []org.Grant
	for _, p := range []org.Post{org.PostOperator, org.PostShiftLead, org.PostDispatcher, org.PostHandler, org.PostSupervisor,
		org.PostLeader, org.PostSystem, org.PostStreetHead} {
		grants = append(grants, org.Grant{Post: p})
	}
	boss := org.Actor{ID: "boss", Name: "测试", Grants: grants}
	citizen := org.Actor{ID: "citizen", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}
	sources := []casework.Source{casework.SourcePatrol, casework.SourceLeader, casework.SourceCitizen, casework.SourceHotline, casework.SourceCamera}
	var ids []string
	done, refused := map[casework.Action]int{}, map[casework.Action]int{}
	report := func() {
		g := grids[r.IntN(len(grids))]
		lng := g.Bounds.MinLng + (g.Bounds.MaxLng-g.Bounds.MinLng)*(0.1+0.8*r.Float64())
		lat := g.Bounds.MinLat + (g.Bounds.MaxLat-g.Bounds.MinLat)*(0.1+0.8*r.Float64())
		rep := casework.Report{Source: sources[r.IntN(len(sources))], Description: "测试问题", Lng: &lng, Lat: &lat, At: now,
			Photos: []string{"photo-1"}, SelfHandled: r.IntN(12) == 0}
		if r.IntN(6) > 0 {
			rep.Category = cats[r.IntN(len(cats))].String()
		}
		who := boss
		if rep.Source == casework.SourceCitizen {
			who = citizen
		}
		in, err := svc.Report(ctx, who, rep)
		if err != nil {
			rep.Source, rep.SelfHandled = "", false
			if in, err = svc.Report(ctx, who, rep); err != nil {
				t.Fatalf("report: %v", err)
			}
		}
		ids = append(ids, in.Case.ID)
		done[casework.ActReport]++
	}
	step := func() {
		id := ids[r.IntN(len(ids))]
		c, err := s.FindCaseByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.IntN(25) == 0 {
			// A correction of place or sub-class, straight to the store.
			if r.IntN(2) == 0 {
				g := grids[r.IntN(len(grids))]
				path := atlas.Path(g.Code)
				c.Grid, c.Community, c.Street, c.District = g.Code, path[3], path[2], path[1]
			} else {
				cat := cats[r.IntN(len(cats))]
				c.Category = &cat
			}
			if err := s.UpdateCase(ctx, c, c.Version, nil); err != nil {
				t.Fatalf("correct case %s: %v", c.ID, err)
			}
			done["correct"]++
			return
		}
		acts := casework.Allowed(c, boss)
		if len(acts) == 0 {
			return
		}
		// Ends (不予受理, 作废, 合并) are rarer than progress, or few
		// histories would get far.
		var pick []casework.Action
		for _, a := range acts {
			w := 8
			switch a {
			case casework.ActReject, casework.ActVoid, casework.ActMerge, casework.ActSendVerify, casework.ActSelfHandle:
				w = 1
			case casework.ActExtend, casework.ActApproveExtension:
				w = 24 // only before the stage deadline, which soon passes
			}
			for range w {
				pick = append(pick, a)
			}
		}
		a := pick[r.IntN(len(pick))]
		cmd := casework.Command{Action: a, Actor: boss, Note: "测试"}
		switch a {
		case casework.ActDispatch, casework.ActRedispatch:
			cmd.Department = depts[r.IntN(len(depts))]
		case casework.ActAccept, casework.ActFile:
			if r.IntN(3) == 0 || c.Category == nil {
				cat := cats[r.IntN(len(cats))]
				cmd.Category = &cat
			}
			cmd.Condition = 1
		case casework.ActVerify:
			cmd.Valid = ptr(r.IntN(4) > 0)
		case casework.ActCheck:
			cmd.Passed, cmd.Photos = ptr(r.IntN(3) > 0), []string{"photo-3"}
		case casework.ActMerge:
			cmd.Into = ids[r.IntN(len(ids))]
		case casework.ActExtend:
			cmd.Extra = &worktime.Limit{Amount: 1 + float64(r.IntN(3)), Unit: worktime.WorkingDays}
		case casework.ActDispose, casework.ActSelfHandle:
			cmd.Photos = []string{"photo-2"}
		case casework.ActApproveExtension:
			cmd.Actor = org.Actor{ID: "leader", Name: "领导", Grants: []org.Grant{{Post: org.PostLeader}}}
		case casework.ActCallback:
			cmd.Satisfaction = []string{"satisfied", "basic", "unsatisfied"}[r.IntN(3)]
		}
		if _, _, err := svc.ActAt(ctx, id, cmd, now); err != nil {
			if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
				refused[a+": "+casework.Action(e.Message)]++
				return // the table refused this one (a merge into a closed case, a rating by a stranger): a history goes on
			}
			t.Fatalf("%s case %s: %v", a, id, err)
		}
		done[a]++
	}
	sets, _, _ := kpi.Sets(kpi.Default().InForce(t0))
	for round := 0; round < 4; round++ {
		for i := 0; i < 30; i++ {
			now = now.Add(time.Duration(r.IntN(90)) * time.Minute)
			report()
		}
		for i := 0; i < 250; i++ {
			now = now.Add(time.Duration(r.IntN(12)) * time.Minute)
			step()
			if i%50 == 0 {
				if _, err := svc.SweepOverdue(ctx, 100); err != nil {
					t.Fatalf("sweep: %v", err)
				}
				done[casework.ActOverdue]++
			}
		}
		mism, err := s.CheckRollups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mism) > 0 {
			t.Fatalf("round %d: the rollups differ from a recount of the cases:\n%s", round, fmt.Sprint(mism))
		}
		compareFigures(t, s, sets, atlas, depts, cats)
	}
	// The backfill of migration 00012 (RebuildRollups), which derives the
	// coarser units from finer rows, gives the same rows as the recount.
	if err := s.RebuildRollups(ctx); err != nil {
		t.Fatal(err)
	}
	if mism, err := s.CheckRollups(ctx); err != nil || len(mism) > 0 {
		t.Fatalf("rebuilt rollups differ from a recount of the cases (%v):\n%s", err, fmt.Sprint(mism))
	}
	compareFigures(t, s, sets, atlas, depts, cats)
	// The histories must have met every kind of change the rollups track.
	for _, a := range []casework.Action{casework.ActDispatch, casework.ActExtend, casework.ActApproveExtension, casework.ActSuspend,
		casework.ActApproveSuspension, casework.ActResume, casework.ActCheck, casework.ActMerge, casework.ActVoid, casework.ActClose,
		casework.ActCallback, casework.ActFile, casework.ActReturn, casework.ActRedispatch, casework.ActRejectReturn, casework.ActOverdue, "correct"} {
		if done[a] == 0 {
			t.Errorf("no %q happened in the random histories; the test covers less than it says (%v)", a, done)
		}
	}
	t.Logf("changes driven: %v; refused: %v", done, refused)
}

// compareFigures asks TallyCases, over whole CST days (the rollups), for
// every shipped indicator's counts per unit, and checks them against
// Fact.Holds over every stored case.
func compareFigures(t *testing.T, s Store, sets []casework.Predicate, atlas *org.Atlas, depts []string, cats []catalog.Ref) {
	t.Helper()
	ctx := context.Background()
	all, total, err := s.FindCases(ctx, casework.Filter{Limit: 500})
	if err != nil || total > 500 {
		t.Fatalf("list the cases: %d, %v", total, err)
	}
	day := func(d int) *time.Time {
		v := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, cst).AddDate(0, 0, d)
		return &v
	}
	// Whole February (a month row), days across the month end, a week,
	// open ends on either side (month rows beyond a day boundary), all time.
	periods := [][2]*time.Time{{nil, nil}, {day(-29), day(-1)}, {day(-20), day(1)}, {day(-12), day(-5)}, {day(-25), nil}, {nil, day(-14)}}
	type query struct {
		name  string
		f     casework.Filter
		group string
		key   func(c *casework.Case) string
		in    func(c *casework.Case) bool
	}
	var qs []query
	yes := func(*casework.Case) bool { return true }
	qs = append(qs, query{name: "city", in: yes, key: func(*casework.Case) string { return "" }})
	for _, reg := range atlas.Regions(0) {
		if reg.Level == org.LevelCity {
			continue
		}
		reg := reg
		col := map[org.Level]func(c *casework.Case) string{org.LevelDistrict: func(c *casework.Case) string { return c.District },
			org.LevelStreet: func(c *casework.Case) string { return c.Street }, org.LevelCommunity: func(c *casework.Case) string { return c.Community },
			org.LevelGrid: func(c *casework.Case) string { return c.Grid }}[reg.Level]
		qs = append(qs, query{name: "region " + reg.Code, f: casework.Filter{Region: reg.Code, RegionLevel: reg.Level},
			in: func(c *casework.Case) bool { return col(c) == reg.Code }, key: func(*casework.Case) string { return "" }})
	}
	for _, d := range depts {
		d := d
		qs = append(qs, query{name: "department " + d, f: casework.Filter{Department: d}, in: func(c *casework.Case) bool { return c.Department == d },
			key: func(*casework.Case) string { return "" }})
	}
	for _, cat := range cats[:2] {
		cat := cat
		qs = append(qs, query{name: "sub-class " + cat.String(), f: casework.Filter{Category: &cat},
			in: func(c *casework.Case) bool { return c.Category != nil && *c.Category == cat }, key: func(*casework.Case) string { return "" }})
	}
	qs = append(qs, query{name: "leader channel", f: casework.Filter{Source: casework.SourceLeader, Region: "3301", RegionLevel: org.LevelDistrict},
		in:  func(c *casework.Case) bool { return c.Source == casework.SourceLeader && c.District == "3301" },
		key: func(*casework.Case) string { return "" }})
	for _, g := range []struct {
		group string
		key   func(c *casework.Case) string
	}{{"district", func(c *casework.Case) string { return c.District }}, {"street", func(c *casework.Case) string { return c.Street }},
		{"grid", func(c *casework.Case) string { return c.Grid }}, {"department", func(c *casework.Case) string { return c.Department }}} {
		qs = append(qs, query{name: "by " + g.group, group: g.group, in: yes, key: g.key})
	}
	qs = append(qs, query{name: "streets of 3301", group: "street", f: casework.Filter{Region: "3301", RegionLevel: org.LevelDistrict},
		in: func(c *casework.Case) bool { return c.District == "3301" }, key: func(c *casework.Case) string { return c.Street }})
	for _, q := range qs {
		for _, p := range periods {
			f := q.f
			f.From, f.To = p[0], p[1]
			got, err := s.TallyCases(ctx, casework.TallyQuery{Filter: f, Sets: sets, GroupBy: q.group})
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			want := map[string]*casework.TallyRow{}
			for _, c := range all {
				if !q.in(c) || (p[0] != nil && c.ReportedAt.Before(*p[0])) || (p[1] != nil && !c.ReportedAt.Before(*p[1])) {
					continue
				}
				k := q.key(c)
				w := want[k]
				if w == nil {
					w = &casework.TallyRow{Key: k, Counts: make([]int, len(sets))}
					want[k] = w
				}
				for i, set := range sets {
					if set.Holds(c) {
						w.Counts[i]++
					}
				}
				if c.DispatchedAt != nil {
					w.Dispatched++
					w.Response += time.Duration((c.DispatchedAt.UnixMicro()-c.ReportedAt.UnixMicro())/1_000_000) * time.Second
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s %v: %d rows, want %d", q.name, p, len(got), len(want))
			}
			for _, g := range got {
				w := want[g.Key]
				if w == nil || !slices.Equal(g.Counts, w.Counts) || g.Dispatched != w.Dispatched || g.Response != w.Response {
					t.Fatalf("%s %v unit %q: got %+v, want %+v", q.name, p, g.Key, g, w)
				}
			}
		}
	}
}
