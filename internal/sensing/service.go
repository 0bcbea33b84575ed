package sensing

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Pseudo-rules kept in the same state table as the threshold rules. A
// state is keyed by the id of what it watches and the rule, so a device and
// a camera that share an id never share a state: one's is "offline", the
// other's "camera_offline" (and [Rule.Validate] keeps these names free).
const (
	RuleOffline       = "offline"           // a device stopped reporting
	RuleCameraOffline = "camera_offline"    // a camera sent no heartbeat or event within its allowance
	RuleOverstay      = "overstay"          // a berth occupied past its lot's limit
	RuleMissed        = "missed_collection" // a collection point not emptied by its time
)

// Sub-classes the sensing layer files under by itself (local extensions of
// the dictionary, see catalog's data file).
const (
	// MaintenanceCategory is 感知监控设备 (component 0701): a device or
	// camera gone offline (condition 1) or reading nonsense (condition 2).
	MaintenanceCategory = "component:0701"
	// MixedSortingCategory is 垃圾分类投放不规范 (event 0603), 垃圾混投 at
	// a collection point.
	MixedSortingCategory = "event:0603"
)

// Service keeps the live picture in memory (devices, rule states, live
// tracks, precision tallies), writes every change through Store before it
// is acknowledged, and asks Desk to open and resolve cases. One Service
// is live on one node at a time, the holder of the sensing lease (app
// decides which); the others pass requests to it.
type Service struct {
	Store       Store
	Desk        Desk
	Now         func() time.Time
	NewID       func() string
	Log         *slog.Logger
	VendorCodes map[string]string
	Retention   Retention
	// Reminders, when set, sends a "remind" policy's notice to the party
	// registered for the place (柔性执法, 行政处罚法第四十一条); without it,
	// or when no party is known, the notice is the camera site's display.
	Reminders ReminderSender

	mu         sync.Mutex
	devices    map[string]*Device
	dirtyDev   map[string]bool
	rules      map[string]Rule
	byKind     map[Kind][]Rule
	states     map[string]*RuleState // device|rule
	pending    map[string]bool       // states with case work to do
	retryAt    map[string]time.Time  // resolutions waiting for the loop
	berthSince map[string]time.Time
	cameras    map[string]*Camera
	dirtyCam   map[string]bool // cameras whose status changed since the last flush
	camsFrom   time.Time       // Load's time: heartbeats nobody received before it do not count as silence
	policies   map[string]Policy
	zones      []Zone
	tracks     map[string]*Track // live tracks by key
	undecided  map[string]*Track // tracks with a case nobody judged yet, by id
	dirtyTrk   map[string]*Track
	tallies    map[string]*Tally
	lots       map[string]Lot
	points     map[string]CollectionPoint
	collected  map[string]time.Time
	wake       chan struct{} // see wakeChan
	wakeOnce   sync.Once
	flushedAt  time.Time

	Counters Counters
}

// Counters are running totals since start, for the device figures.
type Counters struct {
	Readings, Unknown, Stale, CasesOpened, CasesResolved, Events, Duplicates, Reminders atomic.Int64
}

func stateKey(device, rule string) string { return device + "|" + rule }

