package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mapClick taps the citizen's pick map dx, dy CSS pixels from its centre.
func mapClick(t *testing.T, dx, dy float64) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := chromedp.Evaluate[[]float64](`(() => { const m = document.getElementById('pick-map'); m.scrollIntoView({block: 'center'});
			const r = m.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)(ctx, tg)
		if err != nil {
			return err
		}
		_, err = chromedp.MouseClickXY(r[0]+dx, r[1]+dy)(ctx, tg)
		return err
	})
}

// TestWeb_BrowserCitizenSuggest walks the citizen form on a phone: a pin
// outside the city is refused in step 1 with a Chinese message and can be
// moved; in step 2 the words "人行道井盖破损了很危险" bring a chip naming a
// manhole cover, and the category select stays as the person left it until
// they tap the chip.
func TestWeb_BrowserCitizenSuggest(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	photo := pngFile(t)

	run(t, ctx, "citizen form",
		clearCookies(),
		phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
	)
	// Zoom out (the city becomes a small patch), then tap far from it.
	for i := 0; i < 4; i++ {
		run(t, ctx, "zoom out", chromedp.Click(chromedp.CSS(".leaflet-control-zoom-out")), chromedp.Sleep(350*time.Millisecond))
	}
	run(t, ctx, "pin outside the city",
		mapClick(t, 0, -110),
		poll(`document.getElementById('loc-status').textContent.includes('不在本市范围内')`, 10*time.Second),
		chromedp.Click(chromedp.CSS("#to-step2")),
		chromedp.Sleep(300*time.Millisecond),
	)
	if st := get(t, ctx, chromedp.Evaluate[bool](`document.getElementById('step1').classList.contains('current') && !document.getElementById('step2').classList.contains('current')`)); !st {
		t.Fatal("the form went on to step 2 with a point outside the city")
	}
	shot(t, ctx, "citizen-outside-city-step1")

	run(t, ctx, "pin moved into the city",
		mapClick(t, 0, 0),
		poll(`!document.getElementById('loc-status').classList.contains('error') && document.getElementById('loc-status').textContent.includes('已选位置')`, 10*time.Second),
		chromedp.Click(chromedp.CSS("#to-step2")),
		chromedp.WaitVisible(chromedp.CSS("#description")),
	)
	shot(t, ctx, "citizen-inside-city-step1-done")

	run(t, ctx, "words bring a chip",
		chromedp.SendKeys(chromedp.CSS("#description"), "人行道井盖破损了很危险"),
		chromedp.WaitVisible(chromedp.CSS("#suggestion .chip")),
	)
	first := get(t, ctx, chromedp.Text(chromedp.CSS("#suggestion .chip")))
	if !strings.Contains(first, "井盖") || !strings.Contains(first, "（点此选用）") || strings.Contains(first, "行道树") {
		t.Fatalf("first chip %q, want a manhole cover to tap", first)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#category"))); v != "" {
		t.Fatalf("the category became %q before any tap; the person left it to the operator", v)
	}
	shot(t, ctx, "citizen-suggestion-chip")

	ref := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#suggestion .chip').dataset.ref`))
	run(t, ctx, "tap the chip", chromedp.Click(chromedp.CSS("#suggestion .chip")),
		poll(`document.getElementById('category').value === '`+ref+`'`, 5*time.Second))
	shot(t, ctx, "citizen-suggestion-chosen")

	// A category the person chose is kept whatever the words suggest.
	run(t, ctx, "a chosen category stays",
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		mapClick(t, 0, 0),
		poll(`document.getElementById('loc-status').textContent.includes('已选位置')`, 10*time.Second),
		chromedp.Click(chromedp.CSS("#to-step2")),
		chromedp.WaitVisible(chromedp.CSS("#description")),
		chromedp.SetValue(chromedp.CSS("#category"), "event:0504"),
		chromedp.SendKeys(chromedp.CSS("#description"), "路灯不亮了"),
		chromedp.WaitVisible(chromedp.CSS("#suggestion .chip")),
	)
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#category"))); v != "event:0504" {
		t.Fatalf("the suggestion replaced the chosen category with %q", v)
	}

	// Sent without a category, the operator's accept form offers the same
	// suggestion as a chip beside an unchanged select.
	run(t, ctx, "send without a category",
		chromedp.SetValue(chromedp.CSS("#category"), ""),
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS("#tracking-code")),
	)
	code := strings.TrimSpace(get(t, ctx, chromedp.Text(chromedp.CSS("#tracking-code"))))
	c, err := a.Store.FindCaseByCode(context.Background(), code)
	if err != nil || c.Category != nil {
		t.Fatalf("case %s: %v, category %v", code, err, c)
	}
	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "operator")
	run(t, ctx, "accept form offers a chip",
		chromedp.Navigate(base+"/console/cases/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS("#act-accept summary")),
		chromedp.Click(chromedp.CSS("#act-accept summary")),
		chromedp.WaitVisible(chromedp.CSS(`#hints-accept .chip[data-ref="component:0118"]`)),
	)
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#cat-accept"))); v != "" {
		t.Fatalf("the accept form preselects %q; it must keep the category until a tap", v)
	}
	shot(t, ctx, "console-accept-suggestion-chip")
	run(t, ctx, "operator taps the chip", chromedp.Click(chromedp.CSS(`#hints-accept .chip[data-ref="component:0118"]`)),
		poll(`document.getElementById('cat-accept').value === 'component:0118'`, 5*time.Second))

	// A form the server refuses (the page's own check bypassed) comes back
	// in the citizen layout, in Chinese, with the words and the photo kept.
	run(t, ctx, "server refuses a point outside the city",
		clearCookies(),
		phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('lng').value = '100.5'; document.getElementById('lat').value = '20.5';
			document.getElementById('description').value = '人行道井盖破损了很危险'; document.getElementById('report').submit();`),
		chromedp.WaitVisible(chromedp.CSS("p.error")),
		poll(`document.getElementById('loc-status').textContent.includes('不在本市范围内')`, 10*time.Second),
	)
	msg := get(t, ctx, chromedp.Text(chromedp.CSS("p.error")))
	kept := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name=kept]').length`))
	words := get(t, ctx, chromedp.Value(chromedp.CSS("#description")))
	if !strings.Contains(msg, "不在本市范围内") || kept != 1 || words != "人行道井盖破损了很危险" {
		t.Fatalf("refused form: message %q, kept photos %d, words %q", msg, kept, words)
	}
	shot(t, ctx, "citizen-outside-city-server")
}
