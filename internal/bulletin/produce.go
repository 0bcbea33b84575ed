package bulletin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cityloop/internal/assess"
	"cityloop/internal/catalog"
	"cityloop/internal/enforce/document"
	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Produce builds, renders and archives the bulletin of kind for the
// period containing day, for scope (the city's or a district's code);
// by is who asked ("system" for the job). It replaces the archived one of
// the same kind, scope and period. Without a Chinese font the HTML and
// XLSX are archived all the same and the PDF is left out: its download
// answers the font's error, which names the package to install, and
// producing again once the font is there adds it.
func (s *Service) Produce(ctx context.Context, kind Kind, day time.Time, scope, by string) (*Bulletin, error) {
	r, err := s.Build(ctx, kind, day, scope)
	if err != nil {
		return nil, err
	}
	r.Bulletin.ID, r.Bulletin.CreatedBy = s.NewID(), by
	var f Files
	if f.HTML, err = RenderHTML(r, ""); err != nil {
		return nil, err
	}
	if s.Font != nil {
		if f.PDF, err = RenderPDF(r, s.Font); err != nil {
			return nil, err
		}
	}
	if f.XLSX, err = RenderXLSX(r); err != nil {
		return nil, err
	}
	if err := s.Store.SaveBulletin(ctx, r.Bulletin, f); err != nil {
		return nil, err
	}
	return r.Bulletin, nil
}

// ProduceAll produces the city bulletin and each district's for the
// period of kind containing day.
func (s *Service) ProduceAll(ctx context.Context, kind Kind, day time.Time, by string) ([]*Bulletin, error) {
	atlas := s.Atlas()
	city := atlas.City()
	if city == nil {
		return nil, errors.New("bulletins: the city has no regions yet")
	}
	scopes := []string{city.Code}
	for _, d := range atlas.Regions(org.LevelDistrict) {
		scopes = append(scopes, d.Code)
	}
	var out []*Bulletin
	for _, sc := range scopes {
		b, err := s.Produce(ctx, kind, day, sc, by)
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Schedule is when the bulletins are due: 07:00 city time on the first
// working day of each month (a 1 October inside the National Day holiday
// moves to the first working day after it).
func Schedule(cal *worktime.Calendar) jobs.Schedule {
	return jobs.OnWorkingDays(jobs.Monthly(1, 7, 0, cal.Location()), cal)
}

// Jobs are the 月通报, 季考核 and 年评估 jobs: each runs on Schedule and
// produces, for the period just ended, the city's and every district's
// bulletin; the quarterly and yearly ones have nothing due in other
// months. Producing again replaces, so a retried run is harmless.
func (s *Service) Jobs(cal *worktime.Calendar) []jobs.Job {
	job := func(kind Kind, due func(time.Month) bool) jobs.Job {
		return jobs.Job{
			Name: "bulletin-" + string(kind), Schedule: Schedule(cal), Timeout: 10 * time.Minute,
			Description: fmt.Sprintf("%s: first working day 07:00, for the %s just ended", KindNames[kind][0], kind),
			Run: func(ctx context.Context) error {
				now := s.Now().In(s.Loc)
				if !due(now.Month()) {
					return jobs.ErrNothingDue
				}
				// The day before this month began lies in the period just ended.
				last := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, s.Loc).AddDate(0, 0, -1)
				_, err := s.ProduceAll(ctx, kind, last, "system")
				return err
			},
		}
	}
	return []jobs.Job{
		job(Month, func(time.Month) bool { return true }),
		job(Quarter, func(m time.Month) bool { return (m-1)%3 == 0 }),
		job(Year, func(m time.Month) bool { return m == time.January }),
	}
}

// Backfill produces the city's monthly bulletins of the months months
// before now's (the demo city's past), oldest first; with districts, each
// district's too. Months before the scheme came into force are skipped.
func (s *Service) Backfill(ctx context.Context, months int, districts bool) (int, error) {
	now := s.Now().In(s.Loc)
	n := 0
	for i := months; i >= 1; i-- {
		day := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, s.Loc).AddDate(0, -i, 0)
		if _, err := s.scheme(day); err != nil {
			continue // before the city's scheme (and book) came into force: nothing to assess by
		}
		var err error
		if districts {
			var bs []*Bulletin
			bs, err = s.ProduceAll(ctx, Month, day, "system")
			n += len(bs)
		} else if _, err = s.Produce(ctx, Month, day, s.Atlas().City().Code, "system"); err == nil {
			n++
		}
		if err != nil {
			return n, fmt.Errorf("bulletins of %s: %w", day.Format("2006-01"), err)
		}
	}
	return n, nil
}

