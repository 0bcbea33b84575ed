package demo

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"reflect"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

var testNow = time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)

func mustEnv(t testing.TB) (*catalog.Dictionary, *worktime.Calendar) {
	t.Helper()
	dict, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return dict, cal
}

func mustGenerate(t testing.TB, seed int64, n, workers int) (*Memory, Summary) {
	t.Helper()
	dict, cal := mustEnv(t)
	m := &Memory{}
	sum, err := Build(context.Background(), m, dict, cal, Options{Seed: seed, Cases: n, Now: testNow, PasswordHash: "x", Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return m, sum
}

func TestRegions(t *testing.T) {
	regions := Regions(7, testNow)
	count := map[org.Level]int{}
	codeLen := map[org.Level]int{org.LevelCity: 4, org.LevelDistrict: 6, org.LevelStreet: 9, org.LevelCommunity: 12, org.LevelGrid: 14}
	names := map[string]bool{}
	kids := map[string]int{}
	area := map[string]float64{}
	for _, r := range regions {
		count[r.Level]++
		if len(r.Code) != codeLen[r.Level] {
			t.Errorf("%s (%s): code has %d digits, want %d", r.Code, r.Level, len(r.Code), codeLen[r.Level])
		}
		if r.Level != org.LevelCity && !strings.HasPrefix(r.Code, r.Parent) {
			t.Errorf("%s does not extend its parent's code %s", r.Code, r.Parent)
		}
		if err := r.Shape.Validate(); err != nil {
			t.Errorf("%s: %v", r.Code, err)
		}
		if r.Level != org.LevelGrid {
			if names[r.Name] {
				t.Errorf("name %s appears twice", r.Name)
			}
			names[r.Name] = true
		}
		kids[r.Parent]++
		area[r.Parent] += r.AreaM2
		if r.Level == org.LevelGrid && (r.AreaM2 < 9800 || r.AreaM2 > 10200) {
			t.Errorf("grid %s has %.0f m², want about 10,000", r.Code, r.AreaM2)
		}
		if r.ID == "" || r.Version != 1 || r.ValidFrom.IsZero() || r.Bounds.IsEmpty() {
			t.Errorf("%s: ID, version, valid-from or bounds missing", r.Code)
		}
	}
	if count[org.LevelCity] != 1 || count[org.LevelDistrict] != 6 || count[org.LevelStreet] < 40 ||
		count[org.LevelCommunity] < 300 || count[org.LevelGrid] < 18000 || count[org.LevelGrid] > 22000 {
		t.Fatalf("levels: %v", count)
	}
	// Children tile their parent: their areas add up to its area.
	for _, r := range regions {
		if r.Level == org.LevelGrid {
			continue
		}
		if r.Level == org.LevelCommunity && kids[r.Code] > 99 {
			t.Errorf("community %s has %d grids; codes allow 99", r.Code, kids[r.Code])
		}
		if d := area[r.Code] - r.AreaM2; d > 1e-6*r.AreaM2 || d < -1e-6*r.AreaM2 {
			t.Errorf("%s: children cover %.0f m² of %.0f m²", r.Code, area[r.Code], r.AreaM2)
		}
	}
	atlas, err := org.NewAtlas(regions)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		if r.Level != org.LevelGrid {
			continue
		}
		loc, err := atlas.Locate(r.Shape.Centroid())
		if err != nil || loc.Grid != r.Code {
			t.Fatalf("centre of %s locates to %q (%v)", r.Code, loc.Grid, err)
		}
	}
	city := atlas.City().Shape.Centroid()
	if geo.DistanceM(city, geo.Point{Lng: 118.78, Lat: 32.04}) > 50 {
		t.Errorf("city centred at %v", city)
	}
	if !reflect.DeepEqual(regions, Regions(7, testNow)) {
		t.Error("Regions is not deterministic")
	}
	if reflect.DeepEqual(regions[100].Shape, Regions(8, testNow)[100].Shape) && regions[100].ID == Regions(8, testNow)[100].ID {
		t.Error("another seed gives the same city")
	}
}

// TestRegions_seeds checks that no seed needs three-digit grid numbers.
func TestRegions_seeds(t *testing.T) {
	for seed := int64(0); seed < 40; seed++ {
		for _, d := range layoutCity(seed).districts {
			for _, s := range d.kids {
				for _, c := range s.kids {
					if c.r.cells() > maxGridsPerCommunity || c.r.w() < 2 || c.r.h() < 2 {
						t.Fatalf("seed %d: community %s is %d×%d", seed, c.code, c.r.w(), c.r.h())
					}
				}
			}
		}
	}
}

func TestAccounts(t *testing.T) {
	dict, _ := mustEnv(t)
	regions := Regions(1, testNow)
	accounts := Accounts(1, regions, dict, "hash", testNow)
	by := map[string]org.Account{}
	for _, a := range accounts {
		if _, dup := by[a.Username]; dup {
			t.Errorf("username %s twice", a.Username)
		}
		by[a.Username] = a
		if a.PasswordHash != "hash" || a.ID == "" || len(a.Grants) != 1 || a.Name == "" {
			t.Errorf("account %s: %+v", a.Username, a)
		}
	}
	want := map[string]org.Post{"supervisor": org.PostSupervisor, "operator": org.PostOperator, "shiftlead": org.PostShiftLead,
		"dispatcher": org.PostDispatcher, "handler": org.PostHandler, "leader": org.PostLeader, "admin": org.PostAdmin,
		"gridmember": org.PostGridMember, "streetchief": org.PostStreetHead}
	for u, p := range want {
		if a, ok := by[u]; !ok || a.Grants[0].Post != p {
			t.Errorf("%s: %+v", u, a)
		}
	}
	if r := by["supervisor"].Grants[0].Region; len(r) != 9 {
		t.Errorf("supervisor bound to %q, want a street", r)
	}
	top := TopDepartment(dict, testNow)
	if by["handler"].Grants[0].Department != top || top != "enforcement" {
		t.Errorf("handler is in %q, top department %q", by["handler"].Grants[0].Department, top)
	}
	for _, d := range dict.Departments() {
		if d.Code == top {
			continue
		}
		if a, ok := by["handler_"+d.Code]; !ok || a.Grants[0].Department != d.Code {
			t.Errorf("no handler for %s", d.Code)
		}
	}
}

func TestPhotos(t *testing.T) {
	m := &Memory{}
	ps, n, err := putPhotos(context.Background(), m, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n < 16 || len(m.Photos) != n {
		t.Fatalf("%d photos, %d distinct", n, len(m.Photos))
	}
	for g := range nGroups {
		for s := range nShots {
			img, err := png.Decode(bytes.NewReader(m.Photos[ps[g][s]]))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
				t.Errorf("photo %d/%d is %v", g, s, b)
			}
		}
	}
}

func TestGenerate_deterministic(t *testing.T) {
	a, sa := mustGenerate(t, 42, 1500, 1)
	b, sb := mustGenerate(t, 42, 1500, 3)
	sa.Duration, sb.Duration = 0, 0
	if !reflect.DeepEqual(sa, sb) {
		t.Fatalf("summaries differ:\n%+v\n%+v", sa, sb)
	}
	if !reflect.DeepEqual(a.Regions, b.Regions) || !reflect.DeepEqual(a.Accounts, b.Accounts) || !reflect.DeepEqual(a.Photos, b.Photos) {
		t.Fatal("regions, accounts or photos differ")
	}
	for i := range a.Cases {
		if !reflect.DeepEqual(a.Cases[i], b.Cases[i]) || !reflect.DeepEqual(a.Events[i], b.Events[i]) {
			t.Fatalf("case %d differs:\n%+v\n%+v", i, a.Cases[i], b.Cases[i])
		}
	}
	c, _ := mustGenerate(t, 43, 300, 0)
	if reflect.DeepEqual(a.Cases[0].ID, c.Cases[0].ID) {
		t.Error("another seed gives the same cases")
	}
}

// TestGenerate_replay replays every timeline through casework.Decide from a
// fresh draft and expects the stored case: generation used nothing else.
func TestGenerate_replay(t *testing.T) {
	dict, cal := mustEnv(t)
	m := &Memory{}
	regions := Regions(5, testNow)
	atlas, err := org.NewAtlas(regions)
	if err != nil {
		t.Fatal(err)
	}
	svc := &casework.Service{Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict }, Cal: cal}
	if _, err := Generate(context.Background(), m, svc, Options{Seed: 5, Cases: 3000, Now: testNow, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]*casework.Case{}
	timelines := map[string][]casework.Event{}
	for k, c := range m.Cases {
		ids[c.ID] = c
		timelines[c.ID] = m.Events[k]
	}
	merged := 0
	for k, want := range m.Cases {
		if want.Status == casework.StatusMerged {
			merged++
			// The case merged into was still open then.
			at := m.Events[k][len(m.Events[k])-1].At
			st := casework.Status("")
			for _, e := range timelines[want.MergedInto] {
				if !e.At.After(at) {
					st = e.To
				}
			}
			if st == "" || st.Terminal() {
				t.Errorf("case %s merged at %s into %s, which was %q then", want.ID, at, want.MergedInto, st)
			}
		}
		if err := replay(svc, want, m.Events[k], ids); err != nil {
			t.Fatalf("case %d (%s): %v", k, want.ID, err)
		}
	}
	if merged == 0 {
		t.Error("no merged case to check")
	}
}

func replay(svc *casework.Service, want *casework.Case, evs []casework.Event, ids map[string]*casework.Case) error {
	if len(evs) == 0 || evs[0].Action != casework.ActReport {
		return fmt.Errorf("timeline does not start with a report")
	}
	rep := evs[0]
	// The stored channel is what the reporting credential was granted (the
	// event keeps the post, not the key's grants).
	actor := org.Actor{ID: rep.Actor, Name: rep.Name, Grants: []org.Grant{{Post: rep.Post}}, Sources: []string{string(want.Source)}}
	local := *svc
	local.NewID = func() string { return want.ID }
	local.Now = func() time.Time { return rep.At }
	lng, lat := want.Point.Lng, want.Point.Lat
	c, err := local.Draft(actor, casework.Report{Source: want.Source, Category: want.Category.String(), Condition: condOf(want, evs),
		Description: want.Description, Address: want.Address, Lng: &lng, Lat: &lat, Photos: rep.Photos,
		Reporter: want.Reporter, Phone: want.Phone, ExternalRef: want.ExternalRef, At: rep.At})
	if err != nil {
		return fmt.Errorf("draft: %w", err)
	}
	cur := *c
	prev := rep.At
	for i := 1; i < len(evs); i++ {
		ev := evs[i]
		if ev.At.Before(prev) || ev.At.After(testNow) {
			return fmt.Errorf("event %d (%s) at %s: out of order or after now", i, ev.Action, ev.At)
		}
		prev = ev.At
		if ev.Seq != i+1 || ev.ID == "" || ev.CaseID != want.ID {
			return fmt.Errorf("event %d: seq %d, id %q, case %q", i, ev.Seq, ev.ID, ev.CaseID)
		}
		if ev.Action == casework.ActDispatch && ev.Post == org.PostSystem && evs[i-1].Action == casework.ActFile {
			continue // made by Decide itself with the filing
		}
		grant := org.Grant{Post: ev.Post}
		if ev.Post == org.PostHandler {
			grant.Department = cur.Department
		}
		cmd := casework.Command{Action: ev.Action, Actor: org.Actor{ID: ev.Actor, Name: ev.Name, Grants: []org.Grant{grant}},
			Note: ev.Note, Photos: ev.Photos, Point: ev.Point}
		d := ev.Data
		switch ev.Action {
		case casework.ActDispatch, casework.ActRedispatch:
			cmd.Department, _ = d["department"].(string)
		case casework.ActVerify:
			v, _ := d["valid"].(bool)
			cmd.Valid = &v
		case casework.ActCheck:
			v, _ := d["passed"].(bool)
			cmd.Passed = &v
		case casework.ActMerge:
			cmd.Into, _ = d["into"].(string)
			if into, ok := ids[cmd.Into]; !ok || into.ReportedAt.After(ev.At) {
				return fmt.Errorf("merged into %s, which is unknown or later", cmd.Into)
			}
		case casework.ActExtend:
			x, _ := d["extra"].(worktime.Limit)
			cmd.Extra = &x
		case casework.ActCallback:
			cmd.Satisfaction, _ = d["satisfaction"].(string)
		case casework.ActClose:
			cmd.Recurrence, _ = d["recurrence_of"].(string)
			if cmd.Recurrence != "" {
				base, ok := ids[cmd.Recurrence]
				if !ok || base.ClosedAt == nil || !base.ClosedAt.Before(ev.At) || ev.At.Sub(*base.ClosedAt) > recurrenceWindow ||
					*base.Category != *want.Category || geo.DistanceM(base.Point, want.Point) > 50 {
					return fmt.Errorf("recurrence of %s does not hold", cmd.Recurrence)
				}
			}
		case casework.ActSelfHandle:
			cmd.Condition, _ = d["condition"].(int)
		}
		next, out, err := casework.Decide(cur, cmd, svc.EnvAt(ev.At))
		if err != nil {
			return fmt.Errorf("event %d %s: %w", i, ev.Action, err)
		}
		if out[0].To != ev.To {
			return fmt.Errorf("event %d %s: to %s, timeline says %s", i, ev.Action, out[0].To, ev.To)
		}
		cur = next
	}
	cur.Code, cur.Version = want.Code, want.Version
	if !reflect.DeepEqual(&cur, want) {
		return fmt.Errorf("replayed case differs:\n got %+v\nwant %+v", cur, *want)
	}
	return nil
}

// condOf is the filing condition the case was reported under.
func condOf(c *casework.Case, evs []casework.Event) int {
	for _, e := range evs {
		if e.Action == casework.ActSelfHandle {
			if n, ok := e.Data["condition"].(int); ok {
				return n
			}
		}
	}
	return c.Condition
}

// TestGenerate_mix checks the proportions of a realistic two years.
func TestGenerate_mix(t *testing.T) {
	m, sum := mustGenerate(t, 3, 5000, 0)
	n := float64(len(m.Cases))
	if sum.Cases != 5000 || len(m.Cases) != 5000 {
		t.Fatalf("%d cases", len(m.Cases))
	}
	share := func(s casework.Status) float64 { return float64(sum.ByStatus[s]) / n }
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"closed", share(casework.StatusClosed), 0.80, 0.93},
		{"rejected", share(casework.StatusRejected), 0.04, 0.08},
		{"voided", share(casework.StatusVoided), 0.01, 0.035},
		{"merged", share(casework.StatusMerged), 0.02, 0.045},
	}
	src := map[casework.Source]int{}
	var selfHandled, patrol, returns, shirks, extensions, reworks, suspended, recurrences, overdue, urged, callbacks int
	start := testNow.Add(-Span - 24*time.Hour)
	for k, c := range m.Cases {
		src[c.Source]++
		if c.Source == casework.SourcePatrol {
			patrol++
			if c.SelfHandled {
				selfHandled++
			}
		}
		if c.ReportedAt.Before(start) || c.ReportedAt.After(testNow) {
			t.Errorf("case %s reported at %s", c.ID, c.ReportedAt)
		}
		count := func(a casework.Action) int {
			n := 0
			for _, e := range m.Events[k] {
				if e.Action == a {
					n++
				}
			}
			return n
		}
		if count(casework.ActReturn) > 0 {
			returns++
		}
		if c.Shirks > 0 {
			shirks++
		}
		if count(casework.ActExtend) > 0 {
			extensions++
		}
		if c.Reworks > 0 {
			reworks++
		}
		if count(casework.ActApproveSuspension) > 0 {
			suspended++
		}
		if c.Recurrence != "" {
			recurrences++
		}
		if count(casework.ActOverdue) > 0 {
			overdue++
		}
		if count(casework.ActUrge) > 0 {
			urged++
		}
		if count(casework.ActCallback) > 0 {
			callbacks++
		}
	}
	checks = append(checks,
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"patrol", float64(src[casework.SourcePatrol]) / n, 0.50, 0.60},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"citizen", float64(src[casework.SourceCitizen]) / n, 0.16, 0.24},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"hotline", float64(src[casework.SourceHotline]) / n, 0.09, 0.15},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"self-handled of patrol", float64(selfHandled) / float64(patrol), 0.05, 0.11},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"returned", float64(returns) / n, 0.03, 0.08},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"shirked", float64(shirks) / n, 0.004, 0.02},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"extension", float64(extensions) / n, 0.02, 0.08},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"rework", float64(reworks) / n, 0.04, 0.09},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"suspended", float64(suspended) / n, 0.003, 0.02},
		struct {
			name   string
			got    float64
			lo, hi float64
		}{"recurrence", float64(recurrences) / n, 0.01, 0.05},
	)
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f, want %.3f–%.3f", c.name, c.got, c.lo, c.hi)
		}
	}
	t.Logf("by status %v; self-handled %d/%d patrol; returns %d, shirks %d, extensions %d, reworks %d, suspended %d, recurrences %d, overdue %d, urged %d, callbacks %d",
		sum.ByStatus, selfHandled, patrol, returns, shirks, extensions, reworks, suspended, recurrences, overdue, urged, callbacks)
}

