package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/community"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
)

type merchantOut struct {
	ID, Name, USCC, Address, Grid string
	Credit                        struct {
		Score, Deducted, Violations int
		Grade                       string
		GradeName                   string `json:"grade_name"`
		Civilized                   bool
	}
	PlateURL   string `json:"plate_url"`
	Contact    *merchant.Contact
	Violations []merchant.Violation
	Zone       map[string]any
}

// TestMerchants_API: a demo city has its 3,200 shops with grades; a case
// reported in a shop's frontage zone is linked to it and costs it points;
// the contact is for staff of the jurisdiction only (and audited); the QR
// plate and the 文明商户 list are public and carry no contact; bad queries
// are 4xx that say what to fix.
func TestMerchants_API(t *testing.T) {
	a := demoCityApp(t, 300)
	base := serve(t, a)
	op, anon := login(t, base, "operator"), login(t, base, "")

	var list struct {
		Items []merchantOut
		Total int
	}
	if st := op.do("GET", "/api/v1/merchants?limit=5", nil, &list); st != 200 || list.Total != community.DemoShops || len(list.Items) != 5 {
		t.Fatalf("list: %d, total %d, %d items", st, list.Total, len(list.Items))
	}
	shop := list.Items[0]
	if shop.Credit.Grade == "" || shop.Credit.GradeName == "" || shop.Contact != nil || !strings.HasPrefix(shop.PlateURL, "/citizen/shops/") {
		t.Fatalf("list item %+v", shop)
	}
	if _, err := merchant.ParseUSCC(shop.USCC); err != nil {
		t.Fatalf("demo code %s: %v", shop.USCC, err)
	}

	// A citizen reports out-of-store trading inside the shop's zone; the
	// linking job (run here at once) ties it to the shop.
	var one merchantOut
	if st := op.do("GET", "/api/v1/merchants/"+shop.ID, nil, &one); st != 200 || one.Contact == nil || one.Contact.Phone == "" || len(one.Zone) == 0 {
		t.Fatalf("detail for the city-wide operator: %d %+v", st, one)
	}
	svc := a.api.Merchants.(*merchant.Service)
	m, _, err := svc.Get(context.Background(), shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := m.Zone.Centroid()
	var c struct{ ID, Code string }
	if st := anon.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店门口摆摊占道", "lng": at.Lng, "lat": at.Lat, "source": "citizen"}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	if _, err := svc.LinkCases(context.Background()); err != nil {
		t.Fatal(err)
	}
	var after merchantOut
	op.do("GET", "/api/v1/merchants/"+shop.ID, nil, &after)
	found := false
	for _, v := range after.Violations {
		found = found || (v.CaseID == c.ID && v.Points == 50 && v.Duty == merchant.DutyOrder)
	}
	if !found || after.Credit.Deducted != one.Credit.Deducted+50 || after.Credit.Score != one.Credit.Score-50 {
		t.Fatalf("after the case: %+v (before %+v)", after.Credit, one.Credit)
	}

	// The plate is public and has no contact; its complaint link opens the
	// report form at the frontage with the category chosen.
	var plate map[string]any
	if st := anon.do("GET", "/api/v1/merchants/"+shop.ID+"/plate", nil, &plate); st != 200 || plate["grade"] == "" || plate["contact"] != nil ||
		!strings.Contains(plate["complaint_url"].(string), "category=event%3A0504") {
		t.Fatalf("plate %d %v", st, plate)
	}
	var civil struct {
		Items []merchantOut
		Total int
	}
	if st := anon.do("GET", "/api/v1/merchants/civilized?limit=500", nil, &civil); st != 200 || civil.Total == 0 {
		t.Fatalf("civilized list %d %d", st, civil.Total)
	}
	for _, it := range civil.Items {
		if !it.Credit.Civilized || it.Credit.Score < 950 {
			t.Fatalf("%s on the 文明商户 list with %+v", it.ID, it.Credit)
		}
	}

	for _, tc := range []struct {
		name, path string
		c          *client
		status     int
		must       string
	}{
		{"anonymous list", "/api/v1/merchants", anon, 401, "sign in"},
		{"bad grade", "/api/v1/merchants?grade=E", op, 400, "grade"},
		{"unknown parameter", "/api/v1/merchants?district=1", op, 400, "unknown parameter"},
		{"year in the future", "/api/v1/merchants?year=2999", op, 400, "year"},
		{"no such merchant", "/api/v1/merchants/nope", op, 404, "nope"},
		{"no such plate", "/api/v1/merchants/nope/plate", anon, 404, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p map[string]any
			st := tc.c.do("GET", tc.path, nil, &p)
			b := strings.ToLower(fmt.Sprint(p["detail"], p["errors"]))
			if st != tc.status || !strings.Contains(b, strings.ToLower(tc.must)) {
				t.Fatalf("%d %v", st, p)
			}
		})
	}

	// A street chief sees the contacts of his street's shops only.
	chief := login(t, base, "streetchief")
	var me struct{ Posts []org.Grant }
	if st := chief.do("GET", "/api/v1/me", nil, &me); st != 200 || len(me.Posts) == 0 || me.Posts[0].Region == "" {
		t.Fatalf("me: %d %+v", st, me)
	}
	street := me.Posts[0].Region
	var inside, all struct{ Items []merchantOut }
	chief.do("GET", "/api/v1/merchants?limit=1&region="+street, nil, &inside)
	chief.do("GET", "/api/v1/merchants?limit=500", nil, &all)
	if len(inside.Items) == 0 {
		t.Fatalf("no demo shop in street %s", street)
	}
	outside := ""
	for _, it := range all.Items {
		if !a.World.Atlas().Within(it.Grid, street) {
			outside = it.ID
			break
		}
	}
	for id, want := range map[string]bool{inside.Items[0].ID: true, outside: false} {
		var got merchantOut
		if st := chief.do("GET", "/api/v1/merchants/"+id, nil, &got); st != 200 || (got.Contact != nil) != want {
			t.Errorf("street chief of %s, shop %s in grid %s: %d, contact shown %v", street, id, got.Grid, st, got.Contact != nil)
		}
	}
	aud := login(t, base, "auditor")
	var trail struct{ Items []map[string]any }
	if st := aud.do("GET", "/api/v1/audit?action=merchant.contact_view", nil, &trail); st != 200 || len(trail.Items) < 3 {
		t.Fatalf("contact views audited: %d %d", st, len(trail.Items))
	}
}

