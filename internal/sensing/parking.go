package sensing

import (
	"sort"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Lot is a car park or a row of on-street berths. Its berths are devices of
// kind berth whose Lot names it; occupancy comes from their readings.
type Lot struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Lng      float64 `json:"lng"`
	Lat      float64 `json:"lat"`
	Capacity int     `json:"capacity"`
	// MaxStayMin is the longest stay allowed on a berth; 0 = no limit.
	MaxStayMin int  `json:"max_stay_min"`
	OnStreet   bool `json:"on_street"`
}

// Validate checks a lot.
func (l *Lot) Validate() error {
	bad := errs.Invalid("the parking lot is not valid")
	if !ValidID(l.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	}
	if !(geo.Point{Lng: l.Lng, Lat: l.Lat}).Valid() {
		bad.WithField("lng", "valid WGS84 coordinates")
	}
	if l.Capacity < 0 || l.Capacity > 100000 || l.MaxStayMin < 0 {
		bad.WithField("capacity", "0–100000; max_stay_min 0 or more")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	if l.Name == "" {
		l.Name = "停车场 " + l.ID
	}
	return nil
}

// Availability is a lot's occupancy now.
type Availability struct {
	Lot       Lot     `json:"lot"`
	Berths    int     `json:"berths"`   // berths with a sensor
	Occupied  int     `json:"occupied"` // sensed occupied
	Free      int     `json:"free"`     // capacity minus occupied (sensed berths); never negative
	Unknown   int     `json:"unknown"`  // sensors offline or silent
	Overstay  int     `json:"overstay"` // occupied past MaxStayMin
	DistanceM float64 `json:"distance_m,omitempty"`
}

// BerthOccupied reads a berth device's state: occupied, since when, known.
func BerthOccupied(d *Device) (occupied, known bool) {
	v, ok := d.Last["occupied"]
	if !ok || !d.Online {
		return false, false
	}
	return v >= 0.5, true
}

// Occupancy computes availability of every lot from its berth devices.
// since gives when each berth last changed state (for overstay).
func Occupancy(lots []Lot, berths []*Device, since map[string]time.Time, now time.Time) []Availability {
	by := map[string]*Availability{}
	out := make([]Availability, len(lots))
	for i, l := range lots {
		out[i] = Availability{Lot: l}
		by[l.ID] = &out[i]
	}
	for _, d := range berths {
		a, ok := by[d.Lot]
		if !ok || d.Kind != KindBerth {
			continue
		}
		a.Berths++
		occ, known := BerthOccupied(d)
		switch {
		case !known:
			a.Unknown++
		case occ:
			a.Occupied++
			if s, ok := since[d.ID]; ok && a.Lot.MaxStayMin > 0 && now.Sub(s) > time.Duration(a.Lot.MaxStayMin)*time.Minute {
				a.Overstay++
			}
		}
	}
	for i := range out {
		capa := max(out[i].Lot.Capacity, out[i].Berths)
		out[i].Free = max(0, capa-out[i].Occupied-out[i].Unknown)
	}
	return out
}

// Nearest sorts lots with at least minFree free spaces by distance from p
// and returns the first n.
func Nearest(avail []Availability, p geo.Point, minFree, n int) []Availability {
	var out []Availability
	for _, a := range avail {
		if a.Free >= max(1, minFree) {
			a.DistanceM = float64(int(geo.DistanceM(p, geo.Point{Lng: a.Lot.Lng, Lat: a.Lot.Lat})))
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DistanceM < out[j].DistanceM })
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	if out == nil {
		out = []Availability{}
	}
	return out
}
