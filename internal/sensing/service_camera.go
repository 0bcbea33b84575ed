package sensing

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// PutCamera registers or updates a camera, locating it in the region tree.
// Its status (online, last seen) is the service's: a new camera counts as
// never reported until its first heartbeat or event.
func (s *Service) PutCamera(ctx context.Context, c Camera) (*Camera, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pl, err := s.Desk.Locate(c.Pos())
	if err != nil {
		return nil, err
	}
	c.Grid, c.Community, c.Street, c.District = pl.Grid, pl.Community, pl.Street, pl.District
	s.mu.Lock()
	if old, ok := s.cameras[c.ID]; ok {
		c.CreatedAt, c.LastSeen, c.Online = old.CreatedAt, old.LastSeen, old.Online
	} else {
		c.CreatedAt, c.LastSeen, c.Online = s.Now().UTC(), nil, false
	}
	s.mu.Unlock()
	if err := s.Store.PutCamera(ctx, &c); err != nil {
		return nil, fmt.Errorf("store camera %s: %w", c.ID, err)
	}
	s.mu.Lock()
	if old, ok := s.cameras[c.ID]; ok {
		c.LastSeen, c.Online = old.LastSeen, old.Online // signs of life meanwhile
	}
	s.cameras[c.ID] = &c
	// A flush that copied the old document may write it after ours: the
	// next flush writes this one again.
	s.dirtyCam[c.ID] = true
	s.mu.Unlock()
	out := c
	return &out, nil
}

// Cameras lists copies of the cameras, by id.
func (s *Service) Cameras() []*Camera {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Camera, 0, len(s.cameras))
	for _, c := range s.cameras {
		x := *c
		out = append(out, &x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CameraVendor returns a camera's vendor ("" when unknown).
func (s *Service) CameraVendor(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cameras[id]; ok {
		return c.Vendor
	}
	return ""
}

// Policy is the policy in force for a sub-class.
func (s *Service) Policy(category string) Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy(category)
}

func (s *Service) policy(category string) Policy {
	if p, ok := s.policies[category]; ok {
		return p
	}
	return DefaultPolicy(category)
}

// PutPolicy sets a sub-class's policy.
func (s *Service) PutPolicy(ctx context.Context, p Policy) (Policy, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	if err := s.Store.PutPolicy(ctx, p); err != nil {
		return p, fmt.Errorf("store policy: %w", err)
	}
	s.mu.Lock()
	s.policies[p.Category] = p
	s.mu.Unlock()
	return p, nil
}

// Zones lists the vending zones.
func (s *Service) Zones() []Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Zone{}, s.zones...)
}

