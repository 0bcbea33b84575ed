package permit

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/worktime"
)

type memStore struct{ ps map[string]*Permit }

func (m *memStore) CreatePermit(_ context.Context, p *Permit) error {
	c := *p
	m.ps[p.ID] = &c
	return nil
}
func (m *memStore) DecidePermit(_ context.Context, p *Permit, prefix string) error {
	if m.ps[p.ID].Version != p.Version-1 {
		return errs.Conflict("stale")
	}
	if prefix != "" {
		p.Number = prefix + "00001"
	}
	c := *p
	m.ps[p.ID] = &c
	return nil
}
func (m *memStore) FindPermitByID(_ context.Context, id string) (*Permit, error) {
	p, ok := m.ps[id]
	if !ok {
		return nil, errs.NotFound("no permit %s", id)
	}
	c := *p
	return &c, nil
}
func (m *memStore) FindPermits(context.Context, Filter) ([]*Permit, int, error) { return nil, 0, nil }
func (m *memStore) PermitsToRemind(_ context.Context, before time.Time) ([]*Permit, error) {
	var out []*Permit
	for _, p := range m.ps {
		if p.Status == StatusApproved && p.RemindedAt == nil && !p.ValidTo.After(before) {
			c := *p
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
func (m *memStore) MarkReminded(_ context.Context, id string, at time.Time) error {
	m.ps[id].RemindedAt = &at
	return nil
}

func testService(t *testing.T, now *time.Time) (*Service, *memStore) {
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{ps: map[string]*Permit{}}
	n := 0
	return &Service{Store: st, Cal: cal, Now: func() time.Time { return *now },
		Locate: func(geo.Point) (string, error) { return "320101", nil },
		NewID:  func() string { n++; return "p" + string(rune('0'+n)) }}, st
}

func goodApp(now time.Time) Application {
	return Application{Kind: KindRoadUse, Applicant: "王某", Phone: "138 0000 1111", Address: "中山路1号门前", Point: geo.Point{Lng: 118.78, Lat: 32.04},
		Details: "搭设临时促销台 3m×2m", ValidFrom: now.AddDate(0, 0, 3), ValidTo: now.AddDate(0, 0, 10)}
}

func TestApplication_Validate(t *testing.T) {
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		edit  func(a *Application)
		field string
	}{
		{"good", func(*Application) {}, ""},
		{"unknown kind", func(a *Application) { a.Kind = "fireworks" }, "kind"},
		{"no applicant", func(a *Application) { a.Applicant = " " }, "applicant"},
		{"phone with letters", func(a *Application) { a.Phone = "call me" }, "phone"},
		{"short details", func(a *Application) { a.Details = "摊" }, "details"},
		{"point off the globe", func(a *Application) { a.Point = geo.Point{Lng: 200, Lat: 32} }, "lng"},
		{"starts in the past", func(a *Application) { a.ValidFrom = now.AddDate(0, 0, -3) }, "valid_from"},
		{"ends before it starts", func(a *Application) { a.ValidTo = a.ValidFrom }, "valid_to"},
		{"longer than the kind allows", func(a *Application) { a.ValidTo = a.ValidFrom.AddDate(2, 0, 0) }, "valid_to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := goodApp(now)
			tc.edit(&a)
			err := a.Validate(now)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || !strings.Contains(e.Error()+fieldsOf(e), tc.field) {
				t.Fatalf("%v", err)
			}
		})
	}
}

func fieldsOf(e *errs.Error) string {
	var s []string
	for _, f := range e.Fields {
		s = append(s, f.Field)
	}
	return strings.Join(s, " ")
}

func TestService_ApplyDecideRemind(t *testing.T) {
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) // a Monday, 10:00 in the city
	s, st := testService(t, &now)
	ctx := context.Background()
	p, err := s.Apply(ctx, goodApp(now))
	if err != nil {
		t.Fatal(err)
	}
	// Five working days from Monday 10:00 is the next Monday 10:00.
	if want := time.Date(2026, 6, 8, 2, 0, 0, 0, time.UTC); !p.DueAt.Equal(want) || p.District != "320101" || p.Status != StatusSubmitted {
		t.Fatalf("due %v (want %v) %+v", p.DueAt, want, p)
	}
	if v := s.ViewOf(p); v.Light != worktime.Green {
		t.Fatalf("light at once: %s", v.Light)
	}
	now = now.Add(6 * 24 * time.Hour) // Sunday: past most of the five working days
	if v, _ := s.Get(ctx, p.ID); v.Light == worktime.Green {
		t.Fatalf("light after 4 working days: %s", v.Light)
	}
	if _, err := s.Decide(ctx, p.ID, "u1", false, "短"); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("a refusal without reason: %v", err)
	}
	got, err := s.Decide(ctx, p.ID, "u1", true, "")
	if err != nil || got.Status != StatusApproved || got.Number != "ZD-2026-00001" {
		t.Fatalf("%v %+v", err, got)
	}
	if _, err := s.Decide(ctx, p.ID, "u2", false, "重复审批"); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("deciding twice: %v", err)
	}
	// A week before the end the holder is reminded, once.
	now = st.ps[p.ID].ValidTo.Add(-3 * 24 * time.Hour)
	if ps, err := s.Remind(ctx); err != nil || len(ps) != 1 {
		t.Fatalf("remind: %v %d", err, len(ps))
	}
	if ps, _ := s.Remind(ctx); len(ps) != 0 {
		t.Fatal("reminded twice")
	}
	now = st.ps[p.ID].ValidTo
	if v, _ := s.Get(ctx, p.ID); v.Status != StatusExpired {
		t.Fatalf("at its end: %s", v.Status)
	}
}
