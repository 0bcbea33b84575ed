package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// fieldDefs are the statuses a field worker acts on, with the filter that
// keeps them to their own region or department.
func fieldDefs(a org.Actor) []queueDef {
	var qs []queueDef
	for _, p := range []org.Post{org.PostSupervisor, org.PostGridMember} {
		if g, ok := a.Grant(p); ok {
			qs = append(qs, queueDef{Statuses: []casework.Status{casework.StatusPendingVerify, casework.StatusPendingCheck}, Region: g.Region})
			break
		}
	}
	if g, ok := a.Grant(org.PostHandler); ok {
		qs = append(qs, queueDef{Statuses: []casework.Status{casework.StatusDispatched, casework.StatusInDisposal}, Dept: g.Department})
	}
	return qs
}

type task struct {
	ID        string  `json:"id"`
	Code      string  `json:"code"`
	Status    string  `json:"status"`
	Category  string  `json:"category"`
	Place     string  `json:"place"`
	Light     string  `json:"light"`
	LightName string  `json:"light_name"`
	Due       string  `json:"due"`
	DistanceM float64 `json:"distance_m"`
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
}

// tasksNear lists the actor's open field tasks, nearest to at first (or by
// deadline when at is nil).
func (s *Server) tasksNear(ctx context.Context, l lang, a org.Actor, at *geo.Point) ([]task, error) {
	now := s.Now()
	var out []task
	var cases []*casework.Case
	for _, d := range fieldDefs(a) {
		f := casework.Filter{Statuses: d.Statuses, Department: d.Dept, Now: now, Limit: 500}
		s.regionFilter(&f, d.Region)
		items, _, err := s.Cases.FindCases(ctx, a, f)
		if err != nil {
			return nil, err
		}
		cases = append(cases, items...)
	}
	for _, c := range cases {
		lt := c.Light(now)
		t := task{ID: c.ID, Code: c.Code, Status: l.pick(casework.StatusNames[c.Status]), Category: s.categoryName(l, c),
			Place: s.placeName(c), Light: string(lt), LightName: lightName(l, lt), Lat: c.Point.Lat, Lng: c.Point.Lng, Due: "—"}
		if c.StageDue != nil {
			t.Due = c.StageDue.In(l.loc).Format("01-02 15:04")
		}
		if at != nil {
			t.DistanceM = float64(int(geo.DistanceM(*at, c.Point)))
		}
		out = append(out, t)
	}
	if at != nil {
		sort.SliceStable(out, func(i, j int) bool { return out[i].DistanceM < out[j].DistanceM })
	} else {
		byDue := map[string]time.Time{}
		for _, c := range cases {
			byDue[c.ID] = due(c)
		}
		sort.SliceStable(out, func(i, j int) bool { return byDue[out[i].ID].Before(byDue[out[j].ID]) })
	}
	if len(out) > 100 {
		out = out[:100]
	}
	return out, nil
}

type fieldPage struct {
	Tasks      []task
	Categories []option
	Reporter   bool   // may report (supervisor, grid member)
	Center     string // "lat,lng" of the city, where a misplaced report's map opens
}

// cityCenter is the city's centroid as "lat,lng" for a map's data-center
// ("" before regions are imported).
func (s *Server) cityCenter() string {
	c := s.World.Atlas().City()
	if c == nil {
		return ""
	}
	ctr := c.Shape.Centroid()
	return strconv.FormatFloat(ctr.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lng, 'f', 5, 64)
}

func (s *Server) handleField(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "field")
	v.Title = v.L.T("field")
	tasks, err := s.tasksNear(r.Context(), v.L, sess.actor, nil)
	if err != nil {
		return err
	}
	p := &fieldPage{Tasks: tasks, Center: s.cityCenter()}
	p.Reporter = casework.Patrols(sess.actor)
	p.Categories = append([]option{{Value: "", Label: v.L.T("leave_to_operator")}}, s.categoryOptions(v.L, "", false)...)
	if d := r.URL.Query().Get("done"); d != "" {
		v.Flash = v.L.T("done") + "：" + v.L.pick(casework.ActionNames[casework.Action(d)])
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "field", v)
	return nil
}

