package sensing

import (
	"sort"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Streams are the waste streams of China's four-way sorting.
var Streams = []string{"kitchen", "recyclable", "hazardous", "other"}

// CollectionPoint is a bin station (投放点). Its bins are devices of kind
// bin whose Point names it; cameras watching it name it too.
type CollectionPoint struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Lng       float64 `json:"lng"`
	Lat       float64 `json:"lat"`
	Community string  `json:"community"`
	Grid      string  `json:"grid"`
	// CollectBy is the daily time ("HH:MM", China time) by which the truck
	// must have called; after it, a day with no collection is a missed
	// collection. Empty = not scheduled.
	CollectBy string `json:"collect_by"`
}

// Validate checks a collection point.
func (c *CollectionPoint) Validate() error {
	bad := errs.Invalid("the collection point is not valid")
	if !ValidID(c.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	}
	if !(geo.Point{Lng: c.Lng, Lat: c.Lat}).Valid() {
		bad.WithField("lng", "valid WGS84 coordinates")
	}
	if c.CollectBy != "" {
		if _, err := minuteOfDay(c.CollectBy); err != nil {
			bad.WithField("collect_by", "HH:MM")
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	if c.Name == "" {
		c.Name = "垃圾投放点 " + c.ID
	}
	return nil
}

// Missed reports whether the point's collection of the China-time day of now
// is overdue: past CollectBy and the last collection before today's start.
func (c *CollectionPoint) Missed(last *time.Time, now time.Time) bool {
	if c.CollectBy == "" {
		return false
	}
	by, _ := minuteOfDay(c.CollectBy)
	lt := now.In(chinaTime)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, chinaTime)
	if lt.Sub(day) < time.Duration(by)*time.Minute {
		return false
	}
	return last == nil || last.Before(day)
}

// DayOf is the China-time calendar day of t, as "2006-01-02".
func DayOf(t time.Time) string { return t.In(chinaTime).Format("2006-01-02") }

// Incident is one problem the sensing layer saw (and proposed a case for):
// the raw material for compliance and device figures.
type Incident struct {
	Kind      string    `json:"kind"` // rule id, "offline", "camera_offline", "overstay", "missed_collection", "ai:mixed" or "ai:<category>"
	Ref       string    `json:"ref"`  // device, camera or point id
	Point     string    `json:"point,omitempty"`
	Community string    `json:"community"`
	At        time.Time `json:"at"`
	CaseID    string    `json:"case_id,omitempty"`
}

// WasteKinds are the incident kinds that count against waste compliance.
var WasteKinds = map[string]bool{"bin-full": true, "missed_collection": true, "ai:component:0305": true, "ai:mixed": true}

// Compliance is one community's waste-sorting figure over a period.
type Compliance struct {
	Community string  `json:"community"`
	Points    int     `json:"points"`
	Days      int     `json:"days"`
	BadDays   int     `json:"point_days_with_problems"`
	Rate      float64 `json:"compliance"` // share of point-days without overflow, mixed sorting or missed collection
	Formula   string  `json:"formula"`
}

// WasteCompliance is, per community, the share of point-days in [from, to)
// without a waste incident (overflow, mixed sorting, missed collection).
func WasteCompliance(points []CollectionPoint, incidents []Incident, from, to time.Time) []Compliance {
	days := max(1, int(to.Sub(from).Hours()/24+0.5))
	perCommunity := map[string]int{}
	pointCommunity := map[string]string{}
	for _, p := range points {
		perCommunity[p.Community]++
		pointCommunity[p.ID] = p.Community
	}
	bad := map[string]map[string]bool{} // community → point|day
	for _, in := range incidents {
		if !WasteKinds[in.Kind] || in.At.Before(from) || !in.At.Before(to) || in.Point == "" {
			continue
		}
		c, ok := pointCommunity[in.Point]
		if !ok {
			continue
		}
		if bad[c] == nil {
			bad[c] = map[string]bool{}
		}
		bad[c][in.Point+"|"+DayOf(in.At)] = true
	}
	out := make([]Compliance, 0, len(perCommunity))
	for c, n := range perCommunity {
		total := n * days
		b := len(bad[c])
		out = append(out, Compliance{Community: c, Points: n, Days: days, BadDays: b,
			Rate:    float64(int(float64(total-b)/float64(total)*10000+0.5)) / 10000,
			Formula: "1 − point-days with overflow, mixed sorting or missed collection ÷ (points × days)"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Community < out[j].Community })
	return out
}
