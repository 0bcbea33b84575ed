package app

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWeb_BrowserCouncil: on the demo city the leader opens 志愿者与社区议事会
// and sees topics in their states and volunteers with masked phones, on a
// desktop and on a phone. Screenshots: testout/screenshots/council-*.png.
func TestWeb_BrowserCouncil(t *testing.T) {
	ctx := browser(t)
	a := demoKPIApp(t, 300)
	base := serve(t, a)
	signIn(t, ctx, base, "leader")
	for _, v := range []struct {
		name string
		view step
	}{{"desktop", desktop}, {"phone", phone}} {
		run(t, ctx, "open the council page on "+v.name, v.view,
			chromedp.Navigate(base+"/console/council"),
			chromedp.WaitVisible(chromedp.CSS("#council-volunteers")))
		shot(t, ctx, "council-"+v.name)
	}
	topics := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#council-topics tbody tr').length`))
	closed := get(t, ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('#council-topics td')].some(td => td.textContent === '已办结')`))
	masked := get(t, ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('#council-volunteers tbody tr')].every(tr => tr.cells[2].textContent.includes('****'))`))
	if topics < 5 || !closed || !masked {
		t.Errorf("%d topic rows, a closed one %v, phones masked %v", topics, closed, masked)
	}
}