func (s *Server) handleFieldTasks(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	var at *geo.Point
	q := r.URL.Query()
	if q.Get("lat") != "" {
		lng, lat, err := parseLngLat(q.Get("lng"), q.Get("lat"))
		if err != nil {
			return err
		}
		at = &geo.Point{Lng: *lng, Lat: *lat}
	}
	tasks, err := s.tasksNear(r.Context(), s.langOf(w, r), sess.actor, at)
	if err != nil {
		return err
	}
	if tasks == nil {
		tasks = []task{}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": tasks})
}

// refLocks serialises reports that carry the same client id on this node,
// so a retry racing the original cannot create a second case.
type refLocks struct {
	mu   sync.Mutex
	held map[string]*sync.Mutex
}

func (l *refLocks) lock(key string) func() {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*sync.Mutex{}
	}
	m, ok := l.held[key]
	if !ok {
		m = &sync.Mutex{}
		l.held[key] = m
	}
	l.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		l.mu.Lock()
		if len(l.held) > 1000 {
			delete(l.held, key)
		}
		l.mu.Unlock()
	}
}

// handleFieldReport takes a report from the field app, online or replayed
// from its offline queue. The client id travels as external_ref; a repeat
// from the same reporter answers with the case made the first time.
func (s *Server) handleFieldReport(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	f := r.Form
	lng, lat, err := parseLngLat(f.Get("lng"), f.Get("lat"))
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(f.Get("external_ref"))
	if len(ref) > 64 {
		return errs.Invalid("external_ref is at most 64 characters").WithField("external_ref", "too long")
	}
	if ref != "" {
		unlock := s.refs.lock(sess.actor.ID + "\x00" + ref)
		defer unlock()
		prev, err := s.Cases.FindOwnCaseByRef(r.Context(), sess.actor, ref)
		if err == nil {
			return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"id": prev.ID, "code": prev.Code, "repeat": true})
		}
		if !errs.Is(err, errs.KindNotFound) {
			return err
		}
	}
	photos, err := s.savePhotos(r, "photos", sess.actor.ID)
	if err != nil {
		return err
	}
	rep := casework.Report{Description: strings.TrimSpace(f.Get("description")), Lng: lng, Lat: lat, CRS: "wgs84",
		Photos: photos, Category: f.Get("category"), ExternalRef: ref}
	in, err := s.Cases.Report(r.Context(), sess.actor, rep)
	if err != nil {
		return err
	}
	s.broker.publishCase(in.Case.Code, in.Case)
	// The nearest few candidates, as the API's create answer carries them.
	dups := in.Duplicates[:min(len(in.Duplicates), 5)]
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"id": in.Case.ID, "code": in.Case.Code, "repeat": false,
		"duplicates": dups, "duplicates_total": len(in.Duplicates)})
}

func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) {
	l := s.langOf(w, r)
	icon := "/assets/icon.svg"
	if a, ok := s.assets["icon.svg"]; ok {
		icon += "?v=" + a.hash
	}
	m := map[string]any{
		"name": l.pick([2]string{"CityLoop 外勤", "CityLoop field"}), "short_name": l.pick([2]string{"外勤", "Field"}),
		"start_url": "/field", "scope": "/field", "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b5394",
		"lang":  l.Code(),
		"icons": []map[string]string{{"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"}},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(mustJSON(m)))
}

// handleServiceWorker serves the field app's worker from /field so that its
// scope covers the app.
func (s *Server) handleServiceWorker(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets["sw.js"]
	if !ok {
		http.Error(w, "service worker not built: run `make web`", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/field")
	_, _ = w.Write(a.data)
}
