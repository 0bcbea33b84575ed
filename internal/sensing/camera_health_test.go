package sensing

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// memStore keeps what the service writes in memory. It embeds Store, so a
// method a test does not expect panics on the nil interface.
type memStore struct {
	Store
	mu        sync.Mutex
	devices   []*Device
	cameras   []*Camera
	states    map[string]RuleState
	camStatus []*Camera // every camera status written, in order
	incidents []Incident
}

func (m *memStore) Devices(context.Context) ([]*Device, error) { return m.devices, nil }
func (m *memStore) PutDevice(context.Context, *Device) error   { return nil }
func (m *memStore) SaveDeviceStatus(context.Context, []*Device) error {
	return nil
}
func (m *memStore) AppendReadings(context.Context, []Reading) error { return nil }
func (m *memStore) Rules(context.Context) ([]Rule, error)           { return nil, nil }
func (m *memStore) RuleStates(context.Context) ([]RuleState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []RuleState
	for _, st := range m.states {
		out = append(out, st)
	}
	return out, nil
}
func (m *memStore) SaveRuleStates(_ context.Context, ss []RuleState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.states == nil {
		m.states = map[string]RuleState{}
	}
	for _, st := range ss {
		m.states[stateKey(st.Device, st.Rule)] = st
	}
	return nil
}
func (m *memStore) Cameras(context.Context) ([]*Camera, error) { return m.cameras, nil }
func (m *memStore) PutCamera(context.Context, *Camera) error   { return nil }
func (m *memStore) SaveCameraStatus(_ context.Context, cs []*Camera) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.camStatus = append(m.camStatus, cs...)
	return nil
}
func (m *memStore) LiveTracks(context.Context, time.Time) ([]*Track, error) { return nil, nil }
func (m *memStore) PutTracks(context.Context, []*Track) error               { return nil }
func (m *memStore) Tallies(context.Context) ([]TallyRow, error)             { return nil, nil }
func (m *memStore) Policies(context.Context) ([]Policy, error)              { return nil, nil }
func (m *memStore) Zones(context.Context) ([]Zone, error)                   { return nil, nil }
func (m *memStore) Lots(context.Context) ([]Lot, error)                     { return nil, nil }
func (m *memStore) Points(context.Context) ([]CollectionPoint, error)       { return nil, nil }
func (m *memStore) LastCollections(context.Context) (map[string]time.Time, error) {
	return map[string]time.Time{}, nil
}
func (m *memStore) AddIncident(_ context.Context, in Incident) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.incidents = append(m.incidents, in)
	return nil
}

// memDesk opens numbered cases and records what it was asked. merge, when
// set, answers Open with an open case of the same category instead, as the
// loop does when a machine reports a duplicate.
type memDesk struct {
	mu       sync.Mutex
	opened   []Proposal
	ids      []string
	resolved []string
	merge    bool
}

func (d *memDesk) Open(_ context.Context, p Proposal) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.merge {
		for i, q := range d.opened {
			if q.Category == p.Category && !slices.Contains(d.resolved, d.ids[i]) {
				return d.ids[i], nil
			}
		}
	}
	id := fmt.Sprintf("case-%d", len(d.opened)+1)
	d.opened, d.ids = append(d.opened, p), append(d.ids, id)
	return id, nil
}
func (d *memDesk) IsOpen(_ context.Context, id string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !slices.Contains(d.resolved, id), nil
}
func (d *memDesk) Resolve(_ context.Context, id, _ string, _ []byte) (Resolution, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resolved = append(d.resolved, id)
	return Resolved, nil
}
func (d *memDesk) Outcome(context.Context, string) (Outcome, error) { return OutcomeNone, nil }
func (d *memDesk) Locate(geo.Point) (Place, error)                  { return Place{Community: "c1"}, nil }
func (d *memDesk) SavePhoto(context.Context, []byte) (string, error) {
	return "photo", nil
}

// refs lists the external refs of the cases opened.
func (d *memDesk) refs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, p := range d.opened {
		out = append(out, p.ExternalRef)
	}
	return out
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var healthT0 = time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)

