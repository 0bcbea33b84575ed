package sensing

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Camera is one AI camera (or one channel of a video platform).
type Camera struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Lng       float64  `json:"lng"`
	Lat       float64  `json:"lat"`
	Grid      string   `json:"grid"`
	Community string   `json:"community"`
	Street    string   `json:"street"`
	District  string   `json:"district"`
	Direction int      `json:"direction"` // degrees clockwise from north
	Watches   []string `json:"watches"`   // sub-classes it is set to recognise
	Vendor    string   `json:"vendor"`
	Point     string   `json:"point,omitempty"` // a waste collection point it watches
	// OfflineAfterS is the heartbeat allowance: with no heartbeat and no
	// event for this many seconds the camera is offline and a maintenance
	// case opens. 0 means DefaultCameraOfflineAfter (600 s); 60–604800.
	OfflineAfterS int `json:"offline_after_s"`
	// Online and LastSeen are kept by the service: a camera is online from
	// its first heartbeat or event until Detect finds it silent too long.
	Online    bool       `json:"online"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Pos is the camera's position.
func (c *Camera) Pos() geo.Point { return geo.Point{Lng: c.Lng, Lat: c.Lat} }

// Validate checks a camera before it is registered.
func (c *Camera) Validate() error {
	bad := errs.Invalid("the camera is not valid")
	if !ValidID(c.ID) {
		bad.WithField("id", "1–64 letters, digits, '_', '.', ':' or '-'")
	}
	if !c.Pos().Valid() {
		bad.WithField("lng", "lng and lat must be valid WGS84 coordinates")
	}
	if c.Direction < 0 || c.Direction >= 360 {
		bad.WithField("direction", "0–359 degrees")
	}
	for _, w := range c.Watches {
		if _, err := catalog.ParseRef(w); err != nil {
			bad.WithField("watches", fmt.Sprintf("%q is not a catalog ref such as event:0501", clip(w, 40)))
		}
	}
	if len(c.Vendor) > 40 || len(c.Name) > 200 {
		bad.WithField("vendor", "vendor at most 40 bytes, name at most 200")
	}
	if c.OfflineAfterS != 0 && (c.OfflineAfterS < minCameraOfflineAfterS || c.OfflineAfterS > maxCameraOfflineAfterS) {
		bad.WithField("offline_after_s", fmt.Sprintf("seconds of silence before the camera counts as offline: %d–%d, or 0 for %d",
			minCameraOfflineAfterS, maxCameraOfflineAfterS, int(DefaultCameraOfflineAfter/time.Second)))
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	if c.OfflineAfterS == 0 {
		c.OfflineAfterS = int(DefaultCameraOfflineAfter / time.Second)
	}
	c.Vendor = strings.ToLower(strings.TrimSpace(c.Vendor))
	if c.Vendor == "" {
		c.Vendor = "generic"
	}
	if c.Name == "" {
		c.Name = "摄像头 " + c.ID
	}
	if c.Watches == nil {
		c.Watches = []string{}
	}
	return nil
}

// Watching reports whether the camera is set to recognise category (a
// camera with an empty list watches everything).
func (c *Camera) Watching(category string) bool {
	if len(c.Watches) == 0 {
		return true
	}
	for _, w := range c.Watches {
		if w == category {
			return true
		}
	}
	return false
}

// Event is one alarm from a vendor's AI: a recognised problem in a camera
// frame, or (Gone) a later capture showing it is no longer there.
type Event struct {
	Camera     string    `json:"camera_id"`
	EventID    string    `json:"event_id,omitempty"`
	Vendor     string    `json:"vendor,omitempty"`
	Code       string    `json:"code,omitempty"`     // vendor algorithm code, mapped by VendorCodes
	Category   string    `json:"category,omitempty"` // or a sub-class directly
	Confidence float64   `json:"confidence"`
	BBox       []float64 `json:"bbox,omitempty"` // x, y, w, h as shares (0–1) of the frame
	At         time.Time `json:"time"`
	Image      []byte    `json:"-"` // decoded snapshot
	ImageURL   string    `json:"image_url,omitempty"`
	Goods      string    `json:"goods,omitempty"` // what a vendor sells, when the AI says
	// Subject is the plate or shop sign the AI read, when it did: the
	// reminder of a "remind" policy goes to the party registered for it.
	Subject string   `json:"subject,omitempty"`
	Gone    bool     `json:"gone,omitempty"`
	Lng     *float64 `json:"lng,omitempty"`
	Lat     *float64 `json:"lat,omitempty"`
}

// MaxImage bounds a snapshot.
const MaxImage = 4 << 20

// ParseEvent reads one vendor alarm in our JSON shape:
//
//	{"camera_id":"cam-001", "event_id":"…", "code":"884" | "category":"event:0501",
//	 "confidence":0.91, "bbox":[0.4,0.5,0.1,0.2], "time":"2024-06-10T10:00:00+08:00" | 1718000000,
//	 "image":"<base64 JPEG>" | "image_url":"https://…", "goods":"fruit", "gone":false}
//
// codes maps "vendor:code" (or a bare code) to a sub-class; the vendor is the
// event's or, failing that, cameraVendor.
func ParseEvent(payload []byte, codes map[string]string, cameraVendor func(string) string, now time.Time) (Event, error) {
	var raw struct {
		Camera     string          `json:"camera_id"`
		EventID    string          `json:"event_id"`
		Vendor     string          `json:"vendor"`
		Code       json.RawMessage `json:"code"`
		Category   string          `json:"category"`
		Confidence *float64        `json:"confidence"`
		BBox       []float64       `json:"bbox"`
		Time       json.RawMessage `json:"time"`
		Image      string          `json:"image"`
		ImageURL   string          `json:"image_url"`
		Goods      string          `json:"goods"`
		Subject    string          `json:"subject"`
		Gone       bool            `json:"gone"`
		Lng        *float64        `json:"lng"`
		Lat        *float64        `json:"lat"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Event{}, errs.Invalid("the camera event is not the JSON object this endpoint takes: %s", clip(err.Error(), 200))
	}
	if dec.More() {
		return Event{}, errs.Invalid("send one camera event per request")
	}
	bad := errs.Invalid("the camera event is not valid")
	e := Event{Camera: raw.Camera, EventID: strings.TrimSpace(raw.EventID), Vendor: strings.ToLower(strings.TrimSpace(raw.Vendor)),
		Goods: strings.TrimSpace(raw.Goods), Gone: raw.Gone, ImageURL: strings.TrimSpace(raw.ImageURL), Subject: strings.TrimSpace(raw.Subject)}
	if !ValidID(e.Camera) {
		bad.WithField("camera_id", "required: the registered camera's id")
	}
	if len(e.EventID) > 128 || len(e.Goods) > 64 || len(e.Vendor) > 40 {
		bad.WithField("event_id", "event_id at most 128 bytes, goods 64, vendor 40")
	}
	if len(e.Subject) > 40 {
		bad.WithField("subject", "at most 40 bytes (a plate or a shop id)")
	}
	if e.Vendor == "" && cameraVendor != nil && ValidID(e.Camera) {
		e.Vendor = cameraVendor(e.Camera)
	}
	if len(raw.Code) > 0 && string(raw.Code) != "null" {
		code := strings.Trim(string(bytes.TrimSpace(raw.Code)), `"`)
		e.Code = clip(code, 64)
		if ref, ok := codes[e.Vendor+":"+code]; ok {
			e.Category = ref
		} else if ref, ok := codes[code]; ok {
			e.Category = ref
		}
	}
	if raw.Category != "" {
		e.Category = raw.Category
	}
	if e.Category == "" {
		bad.WithField("category", "give a sub-class (event:0501) or a vendor code that maps to one")
	} else if _, err := catalog.ParseRef(e.Category); err != nil {
		bad.WithField("category", "not a catalog ref such as event:0501")
	}
	switch {
	case raw.Confidence == nil && !raw.Gone:
		bad.WithField("confidence", "required, 0–1")
	case raw.Confidence != nil && (math.IsNaN(*raw.Confidence) || *raw.Confidence < 0 || *raw.Confidence > 1):
		bad.WithField("confidence", "0–1")
	case raw.Confidence != nil:
		e.Confidence = *raw.Confidence
	}
	if raw.BBox != nil {
		ok := len(raw.BBox) == 4
		for _, v := range raw.BBox {
			ok = ok && !math.IsNaN(v) && v >= 0 && v <= 1
		}
		if !ok {
			bad.WithField("bbox", "[x, y, w, h] as shares 0–1 of the frame")
		} else {
			e.BBox = raw.BBox
		}
	}
	if (raw.Lng == nil) != (raw.Lat == nil) {
		bad.WithField("lng", "give both lng and lat, or neither")
	} else if raw.Lng != nil {
		if !(geo.Point{Lng: *raw.Lng, Lat: *raw.Lat}).Valid() {
			bad.WithField("lng", "not valid WGS84 coordinates")
		}
		e.Lng, e.Lat = raw.Lng, raw.Lat
	}
	ts, err := parseTS(raw.Time, now)
	if err != nil {
		bad.WithField("time", "Unix seconds, milliseconds or RFC 3339")
	} else if ts.After(now.Add(skew)) {
		bad.WithField("time", "in the future")
	}
	e.At = ts
	if raw.Image != "" {
		if len(raw.Image) > MaxImage*4/3+4 {
			bad.WithField("image", fmt.Sprintf("at most %d bytes once decoded", MaxImage))
		} else if img, err := base64.StdEncoding.DecodeString(raw.Image); err != nil {
			bad.WithField("image", "must be standard base64")
		} else {
			e.Image = img
		}
	}
	if e.ImageURL != "" {
		u, err := url.Parse(e.ImageURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(e.ImageURL) > 1000 {
			bad.WithField("image_url", "an http(s) URL of at most 1000 bytes")
		}
	}
	if len(bad.Fields) > 0 {
		return Event{}, bad
	}
	return e, nil
}

