package evidence

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Meta is what the uploading device declares about a file, in the tus
// Upload-Metadata header (each value base64 in the header, plain here):
//
//	case_id      the penalty case (required)
//	filetype     the MIME type (required; must be on the allow-list)
//	filename     the file's name on the device
//	device_id    the recorder or phone
//	captured_at  RFC 3339 time of recording
//	lng, lat     where it was recorded, both or neither
//	crs          wgs84 (default), gcj02 or bd09 for lng/lat
//	note         a short description (现场说明)
//
// The officer is never taken from the metadata: it is the signed-in
// account that creates the upload.
type Meta struct {
	CaseID     string
	MIME       string
	Kind       Kind
	Filename   string
	DeviceID   string
	CapturedAt *time.Time
	Lng, Lat   *float64 // WGS-84
	Note       string
}

// Upload-Metadata keys.
const (
	MetaCase       = "case_id"
	MetaType       = "filetype"
	MetaName       = "filename"
	MetaDevice     = "device_id"
	MetaCapturedAt = "captured_at"
	MetaLng        = "lng"
	MetaLat        = "lat"
	MetaCRS        = "crs"
	MetaNote       = "note"
	// MetaOfficer is set by the server from the signed-in account; a
	// client's value is dropped.
	MetaOfficer = "officer_id"
)

// ParseMeta reads and checks the declared fields. Errors are Invalid (400)
// with the field named, or Unsupported (415) for a type off the list.
func ParseMeta(m map[string]string) (Meta, error) {
	var out Meta
	var bad *errs.Error
	fail := func(field, zh, en string) {
		if bad == nil {
			bad = errs.Invalid("上传信息 %s 有误：%s / upload metadata %s: %s", field, zh, field, en)
		}
		bad = bad.WithField(field, en)
	}
	text := func(key string, maxRunes int) string {
		v := strings.TrimSpace(m[key])
		if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			fail(key, "含有控制字符或无效编码", "holds control characters or invalid UTF-8")
			return ""
		}
		if utf8.RuneCountInString(v) > maxRunes {
			fail(key, "过长，最多 "+strconv.Itoa(maxRunes)+" 个字", "longer than "+strconv.Itoa(maxRunes)+" characters")
			return ""
		}
		return v
	}
	out.CaseID = text(MetaCase, 64)
	if out.CaseID == "" && bad == nil {
		fail(MetaCase, "必须填写所属执法案件", "is required: the penalty case the evidence belongs to")
	} else if !validID(out.CaseID) && bad == nil {
		fail(MetaCase, "只能包含字母、数字、- 和 _", "may hold only letters, digits, - and _")
	}
	out.Filename = text(MetaName, 200)
	out.DeviceID = text(MetaDevice, 100)
	out.Note = text(MetaNote, 1000)
	if v := strings.TrimSpace(m[MetaCapturedAt]); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			fail(MetaCapturedAt, "应为 RFC 3339 时间，如 2026-06-01T09:30:00+08:00", "must be an RFC 3339 time such as 2026-06-01T09:30:00+08:00")
		} else {
			t = t.UTC().Truncate(time.Microsecond)
			out.CapturedAt = &t
		}
	}
	lngS, latS := strings.TrimSpace(m[MetaLng]), strings.TrimSpace(m[MetaLat])
	if (lngS == "") != (latS == "") {
		fail(MetaLng, "经度和纬度须同时提供", "lng and lat go together")
	} else if lngS != "" {
		lng, err1 := strconv.ParseFloat(lngS, 64)
		lat, err2 := strconv.ParseFloat(latS, 64)
		crs, err3 := geo.ParseCRS(m[MetaCRS])
		p := geo.Point{Lng: lng, Lat: lat}
		switch {
		case err3 != nil:
			fail(MetaCRS, "坐标系只能是 wgs84、gcj02 或 bd09", "must be wgs84, gcj02 or bd09")
		case err1 != nil || err2 != nil || math.IsNaN(lng) || math.IsNaN(lat) || !p.Valid():
			fail(MetaLng, "经纬度无效", "lng/lat are not a position on the globe")
		default:
			w := geo.ToWGS84(p, crs)
			out.Lng, out.Lat = &w.Lng, &w.Lat
		}
	}
	declared := strings.TrimSpace(m[MetaType])
	if bad != nil {
		return Meta{}, bad
	}
	if declared == "" {
		return Meta{}, errs.Invalid("上传信息须注明文件类型 filetype，如 video/mp4 / upload metadata must declare filetype, e.g. video/mp4").
			WithField(MetaType, "is required")
	}
	mime, kind, err := KindOf(declared)
	if err != nil {
		return Meta{}, err
	}
	out.MIME, out.Kind = mime, kind
	return out, nil
}

// validID accepts the ids CityLoop makes (UUIDs, case numbers) and nothing
// that could travel into a path or a query.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