// TestWeb_BrowserMerchants: the console's registry filtered to grade A,
// one shop with its duties and QR plate, and the plate page on a phone
// with its complaint link opening the report form at the frontage. The
// screenshots are testout/screenshots/merchants-*.png.
func TestWeb_BrowserMerchants(t *testing.T) {
	ctx := browser(t)
	a := demoCityApp(t, 300)
	base := serve(t, a)
	signIn(t, ctx, base, "operator")
	run(t, ctx, "门前五包 from the navigation",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.CSS("#nav-merchants")),
		chromedp.WaitVisible(chromedp.CSS("#merchant-list")),
	)
	if rows := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#merchant-list tbody tr').length`)); rows != 50 {
		t.Errorf("the list shows %d rows", rows)
	}
	shot(t, ctx, "merchants-list")
	run(t, ctx, "grade A only",
		chromedp.SetValue(chromedp.CSS(`select[name=grade]`), "A"),
		chromedp.Submit(chromedp.CSS("#merchant-filter")),
		waitJS(`location.search.includes('grade=A')`, 10*time.Second),
		chromedp.WaitVisible(chromedp.CSS("#merchant-list")),
	)
	if bad := get(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('#merchant-list tbody tr')].filter(r => r.dataset.grade !== 'A').length`)); bad != 0 {
		t.Errorf("%d rows not graded A", bad)
	}
	run(t, ctx, "open a shop",
		chromedp.Click(chromedp.CSS("#merchant-list tbody tr a")),
		chromedp.WaitVisible(chromedp.CSS("#merchant-score")),
	)
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.duties li').length`)); n != 5 {
		t.Errorf("%d duties", n)
	}
	run(t, ctx, "the QR code loads", waitJS(`document.querySelector('img.plate-qr').complete`, 10*time.Second))
	if w := get(t, ctx, chromedp.Evaluate[int](`document.querySelector('img.plate-qr').naturalWidth`)); w < 100 {
		t.Errorf("the QR code is %d px wide", w)
	}
	shot(t, ctx, "merchants-detail")
	plate := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('dd a[href^="/citizen/shops/"]').getAttribute('href')`))
	run(t, ctx, "the credit notice",
		chromedp.Click(chromedp.CSS("#merchant-notice")),
		chromedp.WaitVisible(chromedp.CSS("#notice-score")),
	)
	if txt := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('.credit-notice').textContent`)); !strings.Contains(txt, "信用积分通知书") || !strings.Contains(txt, "包秩序") {
		t.Errorf("the notice reads %.200q", txt)
	}
	shot(t, ctx, "merchants-notice")

	run(t, ctx, "the plate on a phone",
		clearCookies(),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+plate),
		chromedp.WaitVisible(chromedp.CSS("#shop-complain")),
	)
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the plate page is %d px wide on a 390 px phone", w)
	}
	shot(t, ctx, "merchants-plate-phone")
	run(t, ctx, "complain from the plate",
		chromedp.Click(chromedp.CSS("#shop-complain")),
		waitJS(`location.pathname === '/citizen'`, 10*time.Second),
		chromedp.WaitReady(chromedp.CSS("textarea")),
	)
	if d := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('textarea').value`)); !strings.Contains(d, "门前") {
		t.Errorf("the report form starts with %q", d)
	}
	shot(t, ctx, "merchants-complaint-phone")
}
