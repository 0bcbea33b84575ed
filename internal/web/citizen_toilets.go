package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
)

// Facilities lists registered public facilities (see internal/facility).
type Facilities interface {
	FindFacilities(ctx context.Context, kind facility.Kind, box *geo.Bounds, limit int) ([]*facility.Facility, error)
}

// nearestToilets is how many toilets the citizens' page lists.
const nearestToilets = 5

// toiletLimiter rate-limits nearest searches per address, at the public
// map's rate.
type toiletLimiter struct {
	once sync.Once
	lim  *httpkit.Limiter
}

func (s *Server) toiletLimiter() *httpkit.Limiter {
	s.toilets.once.Do(func() { s.toilets.lim = s.searchLimiter() })
	return s.toilets.lim
}

// searchLimiter limits a citizens' nearest search per address, at the
// public map's rate (30 a minute by default).
func (s *Server) searchLimiter() *httpkit.Limiter {
	rate := s.PublicMapRate
	if rate <= 0 {
		rate = 30
	}
	return httpkit.NewLimiter(rate, max(rate/3, 1), time.Now)
}

// searchPoint reads the lng/lat/crs a nearest search was given, in WGS-84;
// ok is false when they do not make a valid point.
func searchPoint(q url.Values) (pt geo.Point, ok bool) {
	lng, err1 := strconv.ParseFloat(q.Get("lng"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	crs, err3 := geo.ParseCRS(q.Get("crs"))
	pt = geo.ToWGS84(geo.Point{Lng: lng, Lat: lat}, crs)
	return pt, err1 == nil && err2 == nil && err3 == nil && pt.Valid()
}

type toiletRow struct {
	facility.Near
	Distance string       // "120 m" / "1.2 km"
	MapURL   template.URL // geo: URI that opens the phone's map app
	AmapURL  string       // AMap (高德) marker, GCJ-02
}

type toiletsPage struct {
	Searched bool
	Open     bool // the typed-point form is shown open
	Lng, Lat string
	Rows     []toiletRow
	Center   string
}

// handleToiletsPage: GET /citizen/toilets[?lng=&lat=&crs=] — the nearest
// public toilets to the browser's location (or a point typed in), with
// distance, hours and accessibility. Works without JavaScript: the location
// button only fills lng/lat and submits.
func (s *Server) handleToiletsPage(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("toilets")
	p := &toiletsPage{}
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		p.Center = strconv.FormatFloat(ctr.Lng, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lat, 'f', 5, 64)
	}
	v.Data = p
	q := r.URL.Query()
	if q.Get("lng") == "" && q.Get("lat") == "" {
		s.render(w, r, http.StatusOK, "citizentoilets", v)
		return nil
	}
	if ok, wait := s.toiletLimiter().Allow(clientAddr(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "请求过于频繁，请稍后再试 / too many requests; retry in %d seconds", int(wait.Seconds())+1)
	}
	p.Lng, p.Lat = q.Get("lng"), q.Get("lat")
	pt, ok := searchPoint(q)
	if !ok {
		v.Error, p.Open = v.L.T("toilets_bad_point"), true
		s.render(w, r, http.StatusBadRequest, "citizentoilets", v)
		return nil
	}
	if s.Facilities == nil {
		return errs.NotFound("the facility registry is not enabled on this node")
	}
	near, err := facility.FindNearest(r.Context(), s.Facilities, facility.KindToilet, pt, nearestToilets)
	if err != nil {
		return err
	}
	p.Searched, p.Open = true, true
	for _, n := range near {
		row := toiletRow{Near: n, Distance: fmtDistance(n.DistanceM)}
		row.MapURL, row.AmapURL = mapLinks(n.Point, n.Name)
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, "citizentoilets", v)
	return nil
}

func fmtDistance(m float64) string {
	if m < 1000 {
		return strconv.Itoa(int(m)) + " m"
	}
	return strconv.FormatFloat(m/1000, 'f', 1, 64) + " km"
}

// toiletsJS asks the browser for its position and submits the form; script
// files only, as the Content-Security-Policy forbids inline scripts.
const toiletsJS = `(function () {
  var b = document.getElementById('locate-me');
  var f = document.getElementById('toilet-form');
  var st = document.getElementById('locate-status');
  if (!b || !f || !navigator.geolocation) { if (b) b.hidden = true; return; }
  b.hidden = false;
  b.addEventListener('click', function () {
    st.textContent = b.getAttribute('data-wait');
    navigator.geolocation.getCurrentPosition(function (pos) {
      f.elements.lng.value = pos.coords.longitude.toFixed(6);
      f.elements.lat.value = pos.coords.latitude.toFixed(6);
      f.submit();
    }, function () { st.textContent = b.getAttribute('data-fail'); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
`

func (s *Server) handleToiletsJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(toiletsJS))
}

// mapLinks are the links that open a place in the phone's map app: a geo:
// URI (WGS-84) and an AMap (高德) marker, which wants GCJ-02.
func mapLinks(pt geo.Point, name string) (geoURI template.URL, amap string) {
	g := geo.FromWGS84(pt, geo.GCJ02)
	geoURI = template.URL(fmt.Sprintf("geo:%.6f,%.6f?q=%.6f,%.6f(%s)", pt.Lat, pt.Lng, pt.Lat, pt.Lng, url.QueryEscape(name)))
	amap = fmt.Sprintf("https://uri.amap.com/marker?position=%.6f,%.6f&name=%s&coordinate=gaode&callnative=1", g.Lng, g.Lat, url.QueryEscape(name))
	return geoURI, amap
}