// Cell is the place in the frame the event is about: the bbox centre on a
// 4×4 grid, so the same stall seen again lands in the same cell while a
// second stall across the street does not.
func (e *Event) Cell() string {
	if len(e.BBox) != 4 {
		return "*"
	}
	q := func(v float64) int { return min(3, max(0, int(v*4))) }
	return fmt.Sprintf("%d%d", q(e.BBox[0]+e.BBox[2]/2), q(e.BBox[1]+e.BBox[3]/2))
}

// DefaultVendorCodes maps vendor algorithm codes to sub-classes. The Dahua
// numbers follow DOMAIN.md §8 (SDK codes 882–894) and are illustrative:
// each city checks its own vendor's list and edits this table.
func DefaultVendorCodes() map[string]string {
	return map[string]string{
		"dahua:882": "event:0504",     // 商铺占道经营
		"dahua:883": "event:0102",     // 垃圾倾倒
		"dahua:884": "event:0501",     // 游摊小贩
		"dahua:885": "event:0102",     // 暴露垃圾
		"dahua:886": "event:0504",     // 撑伞经营
		"dahua:887": "event:0104",     // 门前脏乱
		"dahua:888": "event:0505",     // 违停
		"dahua:889": "event:0507",     // 乱堆物料
		"dahua:890": "component:0305", // 垃圾满溢
		"dahua:891": "event:0601",     // 露天烧烤
		"dahua:892": "event:0406",     // 道路积水
		"dahua:893": "event:0202",     // 横幅
		"dahua:894": "event:0506",     // 非机动车乱停放
		// Generic names any vendor may send.
		"street_vending":   "event:0501",
		"out_of_store":     "event:0504",
		"exposed_garbage":  "event:0102",
		"illegal_parking":  "event:0505",
		"bin_overflow":     "component:0305",
		"mixed_sorting":    MixedSortingCategory, // 垃圾混投 at a collection point
		"illegal_building": "event:0101",
		"waterlogging":     "event:0406",
	}
}