// Load reads everything from the store. Call it once before use.
func (s *Service) Load(ctx context.Context) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.VendorCodes == nil {
		s.VendorCodes = DefaultVendorCodes()
	}
	if s.Retention == (Retention{}) {
		s.Retention = DefaultRetention
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices, s.dirtyDev, s.states, s.pending = map[string]*Device{}, map[string]bool{}, map[string]*RuleState{}, map[string]bool{}
	s.retryAt, s.berthSince, s.cameras, s.policies = map[string]time.Time{}, map[string]time.Time{}, map[string]*Camera{}, map[string]Policy{}
	s.tracks, s.undecided, s.dirtyTrk, s.tallies = map[string]*Track{}, map[string]*Track{}, map[string]*Track{}, map[string]*Tally{}
	s.lots, s.points, s.collected = map[string]Lot{}, map[string]CollectionPoint{}, map[string]time.Time{}
	s.dirtyCam, s.camsFrom = map[string]bool{}, s.Now()
	devs, err := s.Store.Devices(ctx)
	if err != nil {
		return fmt.Errorf("load devices: %w", err)
	}
	for _, d := range devs {
		s.devices[d.ID] = d
		if d.Kind == KindBerth && d.LastSeen != nil {
			s.berthSince[d.ID] = *d.LastSeen
		}
	}
	over, err := s.Store.Rules(ctx)
	if err != nil {
		return fmt.Errorf("load rules: %w", err)
	}
	s.setRules(over)
	sts, err := s.Store.RuleStates(ctx)
	if err != nil {
		return fmt.Errorf("load rule states: %w", err)
	}
	for i := range sts {
		st := sts[i]
		s.states[stateKey(st.Device, st.Rule)] = &st
		if needsWork(&st) {
			s.pending[stateKey(st.Device, st.Rule)] = true
		}
	}
	cams, err := s.Store.Cameras(ctx)
	if err != nil {
		return fmt.Errorf("load cameras: %w", err)
	}
	for _, c := range cams {
		s.cameras[c.ID] = c
	}
	for _, p := range DefaultPolicies() {
		s.policies[p.Category] = p
	}
	ps, err := s.Store.Policies(ctx)
	if err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	for _, p := range ps {
		s.policies[p.Category] = p
	}
	if s.zones, err = s.Store.Zones(ctx); err != nil {
		return fmt.Errorf("load zones: %w", err)
	}
	trs, err := s.Store.LiveTracks(ctx, s.Now().Add(-7*24*time.Hour))
	if err != nil {
		return fmt.Errorf("load tracks: %w", err)
	}
	for _, t := range trs {
		if cur, ok := s.tracks[t.Key()]; !ok || cur.LastAt.Before(t.LastAt) {
			s.tracks[t.Key()] = t
		}
		if t.CaseID != "" && t.Outcome == OutcomeNone {
			s.undecided[t.ID] = t
		}
	}
	rows, err := s.Store.Tallies(ctx)
	if err != nil {
		return fmt.Errorf("load precision: %w", err)
	}
	for _, r := range rows {
		for i := 0; i < r.N; i++ {
			s.tally(r.Category, r.Camera, r.Vendor, r.Outcome)
		}
	}
	lots, err := s.Store.Lots(ctx)
	if err != nil {
		return fmt.Errorf("load lots: %w", err)
	}
	for _, l := range lots {
		s.lots[l.ID] = l
	}
	pts, err := s.Store.Points(ctx)
	if err != nil {
		return fmt.Errorf("load collection points: %w", err)
	}
	for _, p := range pts {
		s.points[p.ID] = p
	}
	if s.collected, err = s.Store.LastCollections(ctx); err != nil {
		return fmt.Errorf("load collections: %w", err)
	}
	return nil
}

func (s *Service) setRules(over []Rule) {
	s.rules = map[string]Rule{}
	for _, r := range DefaultRules() {
		s.rules[r.ID] = r
	}
	for _, r := range over {
		s.rules[r.ID] = r
	}
	s.byKind = map[Kind][]Rule{}
	ids := make([]string, 0, len(s.rules))
	for id := range s.rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := s.rules[id]
		s.byKind[r.Kind] = append(s.byKind[r.Kind], r)
	}
}

func (s *Service) tally(category, camera, vendor string, o Outcome) {
	if o != OutcomeConfirmed && o != OutcomeFalse {
		return
	}
	for _, k := range []string{"all", "cat:" + category, "cam:" + camera, "ven:" + vendor} {
		t := s.tallies[k]
		if t == nil {
			t = &Tally{}
			s.tallies[k] = t
		}
		t.Add(o)
	}
}

// ---- devices ----

