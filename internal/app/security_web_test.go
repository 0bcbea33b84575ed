package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/catalog"
)

// This file holds the web pages' security promises (issue 10). Each test's
// doc comment is the promise it keeps.

// formPart is one part of a multipart form, in the order it is sent.
type formPart struct {
	name, value string
	file        []byte // a file part when not nil
}

// postMultipart sends parts as multipart/form-data, in order, with the
// given extra headers, and returns the response with its body read.
func (b *browserClient) postMultipart(path string, parts []formPart, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.file != nil {
			fw, _ := w.CreateFormFile(p.name, "upload.bin")
			_, _ = fw.Write(p.file)
			continue
		}
		_ = w.WriteField(p.name, p.value)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// bigPNG is a valid PNG of about size bytes: tinyPNG with a private
// ancillary chunk (which decoders skip) before its end.
func bigPNG(size int) []byte {
	iend := len(tinyPNG) - 12
	data := bytes.Repeat([]byte{'x'}, size)
	chunk := make([]byte, 0, size+12)
	chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(data)))
	chunk = append(chunk, "clTp"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("clTp"), data...)))
	out := append([]byte(nil), tinyPNG[:iend]...)
	out = append(out, chunk...)
	return append(out, tinyPNG[iend:]...)
}

// tempFiles lists the files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, filepath.Base(p))
		}
		return nil
	})
	return names
}

// citizenReport files a report through the portal's form and returns the
// case's code and tracking key.
func citizenReport(t *testing.T, base string, fields map[string]string) (code, key string) {
	t.Helper()
	b := newBrowserClient(t, base)
	_, _, tok := b.get("/citizen")
	parts := []formPart{{name: "_csrf", value: tok}}
	for k, v := range fields {
		parts = append(parts, formPart{name: k, value: v})
	}
	parts = append(parts, formPart{name: "photos", file: tinyPNG})
	res, body := b.postMultipart("/citizen/report", parts, nil)
	m := trackRe.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("citizen report: %d %s %.300s", res.StatusCode, res.Header.Get("Location"), body)
	}
	return m[1], m[2]
}

