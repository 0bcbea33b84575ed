package seed

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"cityloop/internal/geo"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
	"cityloop/internal/store/inspectstore"
	"cityloop/internal/worktime"
)

// TestInspections_Demo: the demo writes a drawn plan with published
// outcomes (one left overdue), a committed one and a draft; the drawn one
// verifies, and the same seed gives the same draw.
func TestInspections_Demo(t *testing.T) {
	sq := func(x float64) geo.MultiPolygon {
		return geo.MultiPolygon{{{{Lng: x, Lat: 32}, {Lng: x + 0.1, Lat: 32}, {Lng: x + 0.1, Lat: 32.1}, {Lng: x, Lat: 32.1}, {Lng: x, Lat: 32}}}}
	}
	atlas, err := org.NewAtlas([]org.Region{{Code: "3201", Level: org.LevelCity, Shape: sq(118.7)},
		{Code: "320101", Level: org.LevelDistrict, Parent: "3201", Shape: sq(118.7)}, {Code: "320102", Level: org.LevelDistrict, Parent: "3201", Shape: sq(118.8)}})
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := worktime.Default()
	now := time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)
	run := func() (*inspect.Service, *InspectInfo) {
		db, err := inspectstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "i.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		svc := &inspect.Service{Store: db, Cal: cal, Now: func() time.Time { return now }, NewID: func() string { n++; return "plan-" + string(rune('a'+n)) }}
		officers := map[string]inspect.Inspector{"": {ID: "acc-enforcer", Name: "市级队员", Certificate: "3201000999"},
			"320101": {ID: "acc-enf-320101", Name: "玄武队员", Certificate: "3201001000", District: "320101"}}
		info, err := Inspections(context.Background(), svc, org.Actor{ID: "leader", Name: "领导", Grants: []org.Grant{{Post: org.PostLeader}}}, atlas, officers, 7, now)
		if err != nil {
			t.Fatal(err)
		}
		return svc, info
	}
	svc, info := run()
	if info.Plans != 3 || info.Drawn != 1 || info.Outcomes != 5 {
		t.Fatalf("demo inspections: %+v", info)
	}
	plans, _, err := svc.FindPlans(context.Background(), inspect.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	by := map[inspect.Status]*inspect.Plan{}
	for _, p := range plans {
		by[p.Status] = p
	}
	if len(by) != 3 {
		t.Fatalf("plans by status: %v", by)
	}
	drawn, err := svc.FindPlan(context.Background(), by[inspect.StatusDrawn].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := svc.VerifyStored(context.Background(), drawn.ID); err != nil || !rep.Match {
		t.Fatalf("the demo's draw does not verify: %+v %v", rep, err)
	}
	if objs, _ := inspect.Overdue(drawn, now, cal); len(objs) != 1 {
		t.Fatalf("%d overdue results, want the one left unreported", len(objs))
	}
	rs, err := svc.Reminders(context.Background())
	if err != nil || len(rs) != 1 || rs[0].PlanID != drawn.ID {
		t.Fatalf("reminders: %+v %v", rs, err)
	}
	svc2, _ := run()
	drawn2, err := svc2.FindPlan(context.Background(), drawn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if drawn2.Draw.Seed != drawn.Draw.Seed || drawn2.Draw.Assignments[0].Object.ID != drawn.Draw.Assignments[0].Object.ID {
		t.Fatal("the same demo seed gave another draw")
	}
}