// PutDevice registers or updates a device, locating it in the region tree.
func (s *Service) PutDevice(ctx context.Context, d Device) (*Device, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	pl, err := s.Desk.Locate(d.Pos())
	if err != nil {
		return nil, err
	}
	d.Grid, d.Community, d.Street, d.District = pl.Grid, pl.Community, pl.Street, pl.District
	s.mu.Lock()
	if old, ok := s.devices[d.ID]; ok {
		d.CreatedAt, d.LastSeen, d.Online, d.Last = old.CreatedAt, old.LastSeen, old.Online, old.Last
	} else {
		d.CreatedAt = s.Now().UTC()
	}
	s.mu.Unlock()
	if d.Kind == KindBerth && d.Lot != "" {
		if _, ok := s.lot(d.Lot); !ok {
			return nil, errs.Invalid("parking lot %s does not exist", d.Lot).WithField("lot", "unknown lot")
		}
	}
	if err := s.Store.PutDevice(ctx, &d); err != nil {
		return nil, fmt.Errorf("store device %s: %w", d.ID, err)
	}
	s.mu.Lock()
	s.devices[d.ID] = &d
	s.mu.Unlock()
	out := d
	return &out, nil
}

func (s *Service) lot(id string) (Lot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lots[id]
	return l, ok
}

// Device returns a copy of one device.
func (s *Service) Device(id string) (*Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if !ok {
		return nil, false
	}
	c := *d
	c.Last = cloneMap(d.Last)
	return &c, true
}

