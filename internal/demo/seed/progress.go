package seed

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// plainEvery is how often Bar writes a line when its output is not a
// terminal.
const plainEvery = 5 * time.Second

// Bar draws the generation's progress on w as a bar of total cases; call
// finish when Run returns. With no w or no cases both do nothing. The bar
// redraws itself with carriage returns, which only a terminal understands:
// written to a log file or a pipe it would leave one frame per step, so
// there Bar writes a plain line every few seconds instead.
func Bar(w io.Writer, total int) (progress func(done, total int), finish func()) {
	if w == nil || total <= 0 {
		return nil, func() {}
	}
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return plainBar(w, total, plainEvery, time.Now)
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("生成示范城市 demo city"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}

// plainBar writes "生成示范城市 demo city: done/total cases (p%), rate"
// lines, at most one per every, and a last line at finish.
func plainBar(w io.Writer, total int, every time.Duration, now func() time.Time) (func(done, total int), func()) {
	var mu sync.Mutex
	start := now()
	last, done := start, 0
	line := func(t time.Time, final bool) {
		rate := 0.0
		if s := t.Sub(start).Seconds(); s > 0 {
			rate = float64(done) / s
		}
		if final {
			fmt.Fprintf(w, "生成示范城市 demo city: %d/%d cases in %s (%.0f cases/s)\n", done, total, t.Sub(start).Round(time.Second), rate)
			return
		}
		fmt.Fprintf(w, "生成示范城市 demo city: %d/%d cases (%d%%), %.0f cases/s\n", done, total, done*100/total, rate)
	}
	progress := func(n, _ int) {
		mu.Lock()
		defer mu.Unlock()
		done = n
		if t := now(); t.Sub(last) >= every {
			last = t
			line(t, false)
		}
	}
	finished := false
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			finished = true
			line(now(), true)
		}
	}
	return progress, finish
}
