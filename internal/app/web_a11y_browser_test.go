package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (frontend devDependency, installed by make web's
// npm ci), injected into the page by the test; nothing ships it.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "frontend", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Skipf("axe-core is not installed (cd frontend && npm ci): %v", err)
	}
	return string(b)
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct{ Target []any }
}

// axeCheck runs axe-core's WCAG 2.0/2.1 A and AA rules on the page and
// fails the test with each violation and where it is.
func axeCheck(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	get(t, ctx, chromedp.Evaluate[bool](axe+";true"))
	out := get(t, ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe answer %.200s: %v", out, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			b, _ := json.Marshal(n.Target)
			where = append(where, string(b))
		}
		t.Errorf("%s: axe %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, " "))
	}
}

// TestWeb_BrowserElderlyAccessible opens the citizen pages on a phone in
// standard and elderly mode (大字模式) and the console's case list, runs
// axe-core on each (WCAG 2.1 A and AA: contrast, names, labels …), and
// checks what axe does not: in elderly mode every heading is at least as
// large as the body text and the header's links are white on black; on the
// phone every header link is at least 44 px tall. Screenshots:
// testout/screenshots/a11y-*.png.
func TestWeb_BrowserElderlyAccessible(t *testing.T) {
	ctx := browser(t)
	axe := axeSource(t)
	a := testApp(t, "")
	base := serve(t, a)
	for _, pg := range []struct{ name, path, ready string }{
		{"citizen-standard", "/citizen?elderly=0", "#photo"},
		{"citizen-elderly", "/citizen?elderly=1", "#photo"},
		{"track-elderly", "/citizen/track?elderly=1", "main"},
	} {
		run(t, ctx, pg.name, phone, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready)),
			waitJS(`document.readyState === 'complete'`, 20*time.Second))
		shot(t, ctx, "a11y-"+pg.name)
		axeCheck(t, ctx, axe, pg.name)
		short := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('header.top a, header.top button')].filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).map(e => e.textContent.trim())`))
		if len(short) > 0 {
			t.Errorf("%s: header links under 44 px tall on a phone: %v", pg.name, short)
		}
		if !strings.Contains(pg.name, "elderly") {
			continue
		}
		small := get(t, ctx, chromedp.Evaluate[[]string](`(() => { const body = parseFloat(getComputedStyle(document.body).fontSize);
			return [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(h => h.offsetParent && parseFloat(getComputedStyle(h).fontSize) < body).map(h => h.tagName + ' ' + h.textContent.trim().slice(0, 20)); })()`))
		if len(small) > 0 {
			t.Errorf("%s: headings smaller than the body text: %v", pg.name, small)
		}
		colors := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('header.top a')].map(e => getComputedStyle(e).color)`))
		for _, c := range colors {
			if c != "rgb(255, 255, 255)" {
				t.Errorf("%s: a header link is %s on the black bar, want white", pg.name, c)
			}
		}
	}
	signIn(t, ctx, base, "operator")
	run(t, ctx, "case list", phone, chromedp.Navigate(base+"/console/cases"), chromedp.WaitVisible(chromedp.CSS("#case-q")))
	shot(t, ctx, "a11y-console-cases-phone")
	axeCheck(t, ctx, axe, "console-cases")
}
