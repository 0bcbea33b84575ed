package worktime

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cityloop/internal/errs"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestCalendar_FormatMonth(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		lang   string
		year   int
		month  time.Month
		golden string
	}{
		{"zh", 2025, time.October, "2025-10.zh.golden"},
		{"en", 2025, time.October, "2025-10.en.golden"},
		{"en-GB", 2027, time.February, "2027-02.en.golden"}, // outside the data
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.FormatMonth(&buf, tt.year, tt.month, tt.lang); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", path, buf.String())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCalendar_FormatMonth_errors(t *testing.T) {
	c := mustDefault(t)
	if err := c.FormatMonth(&bytes.Buffer{}, 2025, 10, "fr"); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("lang fr: %v, want invalid", err)
	}
	if err := c.FormatMonth(&bytes.Buffer{}, 2025, 13, "zh"); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("month 13: %v, want invalid", err)
	}
	if err := c.FormatMonth(failWriter{}, 2025, 10, ""); err == nil || errs.Is(err, errs.KindInvalid) {
		t.Errorf("failing writer: %v, want an internal error", err)
	}
}

func TestParseMonth(t *testing.T) {
	tests := []struct {
		in    string
		year  int
		month time.Month
		ok    bool
	}{
		{"2025-10", 2025, time.October, true},
		{"2026-01", 2026, time.January, true},
		{"2025-13", 0, 0, false},
		{"2025-00", 0, 0, false},
		{"2025-1", 0, 0, false},
		{"2025/10", 0, 0, false},
		{" 2025-10", 0, 0, false},
		{"0000-10", 0, 0, false},
		{"２025-10", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			y, m, err := ParseMonth(tt.in)
			if !tt.ok {
				if !errs.Is(err, errs.KindInvalid) {
					t.Errorf("ParseMonth(%q) error = %v, want invalid", tt.in, err)
				}
				return
			}
			if err != nil || y != tt.year || m != tt.month {
				t.Errorf("ParseMonth(%q) = %d, %v, %v", tt.in, y, m, err)
			}
		})
	}
}