// PutZone adds or replaces a vending zone.
func (s *Service) PutZone(ctx context.Context, z Zone) (Zone, error) {
	if err := z.Validate(); err != nil {
		return z, err
	}
	if err := s.Store.PutZone(ctx, z); err != nil {
		return z, fmt.Errorf("store zone: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.zones[:0:0]
	for _, x := range s.zones {
		if x.ID != z.ID {
			out = append(out, x)
		}
	}
	s.zones = append(out, z)
	return z, nil
}

// DeleteZone removes a vending zone.
func (s *Service) DeleteZone(ctx context.Context, id string) error {
	if err := s.Store.DeleteZone(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.zones[:0:0]
	for _, x := range s.zones {
		if x.ID != id {
			out = append(out, x)
		}
	}
	s.zones = out
	return nil
}

// EventResult is the answer to one camera event.
type EventResult struct {
	Decision
	Track  string `json:"track_id,omitempty"`
	CaseID string `json:"case_id,omitempty"`
	Count  int    `json:"sightings,omitempty"`
	Zone   string `json:"zone_id,omitempty"`
}

// HandleEvent runs one camera event through the class's policy: drop it,
// fold it into a live track, remind, or open a case (with its snapshot).
func (s *Service) HandleEvent(ctx context.Context, e Event) (EventResult, error) {
	s.Counters.Events.Add(1)
	now := s.Now()
	// Every event, whatever becomes of it, shows the camera is alive.
	if err := s.cameraAlive(ctx, e.Camera, e.At, now); err != nil {
		return EventResult{}, err
	}
	s.mu.Lock()
	cam, ok := s.cameras[e.Camera]
	if !ok {
		s.mu.Unlock()
		return EventResult{}, errs.NotFound("camera %s is not registered; register it first with PUT /api/v1/sensing/cameras/{id}", e.Camera)
	}
	if e.Vendor == "" {
		e.Vendor = cam.Vendor
	}
	p := s.policy(e.Category)
	pos := cam.Pos()
	if e.Lng != nil {
		pos = geo.Point{Lng: *e.Lng, Lat: *e.Lat}
	}
	zone := ""
	for i := range s.zones {
		if s.zones[i].Allows(e.Category, pos, e.At, e.Goods) {
			zone = s.zones[i].ID
			break
		}
	}
	key := EventKey(&e)
	tr := s.tracks[key]
	tally := Tally{}
	if t := s.tallies["cat:"+e.Category]; t != nil {
		tally = *t
	}
	d := Decide(p, tally, &e, tr, cam.Watching(e.Category), zone != "")
	res := EventResult{Decision: d, Zone: zone}
	switch d.Verdict {
	case VerdictDuplicate, VerdictCleared, VerdictEscalate:
		tr.Count++
		if e.At.After(tr.LastAt) {
			tr.LastAt = e.At
		}
		tr.Confidence = max(tr.Confidence, e.Confidence)
		s.dirtyTrk[tr.ID] = tr
		res.Track, res.CaseID, res.Count = tr.ID, tr.CaseID, tr.Count
		if d.Verdict == VerdictDuplicate {
			s.Counters.Duplicates.Add(1)
			s.mu.Unlock()
			return res, nil
		}
	case VerdictCase, VerdictRemind:
		tr = &Track{ID: s.NewID(), Camera: cam.ID, Vendor: e.Vendor, Category: e.Category, Cell: e.Cell(),
			FirstAt: e.At, LastAt: e.At, Count: 1, Confidence: e.Confidence, Community: cam.Community, Phase: TrackOpen}
		if d.Verdict == VerdictRemind {
			at := e.At
			tr.Phase, tr.RemindedAt = TrackReminded, &at
		}
		s.tracks[key] = tr
		res.Track, res.Count = tr.ID, 1
	default:
		s.mu.Unlock()
		return res, nil
	}
	trCopy, camCopy := *tr, *cam // cam's status may change once unlocked
	s.mu.Unlock()

	switch d.Verdict {
	case VerdictCleared:
		s.mu.Lock()
		tr.Phase = TrackCleared
		s.mu.Unlock()
		if trCopy.CaseID != "" {
			img := e.Image
			if len(img) == 0 {
				img = EvidencePNG(nil, 0)
			}
			r, err := s.Desk.Resolve(ctx, trCopy.CaseID, fmt.Sprintf("摄像头 %s 复拍确认问题已消除，系统自动核查", cam.ID), img)
			if err != nil {
				return res, fmt.Errorf("resolve case of track %s: %w", tr.ID, err)
			}
			if r == Resolved {
				s.Counters.CasesResolved.Add(1)
			}
		}
		return res, s.flushTrack(ctx, tr)
	case VerdictRemind:
		s.Counters.Reminders.Add(1)
		text := p.Template
		if text == "" {
			text = "【城管提醒】请自行整改，系统将复拍核查。"
		}
		rem := Reminder{ID: s.NewID(), Track: tr.ID, Camera: cam.ID, Category: e.Category, Channel: "display", Text: text, At: e.At}
		if s.Reminders != nil {
			// A failed send leaves the display's notice: the capture after the
			// window still opens a case, so the party loses no right by it.
			if ch, err := s.Reminders.SendReminder(ctx, rem, camCopy, e); err != nil {
				s.Log.Warn("send reminder", "camera", cam.ID, "err", err)
			} else if ch != "" {
				rem.Channel = ch
			}
		}
		if err := s.Store.AddReminder(ctx, rem); err != nil {
			return res, fmt.Errorf("record reminder: %w", err)
		}
		return res, s.flushTrack(ctx, tr)
	}
	// A new case (VerdictCase) or one after an ignored reminder (VerdictEscalate).
	var photos []string
	if len(e.Image) > 0 {
		id, err := s.Desk.SavePhoto(ctx, e.Image)
		if err != nil {
			return res, err
		}
		photos = []string{id}
		s.mu.Lock()
		tr.Snapshot = id
		s.mu.Unlock()
	}
	desc := fmt.Sprintf("AI 视频识别：摄像头「%s」（%s，%s）识别到 %s，置信度 %.2f", cam.Name, cam.ID, e.Vendor, e.Category, e.Confidence)
	if d.Verdict == VerdictEscalate {
		desc += fmt.Sprintf("；已于 %s 提醒，复拍仍存在", trCopy.RemindedAt.In(chinaTime).Format("15:04"))
	}
	if e.ImageURL != "" {
		desc += "；原图 " + e.ImageURL
	}
	if e.Goods != "" {
		desc += "；品类 " + e.Goods
	}
	id, err := s.Desk.Open(ctx, Proposal{Source: "camera", Category: e.Category, Condition: p.Condition, Description: desc,
		Point: pos, Photos: photos, ExternalRef: strings.TrimSpace("ai:" + cam.ID + ":" + e.EventID), AutoFile: d.AutoFile, At: now})
	if err != nil {
		// Let the next sighting try again.
		s.mu.Lock()
		if s.tracks[key] == tr && tr.CaseID == "" && d.Verdict == VerdictCase {
			delete(s.tracks, key)
		}
		s.mu.Unlock()
		return res, fmt.Errorf("open case for camera event: %w", err)
	}
	s.Counters.CasesOpened.Add(1)
	s.mu.Lock()
	tr.CaseID, tr.AutoFiled, tr.Phase = id, d.AutoFile, TrackOpen
	s.undecided[tr.ID] = tr
	s.mu.Unlock()
	res.CaseID = id
	kind := "ai:" + e.Category
	if e.Category == MixedSortingCategory || e.Code == "mixed_sorting" {
		kind = "ai:mixed" // one kind for waste compliance, however the vendor named it
	}
	if err := s.Store.AddIncident(ctx, Incident{Kind: kind, Ref: cam.ID, Point: cam.Point, Community: cam.Community, At: e.At, CaseID: id}); err != nil {
		s.Log.Warn("record incident", "err", err)
	}
	return res, s.flushTrack(ctx, tr)
}

func (s *Service) flushTrack(ctx context.Context, tr *Track) error {
	s.mu.Lock()
	c := *tr
	delete(s.dirtyTrk, tr.ID)
	s.mu.Unlock()
	if err := s.Store.PutTracks(ctx, []*Track{&c}); err != nil {
		return fmt.Errorf("store track: %w", err)
	}
	return nil
}

// AccuracyRow is the precision of one class, camera or vendor.
type AccuracyRow struct {
	Key       string   `json:"key"`
	Name      string   `json:"name,omitempty"`
	Confirmed int      `json:"confirmed"`
	False     int      `json:"false_positive"`
	Judged    int      `json:"judged"`
	Precision *float64 `json:"precision"` // null until someone judged a case
	Mode      Mode     `json:"mode,omitempty"`
	InForce   Mode     `json:"mode_in_force,omitempty"`
	Floor     float64  `json:"auto_floor,omitempty"`
}

// Accuracy is the measured discovery accuracy (发现准确率).
type Accuracy struct {
	Target     float64       `json:"target"`
	Overall    AccuracyRow   `json:"overall"`
	MeetsGoal  bool          `json:"meets_target"`
	Undecided  int           `json:"awaiting_judgement"`
	ByCategory []AccuracyRow `json:"by_category"`
	ByCamera   []AccuracyRow `json:"by_camera"`
	ByVendor   []AccuracyRow `json:"by_vendor"`
	Formula    string        `json:"formula"`
}

func row(key string, t Tally) AccuracyRow {
	r := AccuracyRow{Key: key, Confirmed: t.Confirmed, False: t.False, Judged: t.N()}
	if p, ok := t.Precision(); ok {
		p = float64(int(p*10000+0.5)) / 10000
		r.Precision = &p
	}
	return r
}

// Accuracy reports precision overall and per class, camera and vendor.
func (s *Service) Accuracy(target float64) Accuracy {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := Accuracy{Target: target, Undecided: len(s.undecided), ByCategory: []AccuracyRow{}, ByCamera: []AccuracyRow{}, ByVendor: []AccuracyRow{},
		Formula: "precision = confirmed ÷ (confirmed + false positive); confirmed = a person accepted, verified, filed or dispatched the AI case; false positive = a person rejected or voided it; merged and system-ended cases are not judged"}
	all := Tally{}
	if t := s.tallies["all"]; t != nil {
		all = *t
	}
	a.Overall = row("all", all)
	a.MeetsGoal = a.Overall.Precision != nil && *a.Overall.Precision >= target
	cats := map[string]bool{}
	for c := range s.policies {
		cats[c] = true
	}
	for k, t := range s.tallies {
		switch {
		case strings.HasPrefix(k, "cat:"):
			cats[k[4:]] = true
		case strings.HasPrefix(k, "cam:"):
			a.ByCamera = append(a.ByCamera, row(k[4:], *t))
		case strings.HasPrefix(k, "ven:"):
			a.ByVendor = append(a.ByVendor, row(k[4:], *t))
		}
	}
	for c := range cats {
		t := Tally{}
		if x := s.tallies["cat:"+c]; x != nil {
			t = *x
		}
		r := row(c, t)
		p := s.policy(c)
		r.Mode, r.InForce, r.Floor = p.Mode, EffectiveMode(p, t), p.AutoFloor
		a.ByCategory = append(a.ByCategory, r)
	}
	for _, rs := range [][]AccuracyRow{a.ByCategory, a.ByCamera, a.ByVendor} {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
	}
	return a
}

// ---- parking and waste ----

// PutLot adds or replaces a parking lot.
func (s *Service) PutLot(ctx context.Context, l Lot) (Lot, error) {
	if err := l.Validate(); err != nil {
		return l, err
	}
	if err := s.Store.PutLot(ctx, l); err != nil {
		return l, fmt.Errorf("store lot: %w", err)
	}
	s.mu.Lock()
	s.lots[l.ID] = l
	s.mu.Unlock()
	return l, nil
}

// Availability is every lot's occupancy now, by id.
func (s *Service) Availability() []Availability {
	s.mu.Lock()
	lots := make([]Lot, 0, len(s.lots))
	for _, l := range s.lots {
		lots = append(lots, l)
	}
	var berths []*Device
	for _, d := range s.devices {
		if d.Kind == KindBerth {
			c := *d
			c.Last = cloneMap(d.Last)
			berths = append(berths, &c)
		}
	}
	since := make(map[string]time.Time, len(s.berthSince))
	for k, v := range s.berthSince {
		since[k] = v
	}
	s.mu.Unlock()
	sort.Slice(lots, func(i, j int) bool { return lots[i].ID < lots[j].ID })
	return Occupancy(lots, berths, since, s.Now())
}

// PutPoint adds or replaces a waste collection point.
func (s *Service) PutPoint(ctx context.Context, p CollectionPoint) (CollectionPoint, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	pl, err := s.Desk.Locate(geo.Point{Lng: p.Lng, Lat: p.Lat})
	if err != nil {
		return p, err
	}
	p.Grid, p.Community = pl.Grid, pl.Community
	if err := s.Store.PutPoint(ctx, p); err != nil {
		return p, fmt.Errorf("store collection point: %w", err)
	}
	s.mu.Lock()
	s.points[p.ID] = p
	s.mu.Unlock()
	return p, nil
}

// Points lists the collection points.
func (s *Service) Points() []CollectionPoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CollectionPoint, 0, len(s.points))
	for _, p := range s.points {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Collected records a truck's call at a point and ends a missed-collection episode.
func (s *Service) Collected(ctx context.Context, point string, at time.Time, by string) error {
	s.mu.Lock()
	_, ok := s.points[point]
	s.mu.Unlock()
	if !ok {
		return errs.NotFound("collection point %s does not exist", point)
	}
	if err := s.Store.AddCollection(ctx, point, at, by); err != nil {
		return fmt.Errorf("store collection: %w", err)
	}
	s.mu.Lock()
	if at.After(s.collected[point]) {
		s.collected[point] = at
	}
	changed := s.endEpisode(nil, point, RuleMissed, at)
	s.mu.Unlock()
	if len(changed) > 0 {
		if err := s.Store.SaveRuleStates(ctx, changed); err != nil {
			return err
		}
		s.poke()
	}
	return nil
}

// Compliance is waste-sorting compliance per community over the last days.
func (s *Service) Compliance(ctx context.Context, days int) ([]Compliance, error) {
	now := s.Now()
	from := now.Add(-time.Duration(days) * 24 * time.Hour)
	in, err := s.Store.Incidents(ctx, from, now)
	if err != nil {
		return nil, err
	}
	return WasteCompliance(s.Points(), in, from, now), nil
}
