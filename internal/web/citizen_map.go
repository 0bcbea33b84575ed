package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
)

// The public case map shows where problems are being handled: a point
// rounded as package disclose rounds every public location (about 100 m),
// its light and its status — never who reported it, the words, the photos
// or the tracking code.
const (
	publicMapDays  = 30     // only cases reported in the last 30 days
	publicMapLimit = 20_000 // at most this many points
	publicMapTTL   = time.Minute
)

// publicMap caches the encoded points for everyone, per language.
type publicMap struct {
	mu      sync.Mutex
	entries map[string]publicMapEntry
	limiter *httpkit.Limiter
}

type publicMapEntry struct {
	at  time.Time
	raw []byte
}

func (s *Server) publicLimiter() *httpkit.Limiter {
	s.pubmap.mu.Lock()
	defer s.pubmap.mu.Unlock()
	if s.pubmap.limiter == nil {
		rate := s.PublicMapRate
		if rate <= 0 {
			rate = 30
		}
		s.pubmap.limiter = httpkit.NewLimiter(rate, max(rate/3, 1), time.Now)
	}
	return s.pubmap.limiter
}

func (s *Server) handlePublicMapPage(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("public_map")
	p := &citizenPage{TileURL: s.TileURL}
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		p.Center = strconv.FormatFloat(ctr.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lng, 'f', 5, 64)
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "citizenmap", v)
	return nil
}

// handlePublicMapCases answers {"n":N,"p":[lat,lng,light,status, …],
// "s":[status names],"l":[light names],"days":30} for anyone, rate-limited
// per address.
func (s *Server) handlePublicMapCases(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := s.publicLimiter().Allow(clientAddr(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "请求过于频繁，请稍后再试 / too many requests; retry in %d seconds", int(wait.Seconds())+1)
	}
	l := s.langOf(w, r)
	key := l.Code()
	s.pubmap.mu.Lock()
	e, ok := s.pubmap.entries[key]
	s.pubmap.mu.Unlock()
	if !ok || time.Since(e.at) > publicMapTTL {
		raw, err := s.encodePublicPoints(r, l)
		if err != nil {
			return err
		}
		e = publicMapEntry{at: time.Now(), raw: raw}
		s.pubmap.mu.Lock()
		if s.pubmap.entries == nil {
			s.pubmap.entries = map[string]publicMapEntry{}
		}
		s.pubmap.entries[key] = e
		s.pubmap.mu.Unlock()
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=60")
	_, err := w.Write(e.raw)
	return err
}

func (s *Server) encodePublicPoints(r *http.Request, l lang) ([]byte, error) {
	now := s.Now()
	since := now.AddDate(0, 0, -publicMapDays)
	stIdx := map[casework.Status]int{}
	names := make([]string, len(casework.OpenStatuses))
	for i, st := range casework.OpenStatuses {
		stIdx[st] = i
		names[i] = l.pick(casework.StatusNames[st])
	}
	f := casework.Filter{Now: now, Statuses: casework.OpenStatuses, From: &since}
	var pts bytes.Buffer
	n := 0
	err := s.casePoints(r.Context(), s.Cases.FindPublicCases, f, func(c *casework.Case) {
		i, open := stIdx[c.Status]
		if !open || c.Status.Terminal() || c.ReportedAt.Before(since) || n >= publicMapLimit {
			return
		}
		if n > 0 {
			pts.WriteByte(',')
		}
		pts.WriteString(disclose.FormatCoord(c.Point.Lat))
		pts.WriteByte(',')
		pts.WriteString(disclose.FormatCoord(c.Point.Lng))
		pts.WriteByte(',')
		pts.WriteString(strconv.Itoa(lightIndex[c.Light(now)]))
		pts.WriteByte(',')
		pts.WriteString(strconv.Itoa(i))
		n++
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(`{"n":` + strconv.Itoa(n) + `,"days":` + strconv.Itoa(publicMapDays) + `,"p":[`)
	out.Write(pts.Bytes())
	out.WriteString(`],"s":`)
	sj, _ := json.Marshal(names)
	out.Write(sj)
	lj, _ := json.Marshal([]string{l.T("green"), l.T("yellow"), l.T("red"), "—"})
	out.WriteString(`,"l":`)
	out.Write(lj)
	out.WriteString("}\n")
	return out.Bytes(), nil
}
