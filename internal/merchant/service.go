package merchant

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/jobs"
)

// CaseFinder reads loop cases city-wide (casework.Service).
type CaseFinder interface {
	FindPublicCases(ctx context.Context, f casework.Filter) ([]*casework.Case, int, error)
}

// Service answers the registry and links the loop's cases to shops.
type Service struct {
	Store Store
	Rules *Rules
	Cases CaseFinder
	Loc   *time.Location // the city's zone: credit years are its calendar years
	Now   func() time.Time
}

// Year is the credit year of t.
func (s *Service) Year(t time.Time) int { return t.In(s.Loc).Year() }

// ListQuery is a list request: Grade "" for every grade; Year 0 this year.
type ListQuery struct {
	Filter
	Grade     Grade
	Civilized bool // only the 文明商户 list
}

// List finds merchants with their credit in the year.
func (s *Service) List(ctx context.Context, q ListQuery) ([]*Merchant, int, error) {
	f := q.Filter
	if f.Year == 0 {
		f.Year = s.Year(s.Now())
	}
	if q.Grade != "" {
		lo, hi, ok := s.Rules.DeductedRange(q.Grade)
		if !ok {
			return nil, 0, errs.Invalid("信用等级须为 A、B、C 或 D / the grade must be A, B, C or D").WithField("grade", "A | B | C | D")
		}
		f.MinDeducted, f.MaxDeducted = &lo, hi
	}
	if q.Civilized {
		hi := s.Rules.Start - s.Rules.CivilizedMin
		if f.MaxDeducted == nil || *f.MaxDeducted > hi {
			f.MaxDeducted = &hi
		}
	}
	f.Limit = min(max(f.Limit, 1), 500)
	ms, total, err := s.Store.FindMerchants(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list merchants: %w", err)
	}
	for _, m := range ms {
		m.Credit = s.Rules.CreditOf(f.Year, m.Credit.Deducted, m.Credit.Violations)
	}
	return ms, total, nil
}

// GradeName is a grade's {Chinese, English} name.
func (s *Service) GradeName(g Grade) [2]string { return s.Rules.GradeName(g) }

// Get is one merchant with this year's credit and the violations behind it.
func (s *Service) Get(ctx context.Context, id string) (*Merchant, []Violation, error) {
	year := s.Year(s.Now())
	m, err := s.Store.FindMerchantByID(ctx, id, year)
	if err != nil {
		return nil, nil, err
	}
	vs, err := s.Store.FindViolations(ctx, id, year)
	if err != nil {
		return nil, nil, fmt.Errorf("merchant %s: %w", id, err)
	}
	m.Credit = s.Rules.CreditOf(year, m.Credit.Deducted, m.Credit.Violations)
	return m, vs, nil
}

// Plate is what the QR plate on the shop opens for anyone: the shop, its
// duties and zone, and its grade; no contact, no case details.
func (s *Service) Plate(ctx context.Context, id string) (*Merchant, error) {
	m, _, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	m.Contact = nil
	return m, nil
}

// linkOverlap re-reads this much before the cursor, so a case whose
// report time was set a little in the past is not missed; recording a
// violation twice is a no-op.
const linkOverlap = time.Hour

// LinkCases links the cases reported since the last run whose category
// deducts points and which lie in a shop's zone, and moves the cursor. It
// returns how many new links it made.
func (s *Service) LinkCases(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	from, err := s.Store.LinkCursor(ctx)
	if err != nil {
		return 0, fmt.Errorf("link cases: %w", err)
	}
	if from.IsZero() {
		// The first run covers this credit year.
		from = time.Date(s.Year(now), 1, 1, 0, 0, 0, 0, s.Loc).UTC()
	} else {
		from = from.Add(-linkOverlap)
	}
	made := 0
	for _, cat := range s.Rules.Categories() {
		ref, err := catalog.ParseRef(cat)
		if err != nil {
			return made, fmt.Errorf("link cases: %w", err)
		}
		for off := 0; ; off += 500 {
			cs, _, err := s.Cases.FindPublicCases(ctx, casework.Filter{Category: &ref, From: &from, To: &now, Limit: 500, Offset: off})
			if err != nil {
				return made, fmt.Errorf("link cases of %s: %w", cat, err)
			}
			n, err := s.link(ctx, cs)
			made += n
			if err != nil {
				return made, err
			}
			if len(cs) < 500 {
				break
			}
		}
	}
	if err := s.Store.SetLinkCursor(ctx, now); err != nil {
		return made, fmt.Errorf("link cases: %w", err)
	}
	return made, nil
}

