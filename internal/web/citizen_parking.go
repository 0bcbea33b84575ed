package web

import (
	"crypto/hmac"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/sensing"
)

// nearestLots is how many lots with free spaces the nearest search lists.
const nearestLots = 5

// parkingListLimit bounds the list of every lot; a bigger city searches.
const parkingListLimit = 200

type parkRow struct {
	ID, Name       string
	Capacity, Free int
	Unknown        int
	Full, Sensed   bool
	OnStreet       bool
	MaxStayMin     int
	Distance       string       // when searched: "120 m" / "1.2 km"
	MapURL         template.URL // geo: URI that opens the phone's map app (WGS-84)
	AmapURL        string       // AMap (高德) marker, GCJ-02
}

type crsOption struct {
	Value, Label string
	Selected     bool
}

type parkingPage struct {
	Searched, Open       bool
	Lng, Lat             string
	CRS                  []crsOption
	CenterLng, CenterLat string
	Nearest              []parkRow
	Lots                 []parkRow
	More                 int // lots left out of the list
}

func parkRowOf(a sensing.Availability, searched bool) parkRow {
	l := a.Lot
	row := parkRow{ID: l.ID, Name: l.Name, Capacity: max(l.Capacity, a.Berths), Free: a.Free, Unknown: a.Unknown,
		Full: a.Free <= 0, Sensed: a.Berths > 0, OnStreet: l.OnStreet, MaxStayMin: l.MaxStayMin}
	row.MapURL, row.AmapURL = mapLinks(geo.Point{Lng: l.Lng, Lat: l.Lat}, l.Name)
	if searched {
		row.Distance = fmtDistance(a.DistanceM)
	}
	return row
}

// handleParkingPage: GET /citizen/parking[?lng=&lat=&crs=] — every lot
// with its capacity and free spaces now, and, from the browser's location
// (or a point typed in, WGS-84, GCJ-02 or BD-09), the nearest lots that
// have a free space. Works without JavaScript: the location button only
// fills lng/lat and submits.
func (s *Server) handleParkingPage(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("park_title")
	p := &parkingPage{}
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		p.CenterLng, p.CenterLat = strconv.FormatFloat(ctr.Lng, 'f', 5, 64), strconv.FormatFloat(ctr.Lat, 'f', 5, 64)
	}
	v.Data = p
	q := r.URL.Query()
	chosen := strings.ToLower(strings.TrimSpace(q.Get("crs")))
	for _, c := range []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09} {
		p.CRS = append(p.CRS, crsOption{Value: string(c), Label: v.L.T("crs_" + string(c)), Selected: string(c) == chosen})
	}
	avail := s.Sensing.Availability()
	status := http.StatusOK
	if q.Get("lng") != "" || q.Get("lat") != "" {
		p.Lng, p.Lat, p.Open = q.Get("lng"), q.Get("lat"), true
		if pt, ok := searchPoint(q); !ok {
			v.Error, status = v.L.T("toilets_bad_point"), http.StatusBadRequest
		} else {
			p.Searched = true
			for _, a := range sensing.Nearest(avail, pt, 1, nearestLots) {
				p.Nearest = append(p.Nearest, parkRowOf(a, true))
			}
			for i := range avail {
				avail[i].DistanceM = float64(int(geo.DistanceM(pt, geo.Point{Lng: avail[i].Lot.Lng, Lat: avail[i].Lot.Lat})))
			}
			sort.SliceStable(avail, func(i, j int) bool { return avail[i].DistanceM < avail[j].DistanceM })
		}
	}
	for i, a := range avail {
		if i == parkingListLimit {
			p.More = len(avail) - i
			break
		}
		p.Lots = append(p.Lots, parkRowOf(a, p.Searched))
	}
	s.render(w, r, status, "citizenparking", v)
	return nil
}

// limitedHeader carries a node's signed note that it already counted this
// parking search against the citizen's address. SensingGate may pass the
// request on to the node holding the sensing state; without the note that
// node would count it again against the forwarding node's address, and
// every citizen served through that node would share one budget.
const limitedHeader = "X-Cityloop-Parking-Limited"

// limitMarkTTL is how long a note is honoured (a forwarded request is
// served within seconds).
const limitMarkTTL = 30 * time.Second

func (s *Server) limitMark(uri string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return ts + "." + s.mac("parking-limited", ts, uri)
}

func (s *Server) limitMarkValid(r *http.Request) bool {
	ts, sig, ok := strings.Cut(r.Header.Get(limitedHeader), ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := s.Now().Sub(time.Unix(sec, 0)); d < -limitMarkTTL || d > limitMarkTTL {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.mac("parking-limited", ts, r.URL.RequestURI())))
}

// limitParking rate-limits parking searches (requests with a point) per
// client address, at the public map's rate, as the toilets page does.
func (s *Server) limitParking(next http.Handler) http.Handler {
	lim := s.searchLimiter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("lng") == "" && q.Get("lat") == "" {
			r.Header.Del(limitedHeader)
			next.ServeHTTP(w, r)
			return
		}
		if !s.limitMarkValid(r) {
			if ok, wait := lim.Allow(clientAddr(r)); !ok {
				secs := int(wait.Seconds()) + 1
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				s.page(func(http.ResponseWriter, *http.Request) error {
					return errs.E(errs.KindRateLimited, "请求过于频繁，请稍后再试 / too many requests; retry in %d seconds", secs)
				}).ServeHTTP(w, r)
				return
			}
			r.Header.Set(limitedHeader, s.limitMark(r.URL.RequestURI(), s.Now()))
		}
		next.ServeHTTP(w, r)
	})
}

// parkingJS asks the browser for its position (WGS-84) and submits the
// form; a script file, as the Content-Security-Policy forbids inline ones.
const parkingJS = `(function () {
  var b = document.getElementById('locate-me');
  var f = document.getElementById('parking-form');
  var st = document.getElementById('locate-status');
  if (!b || !f || !navigator.geolocation) { if (b) b.hidden = true; return; }
  b.hidden = false;
  b.addEventListener('click', function () {
    st.textContent = b.getAttribute('data-wait');
    navigator.geolocation.getCurrentPosition(function (pos) {
      f.elements.lng.value = pos.coords.longitude.toFixed(6);
      f.elements.lat.value = pos.coords.latitude.toFixed(6);
      if (f.elements.crs) f.elements.crs.value = 'wgs84';
      f.submit();
    }, function () { st.textContent = b.getAttribute('data-fail'); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
`

func (s *Server) handleParkingJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(parkingJS))
}
