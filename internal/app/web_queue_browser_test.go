package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/casework"
)

// TestWeb_BrowserHandlerQueue: the handler's workbench shows new dispatches
// (待签收) in their own section above the cases in disposal; ticking two
// and pressing 签收所选案件 signs for both (each audited as case.sign) and
// leaves the third waiting; the map panel shows the queues' cases. On a phone each case is a card, not a row of
// one-character columns. Screenshots: testout/screenshots/queue-*.png.
func TestWeb_BrowserHandlerQueue(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	sup, op, lead, disp := login(t, base, "supervisor"), login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher")
	h := login(t, base, "handler")
	var ids []string
	for i := range 4 {
		var c caseOut
		if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": fmt.Sprintf("店外经营占道 %d", i),
			"lng": 118.70 + float64(i)*0.01, "lat": 32.01, "address": fmt.Sprintf("汉中路 %d 号", i+1)}, &c); st != 201 {
			t.Fatalf("report: %d", st)
		}
		act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
		act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
		act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
		ids = append(ids, c.ID)
	}
	act(t, h, ids[3], map[string]any{"action": "sign"}, 200) // one already in hand

	signIn(t, ctx, base, "handler") // a handler lands on /field; the desktop workbench is still theirs at /console
	run(t, ctx, "open the console", chromedp.Navigate(base+"/console"), chromedp.WaitVisible(chromedp.CSS("#queues")))
	order := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('section.queue')].map(s => s.id + ':' + s.querySelectorAll('tbody tr').length)`))
	if len(order) != 2 || order[0] != "q-sign:3" || order[1] != "q-tasks:1" {
		t.Fatalf("handler's sections %v, want q-sign:3 then q-tasks:1", order)
	}
	// The map panel shows the four cases of the two sections.
	run(t, ctx, "map panel", waitJS(`document.getElementById('wb-map').dataset.points === '4'`, 20*time.Second))
	shot(t, ctx, "queue-handler-desktop")
	run(t, ctx, "sign for two",
		chromedp.Click(chromedp.CSS("#pick-"+ids[0])),
		chromedp.Click(chromedp.CSS("#pick-"+ids[1])),
		chromedp.Click(chromedp.CSS("#sign-many")),
		waitJS(`location.search.includes('signed=2') && !!document.querySelector('.flash')`, 20*time.Second),
	)
	flash := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('.flash').textContent`))
	t.Logf("after the batch: %s", flash)
	for i, want := range []casework.Status{casework.StatusInDisposal, casework.StatusInDisposal, casework.StatusDispatched, casework.StatusInDisposal} {
		if got := statusOfCase(t, a, ids[i]); got != want {
			t.Errorf("case %d is %s, want %s", i, got, want)
		}
	}
	audited := auditItems(t, login(t, base, "auditor"), map[string][]string{"action": {"case.sign"}})
	if len(audited) != 3 {
		t.Errorf("case.sign audited %d times, want 3 (two in the batch, one through the API)", len(audited))
	}

	run(t, ctx, "phone", phone, chromedp.Navigate(base+"/console"), chromedp.WaitVisible(chromedp.CSS("#q-sign")))
	// A card: the row is a block as wide as the screen, not a table row.
	display := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#q-sign tbody tr')).display`))
	overflow := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth + 1`))
	shot(t, ctx, "queue-handler-phone")
	if display != "block" || overflow {
		t.Errorf("on a phone the queue row is display:%s, page wider than the screen: %v", display, overflow)
	}
	leaveLivePage(t, ctx)
}

// leaveLivePage closes the workbench's live connection (/console/events)
// before the server shuts down, which would otherwise wait for it.
func leaveLivePage(t *testing.T, ctx context.Context) {
	run(t, ctx, "leave the page", chromedp.Navigate("about:blank"))
}

// TestWeb_BrowserLeaderChartsPhone: the leader's overview charts fit a
// phone's width (no sideways scrolling). Screenshot:
// testout/screenshots/charts-leader-phone.png.
func TestWeb_BrowserLeaderChartsPhone(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	sup := login(t, base, "supervisor")
	for i := range 5 {
		sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": fmt.Sprintf("案件 %d", i), "lng": 118.71, "lat": 32.01 + float64(i)*0.01}, nil)
	}
	signIn(t, ctx, base, "leader")
	run(t, ctx, "charts on a phone", phone, chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#charts")),
		waitJS(`!!document.querySelector('#chart-reported canvas')`, 30*time.Second))
	shot(t, ctx, "charts-leader-phone")
	wide := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#charts figure, #charts .chart')].filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.id || e.tagName)`))
	if len(wide) > 0 || get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth + 1`)) {
		t.Errorf("charts wider than the phone: %v (page %d px)", wide, get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	}
	leaveLivePage(t, ctx)
}