// openSink keeps only the cases still open.
type openSink struct {
	countSink
	open []*casework.Case
}

func (s *openSink) BulkCreateCases(ctx context.Context, cs []*casework.Case, evs [][]casework.Event) error {
	for _, c := range cs {
		if !c.Status.Terminal() {
			s.open = append(s.open, c)
		}
	}
	return s.countSink.BulkCreateCases(ctx, cs, evs)
}

// TestGenerate_openAtNow checks that at now every queue has work and the
// lights are mixed, on a full-size demo.
func TestGenerate_openAtNow(t *testing.T) {
	if testing.Short() {
		t.Skip("a full-size demo")
	}
	dict, cal := mustEnv(t)
	s := &openSink{}
	if _, err := Build(context.Background(), s, dict, cal, Options{Seed: 9, Cases: DefaultCases, Now: testNow, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	open := map[casework.Status]int{}
	lights := map[worktime.Light]int{}
	overdue := 0
	for _, c := range s.open {
		open[c.Status]++
		if l := c.Light(testNow); l != "" {
			lights[l]++
		}
		if c.Overdue {
			overdue++
		}
	}
	for _, st := range casework.Statuses {
		if !st.Terminal() && open[st] < 5 {
			t.Errorf("%d cases are %s at now", open[st], st)
		}
	}
	// Five of each: the same number of cases over two years ([Span])
	// leaves half as many a day, so about half the fresh green and yellow
	// ones of a one-year demo (137 and 18 with seed 9).
	for _, l := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
		if lights[l] < 5 {
			t.Errorf("%d open cases are %s", lights[l], l)
		}
	}
	if overdue == 0 {
		t.Error("no open overdue case")
	}
	t.Logf("open %v; lights %v; overdue %d", open, lights, overdue)
}