// Devices lists copies of the devices of kind (all when empty), by id.
func (s *Service) Devices(kind Kind) []*Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Device, 0, len(s.devices))
	for _, d := range s.devices {
		if kind == "" || d.Kind == kind {
			c := *d
			c.Last = cloneMap(d.Last)
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func cloneMap(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// States lists the rule states of a device (a camera's are [Service.CameraState]).
func (s *Service) States(device string) []RuleState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RuleState
	for _, st := range s.states {
		if st.Device == device && st.Rule != RuleCameraOffline {
			out = append(out, *st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}

// Rules lists the rules in force.
func (s *Service) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PutRule adds or replaces a rule.
func (s *Service) PutRule(ctx context.Context, r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	if err := s.Store.PutRule(ctx, r); err != nil {
		return r, fmt.Errorf("store rule %s: %w", r.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	over := make([]Rule, 0, len(s.rules))
	for _, x := range s.rules {
		if x.ID != r.ID {
			over = append(over, x)
		}
	}
	s.setRules(append(over, r))
	return r, nil
}

// IngestResult counts what one batch did.
type IngestResult struct {
	Stored  int `json:"stored"`
	Unknown int `json:"unknown_device"`
	Stale   int `json:"stale"` // older than what the device already reported (still stored)
	Opened  int `json:"cases_proposed"`
}

// Ingest stores a batch of readings and runs the rules over them. When it
// returns nil, the readings and every state change they caused are stored;
// the cases they call for are opened by the worker (see Work) right after.
func (s *Service) Ingest(ctx context.Context, rs []Reading) (IngestResult, error) {
	var res IngestResult
	known := make([]Reading, 0, len(rs))
	s.mu.Lock()
	for _, r := range rs {
		if _, ok := s.devices[r.Device]; ok {
			known = append(known, r)
		} else {
			res.Unknown++
		}
	}
	s.mu.Unlock()
	s.Counters.Unknown.Add(int64(res.Unknown))
	if len(known) == 0 {
		return res, nil
	}
	if err := s.Store.AppendReadings(ctx, known); err != nil {
		return res, fmt.Errorf("store readings: %w", err)
	}
	res.Stored = len(known)
	// Apply in time order per device, so a batch that arrives shuffled still
	// steps each rule forwards.
	sort.SliceStable(known, func(i, j int) bool { return known[i].TS.Before(known[j].TS) })
	var changed []RuleState
	s.mu.Lock()
	for _, r := range known {
		d := s.devices[r.Device]
		if d.LastSeen != nil && !r.TS.After(*d.LastSeen) {
			res.Stale++
			continue
		}
		t := r.TS
		d.LastSeen = &t
		if d.Last == nil {
			d.Last = map[string]float64{}
		}
		if d.Kind == KindBerth {
			if v, ok := r.Values["occupied"]; ok && (d.Last["occupied"] >= 0.5) != (v >= 0.5) {
				s.berthSince[d.ID] = r.TS
				if v < 0.5 {
					changed = s.endEpisode(changed, d.ID, RuleOverstay, r.TS)
				}
			}
		}
		for k, v := range r.Values {
			d.Last[k] = v
		}
		if !d.Online {
			d.Online = true
			changed = s.endEpisode(changed, d.ID, RuleOffline, r.TS)
		}
		s.dirtyDev[d.ID] = true
		for i := range s.byKind[d.Kind] {
			rule := &s.byKind[d.Kind][i]
			key := stateKey(d.ID, rule.ID)
			st := s.states[key]
			if st == nil {
				st = &RuleState{Device: d.ID, Rule: rule.ID, Phase: PhaseNormal}
			}
			next, eff := Step(rule, d, *st, r.TS, r.Values)
			if eff == EffectResolve {
				next.Resolve = true
			}
			// Only phase changes are written: a normal state needs no row.
			if next.Phase != st.Phase || eff != EffectNone {
				changed = append(changed, next)
			}
			*st = next
			s.states[key] = st
			if eff != EffectNone {
				s.pending[key] = true
				if eff == EffectOpen {
					res.Opened++
				}
			}
		}
	}
	s.mu.Unlock()
	s.Counters.Readings.Add(int64(res.Stored))
	s.Counters.Stale.Add(int64(res.Stale))
	if len(changed) > 0 {
		if err := s.Store.SaveRuleStates(ctx, changed); err != nil {
			return res, fmt.Errorf("store rule states: %w", err)
		}
		s.poke()
	}
	return res, nil
}

// endEpisode ends a pseudo-rule's episode (offline, overstay, missed) and
// asks for its case to be resolved. s.mu is held.
func (s *Service) endEpisode(changed []RuleState, ref, rule string, at time.Time) []RuleState {
	key := stateKey(ref, rule)
	st := s.states[key]
	if st == nil || st.Phase == PhaseNormal {
		return changed
	}
	st.Phase, st.Since = PhaseNormal, at
	if st.CaseID != "" {
		st.Resolve = true
		s.pending[key] = true
	}
	return append(changed, *st)
}

// startEpisode opens a pseudo-rule's episode. s.mu is held.
func (s *Service) startEpisode(changed []RuleState, ref, rule string, at time.Time) []RuleState {
	key := stateKey(ref, rule)
	st := s.states[key]
	if st == nil {
		st = &RuleState{Device: ref, Rule: rule}
		s.states[key] = st
	}
	if st.Phase == PhaseFiring {
		return changed
	}
	st.Phase, st.Since, st.LastTS = PhaseFiring, at, at
	s.pending[key] = true
	return append(changed, *st)
}

func firingPhase(p Phase) bool { return p == PhaseFiring || p == PhaseClearing }

func needsWork(st *RuleState) bool {
	firing := firingPhase(st.Phase)
	return (firing && (st.CaseID == "" || st.Resolve)) || (!firing && st.Resolve && st.CaseID != "")
}

func (s *Service) poke() {
	select {
	case s.wakeChan() <- struct{}{}:
	default:
	}
}

// Wake is signalled when there is case work to do.
func (s *Service) Wake() <-chan struct{} { return s.wakeChan() }

// wakeChan makes the channel on first use: the worker waits on it before
// the state is loaded (Load runs when a node takes the service over), and
// keeps the same channel across reloads.
func (s *Service) wakeChan() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// Work opens and resolves the cases that rule states call for. It runs on
// one goroutine (app's sensing worker), so a state never gets two cases.
func (s *Service) Work(ctx context.Context) error {
	now := s.Now()
	s.mu.Lock()
	keys := make([]string, 0, len(s.pending))
	for k := range s.pending {
		if at, ok := s.retryAt[k]; ok && now.Before(at) {
			continue
		}
		keys = append(keys, k)
	}
	s.mu.Unlock()
	sort.Strings(keys)
	var changed []RuleState
	for _, k := range keys {
		if ctx.Err() != nil {
			break
		}
		st, ok := s.work(ctx, k, now)
		if ok {
			changed = append(changed, st)
		}
	}
	if len(changed) > 0 {
		if err := s.Store.SaveRuleStates(ctx, changed); err != nil {
			return fmt.Errorf("store rule states: %w", err)
		}
	}
	return nil
}

func (s *Service) work(ctx context.Context, key string, now time.Time) (RuleState, bool) {
	s.mu.Lock()
	stp := s.states[key]
	if stp == nil {
		delete(s.pending, key)
		s.mu.Unlock()
		return RuleState{}, false
	}
	st := *stp
	s.mu.Unlock()
	firing := st.Phase == PhaseFiring || st.Phase == PhaseClearing
	var err error
	switch {
	case firing && st.CaseID != "" && st.Resolve:
		// A new breach while the last case waits to be resolved: it is
		// still the same problem if that case is still open.
		var open bool
		if open, err = s.Desk.IsOpen(ctx, st.CaseID); err == nil && !open {
			st.CaseID = ""
		}
		st.Resolve = false
		if err == nil && st.CaseID == "" {
			st.CaseID, err = s.open(ctx, &st, now)
		}
	case firing && st.CaseID == "":
		st.CaseID, err = s.open(ctx, &st, now)
	case !firing && st.Resolve && st.CaseID != "" && s.caseShared(key, st.CaseID):
		// The loop merged this episode's report into another episode's case
		// (two bins at one point, a camera and a sensor on one pole), and
		// that episode goes on: let go of the case; the last one resolves it.
		st.Resolve, st.CaseID = false, ""
	case !firing && st.Resolve && st.CaseID != "":
		var r Resolution
		r, err = s.Desk.Resolve(ctx, st.CaseID, s.resolveNote(&st), s.evidence(ctx, &st))
		if err == nil {
			switch r {
			case Waiting:
				s.mu.Lock()
				s.retryAt[key] = now.Add(30 * time.Second)
				s.mu.Unlock()
				return st, false
			case Resolved:
				s.Counters.CasesResolved.Add(1)
			}
			st.Resolve, st.CaseID = false, ""
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.Log.Warn("sensing case work", "device", st.Device, "rule", st.Rule, "err", err)
		s.retryAt[key] = now.Add(10 * time.Second)
		return st, false
	}
	delete(s.retryAt, key)
	cur := s.states[key]
	// Readings may have moved the phase meanwhile: keep their phase, take
	// the case, and resolve it if the episode has ended by now.
	cur.CaseID = st.CaseID
	cur.Resolve = !firingPhase(cur.Phase) && cur.CaseID != ""
	if !needsWork(cur) {
		delete(s.pending, key)
	}
	return *cur, true
}

func (s *Service) open(ctx context.Context, st *RuleState, now time.Time) (string, error) {
	p, in, ok := s.proposal(st, now)
	if !ok {
		return "", nil
	}
	id, err := s.Desk.Open(ctx, p)
	if err != nil && p.Category == MaintenanceCategory && errs.Is(err, errs.KindInvalid) {
		// A city that retired the maintenance sub-class still gets the
		// case, unclassified, for an operator to classify.
		s.Log.Warn("sensing maintenance case without its sub-class", "category", p.Category, "err", err)
		p.Category, p.Condition = "", 0
		id, err = s.Desk.Open(ctx, p)
	}
	if err != nil {
		return "", err
	}
	s.Counters.CasesOpened.Add(1)
	in.CaseID = id
	if err := s.Store.AddIncident(ctx, in); err != nil {
		s.Log.Warn("record incident", "err", err)
	}
	return id, nil
}

// proposal builds the case for a state.
func (s *Service) proposal(st *RuleState, now time.Time) (Proposal, Incident, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := st.Since
	if at.IsZero() || at.After(now) {
		at = now
	}
	in := Incident{Kind: st.Rule, Ref: st.Device, At: at}
	switch st.Rule {
	case RuleMissed:
		pt, ok := s.points[st.Device]
		if !ok {
			return Proposal{}, in, false
		}
		in.Point, in.Community = pt.ID, pt.Community
		return Proposal{Source: "sensor", Category: "event:0103", Condition: 1, Point: geo.Point{Lng: pt.Lng, Lat: pt.Lat},
			Description: fmt.Sprintf("垃圾投放点「%s」今日 %s 前未清运（物联感知）", pt.Name, pt.CollectBy),
			ExternalRef: "sensing:" + st.Device + ":" + st.Rule, At: now}, in, true
	case RuleCameraOffline:
		return s.cameraProposal(st, in, now)
	}
	d, ok := s.devices[st.Device]
	if !ok {
		return Proposal{}, in, false
	}
	in.Community, in.Point = d.Community, d.Point
	p := Proposal{Source: "sensor", Point: d.Pos(), At: now, ExternalRef: "sensing:" + d.ID + ":" + st.Rule}
	switch st.Rule {
	case RuleOffline:
		last := "从未"
		if d.LastSeen != nil {
			last = d.LastSeen.In(chinaTime).Format("01-02 15:04")
		}
		p.Category, p.Condition = MaintenanceCategory, 1
		p.Description = fmt.Sprintf("设备离线待维护：%s（%s，%s）自 %s 起未上报数据", d.Name, d.ID, KindNames[d.Kind][0], last)
	case RuleOverstay:
		l := s.lots[d.Lot]
		p.Category, p.Condition = "event:0505", 1
		p.Description = fmt.Sprintf("泊位超时停放：%s 泊位 %s 已停放超过 %d 分钟", l.Name, d.ID, l.MaxStayMin)
	default:
		r, ok := s.rules[st.Rule]
		if !ok {
			return Proposal{}, in, false
		}
		thr, _ := r.Limits(d, st.Since)
		p.Category, p.Condition, p.AutoFile = r.CategoryFor(d), r.Condition, r.AutoFile
		p.Description = fmt.Sprintf("%s：%s（%s）%s 峰值 %.1f，阈值 %.1f，持续 ≥ %s（物联感知自动上报）",
			r.Title, d.Name, d.ID, r.Metric, st.Peak, thr, r.For.D())
	}
	return p, in, true
}

func (s *Service) resolveNote(st *RuleState) string {
	switch st.Rule {
	case RuleOffline:
		return "设备已恢复上报，维护工单自动办结"
	case RuleCameraOffline:
		return "摄像头已恢复心跳，维护工单自动办结"
	case RuleOverstay:
		return "泊位已空出，超时停放已消除"
	case RuleMissed:
		return "已记录清运，未清运问题消除"
	}
	s.mu.Lock()
	r := s.rules[st.Rule]
	s.mu.Unlock()
	return fmt.Sprintf("传感器读数已持续正常 %s，问题消除（系统自动核查）", r.ClearFor.D())
}

// Tick does all the time-driven work of one node: Detect, then Flush.
func (s *Service) Tick(ctx context.Context) error {
	if err := s.Detect(ctx); err != nil {
		return err
	}
	return s.Flush(ctx)
}

// Detect does the time-driven checks that open cases: devices and cameras
// gone silent, berths overstayed, collections missed. Only the node that
// holds the sensing service runs it: each node would otherwise start the
// same episode and the worker of each would open its own case.
func (s *Service) Detect(ctx context.Context) error {
	now := s.Now()
	var changed []RuleState
	s.mu.Lock()
	for _, d := range s.devices {
		if d.Online && d.LastSeen != nil && now.Sub(*d.LastSeen) > d.OfflineAfter() {
			d.Online = false
			s.dirtyDev[d.ID] = true
			changed = s.startEpisode(changed, d.ID, RuleOffline, now)
		}
		if d.Kind == KindBerth && d.Online && d.Last["occupied"] >= 0.5 {
			if l, ok := s.lots[d.Lot]; ok && l.MaxStayMin > 0 {
				if since, ok := s.berthSince[d.ID]; ok && now.Sub(since) > time.Duration(l.MaxStayMin)*time.Minute {
					changed = s.startEpisode(changed, d.ID, RuleOverstay, now)
				}
			}
		}
	}
	changed = s.detectCameras(changed, now)
	for _, p := range s.points {
		var last *time.Time
		if t, ok := s.collected[p.ID]; ok {
			last = &t
		}
		if p.Missed(last, now) {
			changed = s.startEpisode(changed, p.ID, RuleMissed, now)
		}
	}
	s.mu.Unlock()
	if len(changed) > 0 {
		if err := s.Store.SaveRuleStates(ctx, changed); err != nil {
			return fmt.Errorf("store rule states: %w", err)
		}
		s.poke()
	}
	return nil
}

// Flush does the owner's periodic writing: the status of the devices and
// cameras it heard from and the tracks of the camera events it handled;
// it also forgets old tracks and reads how people judged the AI cases of
// its tracks (precision).
func (s *Service) Flush(ctx context.Context) error {
	now := s.Now()
	var devs []*Device
	var cams []*Camera
	s.mu.Lock()
	// Device and camera status (last seen, online, last values) is written
	// every 30 s: it only seeds offline detection and the registry after a
	// restart, and rewriting thousands of rows every tick would stall
	// ingestion.
	if now.Sub(s.flushedAt) >= 30*time.Second {
		s.flushedAt = now
		for id := range s.dirtyDev {
			if d, ok := s.devices[id]; ok {
				c := *d
				c.Last = cloneMap(d.Last)
				devs = append(devs, &c)
			}
		}
		s.dirtyDev = map[string]bool{}
		cams = s.takeDirtyCameras()
	}
	tracks := make([]*Track, 0, len(s.dirtyTrk))
	for _, t := range s.dirtyTrk {
		c := *t
		tracks = append(tracks, &c)
	}
	s.dirtyTrk = map[string]*Track{}
	// Forget tracks a week past their last sighting.
	for k, t := range s.tracks {
		if now.Sub(t.LastAt) > 7*24*time.Hour && s.undecided[t.ID] == nil {
			delete(s.tracks, k)
		}
	}
	s.mu.Unlock()
	if len(devs) > 0 {
		if err := s.Store.SaveDeviceStatus(ctx, devs); err != nil {
			return fmt.Errorf("store device status: %w", err)
		}
	}
	if len(cams) > 0 {
		if err := s.Store.SaveCameraStatus(ctx, cams); err != nil {
			return fmt.Errorf("store camera status: %w", err)
		}
	}
	if len(tracks) > 0 {
		if err := s.Store.PutTracks(ctx, tracks); err != nil {
			return fmt.Errorf("store tracks: %w", err)
		}
	}
	return s.judge(ctx, 200)
}

// judge asks the loop how people judged AI cases and updates precision.
func (s *Service) judge(ctx context.Context, batch int) error {
	s.mu.Lock()
	var todo []*Track
	for _, t := range s.undecided {
		todo = append(todo, t)
		if len(todo) >= batch {
			break
		}
	}
	s.mu.Unlock()
	var done []*Track
	for _, t := range todo {
		s.mu.Lock()
		caseID := t.CaseID
		s.mu.Unlock()
		o, err := s.Desk.Outcome(ctx, caseID)
		if err != nil {
			if errs.Is(err, errs.KindNotFound) {
				o = OutcomeUnjudged
			} else {
				return fmt.Errorf("read outcome of case %s: %w", caseID, err)
			}
		}
		if o == OutcomeNone {
			continue
		}
		s.mu.Lock()
		t.Outcome = o
		delete(s.undecided, t.ID)
		s.tally(t.Category, t.Camera, t.Vendor, o)
		c := *t
		s.mu.Unlock()
		done = append(done, &c)
	}
	if len(done) > 0 {
		if err := s.Store.PutTracks(ctx, done); err != nil {
			return fmt.Errorf("store outcomes: %w", err)
		}
	}
	return nil
}

// Maintain downsamples and prunes the time series.
func (s *Service) Maintain(ctx context.Context) error {
	now := s.Now()
	if err := s.Store.Downsample(ctx, now.Add(-time.Minute)); err != nil {
		return err
	}
	return s.Store.Prune(ctx, now, s.Retention)
}

// Figures are the device figures on the API.
type Figures struct {
	Devices  map[Kind]KindFigures `json:"devices"`
	Cameras  KindFigures          `json:"cameras"`
	Readings int64                `json:"readings_since_start"`
	Unknown  int64                `json:"readings_from_unknown_devices"`
	Opened   int64                `json:"cases_opened_since_start"`
	Resolved int64                `json:"cases_resolved_since_start"`
	Events   int64                `json:"camera_events_since_start"`
	Dups     int64                `json:"camera_duplicates_since_start"`
	Firing   int                  `json:"rules_firing"`
}

// KindFigures counts devices of one kind.
type KindFigures struct {
	Total   int `json:"total"`
	Online  int `json:"online"`
	Offline int `json:"offline"`
	Silent  int `json:"never_reported"`
}

// Figures counts devices, cameras and traffic.
func (s *Service) Figures() Figures {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Figures{Devices: map[Kind]KindFigures{}}
	for _, d := range s.devices {
		k := f.Devices[d.Kind]
		k.Total++
		switch {
		case d.LastSeen == nil:
			k.Silent++
		case d.Online:
			k.Online++
		default:
			k.Offline++
		}
		f.Devices[d.Kind] = k
	}
	for _, c := range s.cameras {
		f.Cameras.Total++
		switch {
		case c.LastSeen == nil:
			f.Cameras.Silent++ // registered, never heard from
		case c.Online:
			f.Cameras.Online++
		default:
			f.Cameras.Offline++ // Detect found it silent past its allowance
		}
	}
	for _, st := range s.states {
		if st.Phase == PhaseFiring || st.Phase == PhaseClearing {
			f.Firing++
		}
	}
	f.Readings, f.Unknown = s.Counters.Readings.Load(), s.Counters.Unknown.Load()
	f.Opened, f.Resolved = s.Counters.CasesOpened.Load(), s.Counters.CasesResolved.Load()
	f.Events, f.Dups = s.Counters.Events.Load(), s.Counters.Duplicates.Load()
	return f
}

// Kinds lists the device kinds, sorted.
func Kinds() []Kind {
	out := make([]Kind, 0, len(KindNames))
	for k := range KindNames {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// evidence draws the readings of the last hour for a resolved rule, the
// "photo" a sensor offers for its automatic check (核查).
func (s *Service) evidence(ctx context.Context, st *RuleState) []byte {
	s.mu.Lock()
	r, ok := s.rules[st.Rule]
	d := s.devices[st.Device]
	s.mu.Unlock()
	var vals []float64
	thr := 0.0
	if ok && d != nil {
		now := s.Now()
		pts, err := s.Store.Series(ctx, SeriesQuery{Device: st.Device, Metric: r.Metric, Res: "raw", From: now.Add(-time.Hour), To: now.Add(time.Minute), Limit: 2000})
		if err == nil {
			for _, p := range pts {
				vals = append(vals, p.Avg)
			}
		}
		thr, _ = r.Limits(d, now)
	}
	return EvidencePNG(vals, thr)
}
