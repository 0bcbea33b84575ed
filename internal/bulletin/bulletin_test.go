package bulletin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

func mustCal(t testing.TB) *worktime.Calendar {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestSchedule_FirstWorkingDay(t *testing.T) {
	cal := mustCal(t)
	loc := cal.Location()
	firstWorking := func(y int, m time.Month) time.Time {
		for d := 1; ; d++ {
			day := time.Date(y, m, d, 12, 0, 0, 0, loc)
			if cal.Day(day).Working {
				return time.Date(y, m, d, 7, 0, 0, 0, loc)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		after time.Time
		want  time.Time
	}{
		{"an ordinary month: 1 July 2026 is a Wednesday", time.Date(2026, 6, 15, 9, 0, 0, 0, loc), time.Date(2026, 7, 1, 7, 0, 0, 0, loc)},
		{"a month starting on a Sunday: 1 February 2026", time.Date(2026, 1, 20, 9, 0, 0, 0, loc), time.Date(2026, 2, 2, 7, 0, 0, 0, loc)},
		{"October starts in the National Day holiday", time.Date(2026, 9, 30, 9, 0, 0, 0, loc), firstWorking(2026, time.October)},
		{"asked during the holiday", time.Date(2026, 10, 3, 9, 0, 0, 0, loc), firstWorking(2026, time.October)},
		{"after the run, the next month", firstWorking(2026, time.October), time.Date(2026, 11, 2, 7, 0, 0, 0, loc)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Schedule(cal).Next(tc.after)
			if !got.Equal(tc.want) {
				t.Errorf("next after %s = %s, want %s", tc.after, got.In(loc), tc.want)
			}
		})
	}
	if d := firstWorking(2026, time.October); d.Day() == 1 {
		t.Fatalf("the calendar has 1 October 2026 as a working day; the holiday case tests nothing")
	}
}

// fakeCounter answers tallies from cases in memory, grouped as the store
// groups them, by the predicates' own meaning.
type fakeCounter struct{ cases []*casework.Case }

func (f fakeCounter) Tally(_ context.Context, _ org.Actor, q casework.TallyQuery) ([]casework.TallyRow, error) {
	rows := map[string]*casework.TallyRow{}
	var order []string
	for _, c := range f.cases {
		fl := q.Filter
		if (fl.Source != "" && c.Source != fl.Source) || (fl.Department != "" && c.Department != fl.Department) ||
			(fl.Region != "" && c.District != fl.Region && c.Street != fl.Region) ||
			(fl.From != nil && c.ReportedAt.Before(*fl.From)) || (fl.To != nil && !c.ReportedAt.Before(*fl.To)) {
			continue
		}
		key := map[string]string{"": "", "district": c.District, "street": c.Street, "department": c.Department}[q.GroupBy]
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
	out := []casework.TallyRow{}
	for _, k := range order {
		out = append(out, *rows[k])
	}
	return out, nil
}

type memStore struct {
	mu    sync.Mutex
	items []*Bulletin
	files map[string]Files
}

func (m *memStore) SaveBulletin(_ context.Context, b *Bulletin, f Files) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.items {
		if o.Kind == b.Kind && o.Scope == b.Scope && o.From.Equal(b.From) {
			b.ID = o.ID
			*o = *b
			m.files[b.ID] = f
			return nil
		}
	}
	c := *b
	m.items = append(m.items, &c)
	m.files[b.ID] = f
	return nil
}

func (m *memStore) FindBulletins(context.Context, Kind, int) ([]*Bulletin, error) {
	return m.items, nil
}
func (m *memStore) FindBulletinByID(_ context.Context, id string) (*Bulletin, error) {
	for _, b := range m.items {
		if b.ID == id {
			return b, nil
		}
	}
	return nil, errs.NotFound("no bulletin %s", id)
}
func (m *memStore) BulletinFile(_ context.Context, id string, f Format) ([]byte, error) {
	return m.files[id].Get(f), nil
}

func testService(t testing.TB) (*Service, *memStore) {
	t.Helper()
	font, err := FindFont(os.Getenv("CITYLOOP_DOCUMENT_FONT"))
	if err != nil {
		t.Skipf("no Chinese font for the PDF: %v", err)
	}
	return newTestService(t, font)
}

// newTestService is a city of two districts with 40 January cases; font
// nil is a node without a Chinese font.
func newTestService(t testing.TB, font *Font) (*Service, *memStore) {
	t.Helper()
	cal := mustCal(t)
	loc := cal.Location()
	atlas, err := org.NewAtlas([]org.Region{{Code: "3201", Name: "示范市", Level: org.LevelCity},
		{Code: "320101", Name: "东区", Level: org.LevelDistrict, Parent: "3201"}, {Code: "320102", Name: "西区", Level: org.LevelDistrict, Parent: "3201"},
		{Code: "320101001", Name: "东街道", Level: org.LevelStreet, Parent: "320101"}, {Code: "320102001", Name: "西街道", Level: org.LevelStreet, Parent: "320102"}})
	if err != nil {
		t.Fatal(err)
	}
	dict, err := catalog.New(nil, []catalog.Department{{Code: "sanitation", Name: catalog.Text{Zh: "环卫处", En: "Sanitation"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*casework.Case
	for i := 0; i < 40; i++ {
		at := time.Date(2026, 1, 1+i%28, 10, 0, 0, 0, loc)
		d, st := "320101", "320101001"
		if i%4 == 0 {
			d, st = "320102", "320102001"
		}
		c := &casework.Case{District: d, Street: st, Department: "sanitation", Source: casework.SourcePatrol, Status: casework.StatusClosed,
			ReportedAt: at, FiledAt: &at, DispatchedAt: &at, DisposedAt: &at, ClosedAt: &at, Satisfaction: "satisfied"}
		if i%5 == 0 {
			c.ClosedLate, c.ClosureKind, c.Reworks = true, "late", 1
		}
		cases = append(cases, c)
	}
	st := &memStore{files: map[string]Files{}}
	n := 0
	return &Service{Counter: fakeCounter{cases}, Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict },
		Store: st, Loc: loc, Font: font, Now: func() time.Time { return time.Date(2026, 2, 2, 7, 0, 0, 0, loc) },
		NewID: func() string { n++; return "b" + strconv.Itoa(n) }}, st
}

func TestProduce_Renderings(t *testing.T) {
	s, st := testService(t)
	ctx := context.Background()
	jan := time.Date(2026, 1, 15, 0, 0, 0, 0, s.Loc)
	r, err := s.Build(ctx, Month, jan, "3201")
	if err != nil {
		t.Fatal(err)
	}
	fig := map[string]Figure{}
	for _, f := range r.Figures {
		fig[f.Code] = f
	}
	if fig["reported"].Numerator != 40 || fig["closed"].Numerator != 40 || *fig["closed_late"].Value != 8 {
		t.Fatalf("figures reported %v closed %v late %v", fig["reported"].Numerator, fig["closed"].Numerator, *fig["closed_late"].Value)
	}
	if fig["closed"].NumURL != "/api/v1/cases?from=2026-01-01&is=closed&to=2026-02-01" {
		t.Errorf("closed links to %q", fig["closed"].NumURL)
	}
	if len(r.Rankings) != 3 || len(r.Rankings[0].Rows) != 2 || r.Rankings[0].Rows[0].Rank != 1 {
		t.Fatalf("rankings %+v", r.Rankings)
	}
	bs, err := s.ProduceAll(ctx, Month, jan, "system")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].Title != "示范市2026年1月城市管理考核通报" || bs[1].Scope != "320101" {
		t.Fatalf("produced %+v", bs)
	}
	files := st.files[bs[0].ID]
	rate := strconv.FormatFloat(*fig["on_time_closure_rate"].Value, 'f', -1, 64)

	t.Run("html links every figure to its cases", func(t *testing.T) {
		h := string(files.HTML)
		for _, want := range []string{bs[0].Title, `href="/api/v1/cases?from=2026-01-01&amp;is=closed&amp;to=2026-02-01">40</a>`, ">" + rate + "</a>", "红榜", "黑榜"} {
			if !strings.Contains(h, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
	})
	t.Run("pdf text holds the title and figures", func(t *testing.T) {
		if _, err := exec.LookPath("pdftotext"); err != nil {
			t.Skip("pdftotext (poppler-utils) is not installed")
		}
		cmd := exec.Command("pdftotext", "-layout", "-", "-")
		cmd.Stdin = bytes.NewReader(files.PDF)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{bs[0].Title, "按期结案率", rate, "东区", "红榜"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
	})
	t.Run("xlsx opens and holds the figures", func(t *testing.T) {
		x, err := excelize.OpenReader(bytes.NewReader(files.XLSX))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("指标")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, row := range rows {
			if len(row) > 2 && row[0] == "on_time_closure_rate" && row[2] == rate {
				found = true
			}
		}
		if !found || rows[0][0] != bs[0].Title {
			t.Errorf("sheet 指标: %v", rows)
		}
		if len(x.GetSheetList()) != 4 {
			t.Errorf("sheets %v", x.GetSheetList())
		}
	})
	t.Run("producing again replaces", func(t *testing.T) {
		again, err := s.Produce(ctx, Month, jan, "3201", "admin-1")
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != bs[0].ID || len(st.items) != 3 {
			t.Errorf("id %s (was %s), %d archived", again.ID, bs[0].ID, len(st.items))
		}
	})
	t.Run("refusals", func(t *testing.T) {
		if _, err := s.Build(ctx, "week", jan, "3201"); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("kind week: %v", err)
		}
		if _, err := s.Build(ctx, Month, jan, "320101001"); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("a street scope: %v", err)
		}
	})
}

func TestJobs_ProduceThePeriodJustEnded(t *testing.T) {
	s, st := testService(t)
	cal := mustCal(t)
	js := s.Jobs(cal)
	if len(js) != 3 {
		t.Fatalf("%d jobs", len(js))
	}
	// Now is 2 February: the monthly job produces January; February is no
	// quarter's or year's first month.
	for _, j := range js {
		err := j.Run(context.Background())
		switch j.Name {
		case "bulletin-month":
			if err != nil {
				t.Fatal(err)
			}
		default:
			if err == nil || !strings.Contains(err.Error(), "nothing was due") {
				t.Errorf("%s in February: %v", j.Name, err)
			}
		}
	}
	if len(st.items) != 3 || st.items[0].From.In(s.Loc).Format("2006-01-02") != "2026-01-01" {
		t.Errorf("archived %d, first from %s", len(st.items), st.items[0].From)
	}
}

// TestProduce_WithoutAFont: a node without a Chinese font still archives
// the HTML and XLSX (the demo city's past months get their bulletins on
// any machine); the PDF's download says which font package to install.
func TestProduce_WithoutAFont(t *testing.T) {
	s, st := newTestService(t, nil)
	s.fontErr = errs.E(errs.KindUnavailable, "no Chinese TrueType font found: install fonts-droid-fallback")
	ctx := context.Background()
	b, err := s.Produce(ctx, Month, time.Date(2026, 1, 15, 0, 0, 0, 0, s.Loc), "3201", "system")
	if err != nil {
		t.Fatal(err)
	}
	f := st.files[b.ID]
	if len(f.HTML) == 0 || len(f.XLSX) == 0 || len(f.PDF) != 0 {
		t.Fatalf("files: html %d, xlsx %d, pdf %d bytes", len(f.HTML), len(f.XLSX), len(f.PDF))
	}
	for _, tc := range []struct {
		format  Format
		refused bool
	}{{HTML, false}, {XLSX, false}, {PDF, true}} {
		data, err := s.BulletinFile(ctx, b.ID, tc.format)
		switch {
		case !tc.refused && (err != nil || len(data) == 0):
			t.Errorf("%s: %d bytes, %v", tc.format, len(data), err)
		case tc.refused && !errs.Is(err, errs.KindUnavailable):
			t.Errorf("%s: %v, want unavailable, naming the font", tc.format, err)
		}
	}
	if n, err := s.Backfill(ctx, 1, true); err != nil || n != 3 {
		t.Errorf("backfill without a font: %d bulletins, %v", n, err)
	}
}
