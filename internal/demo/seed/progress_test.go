package seed

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestBar_NotATerminal: written to a file or a pipe, the progress is plain
// lines at most every few seconds and one at the end, with no carriage
// returns or escape codes.
func TestBar_NotATerminal(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // time of each progress call since the start
		end   time.Duration   // when finish is called
		want  []string
	}{
		{"quick run: only the last line", []time.Duration{time.Second, 2 * time.Second}, 3 * time.Second,
			[]string{"生成示范城市 demo city: 2000/10000 cases in 3s (667 cases/s)"}},
		{"a line every 5 s", []time.Duration{time.Second, 5 * time.Second, 6 * time.Second, 9 * time.Second, 10 * time.Second}, 12 * time.Second,
			[]string{"生成示范城市 demo city: 2000/10000 cases (20%), 400 cases/s",
				"生成示范城市 demo city: 5000/10000 cases (50%), 500 cases/s",
				"生成示范城市 demo city: 5000/10000 cases in 12s (417 cases/s)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			clock := t0
			var out bytes.Buffer
			progress, finish := plainBar(&out, 10000, 5*time.Second, func() time.Time { return clock })
			for i, d := range tc.steps {
				clock = t0.Add(d)
				progress((i+1)*1000, 10000)
			}
			clock = t0.Add(tc.end)
			finish()
			finish() // a second call writes nothing
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if strings.ContainsAny(out.String(), "\r\x1b") {
				t.Errorf("output has carriage returns or escapes: %q", out.String())
			}
		})
	}
	// Through Bar itself: a buffer is not a terminal.
	var out bytes.Buffer
	progress, finish := Bar(&out, 10)
	progress(10, 10)
	finish()
	if got := out.String(); !strings.HasPrefix(got, "生成示范城市 demo city: 10/10 cases in ") || strings.Count(got, "\n") != 1 {
		t.Errorf("Bar on a buffer wrote %q; want one plain closing line", got)
	}
}