// TestSecurityWeb_UploadsLeaveNoTempFiles promises that a multipart post to
// any web form (the citizen report, a console case action, the field app's
// report, the admin region import) leaves no spooled file in the temporary
// directory: not when the form is refused for a missing or forged CSRF
// token (or a token sent only after a file, which is refused before the
// file is read), and not when it is accepted and handled.
func TestSecurityWeb_UploadsLeaveNoTempFiles(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()

	citizen := newBrowserClient(t, base)
	_, _, anonTok := citizen.get("/citizen")
	op, opTok := consoleSession(t, base, "operator", "/console")
	sup, supTok := consoleSession(t, base, "supervisor", "/field")
	adm, admTok := consoleSession(t, base, "admin", "/console/admin")
	caseCode, _ := citizenReport(t, base, map[string]string{"lng": "118.71", "lat": "32.01", "description": "垃圾满溢"})
	c, err := a.Store.FindCaseByCode(ctx, caseCode)
	if err != nil {
		t.Fatal(err)
	}
	actPath := "/console/cases/" + c.ID + "/act"

	// Both are larger than the 8 MiB a form may hold in memory, so that an
	// unguarded parse spools them to disk.
	junk := bytes.Repeat([]byte("0123456789abcdef"), 12<<20/16)
	photo := bigPNG(9 << 20)
	city := append(fixtureCity(), bytes.Repeat([]byte(" "), 9<<20)...)
	report := []formPart{{name: "lng", value: "118.71"}, {name: "lat", value: "32.01"}, {name: "description", value: "井盖缺失"}}

	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where mime/multipart spools files (os.TempDir)

	for _, tc := range []struct {
		name   string
		b      *browserClient
		path   string
		parts  []formPart
		header map[string]string
		want   int
	}{
		{"citizen report without a token", citizen, "/citizen/report",
			append(append([]formPart{}, report...), formPart{name: "photos", file: junk}), nil, http.StatusForbidden},
		{"citizen report with a forged token", citizen, "/citizen/report",
			append([]formPart{{name: "_csrf", value: "forged"}}, append(append([]formPart{}, report...), formPart{name: "photos", file: junk})...), nil, http.StatusForbidden},
		{"citizen report with the file before the token", citizen, "/citizen/report",
			[]formPart{{name: "photos", file: junk}, {name: "_csrf", value: anonTok}}, nil, http.StatusForbidden},
		{"case action with a forged token", op, actPath,
			[]formPart{{name: "_csrf", value: "forged"}, {name: "action", value: "accept"}, {name: "photos", file: junk}}, nil, http.StatusForbidden},
		{"field report with a forged header", sup, "/field/report",
			append(append([]formPart{}, report...), formPart{name: "photos", file: junk}), map[string]string{"X-CSRF-Token": "forged"}, http.StatusForbidden},
		{"field report without a token", sup, "/field/report",
			append(append([]formPart{}, report...), formPart{name: "photos", file: junk}), nil, http.StatusForbidden},
		{"region import with a forged token", adm, "/console/admin/regions",
			[]formPart{{name: "_csrf", value: "forged"}, {name: "file", file: junk}}, nil, http.StatusForbidden},

		{"citizen report accepted", citizen, "/citizen/report",
			append([]formPart{{name: "_csrf", value: anonTok}}, append(append([]formPart{}, report...), formPart{name: "photos", file: photo})...), nil, http.StatusSeeOther},
		{"case action accepted", op, actPath,
			[]formPart{{name: "_csrf", value: opTok}, {name: "action", value: "accept"}, {name: "category", value: "event:0102"}, {name: "photos", file: photo}}, nil, http.StatusSeeOther},
		{"field report accepted (token in the header)", sup, "/field/report",
			append(append([]formPart{}, report...), formPart{name: "photos", file: photo}), map[string]string{"X-CSRF-Token": supTok}, http.StatusCreated},
		{"region import accepted", adm, "/console/admin/regions",
			[]formPart{{name: "_csrf", value: admTok}, {name: "file", file: city}}, nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := tc.b.postMultipart(tc.path, tc.parts, tc.header)
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %.400s", res.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusForbidden && (!strings.Contains(body, "CSRF") || !strings.Contains(body, "刷新")) {
				t.Fatalf("the refusal does not say, in Chinese and English, to reload the form: %.400s", body)
			}
			deadline := time.Now().Add(2 * time.Second)
			left := tempFiles(t, tmp)
			for len(left) > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				left = tempFiles(t, tmp)
			}
			if len(left) > 0 {
				t.Errorf("the post left %d temporary file(s): %v", len(left), left)
				for _, f := range left {
					_ = os.Remove(filepath.Join(tmp, f))
				}
			}
		})
	}
}

// TestSecurityWeb_EventsStayInJurisdiction promises that the console's live
// event stream (/console/events) carries the codes of only those cases the
// signed-in person's queues may show: a supervisor whose beat is the west
// street hears of west-street cases and never of east-street ones, whether
// the change came through this node's pages or the database's change feed,
// while a city-wide operator hears of both.
func TestSecurityWeb_EventsStayInJurisdiction(t *testing.T) {
	a := testApp(t, "")
	base := runApp(t, a)
	west := openEvents(t, base, "supervisor") // beat: 320101001, the west street
	city := openEvents(t, base, "operator")
	api := login(t, base, "supervisor")

	var eastAPI, westAPI caseOut
	if st := api.do("POST", "/api/v1/cases", map[string]any{"category": "event:0102", "description": "东边垃圾", "lng": 118.76, "lat": 32.05}, &eastAPI); st != 201 {
		t.Fatalf("east report: %d", st)
	}
	eastWeb, _ := citizenReport(t, base, map[string]string{"lng": "118.77", "lat": "32.06", "description": "东边井盖"})
	if st := api.do("POST", "/api/v1/cases", map[string]any{"category": "event:0102", "description": "西边垃圾", "lng": 118.71, "lat": 32.01}, &westAPI); st != 201 {
		t.Fatalf("west report: %d", st)
	}

	city.waitCode(t, eastAPI.Code, 5*time.Second)
	// The supervisor's stream: collect until the west case shows, then a
	// little longer; the east cases changed first, so a leak shows by then.
	var heard []string
	deadline := time.After(5 * time.Second)
	for sawWest := false; !sawWest; {
		select {
		case code := <-west.codes:
			heard = append(heard, code)
			sawWest = code == westAPI.Code
		case <-deadline:
			t.Fatalf("the west-street supervisor never heard of west case %s (heard %v)", westAPI.Code, heard)
		}
	}
	grace := time.After(time.Second)
	for done := false; !done; {
		select {
		case code := <-west.codes:
			heard = append(heard, code)
		case <-grace:
			done = true
		}
	}
	for _, code := range heard {
		if code == eastAPI.Code || code == eastWeb {
			t.Errorf("the west-street supervisor heard of east-street case %s (heard %v)", code, heard)
		}
	}
}

