package web

import (
	"context"
	"sort"

	"cityloop/internal/sensing"
)

// SensingService is *sensing.Service as the monitoring and parking pages
// read it ([Sensing]). Figures, Accuracy, Availability and Compliance are
// the service's own; Alerts is put together here, and Ingestion reads the
// node's MQTT counters through Intake (nil when MQTT is not configured).
type SensingService struct {
	*sensing.Service
	Intake func() Ingestion
}

// Ingestion reads the counters of this node's MQTT subscription: the pages
// run on the node holding the sensing state, the one that subscribes.
func (s SensingService) Ingestion() (Ingestion, bool) {
	if s.Intake == nil {
		return Ingestion{}, false
	}
	return s.Intake(), true
}

// Alerts lists the episodes firing now, newest first. The service keeps
// rule states in memory keyed for readings, not for listing (States scans
// them all for one device), and writes every change through to its store
// before acknowledging it, so one read of the stored states is both current
// and linear; it is skipped when the figures say nothing fires.
func (s SensingService) Alerts(ctx context.Context, limit int) ([]SensingAlert, int, error) {
	if s.Figures().Firing == 0 {
		return nil, 0, nil
	}
	sts, err := s.Store.RuleStates(ctx)
	if err != nil {
		return nil, 0, err
	}
	var firing []sensing.RuleState
	for _, st := range sts {
		if st.Phase == sensing.PhaseFiring || st.Phase == sensing.PhaseClearing {
			firing = append(firing, st)
		}
	}
	sort.Slice(firing, func(i, j int) bool {
		if !firing[i].Since.Equal(firing[j].Since) {
			return firing[i].Since.After(firing[j].Since)
		}
		return firing[i].Device+firing[i].Rule < firing[j].Device+firing[j].Rule
	})
	total := len(firing)
	if limit > 0 && len(firing) > limit {
		firing = firing[:limit]
	}
	titles := map[string]string{}
	for _, r := range s.Rules() {
		titles[r.ID] = r.Title
	}
	var cams map[string]*sensing.Camera
	var points map[string]sensing.CollectionPoint
	out := make([]SensingAlert, 0, len(firing))
	for _, st := range firing {
		a := SensingAlert{Ref: st.Device, Name: st.Device, Rule: st.Rule, Title: titles[st.Rule], Phase: st.Phase,
			Since: st.Since, Peak: st.Peak, CaseID: st.CaseID}
		switch st.Rule {
		case sensing.RuleCameraOffline:
			if cams == nil {
				cams = map[string]*sensing.Camera{}
				for _, c := range s.Cameras() {
					cams[c.ID] = c
				}
			}
			a.Source = "camera"
			if c, ok := cams[st.Device]; ok {
				a.Name = c.Name
			}
		case sensing.RuleMissed:
			if points == nil {
				points = map[string]sensing.CollectionPoint{}
				for _, p := range s.Points() {
					points[p.ID] = p
				}
			}
			a.Source = "point"
			if p, ok := points[st.Device]; ok {
				a.Name = p.Name
			}
		default:
			if d, ok := s.Device(st.Device); ok {
				a.Source, a.Name = string(d.Kind), d.Name
			}
		}
		out = append(out, a)
	}
	return out, total, nil
}