// FontEnv names a TrueType Chinese font for the PDFs instead of the
// Debian ones (the penalty documents' variable: one font setting).
const FontEnv = document.FontEnv

// DemoMonths is how many past months a new demo city gets its city
// bulletins for at creation. Measured on the 100,000-case demo: a city
// month takes about 1 s and a district's 0.4 s (the store counts raw
// cases), so twelve months of the city and its six districts (with the
// quarters) took 36 s; three months of the city keep the demo's start
// within about 3 s. The districts' bulletins and the quarters come with
// the jobs or on request.
const DemoMonths = 3

// Config is what [Open] needs from the node.
type Config struct {
	Counter      assess.Counter
	Atlas        func() *org.Atlas
	Dict         func() *catalog.Dictionary
	Book         *kpi.Set
	Schemes      *assess.Book
	Store        Store
	Cal          *worktime.Calendar
	Now          func() time.Time
	NewID        func() string
	FontOverride string // CITYLOOP_DOCUMENT_FONT
	// Demo: this start generated the demo city, whose past months get
	// their bulletins now.
	Demo bool
}

// Open makes the service and its jobs. Without a Chinese font the node
// still starts: producing a bulletin then fails with the font's error,
// which names the Debian package to install.
func Open(ctx context.Context, c Config) (*Service, []jobs.Job, error) {
	s := &Service{Counter: c.Counter, Atlas: c.Atlas, Dict: c.Dict, Book: c.Book, Schemes: c.Schemes, Store: c.Store,
		Loc: c.Cal.Location(), Now: c.Now, NewID: c.NewID}
	s.Font, s.fontErr = FindFont(c.FontOverride)
	if c.Demo {
		if _, err := s.Backfill(ctx, DemoMonths, false); err != nil {
			return nil, nil, fmt.Errorf("demo bulletins: %w", err)
		}
	}
	return s, s.Jobs(c.Cal), nil
}

// The archive, for the API: the store's reads.

// FindBulletins lists the archive (Store.FindBulletins).
func (s *Service) FindBulletins(ctx context.Context, kind Kind, limit int) ([]*Bulletin, error) {
	return s.Store.FindBulletins(ctx, kind, limit)
}

// FindBulletinByID is one archived bulletin.
func (s *Service) FindBulletinByID(ctx context.Context, id string) (*Bulletin, error) {
	return s.Store.FindBulletinByID(ctx, id)
}

// BulletinFile is one rendering of an archived bulletin. A PDF produced
// while the node had no Chinese font is empty: its download is refused
// with the font's error (or, once a font is installed, a request to
// produce the bulletin again).
func (s *Service) BulletinFile(ctx context.Context, id string, f Format) ([]byte, error) {
	data, err := s.Store.BulletinFile(ctx, id, f)
	if err != nil || len(data) > 0 || f != PDF {
		return data, err
	}
	if s.fontErr != nil {
		return nil, s.fontErr
	}
	return nil, errs.NotFound("此通报生成时没有中文字体，没有 PDF；请重新生成 / this bulletin was produced without a Chinese font and has no PDF; produce it again (POST /api/v1/bulletins)")
}
