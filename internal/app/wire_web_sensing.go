package app

import (
	"context"
	"sort"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
	"cityloop/internal/web"
)

// webSensing adapts *sensing.Service to web.Sensing for the monitoring and
// parking pages. Figures, Accuracy, Availability and Compliance are the
// service's own; Alerts and Ingestion are put together here.
type webSensing struct {
	*sensing.Service
	sub *mqtt.Subscriber // nil when MQTT is not configured
}

// Ingestion reads the counters of this node's MQTT subscription: the pages
// run on the node holding the sensing state, the one that subscribes.
func (s webSensing) Ingestion() (web.Ingestion, bool) {
	if s.sub == nil {
		return web.Ingestion{}, false
	}
	st := &s.sub.Stats
	return web.Ingestion{Filter: s.sub.Filter(), Received: st.Received.Load(), Stored: st.Stored.Load(), Invalid: st.Invalid.Load(),
		Acked: st.Acked.Load(), Batches: st.Batches.Load(), Retries: st.Retries.Load()}, true
}

// Alerts lists the episodes firing now, newest first. The service keeps
// rule states in memory keyed for readings, not for listing (States scans
// them all for one device), and writes every change through to its store
// before acknowledging it, so one read of the stored states is both current
// and linear; it is skipped when the figures say nothing fires.
func (s webSensing) Alerts(ctx context.Context, limit int) ([]web.SensingAlert, int, error) {
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
	out := make([]web.SensingAlert, 0, len(firing))
	for _, st := range firing {
		a := web.SensingAlert{Ref: st.Device, Name: st.Device, Rule: st.Rule, Title: titles[st.Rule], Phase: st.Phase,
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
