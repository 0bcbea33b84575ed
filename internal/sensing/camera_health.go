package sensing

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/errs"
)

// Camera health: a camera shows it is alive by a heartbeat (POST
// /api/v1/sensing/cameras/{id}/heartbeat) or by any event it sends. One
// silent for longer than its allowance ([Camera.OfflineAfter]) is marked
// offline by [Service.Detect] and becomes a maintenance case of
// [MaintenanceCategory], through the same episode mechanism as a silent
// device (pseudo-rule [RuleCameraOffline]); its next sign of life ends the
// episode and the worker resolves the case.

// DefaultCameraOfflineAfter is the heartbeat allowance of a camera that sets
// none. Vendor platforms usually send a keep-alive every minute (GB/T 28181
// registers a device offline after three missed ones); ten minutes lets a
// platform restart without a maintenance case.
const DefaultCameraOfflineAfter = 10 * time.Minute

// Bounds of Camera.OfflineAfterS: under a minute a lost packet opens a
// case; a week is for cameras that can only send events, on quiet streets.
const (
	minCameraOfflineAfterS = 60
	maxCameraOfflineAfterS = 7 * 24 * 3600
)

// OfflineAfter is the silence after which the camera counts as offline.
func (c *Camera) OfflineAfter() time.Duration {
	if c.OfflineAfterS <= 0 {
		return DefaultCameraOfflineAfter
	}
	return time.Duration(c.OfflineAfterS) * time.Second
}

// Heartbeat records that camera id is alive now. It ends the camera's
// offline episode, if any, so the worker resolves its maintenance case.
func (s *Service) Heartbeat(ctx context.Context, id string) error {
	now := s.Now()
	return s.cameraAlive(ctx, id, now, now)
}

// cameraAlive records a sign of life from camera id seen at `at` (a
// heartbeat's arrival, an event's capture time) and stores the state change
// it causes.
func (s *Service) cameraAlive(ctx context.Context, id string, at, now time.Time) error {
	s.mu.Lock()
	c, ok := s.cameras[id]
	if !ok {
		s.mu.Unlock()
		return errs.NotFound("camera %s is not registered; register it first with PUT /api/v1/sensing/cameras/{id}", clip(id, 64))
	}
	changed := s.cameraSeen(nil, c, at, now)
	s.mu.Unlock()
	if len(changed) == 0 {
		return nil
	}
	if err := s.Store.SaveRuleStates(ctx, changed); err != nil {
		return fmt.Errorf("store rule states: %w", err)
	}
	s.poke()
	return nil
}

// cameraSeen moves c's last sign of life to at (never backwards, never past
// now) and brings it back online. A sign older than the allowance (an event
// a platform passes on late) says nothing about now, so it does not bring
// an offline camera back. s.mu is held.
func (s *Service) cameraSeen(changed []RuleState, c *Camera, at, now time.Time) []RuleState {
	if at.After(now) {
		at = now
	}
	if c.LastSeen != nil && !at.After(*c.LastSeen) {
		return changed
	}
	t := at.UTC()
	c.LastSeen = &t
	s.dirtyCam[c.ID] = true
	if now.Sub(at) > c.OfflineAfter() || c.Online {
		return changed
	}
	c.Online = true
	return s.endEpisode(changed, c.ID, RuleCameraOffline, now)
}

// detectCameras marks the cameras silent past their allowance offline and
// starts their episodes. Silence counts from Load at the earliest: while no
// node listened, heartbeats were lost, not missed. A camera never heard
// from stays "never reported", as a device does. s.mu is held.
func (s *Service) detectCameras(changed []RuleState, now time.Time) []RuleState {
	for _, c := range s.cameras {
		if !c.Online || c.LastSeen == nil {
			continue
		}
		since := *c.LastSeen
		if since.Before(s.camsFrom) {
			since = s.camsFrom
		}
		if now.Sub(since) > c.OfflineAfter() {
			c.Online = false
			s.dirtyCam[c.ID] = true
			changed = s.startEpisode(changed, c.ID, RuleCameraOffline, now)
		}
	}
	return changed
}

// takeDirtyCameras returns copies of the cameras whose status changed and
// forgets that they did. s.mu is held.
func (s *Service) takeDirtyCameras() []*Camera {
	out := make([]*Camera, 0, len(s.dirtyCam))
	for id := range s.dirtyCam {
		if c, ok := s.cameras[id]; ok {
			x := *c
			out = append(out, &x)
		}
	}
	s.dirtyCam = map[string]bool{}
	return out
}

// CameraState is the state of camera id's offline check (false when the
// camera was never offline).
func (s *Service) CameraState(id string) (RuleState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[stateKey(id, RuleCameraOffline)]
	if !ok {
		return RuleState{}, false
	}
	return *st, true
}

// caseShared reports whether an episode other than key's still firing
// follows case id.
func (s *Service) caseShared(key, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.states {
		if k != key && st.CaseID == id && firingPhase(st.Phase) {
			return true
		}
	}
	return false
}

// cameraProposal is the maintenance case of a silent camera. s.mu is held.
func (s *Service) cameraProposal(st *RuleState, in Incident, now time.Time) (Proposal, Incident, bool) {
	c, ok := s.cameras[st.Device]
	if !ok {
		return Proposal{}, in, false
	}
	in.Community, in.Point = c.Community, c.Point
	last := "从未"
	if c.LastSeen != nil {
		last = c.LastSeen.In(chinaTime).Format("01-02 15:04")
	}
	return Proposal{Source: "sensor", Category: MaintenanceCategory, Condition: 1, Point: c.Pos(), At: now,
		Description: fmt.Sprintf("摄像头离线待维护：%s（%s，%s）自 %s 起无心跳、无事件，超过允许的 %s", c.Name, c.ID, c.Vendor, last, zhDuration(c.OfflineAfter())),
		ExternalRef: "sensing:" + c.ID + ":" + st.Rule}, in, true
}

// zhDuration writes d as 10 分钟, 2 小时 or 90 秒.
func zhDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	}
	return fmt.Sprintf("%d 秒", d/time.Second)
}
