package casework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// memStore is just enough store for intake.
type memStore struct {
	Store
	created []*Case
}

func (m *memStore) CreateCase(ctx context.Context, c *Case, events []Event) error {
	m.created = append(m.created, c)
	return nil
}

func (m *memStore) FindNearby(ctx context.Context, q NearbyQuery) ([]*Case, error) {
	var out []*Case
	for _, c := range m.created {
		if c.Category != nil && *c.Category == q.Category && q.Bounds.Contains(c.Point) && !c.Status.Terminal() {
			out = append(out, c)
		}
	}
	return out, nil
}

func box(x, y, d float64) geo.MultiPolygon {
	return geo.MultiPolygon{{{{Lng: x, Lat: y}, {Lng: x + d, Lat: y}, {Lng: x + d, Lat: y + d}, {Lng: x, Lat: y + d}, {Lng: x, Lat: y}}}}
}

func testService(t testing.TB) (*Service, *memStore) {
	t.Helper()
	regions := []org.Region{
		{Code: "3201", Name: "市", Level: org.LevelCity, Shape: box(118.7, 32.0, 0.1)},
		{Code: "320101", Name: "区", Level: org.LevelDistrict, Parent: "3201", Shape: box(118.7, 32.0, 0.1)},
		{Code: "320101001", Name: "街", Level: org.LevelStreet, Parent: "320101", Shape: box(118.7, 32.0, 0.1)},
		{Code: "320101001001", Name: "社区", Level: org.LevelCommunity, Parent: "320101001", Shape: box(118.7, 32.0, 0.1)},
	}
	for i := 0; i < 4; i++ {
		regions = append(regions, org.Region{Code: fmt.Sprintf("32010100100101%d", i), Name: "网格", Level: org.LevelGrid,
			Parent: "320101001001", Shape: box(118.7+float64(i%2)*0.05, 32.0+float64(i/2)*0.05, 0.05)})
	}
	atlas, err := org.NewAtlas(regions)
	if err != nil {
		t.Fatal(err)
	}
	dict, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{}
	n := 0
	return &Service{Store: st, Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict },
		Cal: cal, Now: func() time.Time { return time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC) },
		NewID: func() string { n++; return fmt.Sprintf("case-%d", n) }}, st
}

func TestReport_MachineDuplicatesMerge(t *testing.T) {
	svc, _ := testService(t)
	lng, lat := 118.71, 32.01
	cam := org.Actor{ID: "cam", Grants: []org.Grant{{Post: org.PostSystem}}}
	first, err := svc.Report(context.Background(), cam, Report{Source: SourceCamera, Category: "event:0501", Lng: &lng, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	lng2 := lng + 0.0001 // about 10 m east
	second, err := svc.Report(context.Background(), cam, Report{Source: SourceCamera, Category: "event:0501", Lng: &lng2, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	if second.Case.Status != StatusMerged || second.Case.MergedInto != first.Case.ID {
		t.Fatalf("camera duplicate not merged: %+v", second.Case)
	}
	person := org.Actor{ID: "s", Grants: []org.Grant{{Post: org.PostSupervisor}}}
	third, err := svc.Report(context.Background(), person, Report{Category: "event:0501", Lng: &lng2, Lat: &lat, Description: "摊贩"})
	if err != nil {
		t.Fatal(err)
	}
	if third.Case.Status != StatusPendingAccept || len(third.Duplicates) == 0 {
		t.Fatalf("a person's duplicate must be a suggestion: %+v", third)
	}
}

// FuzzReport decodes arbitrary JSON as the API does and takes it through
// intake: it must never panic, every refusal is a user error (never an
// internal one), and every accepted case is located in a grid.
func FuzzReport(f *testing.F) {
	f.Add([]byte(`{"category":"event:0501","description":"摊贩","lng":118.71,"lat":32.01}`))
	f.Add([]byte(`{"lng":118.71,"lat":32.01,"crs":"gcj02","description":"x"}`))
	f.Add([]byte(`{"lng":200,"lat":-91,"crs":"bd09"}`))
	f.Add([]byte(`{"category":"0101","lng":118.71,"lat":32.01}`))
	f.Add([]byte(`{"source":"sensor","category":"component:0101","condition":7,"lng":118.75,"lat":32.05}`))
	svc, _ := testService(f)
	actor := org.Actor{ID: "s", Grants: []org.Grant{{Post: org.PostSupervisor}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Report
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&r) != nil {
			return
		}
		r.At = time.Time{}
		in, err := svc.Report(context.Background(), actor, r)
		if err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				t.Fatalf("internal error for %s: %v", data, err)
			}
			return
		}
		c := in.Case
		if c.Grid == "" || !c.Point.Valid() || !c.Status.Valid() {
			t.Fatalf("bad case from %s: %+v", data, c)
		}
	})
}
