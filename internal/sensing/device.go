package sensing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Kind is what a device measures.
type Kind string

const (
	KindNoise Kind = "noise" // 噪声 dB(A), metric noise_db
	KindAir   Kind = "air"   // 空气质量 / 扬尘, metrics pm10, pm25
	KindFumes Kind = "fumes" // 油烟 mg/m³, metric fumes_mg
	KindCover Kind = "cover" // 井盖 tilt and water level, metrics tilt_deg, level_cm
	KindBin   Kind = "bin"   // 垃圾桶满溢, metric fill_pct
	KindBerth Kind = "berth" // 泊位地磁, metric occupied (0/1)
	KindWater Kind = "water" // 积水, metric water_cm
)

// KindNames gives the Chinese and English names of each kind.
var KindNames = map[Kind][2]string{
	KindNoise: {"噪声监测", "Noise"}, KindAir: {"空气质量", "Air quality"}, KindFumes: {"餐饮油烟", "Cooking fumes"},
	KindCover: {"智能井盖", "Manhole cover"}, KindBin: {"垃圾桶满溢", "Bin fill level"}, KindBerth: {"泊位检测", "Parking berth"},
	KindWater: {"积水监测", "Water level"},
}

// Metrics lists the metrics each kind reports, with their unit.
var Metrics = map[Kind]map[string]string{
	KindNoise: {"noise_db": "dB(A)"},
	KindAir:   {"pm10": "µg/m³", "pm25": "µg/m³"},
	KindFumes: {"fumes_mg": "mg/m³", "fan_on": "0/1", "purifier_on": "0/1"},
	KindCover: {"tilt_deg": "°", "level_cm": "cm", "battery_pct": "%"},
	KindBin:   {"fill_pct": "%"},
	KindBerth: {"occupied": "0/1"},
	KindWater: {"water_cm": "cm"},
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := KindNames[k]; return ok }

// Device is one registered sensor.
type Device struct {
	ID        string  `json:"id"`
	Kind      Kind    `json:"kind"`
	Name      string  `json:"name"`
	Lng       float64 `json:"lng"`
	Lat       float64 `json:"lat"`
	Grid      string  `json:"grid"`
	Community string  `json:"community"`
	Street    string  `json:"street"`
	District  string  `json:"district"`
	// ZoneClass is the GB 3096 acoustic zone of a noise device: 0, 1, 2, 3, 4a or 4b.
	ZoneClass string `json:"zone_class,omitempty"`
	// Category overrides the sub-class a breach files under (a cover names
	// its own component: component:0101 上水井盖, component:0103 雨水井盖, …).
	Category string `json:"category,omitempty"`
	Lot      string `json:"lot,omitempty"`    // berth: its parking lot
	Point    string `json:"point,omitempty"`  // bin: its collection point
	Stream   string `json:"stream,omitempty"` // bin: kitchen | recyclable | hazardous | other
	// IntervalS is how often the device reports; it is offline after three
	// intervals of silence.
	IntervalS int        `json:"interval_s"`
	CreatedAt time.Time  `json:"created_at"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	Online    bool       `json:"online"`
	// Last holds the latest value of each metric.
	Last map[string]float64 `json:"last,omitempty"`
}

// Point is the device's position.
func (d *Device) Pos() geo.Point { return geo.Point{Lng: d.Lng, Lat: d.Lat} }

// Interval is the expected reporting interval (60 s when not set).
func (d *Device) Interval() time.Duration {
	if d.IntervalS <= 0 {
		return time.Minute
	}
	return time.Duration(d.IntervalS) * time.Second
}

// OfflineAfter is the silence after which the device counts as offline.
func (d *Device) OfflineAfter() time.Duration { return 3 * d.Interval() }

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`)

// ValidID reports whether s may name a device or camera: 1–64 letters,
// digits, '_', '.', ':' or '-', so it is one MQTT topic level.
func ValidID(s string) bool { return idPattern.MatchString(s) }

var zoneClasses = []string{"0", "1", "2", "3", "4a", "4b"}

// Validate checks a device before it is registered.
func (d *Device) Validate() error {
	bad := errs.Invalid("the device is not valid")
	if !ValidID(d.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	}
	if !d.Kind.Valid() {
		bad.WithField("kind", "must be one of noise, air, fumes, cover, bin, berth, water")
	}
	if !d.Pos().Valid() {
		bad.WithField("lng", "lng and lat must be valid WGS84 coordinates")
	}
	if d.Kind == KindNoise && d.ZoneClass != "" && !slices.Contains(zoneClasses, d.ZoneClass) {
		bad.WithField("zone_class", "GB 3096 zone class: 0, 1, 2, 3, 4a or 4b")
	}
	if d.IntervalS < 0 || d.IntervalS > 86400 {
		bad.WithField("interval_s", "0–86400 seconds")
	}
	if d.Kind == KindBin && d.Stream != "" && !slices.Contains(Streams, d.Stream) {
		bad.WithField("stream", "kitchen, recyclable, hazardous or other")
	}
	if len(d.Name) > 200 {
		bad.WithField("name", "at most 200 bytes")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		d.Name = fmt.Sprintf("%s %s", KindNames[d.Kind][0], d.ID)
	}
	if d.Kind == KindNoise && d.ZoneClass == "" {
		d.ZoneClass = "2"
	}
	return nil
}
