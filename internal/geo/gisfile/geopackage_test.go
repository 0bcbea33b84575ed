package gisfile

import (
	"encoding/binary"
	"strings"
	"testing"
)

// wkbSquare is a little-endian GeoPackage blob (no envelope) of one square
// polygon at (x, y), optionally wrapped as a one-part MultiPolygon.
func wkbSquare(x, y float64, multi bool) []byte {
	le := binary.LittleEndian
	b := []byte("GP\x00\x01\xe6\x10\x00\x00")
	if multi {
		b = append(b, 1)
		b = le.AppendUint32(b, 6)
		b = le.AppendUint32(b, 1)
	}
	b = append(b, 1)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 5)
	for _, p := range [][2]float64{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y + 1}, {x, y}} {
		b, _ = binary.Append(b, le, p)
	}
	return b
}

func TestParseGeoPackageBinary(t *testing.T) {
	z := wkbSquare(118, 32, false)
	z[9] = 0xe9 // type 1003: Polygon Z (ISO); the points are then read 3 to a position
	z[10] = 0x03
	tests := []struct {
		name    string
		blob    []byte
		wantErr string
		rings   int
	}{
		{"polygon", wkbSquare(118, 32, false), "", 1},
		{"multipolygon", wkbSquare(118, 32, true), "", 1},
		{"not GP", []byte("XX\x00\x01\xe6\x10\x00\x00"), "no \"GP\" header", 0},
		{"empty flag", []byte("GP\x00\x21\xe6\x10\x00\x00"), "empty", 0},
		{"cut short", wkbSquare(118, 32, false)[:30], "larger than the data", 0},
		{"Z reads past the data", z, "", 0},
		{"point", append([]byte("GP\x00\x01\xe6\x10\x00\x00\x01\x01\x00\x00\x00"), make([]byte, 16)...), "type 1 is not supported", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseGeoPackageBinary(tt.blob)
			if tt.rings == 0 {
				if err == nil {
					t.Fatalf("parsed %v; want an error", m)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != 1 || len(m[0]) != tt.rings || len(m[0][0]) != 5 || m[0][0][2].Lng != 119 {
				t.Errorf("shape %v", m)
			}
		})
	}
}

// FuzzParseGeoPackageBinary: any blob gives a shape or an error, never a
// panic or a huge allocation.
func FuzzParseGeoPackageBinary(f *testing.F) {
	f.Add(wkbSquare(118, 32, false))
	f.Add(wkbSquare(118, 32, true))
	f.Add([]byte("GP\x00\x01\x00\x00\x00\x00\x01\x03\x00\x00\x00\xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseGeoPackageBinary(b)
		if err == nil && len(m) == 0 {
			t.Fatal("no shape and no error")
		}
	})
}