// TestSecurityWeb_TrackNeedsKey promises that /citizen/track, walked over
// case codes without the tracking key (or with a wrong one), shows at most
// a case's status: never its category, timeline, report time or
// description; the right key shows the progress in full.
func TestSecurityWeb_TrackNeedsKey(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	const desc = "小区门口路灯不亮已三天"
	code1, key1 := citizenReport(t, base, map[string]string{"lng": "118.71", "lat": "32.01", "description": desc, "category": "event:0504"})
	code2, _ := citizenReport(t, base, map[string]string{"lng": "118.72", "lat": "32.02", "description": desc, "category": "event:0504"})
	ref, _ := catalog.ParseRef("event:0504")
	sub, ok := a.World.Dict().Lookup(ref, a.Now())
	if !ok {
		t.Fatal("event:0504 is not in the dictionary")
	}
	n1, _ := strconv.Atoi(code1)
	stranger := newBrowserClient(t, base)
	statusRe := regexp.MustCompile(`id="track-status">[^<]+<`)
	for _, path := range []string{
		"/citizen/track?code=" + code1,
		"/citizen/track?code=" + code2,
		"/citizen/track?code=" + strconv.Itoa(n1+1) + "&lang=en",
		"/citizen/track?code=" + code1 + "&key=AAAAAAAAAAAAAAAA",
	} {
		st, page, _ := stranger.get(path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		if !statusRe.MatchString(page) {
			t.Errorf("%s: no status shown", path)
		}
		for _, leak := range []string{sub.Name.Zh, sub.Name.En, `class="timeline"`, desc, "<time>"} {
			if strings.Contains(page, leak) {
				t.Errorf("%s shows %q without the tracking key", path, leak)
			}
		}
	}
	_, page, _ := stranger.get("/citizen/track?code=" + code1 + "&key=" + key1 + "&lang=zh")
	if !strings.Contains(page, sub.Name.Zh) || !strings.Contains(page, `class="timeline"`) {
		t.Errorf("with the right key the category or timeline is missing: %.3000s", page)
	}
}

// auditItems queries GET /api/v1/audit as the auditor.
func auditItems(t *testing.T, auditor *client, q url.Values) []struct{ Actor, Action, Object, Detail string } {
	t.Helper()
	var out struct {
		Items []struct{ Actor, Action, Object, Detail string }
	}
	if st := auditor.do("GET", "/api/v1/audit?"+q.Encode(), nil, &out); st != http.StatusOK {
		t.Fatalf("audit search %v: %d", q, st)
	}
	return out.Items
}

// TestSecurityWeb_ConsoleAudited promises that the console leaves the same
// audit trail as the API: a case action taken on a console page is
// recorded as case.<action> on case/<id>, and a page that shows a
// reporter's phone and name in clear records pii.read for that case (while
// a masked view records nothing), and a region import on the admin page is
// recorded as regions.import, so an auditor searching GET /api/v1/audit
// finds them all.
func TestSecurityWeb_ConsoleAudited(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	const phone = "13912345678"
	code, _ := citizenReport(t, base, map[string]string{"lng": "118.71", "lat": "32.01", "description": "占道经营", "phone": phone})
	c, err := a.Store.FindCaseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	opAcc, _ := a.Store.FindAccountByUsername(ctx, "operator")
	supAcc, _ := a.Store.FindAccountByUsername(ctx, "supervisor")
	auditor := login(t, base, "auditor")

	// A masked view is not a read of personal data.
	sup := newBrowserClient(t, base)
	sup.signIn("supervisor", "demo")
	if st, page, _ := sup.get("/console/cases/" + c.ID); st != http.StatusOK || strings.Contains(page, phone) {
		t.Fatalf("supervisor's case page: %d, phone shown: %v", st, strings.Contains(page, phone))
	}
	for _, it := range auditItems(t, auditor, url.Values{"action": {"pii.read"}, "actor": {supAcc.ID}}) {
		t.Errorf("a masked view was audited as a read: %+v", it)
	}

	op, _ := consoleSession(t, base, "operator", "/console")
	st, page, tok := op.get("/console/cases/" + c.ID)
	if st != http.StatusOK || !strings.Contains(page, phone) {
		t.Fatalf("operator's case page: %d, phone shown: %v", st, strings.Contains(page, phone))
	}
	res, body := op.post("/console/cases/"+c.ID+"/act", url.Values{"_csrf": {tok}, "action": {"accept"}, "category": {"event:0102"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d %.300s", res.StatusCode, body)
	}

	found := false
	for _, it := range auditItems(t, auditor, url.Values{"action": {"pii.read"}, "actor": {opAcc.ID}}) {
		var d struct{ Cases []string }
		_ = json.Unmarshal([]byte(it.Detail), &d)
		for _, id := range d.Cases {
			found = found || id == c.ID
		}
	}
	if !found {
		t.Error("the operator's unmasked view of the case page is not in the audit trail as pii.read")
	}
	items := auditItems(t, auditor, url.Values{"action": {"case.accept"}, "object": {"case/" + c.ID}})
	if len(items) != 1 || items[0].Actor != opAcc.ID || !strings.Contains(items[0].Detail, code) {
		t.Errorf("the console's accept in the audit trail: %+v, want one case.accept by %s", items, opAcc.ID)
	}

	adm, admTok := consoleSession(t, base, "admin", "/console/admin")
	admAcc, _ := a.Store.FindAccountByUsername(ctx, "admin")
	if res, body := adm.postMultipart("/console/admin/regions", []formPart{{name: "_csrf", value: admTok}, {name: "file", file: fixtureCity()}}, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("region import: %d %.300s", res.StatusCode, body)
	}
	items = auditItems(t, auditor, url.Values{"action": {"regions.import"}, "actor": {admAcc.ID}})
	if len(items) != 1 || items[0].Object != "regions" {
		t.Errorf("the admin page's region import in the audit trail: %+v, want one regions.import by %s", items, admAcc.ID)
	}
}

// multipartFormRe finds a multipart form's opening tag and what follows it
// up to its first file input.
var multipartFormRe = regexp.MustCompile(`(?s)<form[^>]*enctype="multipart/form-data"[^>]*>(.*?)(type="file"|</form>)`)

// TestSecurityWeb_MultipartFormsSendTokenFirst promises that every
// multipart form on our pages sends its _csrf field before any file (the
// server refuses a token that comes after a file, because it checks the
// token before it reads any file), so the pages keep working.
func TestSecurityWeb_MultipartFormsSendTokenFirst(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "web", "templates", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	forms := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range multipartFormRe.FindAllStringSubmatch(string(raw), -1) {
			forms++
			if !strings.Contains(m[1], `name="_csrf"`) {
				t.Errorf("%s: a multipart form has no _csrf field before its first file", filepath.Base(f))
			}
		}
	}
	if forms < 4 {
		t.Fatalf("found %d multipart forms; the citizen, case, field and admin pages have at least 4", forms)
	}
}
