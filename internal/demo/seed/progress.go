package seed

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar draws the generation's progress on w as a bar of total cases; call
// finish when Run returns. With no w or no cases both do nothing.
func Bar(w io.Writer, total int) (progress func(done, total int), finish func()) {
	if w == nil || total <= 0 {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("生成示范城市 demo city"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}