// newHealthService is a loaded service on memory fakes, its clock at healthT0.
func newHealthService(t *testing.T, st *memStore, desk *memDesk) (*Service, *testClock) {
	t.Helper()
	clock := &testClock{t: healthT0}
	n := 0
	s := &Service{Store: st, Desk: desk, Now: clock.Now, NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, clock
}

// cycle runs what the node's ticks and worker do: Detect, then Work.
func cycle(t *testing.T, s *Service) {
	t.Helper()
	ctx := context.Background()
	if err := s.Detect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Work(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestService_DetectCameraOffline(t *testing.T) {
	tests := []struct {
		name       string
		allowanceS int             // 0: the default, 10 minutes
		beats      []time.Duration // heartbeats after healthT0; none: never heard from
		at         time.Duration   // when Detect runs
		online     bool
		cases      int
		fig        KindFigures
	}{
		{"heard from within the allowance", 0, []time.Duration{0}, 9 * time.Minute, true, 0, KindFigures{Total: 1, Online: 1}},
		{"silent past the allowance", 0, []time.Duration{0}, 11 * time.Minute, false, 1, KindFigures{Total: 1, Offline: 1}},
		{"the last heartbeat counts", 0, []time.Duration{0, 5 * time.Minute}, 14 * time.Minute, true, 0, KindFigures{Total: 1, Online: 1}},
		{"a longer allowance of its own", 3600, []time.Duration{0}, 30 * time.Minute, true, 0, KindFigures{Total: 1, Online: 1}},
		{"past its own allowance", 3600, []time.Duration{0}, 61 * time.Minute, false, 1, KindFigures{Total: 1, Offline: 1}},
		{"never heard from is not offline", 0, nil, 2 * time.Hour, false, 0, KindFigures{Total: 1, Silent: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, desk := &memStore{}, &memDesk{}
			s, clock := newHealthService(t, st, desk)
			if _, err := s.PutCamera(ctx, Camera{ID: "cam-1", Lng: 118.7, Lat: 32.0, OfflineAfterS: tt.allowanceS}); err != nil {
				t.Fatal(err)
			}
			for _, b := range tt.beats {
				clock.Set(healthT0.Add(b))
				if err := s.Heartbeat(ctx, "cam-1"); err != nil {
					t.Fatal(err)
				}
			}
			clock.Set(healthT0.Add(tt.at))
			cycle(t, s)
			cycle(t, s) // a second tick starts nothing new
			c := s.Cameras()[0]
			if c.Online != tt.online || len(desk.opened) != tt.cases || s.Figures().Cameras != tt.fig {
				t.Fatalf("online %v, %d cases, figures %+v; want %v, %d, %+v", c.Online, len(desk.opened), s.Figures().Cameras, tt.online, tt.cases, tt.fig)
			}
			if tt.cases == 0 {
				return
			}
			p := desk.opened[0]
			if p.Category != MaintenanceCategory || p.Condition != 1 || p.Source != "sensor" || p.AutoFile ||
				p.ExternalRef != "sensing:cam-1:camera_offline" || !strings.Contains(p.Description, "摄像头离线待维护") {
				t.Fatalf("proposal %+v", p)
			}
			if cs, ok := s.CameraState("cam-1"); !ok || cs.Phase != PhaseFiring || cs.CaseID != "case-1" {
				t.Fatalf("camera state %+v, %v", cs, ok)
			}
			if len(st.incidents) != 1 || st.incidents[0].Kind != RuleCameraOffline || st.incidents[0].Ref != "cam-1" {
				t.Fatalf("incidents %+v", st.incidents)
			}
		})
	}
}

func TestService_CameraBackOnline(t *testing.T) {
	tests := []struct {
		name     string
		sign     func(s *Service, now time.Time) error
		resolved bool
	}{
		{"a heartbeat", func(s *Service, _ time.Time) error { return s.Heartbeat(context.Background(), "cam-1") }, true},
		{"an event, even one that makes no case", func(s *Service, now time.Time) error {
			_, err := s.HandleEvent(context.Background(), Event{Camera: "cam-1", Category: "event:0501", Confidence: 0.1, At: now})
			return err
		}, true},
		{"an event captured before the camera went silent", func(s *Service, now time.Time) error {
			_, err := s.HandleEvent(context.Background(), Event{Camera: "cam-1", Category: "event:0501", Confidence: 0.1, At: now.Add(-15 * time.Minute)})
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, desk := &memStore{}, &memDesk{}
			s, clock := newHealthService(t, st, desk)
			if _, err := s.PutCamera(ctx, Camera{ID: "cam-1", Lng: 118.7, Lat: 32.0}); err != nil {
				t.Fatal(err)
			}
			if err := s.Heartbeat(ctx, "cam-1"); err != nil {
				t.Fatal(err)
			}
			clock.Set(healthT0.Add(20 * time.Minute))
			cycle(t, s)
			if len(desk.opened) != 1 {
				t.Fatalf("%d cases while offline, want 1", len(desk.opened))
			}
			clock.Set(healthT0.Add(25 * time.Minute))
			if err := tt.sign(s, clock.Now()); err != nil {
				t.Fatal(err)
			}
			cycle(t, s)
			c := s.Cameras()[0]
			if got := slices.Equal(desk.resolved, []string{"case-1"}); got != tt.resolved || c.Online != tt.resolved {
				t.Fatalf("resolved %v, online %v; want %v", desk.resolved, c.Online, tt.resolved)
			}
			cs, _ := s.CameraState("cam-1")
			if tt.resolved && (cs.Phase != PhaseNormal || cs.CaseID != "" || cs.Resolve) {
				t.Fatalf("camera state after it came back: %+v", cs)
			}
			if stored := st.states[stateKey("cam-1", RuleCameraOffline)]; stored != cs {
				t.Fatalf("stored state %+v, memory %+v", stored, cs)
			}
			if len(desk.opened) != 1 {
				t.Fatalf("%d cases, want 1", len(desk.opened))
			}
		})
	}
	t.Run("unknown camera", func(t *testing.T) {
		s, _ := newHealthService(t, &memStore{}, &memDesk{})
		if err := s.Heartbeat(context.Background(), "nope"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("heartbeat of an unknown camera: %v", err)
		}
	})
}

// A device and a camera may share an id (one pole, one asset number): their
// offline episodes, cases and resolutions stay apart.
func TestService_DeviceAndCameraSameID(t *testing.T) {
	ctx := context.Background()
	st, desk := &memStore{}, &memDesk{}
	s, clock := newHealthService(t, st, desk)
	if _, err := s.PutDevice(ctx, Device{ID: "pole-7", Kind: KindNoise, Lng: 118.7, Lat: 32.0, IntervalS: 60}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutCamera(ctx, Camera{ID: "pole-7", Lng: 118.7, Lat: 32.0}); err != nil {
		t.Fatal(err)
	}
	read := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		if _, err := s.Ingest(ctx, []Reading{{Device: "pole-7", TS: at, Values: map[string]float64{"noise_db": 40}}}); err != nil {
			t.Fatal(err)
		}
	}
	beat := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		if err := s.Heartbeat(ctx, "pole-7"); err != nil {
			t.Fatal(err)
		}
	}
	phases := func() (dev, cam Phase) {
		for _, x := range s.States("pole-7") {
			if x.Rule == RuleCameraOffline {
				t.Fatalf("the device's states list the camera's: %+v", x)
			}
			if x.Rule == RuleOffline {
				dev = x.Phase
			}
		}
		c, _ := s.CameraState("pole-7")
		return dev, c.Phase
	}
	read(healthT0)
	beat(healthT0)

	steps := []struct {
		name     string
		do       func()
		dev, cam Phase
		refs     []string
		resolved []string
	}{
		{"the device falls silent, the camera beats on", func() {
			read(healthT0.Add(time.Minute))
			beat(healthT0.Add(4 * time.Minute))
			clock.Set(healthT0.Add(5 * time.Minute))
		}, PhaseFiring, "", []string{"sensing:pole-7:offline"}, nil},
		{"the camera falls silent too", func() { clock.Set(healthT0.Add(15 * time.Minute)) },
			PhaseFiring, PhaseFiring, []string{"sensing:pole-7:offline", "sensing:pole-7:camera_offline"}, nil},
		{"the camera's heartbeat ends only its own episode", func() { beat(healthT0.Add(16 * time.Minute)) },
			PhaseFiring, PhaseNormal, []string{"sensing:pole-7:offline", "sensing:pole-7:camera_offline"}, []string{"case-2"}},
		{"the device's reading ends the other", func() { read(healthT0.Add(17 * time.Minute)) },
			PhaseNormal, PhaseNormal, []string{"sensing:pole-7:offline", "sensing:pole-7:camera_offline"}, []string{"case-2", "case-1"}},
	}
	for _, step := range steps {
		step.do()
		cycle(t, s)
		dev, cam := phases()
		if dev != step.dev || cam != step.cam || !slices.Equal(desk.refs(), step.refs) || !slices.Equal(desk.resolved, step.resolved) {
			t.Fatalf("%s: device %q camera %q, cases %v resolved %v; want %q %q %v %v",
				step.name, dev, cam, desk.refs(), desk.resolved, step.dev, step.cam, step.refs, step.resolved)
		}
	}
	for _, p := range desk.opened {
		if p.Category != MaintenanceCategory || p.Condition != 1 {
			t.Fatalf("maintenance proposal %+v", p)
		}
	}
	if _, ok := st.states["pole-7|offline"]; !ok {
		t.Fatal("the device's state was not stored")
	}
	if _, ok := st.states["pole-7|camera_offline"]; !ok {
		t.Fatal("the camera's state was not stored")
	}
}

// When the loop merges two episodes' reports into one case (a camera and a
// sensor on one pole), the first to end lets go of the case and the last
// one resolves it.
func TestService_SharedCaseResolvesLast(t *testing.T) {
	ctx := context.Background()
	st, desk := &memStore{}, &memDesk{merge: true}
	s, clock := newHealthService(t, st, desk)
	if _, err := s.PutDevice(ctx, Device{ID: "air-1", Kind: KindAir, Lng: 118.7, Lat: 32.0, IntervalS: 60}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutCamera(ctx, Camera{ID: "cam-1", Lng: 118.7, Lat: 32.0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, []Reading{{Device: "air-1", TS: healthT0, Values: map[string]float64{"pm10": 40}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, "cam-1"); err != nil {
		t.Fatal(err)
	}
	clock.Set(healthT0.Add(15 * time.Minute))
	cycle(t, s)
	var dev RuleState
	for _, x := range s.States("air-1") {
		if x.Rule == RuleOffline {
			dev = x
		}
	}
	cam, _ := s.CameraState("cam-1")
	if len(desk.opened) != 1 || dev.CaseID != "case-1" || cam.CaseID != "case-1" {
		t.Fatalf("cases %v, device %+v, camera %+v", desk.refs(), dev, cam)
	}
	if err := s.Heartbeat(ctx, "cam-1"); err != nil {
		t.Fatal(err)
	}
	cycle(t, s)
	if cam, _ := s.CameraState("cam-1"); len(desk.resolved) != 0 || cam.CaseID != "" || cam.Resolve {
		t.Fatalf("the camera came back while the device is still silent: resolved %v, camera %+v", desk.resolved, cam)
	}
	if _, err := s.Ingest(ctx, []Reading{{Device: "air-1", TS: clock.Now(), Values: map[string]float64{"pm10": 40}}}); err != nil {
		t.Fatal(err)
	}
	cycle(t, s)
	if !slices.Equal(desk.resolved, []string{"case-1"}) {
		t.Fatalf("resolved %v, want case-1 once both are back", desk.resolved)
	}
}

func TestService_CameraStatusPersisted(t *testing.T) {
	ctx := context.Background()
	st, desk := &memStore{}, &memDesk{}
	s, clock := newHealthService(t, st, desk)
	if _, err := s.PutCamera(ctx, Camera{ID: "cam-1", Lng: 118.7, Lat: 32.0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, "cam-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(st.camStatus); n != 1 || !st.camStatus[0].Online || !st.camStatus[0].LastSeen.Equal(healthT0) {
		t.Fatalf("status written: %+v", st.camStatus)
	}
	// Offline, written by the next flush 30 s on; nothing in between.
	clock.Set(healthT0.Add(11 * time.Minute))
	cycle(t, s)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(st.camStatus); n != 2 || st.camStatus[1].Online {
		t.Fatalf("status after going offline: %d writes, last %+v", n, st.camStatus[n-1])
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(st.camStatus); n != 2 {
		t.Fatalf("%d status writes with nothing new, want 2", n)
	}

	// A node that loads the stored state an hour later gives each online
	// camera its full allowance from then: nobody listened meanwhile.
	seen := healthT0
	st2 := &memStore{cameras: []*Camera{{ID: "cam-2", Lng: 118.7, Lat: 32.0, Online: true, LastSeen: &seen, OfflineAfterS: 600}}}
	desk2 := &memDesk{}
	s2, clock2 := newHealthService(t, st2, desk2)
	clock2.Set(healthT0.Add(time.Hour))
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	cycle(t, s2)
	if c := s2.Cameras()[0]; !c.Online || len(desk2.opened) != 0 {
		t.Fatalf("right after Load: online %v, %d cases", c.Online, len(desk2.opened))
	}
	clock2.Set(healthT0.Add(time.Hour + 11*time.Minute))
	cycle(t, s2)
	if c := s2.Cameras()[0]; c.Online || len(desk2.opened) != 1 {
		t.Fatalf("an allowance after Load: online %v, %d cases", c.Online, len(desk2.opened))
	}
}

func TestCamera_ValidateOfflineAfter(t *testing.T) {
	tests := []struct {
		in, want int // want 0: invalid
	}{
		{0, 600}, {60, 60}, {3600, 3600}, {7 * 24 * 3600, 7 * 24 * 3600}, {59, 0}, {-1, 0}, {7*24*3600 + 1, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			c := Camera{ID: "c", Lng: 118.7, Lat: 32.0, OfflineAfterS: tt.in}
			err := c.Validate()
			if tt.want == 0 {
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "offline_after_s" {
					t.Fatalf("Validate = %v, want an offline_after_s field error", err)
				}
				return
			}
			if err != nil || c.OfflineAfterS != tt.want || c.OfflineAfter() != time.Duration(tt.want)*time.Second {
				t.Fatalf("Validate = %v, offline_after_s %d, want %d", err, c.OfflineAfterS, tt.want)
			}
		})
	}
}

func TestRule_ValidateReservedIDs(t *testing.T) {
	for _, id := range []string{RuleOffline, RuleCameraOffline, RuleOverstay, RuleMissed, "noise-night"} {
		r := Rule{ID: id, Kind: KindNoise, Metric: "noise_db", Threshold: 60, Clear: 55}
		err := r.Validate()
		if reserved := id != "noise-night"; reserved != (err != nil) {
			t.Errorf("rule id %q: %v", id, err)
		}
	}
}

// Mixed sorting seen at a bin station files under its own sub-class and
// counts against the station's waste compliance, whichever way the vendor
// names it.
func TestService_MixedSorting(t *testing.T) {
	tests := []struct {
		name, payload string
	}{
		{"generic vendor code", `{"camera_id":"cam-w","code":"mixed_sorting","confidence":0.9}`},
		{"the sub-class itself", `{"camera_id":"cam-w","category":"event:0603","confidence":0.9}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, desk := &memStore{}, &memDesk{}
			s, clock := newHealthService(t, st, desk)
			if _, err := s.PutCamera(ctx, Camera{ID: "cam-w", Lng: 118.7, Lat: 32.0, Point: "wp-1"}); err != nil {
				t.Fatal(err)
			}
			e, err := ParseEvent([]byte(tt.payload), s.VendorCodes, s.CameraVendor, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if e.Category != MixedSortingCategory {
				t.Fatalf("category %s, want %s", e.Category, MixedSortingCategory)
			}
			res, err := s.HandleEvent(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != VerdictCase || res.AutoFile || len(desk.opened) != 1 || desk.opened[0].Category != MixedSortingCategory {
				t.Fatalf("result %+v, cases %+v", res, desk.opened)
			}
			if len(st.incidents) != 1 || st.incidents[0].Kind != "ai:mixed" || st.incidents[0].Point != "wp-1" {
				t.Fatalf("incidents %+v", st.incidents)
			}
			pts := []CollectionPoint{{ID: "wp-1", Community: "c1"}, {ID: "wp-2", Community: "c1"}}
			got := WasteCompliance(pts, st.incidents, healthT0.Add(-12*time.Hour), healthT0.Add(12*time.Hour))
			if len(got) != 1 || got[0].BadDays != 1 || got[0].Rate != 0.5 {
				t.Fatalf("compliance %+v", got)
			}
		})
	}
}