// zonePad widens the box searched around a case: zones are tens of metres.
const zonePad = 0.0005

func (s *Service) link(ctx context.Context, cs []*casework.Case) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	box := geo.Bounds{MinLng: cs[0].Point.Lng, MaxLng: cs[0].Point.Lng, MinLat: cs[0].Point.Lat, MaxLat: cs[0].Point.Lat}
	for _, c := range cs {
		box.MinLng, box.MaxLng = min(box.MinLng, c.Point.Lng), max(box.MaxLng, c.Point.Lng)
		box.MinLat, box.MaxLat = min(box.MinLat, c.Point.Lat), max(box.MaxLat, c.Point.Lat)
	}
	box.MinLng, box.MinLat, box.MaxLng, box.MaxLat = box.MinLng-zonePad, box.MinLat-zonePad, box.MaxLng+zonePad, box.MaxLat+zonePad
	ms, err := s.Store.FindMerchantsInBox(ctx, box)
	if err != nil {
		return 0, fmt.Errorf("link cases: %w", err)
	}
	var vs []Violation
	for _, c := range cs {
		if c.Category == nil {
			continue
		}
		duty, pts, ok := s.Rules.Deduction(c.Category.String())
		if !ok {
			continue
		}
		for _, m := range InZone(ms, c.Point) {
			vs = append(vs, Violation{MerchantID: m.ID, CaseID: c.ID, CaseCode: c.Code, Category: c.Category.String(),
				Duty: duty, Points: pts, At: c.ReportedAt.UTC(), Year: s.Year(c.ReportedAt)})
		}
	}
	if len(vs) == 0 {
		return 0, nil
	}
	n, err := s.Store.RecordViolations(ctx, vs)
	if err != nil {
		return n, fmt.Errorf("link cases: %w", err)
	}
	return n, nil
}

// LinkJob runs LinkCases every period on the jobs runner.
func (s *Service) LinkJob(every time.Duration, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "merchant-case-link", Schedule: jobs.Every(every), Timeout: 10 * time.Minute, Run: func(ctx context.Context) error {
		start := time.Now()
		n, err := s.LinkCases(ctx)
		if n > 0 {
			log.Info("merchant violations linked", "new", n, "took", time.Since(start).Round(time.Millisecond))
		}
		return err
	}}
}

// NormQuery trims a search term and refuses what cannot be a name or code.
func NormQuery(q string) (string, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) > 50 {
		return "", errs.Invalid("搜索词最多50个字 / the search term is at most 50 characters").WithField("q", "at most 50 characters")
	}
	return q, nil
}

// Kept is the frontage self-governance figure of a year: the registered
// shops with no deduction (门前五包 kept all year so far) among all, the
// plan's 执行率 (45 % at its baseline, §2.4.1).
type Kept struct {
	Year      int      `json:"year"`
	Kept      int      `json:"kept"`
	Merchants int      `json:"merchants"`
	Rate      *float64 `json:"rate"` // %, null without merchants
	Baseline  float64  `json:"baseline"`
	Formula   string   `json:"formula"`
}

// KeptIn computes Kept for year (0: this year).
func (s *Service) KeptIn(ctx context.Context, year int) (Kept, error) {
	if year == 0 {
		year = s.Year(s.Now())
	}
	zero := 0
	_, total, err := s.Store.FindMerchants(ctx, Filter{Year: year, Limit: 1})
	if err != nil {
		return Kept{}, fmt.Errorf("frontage figure: %w", err)
	}
	_, kept, err := s.Store.FindMerchants(ctx, Filter{Year: year, MaxDeducted: &zero, Limit: 1})
	if err != nil {
		return Kept{}, fmt.Errorf("frontage figure: %w", err)
	}
	k := Kept{Year: year, Kept: kept, Merchants: total, Baseline: 45,
		Formula: "门前五包落实率 = 本年无扣分的登记商户数 ÷ 登记商户数 × 100 / frontage kept = registered shops without a deduction this year ÷ registered shops × 100"}
	if total > 0 {
		v := float64(int(float64(kept)*10000/float64(total)+0.5)) / 100
		k.Rate = &v
	}
	return k, nil
}
