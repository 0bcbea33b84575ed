package evidence_test

import (
	"math"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
)

func TestParseMeta(t *testing.T) {
	ok := map[string]string{"case_id": "case-1", "filetype": "video/mp4", "filename": "现场.mp4", "device_id": "DSJ-0042",
		"captured_at": "2026-06-01T09:30:00+08:00", "lng": "120.155", "lat": "30.274", "note": "店外经营"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		if v == "<del>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		in    map[string]string
		kind  errs.Kind
		field string
	}{
		{"complete", ok, 0, ""},
		{"no case", with("case_id", "<del>"), errs.KindInvalid, "case_id"},
		{"case with a slash", with("case_id", "../x"), errs.KindInvalid, "case_id"},
		{"no type", with("filetype", "<del>"), errs.KindInvalid, "filetype"},
		{"type off the list", with("filetype", "text/html"), errs.KindUnsupported, ""},
		{"bad time", with("captured_at", "yesterday"), errs.KindInvalid, "captured_at"},
		{"lng without lat", with("lat", "<del>"), errs.KindInvalid, "lng"},
		{"lat out of range", with("lat", "95"), errs.KindInvalid, "lng"},
		{"NaN", with("lng", "NaN"), errs.KindInvalid, "lng"},
		{"bad crs", with("crs", "mars"), errs.KindInvalid, "crs"},
		{"control character", with("note", "a\x00b"), errs.KindInvalid, "note"},
		{"only position", with("captured_at", "<del>"), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := evidence.ParseMeta(tc.in)
			if tc.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if m.Kind != evidence.Video || m.CaseID != "case-1" || m.Lng == nil || *m.Lng != 120.155 {
					t.Errorf("meta %+v", m)
				}
				return
			}
			e, _ := errs.As(err)
			if e == nil || e.Kind != tc.kind {
				t.Fatalf("err %v, want kind %v", err, tc.kind)
			}
			if tc.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tc.field) {
				t.Errorf("fields %+v, want %s", e.Fields, tc.field)
			}
		})
	}
	m, err := evidence.ParseMeta(ok)
	if err != nil || !m.CapturedAt.Equal(time.Date(2026, 6, 1, 1, 30, 0, 0, time.UTC)) || m.CapturedAt.Location() != time.UTC {
		t.Errorf("captured_at %v %v", m.CapturedAt, err)
	}
	// GCJ-02 positions from a phone map SDK are stored as WGS-84.
	m, err = evidence.ParseMeta(with("crs", "gcj02"))
	if err != nil || math.Abs(*m.Lng-120.155) < 1e-4 || math.Abs(*m.Lng-120.155) > 0.01 {
		t.Errorf("gcj02 → wgs84 %v %v", *m.Lng, err)
	}
}

// FuzzParseMeta: any metadata either parses into a checked Meta or fails
// with a kind a client can act on; never a panic, never an internal error.
func FuzzParseMeta(f *testing.F) {
	f.Add("case-1", "video/mp4", "a.mp4", "DSJ-1", "2026-06-01T09:30:00+08:00", "120.1", "30.2", "wgs84", "note")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("x/y", "image/JPG;q=1", "\x00", "é", "2026-13-01T00:00:00Z", "1e400", "-0", "BD09", "\xff")
	f.Fuzz(func(t *testing.T, c, typ, name, dev, at, lng, lat, crs, note string) {
		m, err := evidence.ParseMeta(map[string]string{"case_id": c, "filetype": typ, "filename": name, "device_id": dev,
			"captured_at": at, "lng": lng, "lat": lat, "crs": crs, "note": note})
		if err != nil {
			if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindUnsupported {
				t.Fatalf("kind %v: %v", k, err)
			}
			return
		}
		if m.CaseID == "" || m.Kind == "" || (m.Lng == nil) != (m.Lat == nil) {
			t.Fatalf("accepted incomplete meta %+v", m)
		}
		if m.Lng != nil && (math.IsNaN(*m.Lng) || math.Abs(*m.Lat) > 90.5) {
			t.Fatalf("accepted position %v %v", *m.Lng, *m.Lat)
		}
	})
}
