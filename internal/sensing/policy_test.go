package sensing

import (
	"testing"
	"time"

	"cityloop/internal/geo"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
	confirm := Policy{Category: "event:0501", MinConfidence: 0.7, Window: Duration(time.Hour)}
	auto := Policy{Category: "component:0305", MinConfidence: 0.7, Window: Duration(time.Hour), Mode: ModeAuto}
	remind := Policy{Category: "event:0504", MinConfidence: 0.7, Window: Duration(2 * time.Hour), Mode: ModeRemind, RemindAfter: Duration(15 * time.Minute)}
	for _, p := range []*Policy{&confirm, &auto, &remind} {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(min int, conf float64) *Event {
		return &Event{Camera: "c1", Category: "event:0501", Confidence: conf, At: t0.Add(time.Duration(min) * time.Minute), BBox: []float64{0.4, 0.4, 0.1, 0.1}}
	}
	live := &Track{ID: "t1", Phase: TrackOpen, LastAt: t0}
	reminded := &Track{ID: "t2", Phase: TrackReminded, LastAt: t0, RemindedAt: &t0}
	good := Tally{Confirmed: 19, False: 1} // 95 %
	bad := Tally{Confirmed: 16, False: 4}  // 80 %
	few := Tally{Confirmed: 5}             // too few to count
	gone := ev(30, 0.9)
	gone.Gone = true
	for _, c := range []struct {
		name    string
		p       Policy
		tally   Tally
		e       *Event
		tr      *Track
		watched bool
		zone    bool
		want    Verdict
		auto    bool
		mode    Mode
	}{
		{"new sighting waits for a person", confirm, good, ev(0, 0.9), nil, true, false, VerdictCase, false, ModeConfirm},
		{"under the minimum confidence", confirm, good, ev(0, 0.5), nil, true, false, VerdictLowConfidence, false, ModeConfirm},
		{"the camera does not watch the class", confirm, good, ev(0, 0.9), nil, false, false, VerdictUnwatched, false, ModeConfirm},
		{"inside a vending zone at its hours", confirm, good, ev(0, 0.9), nil, true, true, VerdictAllowedZone, false, ModeConfirm},
		{"seen again within the window", confirm, good, ev(59, 0.9), live, true, false, VerdictDuplicate, false, ModeConfirm},
		{"seen again after the window is a new case", confirm, good, ev(61, 0.9), live, true, false, VerdictCase, false, ModeConfirm},
		{"an earned class files itself", auto, good, ev(0, 0.9), nil, true, false, VerdictCase, true, ModeAuto},
		{"a class under its floor goes back to people", auto, bad, ev(0, 0.9), nil, true, false, VerdictCase, false, ModeConfirm},
		{"too few judgements to earn auto", auto, few, ev(0, 0.9), nil, true, false, VerdictCase, false, ModeConfirm},
		{"remind first", remind, good, ev(0, 0.9), nil, true, false, VerdictRemind, false, ModeRemind},
		{"still there before the reminder's time", remind, good, ev(10, 0.9), reminded, true, false, VerdictDuplicate, false, ModeRemind},
		{"still there after the reminder's time", remind, good, ev(16, 0.9), reminded, true, false, VerdictEscalate, false, ModeRemind},
		{"a later capture shows it gone", confirm, good, gone, live, true, false, VerdictCleared, false, ModeConfirm},
		{"gone with nothing to clear", confirm, good, gone, nil, true, false, VerdictNothing, false, ModeConfirm},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.p, c.tally, c.e, c.tr, c.watched, c.zone)
			if d.Verdict != c.want || d.AutoFile != c.auto || d.Mode != c.mode {
				t.Fatalf("got %+v, want %s auto=%v mode=%s", d, c.want, c.auto, c.mode)
			}
		})
	}
}

func TestZone_Allows(t *testing.T) {
	z := Zone{ID: "z1", Ring: [][2]float64{{118.70, 32.00}, {118.71, 32.00}, {118.71, 32.01}, {118.70, 32.01}},
		Hours: []Hours{{From: "17:00", To: "22:00"}}, Goods: []string{"fruit", "snacks"}}
	if err := z.Validate(); err != nil {
		t.Fatal(err)
	}
	in, out := geo.Point{Lng: 118.705, Lat: 32.005}, geo.Point{Lng: 118.72, Lat: 32.005}
	evening := time.Date(2024, 6, 10, 18, 0, 0, 0, chinaTime)
	morning := time.Date(2024, 6, 10, 9, 0, 0, 0, chinaTime)
	for _, c := range []struct {
		name, cat, goods string
		p                geo.Point
		t                time.Time
		want             bool
	}{
		{"hawker inside at its hours", "event:0501", "fruit", in, evening, true},
		{"goods not said", "event:0501", "", in, evening, true},
		{"goods not allowed", "event:0501", "grill", in, evening, false},
		{"outside the zone", "event:0501", "fruit", out, evening, false},
		{"outside the hours", "event:0501", "fruit", in, morning, false},
		{"not a vending class", "event:0102", "", in, evening, false},
	} {
		if got := z.Allows(c.cat, c.p, c.t, c.goods); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestOccupancyAndNearest(t *testing.T) {
	now := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
	lots := []Lot{{ID: "a", Lng: 118.70, Lat: 32.0, Capacity: 2, MaxStayMin: 60}, {ID: "b", Lng: 118.80, Lat: 32.0, Capacity: 3}}
	berth := func(id, lot string, occ float64) *Device {
		return &Device{ID: id, Kind: KindBerth, Lot: lot, Online: true, Last: map[string]float64{"occupied": occ}}
	}
	av := Occupancy(lots, []*Device{berth("a1", "a", 1), berth("a2", "a", 1), berth("b1", "b", 1)},
		map[string]time.Time{"a1": now.Add(-2 * time.Hour)}, now)
	if av[0].Free != 0 || av[0].Overstay != 1 || av[1].Free != 2 {
		t.Fatalf("availability %+v", av)
	}
	near := Nearest(av, geo.Point{Lng: 118.70, Lat: 32.0}, 1, 3)
	if len(near) != 1 || near[0].Lot.ID != "b" {
		t.Fatalf("nearest with free spaces: %+v", near)
	}
}

func TestWasteCompliance(t *testing.T) {
	from := time.Date(2024, 6, 1, 0, 0, 0, 0, chinaTime)
	to := from.Add(10 * 24 * time.Hour)
	pts := []CollectionPoint{{ID: "p1", Community: "c1"}, {ID: "p2", Community: "c1"}}
	in := []Incident{
		{Kind: "bin-full", Point: "p1", At: from.Add(2 * time.Hour)},
		{Kind: "bin-full", Point: "p1", At: from.Add(3 * time.Hour)}, // same point-day
		{Kind: "missed_collection", Point: "p2", At: from.Add(30 * time.Hour)},
		{Kind: "offline", Point: "p2", At: from.Add(50 * time.Hour)}, // not a waste problem
	}
	got := WasteCompliance(pts, in, from, to)
	if len(got) != 1 || got[0].BadDays != 2 || got[0].Rate != 0.9 {
		t.Fatalf("compliance %+v", got)
	}
}
