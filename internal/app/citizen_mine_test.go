package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/pii"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+86 138-1234-5678":  "13812345678",
		"8613812345678":      "13812345678",
		"0086 138 1234 5678": "13812345678",
		"(138) 1234 5678":    "13812345678",
		"１３８１２３４５６７８":        "13812345678",
		"025-86123456":       "02586123456",
		"86123456":           "86123456", // a short number keeps a leading 86
		"":                   "",
	} {
		if got := pii.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// phoneCase is a minimal case reported from phone at at.
func phoneCase(phone string, at time.Time) *casework.Case {
	return &casework.Case{ID: NewID(), Status: casework.StatusPendingAccept, Source: casework.SourceCitizen,
		Urgency: catalog.Normal, Description: "路灯不亮", Point: geo.Point{Lng: 118.71, Lat: 32.01},
		Phone: phone, Reporter: "李四", Photos: []string{}, AfterPhotos: []string{}, ReportedAt: at, UpdatedAt: at}
}

func caseIDs(list []*casework.Case) []string {
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestPhoneBlindIndex: the store finds a phone's cases by its blind index in
// any common spelling, made on create and bulk create, kept through key
// rotation, dropped by the retention purge, and the number never lies in
// the database file in plain text.
func TestPhoneBlindIndex(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	t0 := a.Now().Add(-time.Hour)
	const phone = "13812345678"
	one := phoneCase(phone, t0)
	if err := a.Store.CreateCase(ctx, one, nil); err != nil {
		t.Fatal(err)
	}
	bulkA, bulkB, other := phoneCase("+86 138 1234 5678", t0.Add(time.Minute)), phoneCase("13900000000", t0), phoneCase("", t0)
	if err := a.Store.BulkCreateCases(ctx, []*casework.Case{bulkA, bulkB, other}, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{bulkA.ID, one.ID} // newest first
	for _, spelling := range []string{phone, "+86 138-1234-5678", "8613812345678", "138 1234 5678"} {
		got, err := a.Store.FindCasesByPhone(ctx, spelling, 10)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(caseIDs(got), ",") != strings.Join(want, ",") {
			t.Fatalf("FindCasesByPhone(%q) = %v, want %v", spelling, caseIDs(got), want)
		}
	}
	for _, miss := range []string{"13812345679", "", "138", "12345678"} {
		if got, _ := a.Store.FindCasesByPhone(ctx, miss, 10); len(got) != 0 {
			t.Fatalf("FindCasesByPhone(%q) found %v", miss, caseIDs(got))
		}
	}
	// An update (the phone is sealed again on every write) keeps the index.
	c, _ := a.Store.FindCaseByID(ctx, one.ID)
	c.Description = "路灯还是不亮"
	c.UpdatedAt = a.Now()
	if err := a.Store.UpdateCase(ctx, c, c.Version, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Store.FindCasesByPhone(ctx, phone, 10); len(got) != 2 {
		t.Fatalf("after update: %v", caseIDs(got))
	}

	// Key rotation: with a new current key the old index still matches, and
	// after ResealContacts the old key can go.
	spec, err := os.ReadFile(filepath.Join(a.Cfg.DataDir, "pii.keys"))
	if err != nil {
		t.Fatal(err)
	}
	newKey := "k2:" + pii.NewKey()
	both, err := pii.ParseKeyring(newKey + "," + strings.TrimSpace(string(spec)))
	if err != nil {
		t.Fatal(err)
	}
	a.Store.SetKeyring(both)
	if got, _ := a.Store.FindCasesByPhone(ctx, phone, 10); len(got) != 2 {
		t.Fatalf("during rotation: %v", caseIDs(got))
	}
	if _, err := a.Store.ResealContacts(ctx); err != nil {
		t.Fatal(err)
	}
	onlyNew, _ := pii.ParseKeyring(newKey)
	a.Store.SetKeyring(onlyNew)
	if got, _ := a.Store.FindCasesByPhone(ctx, phone, 10); len(got) != 2 {
		t.Fatalf("after reseal with the old key gone: %v", caseIDs(got))
	}

	// Retention: a closed-out case loses its index with its phone.
	c, _ = a.Store.FindCaseByID(ctx, bulkA.ID)
	c.Status = casework.StatusRejected
	c.UpdatedAt = a.Now().Add(-time.Minute)
	if err := a.Store.UpdateCase(ctx, c, c.Version, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Store.PurgeContacts(ctx, a.Now()); err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if got, _ := a.Store.FindCasesByPhone(ctx, phone, 10); strings.Join(caseIDs(got), ",") != one.ID {
		t.Fatalf("after purge: %v, want only %s", caseIDs(got), one.ID)
	}

	a.Close()
	assertNotInDBFiles(t, a.Cfg.DataDir, phone, "13900000000", "1234 5678")
}

// fakeClock is a settable clock for the one-time codes' expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serveWeb mounts the web pages alone, with the given demo flag and clock.
func serveWeb(t *testing.T, a *App, demo bool, clock *fakeClock) string {
	t.Helper()
	a.Cfg.Demo = demo
	if clock != nil {
		a.Now = clock.Now
	}
	mux := http.NewServeMux()
	if err := wireWeb(a, mux); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

var demoCodeRe = regexp.MustCompile(`id="demo-code">[^<]*<strong>(\d{6})</strong>`)

// askCode posts a phone on /citizen/mine and returns the demo code shown.
func askCode(t *testing.T, b *browserClient, phone string) string {
	t.Helper()
	_, _, tok := b.get("/citizen/mine")
	res, body := b.post("/citizen/mine/code", url.Values{"_csrf": {tok}, "phone": {phone}}, nil)
	m := demoCodeRe.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("ask code: %d %s", res.StatusCode, body)
	}
	return m[1]
}

func TestCitizenMine(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	clock := &fakeClock{t: time.Now()}
	mine := []*casework.Case{phoneCase("13812345678", clock.Now().Add(-2*time.Hour)), phoneCase("+86 138 1234 5678", clock.Now().Add(-time.Hour))}
	theirs := phoneCase("13900000000", clock.Now().Add(-time.Hour))
	for _, c := range append(mine, theirs) {
		if err := a.Store.CreateCase(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range append(mine, theirs) {
		got, _ := a.Store.FindCaseByID(ctx, c.ID)
		c.Code = got.Code
	}
	base := serveWeb(t, a, true, clock)
	b := newBrowserClient(t, base)

	st, page, tok := b.get("/citizen/mine")
	if st != http.StatusOK || !strings.Contains(page, `id="mine-phone"`) {
		t.Fatalf("phone step: %d", st)
	}
	// Both posts need the CSRF token.
	if res, _ := b.post("/citizen/mine/code", url.Values{"_csrf": {"forged"}, "phone": {"13812345678"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("code without CSRF: %d", res.StatusCode)
	}
	if res, _ := b.post("/citizen/mine/list", url.Values{"phone": {"13812345678"}, "code": {"123456"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("list without CSRF: %d", res.StatusCode)
	}
	if res, _ := b.post("/citizen/mine/code", url.Values{"_csrf": {tok}, "phone": {"12"}}, nil); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad phone: %d", res.StatusCode)
	}

	// Demo mode shows the code; a wrong code is refused and may be retried.
	code := askCode(t, b, "138-1234-5678")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	res, body := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"138-1234-5678"}, "code": {wrong}}, nil)
	if res.StatusCode != http.StatusBadRequest || strings.Contains(body, mine[0].Code) || !strings.Contains(body, `id="mine-code"`) {
		t.Fatalf("wrong code: %d", res.StatusCode)
	}
	// The right code, with the phone spelt another way, lists exactly this phone's cases.
	res, body = b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"+8613812345678"}, "code": {code}}, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="mine-list"`) {
		t.Fatalf("list: %d %s", res.StatusCode, body)
	}
	for _, c := range mine {
		if !strings.Contains(body, "/citizen/track?code="+c.Code) {
			t.Errorf("list lacks case %s", c.Code)
		}
	}
	if strings.Contains(body, theirs.Code) {
		t.Errorf("list shows another phone's case %s", theirs.Code)
	}
	// Each link carries its case's tracking key (the code proved the phone
	// it was reported from), so the outcome can be seen and rated; the
	// page never shows the full phone number.
	if strings.Count(body, "&amp;key=") != len(mine) || strings.Contains(body, "13812345678") {
		t.Error("the list's links lack their tracking keys, or it shows the full phone number")
	}
	// A code works once.
	if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {code}}, nil); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("code reused: %d", res.StatusCode)
	}

	// Too many wrong tries burn the code.
	code = askCode(t, b, "13812345678")
	wrong = "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 4; i++ {
		if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {wrong}}, nil); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("try %d: %d", i+1, res.StatusCode)
		}
	}
	if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {wrong}}, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fifth wrong try: %d", res.StatusCode)
	}
	if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {code}}, nil); res.StatusCode == http.StatusOK {
		t.Fatal("the right code still works after five wrong tries")
	}

	// An expired code is refused. (The phone has had three codes: wait for the limiter.)
	clock.Add(3 * time.Minute)
	code = askCode(t, b, "13812345678")
	clock.Add(6 * time.Minute)
	if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {code}}, nil); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired code: %d", res.StatusCode)
	}
	// Codes per phone are limited.
	for i := 0; ; i++ {
		_, _, tok := b.get("/citizen/mine")
		res, _ := b.post("/citizen/mine/code", url.Values{"_csrf": {tok}, "phone": {"13812345678"}}, nil)
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
		if res.StatusCode != http.StatusOK || i >= 3 {
			t.Fatalf("code %d: %d, want the limit after 3", i+1, res.StatusCode)
		}
	}
}

func TestCitizenMine_NoSMSOutsideDemo(t *testing.T) {
	a := testApp(t, "")
	if err := a.Store.CreateCase(context.Background(), phoneCase("13812345678", a.Now()), nil); err != nil {
		t.Fatal(err)
	}
	base := serveWeb(t, a, false, nil)
	b := newBrowserClient(t, base)
	_, page, tok := b.get("/citizen/mine")
	if !strings.Contains(page, `id="sms-off"`) {
		t.Fatal("the page does not say SMS is not configured")
	}
	res, body := b.post("/citizen/mine/code", url.Values{"_csrf": {tok}, "phone": {"13812345678"}}, nil)
	if res.StatusCode != http.StatusServiceUnavailable || demoCodeRe.MatchString(body) {
		t.Fatalf("outside demo mode: %d", res.StatusCode)
	}
	for _, guess := range []string{"000000", "123456"} {
		if res, _ := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {"13812345678"}, "code": {guess}}, nil); res.StatusCode == http.StatusOK {
			t.Fatal("a list without any code sent")
		}
	}
}
