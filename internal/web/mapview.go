package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

type mapPage struct {
	TileURL    string
	Statuses   []option
	Categories []option
	From, To   string
	Center     string // "lat,lng"
}

func (s *Server) handleMapPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("map")
	q := r.URL.Query()
	p := &mapPage{TileURL: s.TileURL, From: q.Get("from"), To: q.Get("to")}
	// Open cases by default: a year of closed ones buries what needs doing
	// (and 100,000 points took the map 14–23 s).
	st := q.Get("status")
	p.Statuses = append(p.Statuses, option{Value: "open", Label: v.L.pick([2]string{"在办", "Open"}), Selected: st == "open" || st == ""}, option{Value: "all", Label: v.L.T("all"), Selected: st == "all"})
	for _, st := range casework.Statuses {
		p.Statuses = append(p.Statuses, option{Value: string(st), Label: v.L.pick(casework.StatusNames[st]), Selected: q.Get("status") == string(st)})
	}
	p.Categories = s.categoryOptions(v.L, q.Get("category"), false)
	p.Categories = append([]option{{Value: "", Label: v.L.T("all")}}, p.Categories...)
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		p.Center = strconv.FormatFloat(ctr.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lng, 'f', 5, 64)
	}
	if s.TileURL != "" {
		// Let the map load tiles from the city's own tile server.
		if u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s.TileURL, "{s}", "a"), "{z}", "0"), "{x}", "0")); err == nil && u.Host != "" {
			origin := u.Scheme + "://" + strings.Replace(u.Host, "a.", "*.", 1)
			w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: "+origin+"; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		}
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "map", v)
	return nil
}

// mapCache keeps the encoded case points per filter for a short while:
// reading 100,000 cases costs far more than drawing them, and a map does
// not need second-fresh data.
type mapCache struct {
	mu      sync.Mutex
	entries map[string]*mapEntry
}

type mapEntry struct {
	at   time.Time
	raw  []byte
	gz   []byte
	done chan struct{}
	err  error
}

const mapTTL = 30 * time.Second

// mapLimit bounds the points one request draws.
const mapLimit = 200_000

var lightIndex = map[worktime.Light]int{worktime.Green: 0, worktime.Yellow: 1, worktime.Red: 2, "": 3}

func (s *Server) mapFilter(q url.Values) (casework.Filter, error) {
	f := casework.Filter{Now: s.Now()}
	switch st := q.Get("status"); st {
	case "all":
	case "", "open":
		f.Statuses = casework.OpenStatuses
	default:
		if !casework.Status(st).Valid() {
			return f, errs.Invalid("unknown status %s", st).WithField("status", "unknown")
		}
		f.Statuses = []casework.Status{casework.Status(st)}
	}
	if v := q.Get("category"); v != "" {
		ref, err := catalog.ParseRef(v)
		if err != nil {
			return f, err
		}
		f.Category = &ref
	}
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.key); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, s.Cal.Location())
			if err != nil {
				return f, errs.Invalid("%s must be a date like 2025-10-01", p.key).WithField(p.key, "invalid")
			}
			if p.key == "to" {
				t = t.AddDate(0, 0, 1)
			}
			*p.dst = &t
		}
	}
	return f, nil
}

// caseFinder lists cases: one actor's ([casework.Service.FindCases]) or
// the public pages' ([casework.Service.FindPublicCases]).
type caseFinder func(ctx context.Context, f casework.Filter) ([]*casework.Case, int, error)

// casesOf is the finder of one actor's cases, inside its jurisdiction.
func (s *Server) casesOf(a org.Actor) caseFinder {
	return func(ctx context.Context, f casework.Filter) ([]*casework.Case, int, error) {
		return s.Cases.FindCases(ctx, a, f)
	}
}

// casePoints reads every case find lists for f, page by page along the
// (reported_at, id) index: each page continues just below the last
// reported_at seen, skipping the ones at that instant already taken.
func (s *Server) casePoints(ctx context.Context, find caseFinder, f casework.Filter, fn func(c *casework.Case)) error {
	const page = 500
	var skip int
	n := 0
	for n < mapLimit {
		g := f
		g.Limit, g.Offset = page, skip
		items, _, err := find(ctx, g)
		if err != nil {
			return err
		}
		for _, c := range items {
			fn(c)
		}
		n += len(items)
		if len(items) < page {
			return nil
		}
		last := items[len(items)-1].ReportedAt
		skip = 0
		for i := len(items) - 1; i >= 0 && items[i].ReportedAt.Equal(last); i-- {
			skip++
		}
		to := last.Add(time.Microsecond)
		if skip == len(items) && g.To != nil && g.To.Equal(to) {
			// Another whole page at the same instant: go on by offset within it.
			skip = g.Offset + len(items)
		}
		f.To = &to
	}
	return nil
}

