package evidence_test

import (
	"math"
	"testing"
	"time"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
)

func TestReadEXIF(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name             string
		data             []byte
		wantAt           time.Time
		wantLat, wantLng float64
	}{
		{"offset given", evidencetest.PhotoWithEXIF("2026:06:01 09:30:15", "+08:00", 30.274151, 120.155070),
			time.Date(2026, 6, 1, 1, 30, 15, 0, time.UTC), 30.274151, 120.155070},
		{"no offset: local clock", evidencetest.PhotoWithEXIF("2026:06:01 09:30:15", "", 30.274151, 120.155070),
			time.Date(2026, 6, 1, 1, 30, 15, 0, time.UTC), 30.274151, 120.155070},
		{"south and west", evidencetest.PhotoWithEXIF("2025:12:31 23:59:59", "-03:00", -23.55052, -46.633308),
			time.Date(2026, 1, 1, 2, 59, 59, 0, time.UTC), -23.55052, -46.633308},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := evidence.ReadEXIF(tc.data, cst)
			if c.At == nil || !c.At.Equal(tc.wantAt) {
				t.Errorf("at %v, want %v", c.At, tc.wantAt)
			}
			if c.Lat == nil || math.Abs(*c.Lat-tc.wantLat) > 1e-6 || math.Abs(*c.Lng-tc.wantLng) > 1e-6 {
				t.Errorf("position %v %v, want %v %v", c.Lat, c.Lng, tc.wantLat, tc.wantLng)
			}
		})
	}
	for _, junk := range [][]byte{nil, []byte("%PDF-1.4"), {0xff, 0xd8, 0xff, 0xe1, 0x00, 0x02}, {0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 'E'}} {
		if c := evidence.ReadEXIF(junk, time.UTC); c.At != nil || c.Lat != nil {
			t.Errorf("%q read as %+v", junk, c)
		}
	}
}

// FuzzReadEXIF: any bytes are safe to read; what is read is in range.
func FuzzReadEXIF(f *testing.F) {
	f.Add(evidencetest.PhotoWithEXIF("2026:06:01 09:30:15", "+08:00", 30.27, 120.15))
	f.Add(evidencetest.PhotoWithEXIF("2026:06:01 09:30:15", "", -1, -1))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x08eXIfII*\x00\x08\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("RIFF\x20\x00\x00\x00WEBPEXIF\x08\x00\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := evidence.ReadEXIF(data, time.UTC)
		if c.Lat != nil && (math.IsNaN(*c.Lat) || math.Abs(*c.Lat) > 90 || math.Abs(*c.Lng) > 180) {
			t.Fatalf("position %v %v", *c.Lat, *c.Lng)
		}
		if c.At != nil && (c.At.Year() < 2000 || c.At.Year() > 2201) {
			t.Fatalf("time %v", c.At)
		}
	})
}
