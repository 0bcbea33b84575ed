package merchant

import (
	"context"
	"sort"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
)

// memStore keeps merchants and violations in memory for the service's tests.
type memStore struct {
	ms     []*Merchant
	vs     map[[2]string]Violation
	cursor time.Time
}

func (m *memStore) CreateMerchants(_ context.Context, ms []*Merchant) error {
	m.ms = append(m.ms, ms...)
	return nil
}
func (m *memStore) FindMerchantByID(_ context.Context, id string, year int) (*Merchant, error) {
	for _, x := range m.ms {
		if x.ID == id {
			c := *x
			for _, v := range m.vs {
				if v.MerchantID == id && v.Year == year {
					c.Credit.Deducted += v.Points
					c.Credit.Violations++
				}
			}
			return &c, nil
		}
	}
	return nil, nil
}
func (m *memStore) FindMerchants(context.Context, Filter) ([]*Merchant, int, error) {
	return nil, 0, nil
}
func (m *memStore) FindMerchantsInBox(_ context.Context, b geo.Bounds) ([]*Merchant, error) {
	var out []*Merchant
	for _, x := range m.ms {
		if b.Intersects(x.Zone.Bounds()) {
			out = append(out, x)
		}
	}
	return out, nil
}
func (m *memStore) RecordViolations(_ context.Context, vs []Violation) (int, error) {
	n := 0
	for _, v := range vs {
		k := [2]string{v.MerchantID, v.CaseID}
		if _, ok := m.vs[k]; !ok {
			m.vs[k] = v
			n++
		}
	}
	return n, nil
}
func (m *memStore) FindViolations(_ context.Context, id string, year int) ([]Violation, error) {
	var out []Violation
	for _, v := range m.vs {
		if v.MerchantID == id && v.Year == year {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CaseID < out[j].CaseID })
	return out, nil
}
func (m *memStore) LinkCursor(context.Context) (time.Time, error)       { return m.cursor, nil }
func (m *memStore) SetLinkCursor(_ context.Context, at time.Time) error { m.cursor = at; return nil }

// memCases answers FindPublicCases by category and report time.
type memCases []*casework.Case

func (c memCases) FindPublicCases(_ context.Context, f casework.Filter) ([]*casework.Case, int, error) {
	var out []*casework.Case
	for _, x := range c {
		if x.Category != nil && *x.Category == *f.Category && !x.ReportedAt.Before(*f.From) && x.ReportedAt.Before(*f.To) {
			out = append(out, x)
		}
	}
	total := len(out)
	out = out[min(f.Offset, len(out)):]
	return out[:min(f.Limit, len(out))], total, nil
}

func square(lng, lat, d float64) geo.MultiPolygon {
	return geo.MultiPolygon{{geo.Ring{{Lng: lng - d, Lat: lat - d}, {Lng: lng + d, Lat: lat - d}, {Lng: lng + d, Lat: lat + d}, {Lng: lng - d, Lat: lat + d}, {Lng: lng - d, Lat: lat - d}}}}
}

func TestLinkCases(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, loc)
	st := &memStore{vs: map[[2]string]Violation{}}
	st.ms = []*Merchant{
		{ID: "a", Zone: square(118.7800, 32.04, 0.0001)},
		{ID: "b", Zone: square(118.7810, 32.04, 0.0001)},
	}
	ref := func(s string) *catalog.Ref { r, _ := catalog.ParseRef(s); return &r }
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	cases := memCases{
		{ID: "1", Code: "C1", Category: ref("event:0504"), Point: geo.Point{Lng: 118.78003, Lat: 32.04}, ReportedAt: at(24 * time.Hour)},                    // in a: 店外经营 −50
		{ID: "2", Code: "C2", Category: ref("event:0102"), Point: geo.Point{Lng: 118.78101, Lat: 32.04002}, ReportedAt: at(48 * time.Hour)},                 // in b: 暴露垃圾 −20
		{ID: "3", Code: "C3", Category: ref("event:0504"), Point: geo.Point{Lng: 118.7805, Lat: 32.04}, ReportedAt: at(time.Hour)},                          // between the zones
		{ID: "4", Code: "C4", Category: ref("event:0301"), Point: geo.Point{Lng: 118.78, Lat: 32.04}, ReportedAt: at(time.Hour)},                            // not a frontage category
		{ID: "5", Code: "C5", Category: ref("event:0504"), Point: geo.Point{Lng: 118.78, Lat: 32.04}, ReportedAt: time.Date(2025, 12, 30, 0, 0, 0, 0, loc)}, // last year: before the first run's start
	}
	s := &Service{Store: st, Rules: ShippedRules(), Cases: cases, Loc: loc, Now: func() time.Time { return now }}
	n, err := s.LinkCases(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("linked %d, %v", n, err)
	}
	if !st.cursor.Equal(now) {
		t.Fatalf("cursor %v", st.cursor)
	}
	m, vs, err := s.Get(context.Background(), "a")
	if err != nil || len(vs) != 1 || vs[0].CaseCode != "C1" || vs[0].Duty != DutyOrder || m.Credit.Score != 950 || m.Credit.Grade != "A" || !m.Credit.Civilized {
		t.Fatalf("%v %+v %+v", err, m.Credit, vs)
	}
	// A second run a day later sees only new cases; the overlap relinks none.
	later := now.Add(24 * time.Hour)
	s.Now = func() time.Time { return later }
	s.Cases = append(cases, &casework.Case{ID: "6", Code: "C6", Category: ref("event:0601"), Point: geo.Point{Lng: 118.78, Lat: 32.04}, ReportedAt: later.Add(-time.Minute)})
	if n, err := s.LinkCases(context.Background()); err != nil || n != 1 {
		t.Fatalf("second run linked %d, %v", n, err)
	}
	if m, _, _ := s.Get(context.Background(), "a"); m.Credit.Score != 900 || m.Credit.Civilized {
		t.Fatalf("after 露天烧烤: %+v", m.Credit)
	}
	p, err := s.Plate(context.Background(), "a")
	if err != nil || p.Contact != nil {
		t.Fatalf("the plate shows no contact: %+v", p)
	}
}