// encodeMapPoints is the compact form the map island reads:
// {"n":N,"p":[lat,lng,light,status, …],"c":[code, …],"s":[status names]}.
func (s *Server) encodeMapPoints(ctx context.Context, find caseFinder, f casework.Filter, l lang) ([]byte, error) {
	now := s.Now()
	stIdx := map[casework.Status]int{}
	names := make([]string, len(casework.Statuses))
	for i, st := range casework.Statuses {
		stIdx[st] = i
		names[i] = l.pick(casework.StatusNames[st])
	}
	var pts bytes.Buffer
	var codes bytes.Buffer
	n := 0
	err := s.casePoints(ctx, find, f, func(c *casework.Case) {
		if n > 0 {
			pts.WriteByte(',')
			codes.WriteByte(',')
		}
		pts.WriteString(strconv.FormatFloat(c.Point.Lat, 'f', 5, 64))
		pts.WriteByte(',')
		pts.WriteString(strconv.FormatFloat(c.Point.Lng, 'f', 5, 64))
		pts.WriteByte(',')
		pts.WriteString(strconv.Itoa(lightIndex[c.Light(now)]))
		pts.WriteByte(',')
		pts.WriteString(strconv.Itoa(stIdx[c.Status]))
		codes.WriteByte('"')
		codes.WriteString(c.Code)
		codes.WriteByte('"')
		n++
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(`{"n":` + strconv.Itoa(n) + `,"p":[`)
	out.Write(pts.Bytes())
	out.WriteString(`],"c":[`)
	out.Write(codes.Bytes())
	out.WriteString(`],"s":`)
	sj, _ := json.Marshal(names)
	out.Write(sj)
	out.WriteString("}\n")
	return out.Bytes(), nil
}

// mapData answers from the cache by key, which must name find's jurisdiction.
func (s *Server) mapData(ctx context.Context, key string, find caseFinder, f casework.Filter, l lang) (*mapEntry, error) {
	s.mapc.mu.Lock()
	if s.mapc.entries == nil {
		s.mapc.entries = map[string]*mapEntry{}
	}
	e, ok := s.mapc.entries[key]
	if ok && time.Since(e.at) < mapTTL {
		s.mapc.mu.Unlock()
		<-e.done
		return e, e.err
	}
	e = &mapEntry{at: time.Now(), done: make(chan struct{})}
	s.mapc.entries[key] = e
	if len(s.mapc.entries) > 64 {
		for k, old := range s.mapc.entries {
			if time.Since(old.at) > mapTTL {
				delete(s.mapc.entries, k)
			}
		}
	}
	s.mapc.mu.Unlock()
	defer close(e.done)
	// Not the request's context: others may be waiting on this entry.
	ctx2, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	e.raw, e.err = s.encodeMapPoints(ctx2, find, f, l)
	if e.err == nil {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		_, _ = zw.Write(e.raw)
		_ = zw.Close()
		e.gz = zb.Bytes()
	} else {
		e.at = time.Time{}
	}
	return e, e.err
}

func (s *Server) handleMapCases(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := s.mapFilter(q)
	if err != nil {
		return err
	}
	// The cache is shared by everyone of the same jurisdiction.
	scope := s.Cases.ScopeOf(sess.actor)
	l := s.langOf(w, r)
	key := fmt.Sprintf("%+v|", *scope) + q.Get("status") + "|" + q.Get("category") + "|" + q.Get("from") + "|" + q.Get("to") + "|" + l.Code()
	e, err := s.mapData(r.Context(), key, s.casesOf(sess.actor), f, l)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "private, max-age=30")
	h.Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		_, err = w.Write(e.gz)
		return err
	}
	_, err = w.Write(e.raw)
	return err
}

// handleMapGrids returns the regions of one level inside a box:
// [{"c":code,"n":name,"g":geometry}], at most 5,000.
// Region shapes are public (the API serves them too); the citizen map uses them.
func (s *Server) handleMapGrids(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	level := org.LevelGrid
	if v := q.Get("level"); v != "" {
		l, ok := org.ParseLevel(v)
		if !ok {
			return errs.Invalid("level must be district, street, community or grid").WithField("level", "unknown")
		}
		level = l
	}
	var box geo.Bounds
	if v := q.Get("bbox"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) != 4 {
			return errs.Invalid("bbox is minLng,minLat,maxLng,maxLat").WithField("bbox", "invalid")
		}
		var xs [4]float64
		for i, p := range parts {
			x, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return errs.Invalid("bbox is minLng,minLat,maxLng,maxLat").WithField("bbox", "invalid")
			}
			xs[i] = x
		}
		box = geo.Bounds{MinLng: xs[0], MinLat: xs[1], MaxLng: xs[2], MaxLat: xs[3]}
	}
	type item struct {
		C string           `json:"c"`
		N string           `json:"n"`
		G geo.MultiPolygon `json:"g"`
	}
	out := []item{}
	for _, reg := range s.World.Atlas().Regions(level) {
		if q.Get("bbox") != "" {
			b := reg.Shape.Bounds()
			if b.MaxLng < box.MinLng || b.MinLng > box.MaxLng || b.MaxLat < box.MinLat || b.MinLat > box.MaxLat {
				continue
			}
		}
		out = append(out, item{C: reg.Code, N: reg.Name, G: reg.Shape})
		if len(out) >= 5000 {
			break
		}
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	return httpkit.WriteJSON(w, http.StatusOK, out)
}
