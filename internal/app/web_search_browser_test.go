package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWeb_BrowserCaseSearch types into the console's case search as the
// operator (a phone, then part of an address) on a desktop and on a phone,
// and checks that the page's style sheet arrived under its hashed name,
// compressed and cached for good. Screenshots: testout/screenshots/
// console-search-*.png.
func TestWeb_BrowserCaseSearch(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	var want caseOut
	for i, addr := range []string{"汉中路 88 号", "中山北路 3 号", "汉中门大街 1 号"} {
		var c caseOut
		body := map[string]any{"description": "路灯不亮", "lng": 118.71, "lat": 32.01, "address": addr}
		if i == 0 {
			body["reporter_phone"] = "13912340000"
		}
		if st := login(t, base, "").do("POST", "/api/v1/cases", body, &c); st != http.StatusCreated {
			t.Fatalf("report: %d", st)
		}
		if i == 0 {
			want = c
		}
	}
	signIn(t, ctx, base, "operator")
	rows := `document.querySelectorAll('#case-table tbody th a').length`
	run(t, ctx, "search by phone",
		chromedp.Navigate(base+"/console/cases"),
		chromedp.WaitVisible(chromedp.CSS("#case-q")),
		chromedp.SendKeys(chromedp.CSS("#case-q"), "139 1234 0000"),
		chromedp.Click(chromedp.CSS("#case-search-go")),
		waitJS(`location.search.includes('q=') && `+rows+` === 1`, 20*time.Second),
	)
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#case-table tbody th a').textContent`)); got != want.Code {
		t.Fatalf("phone search lists %s, want %s", got, want.Code)
	}
	shot(t, ctx, "console-search-phone")

	run(t, ctx, "search by address on a phone",
		phone,
		chromedp.Navigate(base+"/console/cases?q="+"汉中"),
		waitJS(rows+` === 2 && document.getElementById('case-q').value === '汉中'`, 20*time.Second),
	)
	// The search box fits the phone's width: no sideways scrolling.
	if wide := get(t, ctx, chromedp.Evaluate[bool](`document.getElementById('case-search').getBoundingClientRect().right > innerWidth`)); wide {
		t.Error("the search form is wider than the phone")
	}
	if h := get(t, ctx, chromedp.Evaluate[float64](`document.getElementById('case-search-go').getBoundingClientRect().height`)); h < 44 {
		t.Errorf("the search button is %.0f px tall, want ≥ 44 to tap", h)
	}
	shot(t, ctx, "console-search-address-phone")

	css := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('link[rel=stylesheet]').href`))
	if !strings.Contains(css, "/assets/app.") || strings.Contains(css, "?v=") {
		t.Fatalf("style sheet at %s, want a hashed name", css)
	}
	enc := get(t, ctx, chromedp.Evaluate[string](`(performance.getEntriesByType('resource').find(e => e.name === `+"`"+css+"`"+`) || {}).encodedBodySize + '/' + (performance.getEntriesByType('resource').find(e => e.name === `+"`"+css+"`"+`) || {}).decodedBodySize`))
	t.Logf("app.css on the wire / decoded: %s bytes", enc)
	req, _ := http.NewRequest("GET", css, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "br" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("app.css: encoding %q, cache %q; want br, immutable", resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
	}
}
