package app

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Tests of issue 10's disclosure part: what the public feeds, the photo
// server and the key endpoints give away. Each test's doc comment is the
// promise it keeps.

// callerPhone and callerFlat are what a hotline operator wrote down.
const (
	callerPhone = "13800138000"
	callerFlat  = "幸福路12号3栋501室"
)

// colourPNG is a distinct 8×8 PNG per n, so that photos get distinct ids.
func colourPNG(t testing.TB, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(n*37 + i%4*50)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exifJPEG is a small JPEG carrying an APP1 Exif segment whose
// ImageDescription holds a GPS position and a phone number, as a phone
// camera or an editing app leaves them.
func exifJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	desc := append([]byte("GPS 32.045678N 118.765432E tel "+callerPhone), 0)
	be := binary.BigEndian
	tiff := be.AppendUint32([]byte("MM\x00*"), 8)
	tiff = be.AppendUint16(tiff, 1)
	tiff = be.AppendUint16(tiff, 0x010e) // ImageDescription, ASCII
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint32(tiff, uint32(len(desc)))
	tiff = be.AppendUint32(tiff, 8+2+12+4)
	tiff = be.AppendUint32(tiff, 0)
	tiff = append(tiff, desc...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := be.AppendUint16([]byte{0xff, 0xe1}, uint16(len(seg)+2))
	jb := buf.Bytes()
	return append(append(append([]byte{}, jb[:2]...), append(app1, seg...)...), jb[2:]...)
}

// upload posts data to /api/v1/photos as c with the given Content-Type and
// returns the status, the new id and the raw answer.
func upload(t testing.TB, c *client, data []byte, ctype string) (int, string, string) {
	t.Helper()
	st, raw := rawPost(t, c, "/api/v1/photos", ctype, data)
	var out struct{ ID string }
	_ = json.Unmarshal([]byte(raw), &out)
	return st, out.ID, raw
}

// fetch GETs base+path with the bearer token of c (nil: anonymous) and
// extra headers; it returns the status and the body.
func fetch(t testing.TB, base, path string, c *client, header map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if c != nil && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// consoleSession signs user in to the web console and returns the browser
// and the CSRF token of page.
func consoleSession(t testing.TB, base, user, page string) (*browserClient, string) {
	t.Helper()
	b := newBrowserClient(t, base)
	if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", user, res.StatusCode)
	}
	st, body, tok := b.get(page)
	if st != http.StatusOK || tok == "" {
		t.Fatalf("%s as %s: %d %.300s", page, user, st, body)
	}
	return b, tok
}

// postPhotoForm posts fields and one file part "photos" as multipart/form-data.
func postPhotoForm(t testing.TB, b *browserClient, path string, fields map[string]string, file []byte, header map[string]string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("photos", "photo.jpg")
	_, _ = fw.Write(file)
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// issueKey has the administrator issue an Open311 api_key for account.
func issueKey(t testing.TB, admin *client, account string, detail bool) string {
	t.Helper()
	var key struct {
		APIKey string `json:"api_key"`
	}
	body := map[string]any{"account": account, "label": "test", "detail": detail}
	if detail {
		body["source"] = "partner"
	}
	if st := admin.do("POST", "/api/v1/open311/keys", body, &key); st != 201 || key.APIKey == "" {
		t.Fatalf("issue key for %s: %d", account, st)
	}
	return key.APIKey
}

type open311Request struct {
	ID          string  `json:"service_request_id"`
	ServiceName string  `json:"service_name"`
	Description string  `json:"description"`
	Address     string  `json:"address"`
	Lat         float64 `json:"lat"`
	Long        float64 `json:"long"`
	MediaURL    string  `json:"media_url"`
}

func open311Requests(t testing.TB, base, query string) []open311Request {
	t.Helper()
	st, body := fetch(t, base, "/open311/v2/requests.json?"+query, nil, nil)
	if st != 200 {
		t.Fatalf("GET requests.json?%s: %d %s", query, st, body)
	}
	var out []open311Request
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

var digitRun5 = regexp.MustCompile(`[0-9]{5}`)

// TestSecurityDisclosure_Open311RequestsPublicView promises that anyone
// reading the Open311 request feed without the detail right sees a case as
// the public map and the tracking page do: a point rounded to three
// decimals, no street address, a hotline case's category instead of the
// operator's words, any other description with phone, ID and house numbers
// masked, and a photo link only to the reporter's photo of a public case.
// A key with the explicit detail right reads the full text; a key without
// it reads the public view; an invalid key is refused.
func TestSecurityDisclosure_Open311RequestsPublicView(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	op, sup, admin := login(t, base, "operator"), login(t, base, "supervisor"), login(t, base, "admin")
	var hot, pat struct{ ID, Code string }
	if st := op.do("POST", "/api/v1/cases", map[string]any{"source": "hotline", "category": "event:0504",
		"description": "来电人住" + callerFlat + "，电话" + callerPhone + "，楼下店外经营", "address": callerFlat,
		"lng": 118.7234567, "lat": 32.0345678}, &hot); st != 201 {
		t.Fatalf("hotline report: %d", st)
	}
	_, photo, _ := upload(t, sup, colourPNG(t, 1), "image/png")
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店外经营，店主电话 139-0013-9000",
		"lng": 118.7612345, "lat": 32.0612345, "photos": []string{photo}}, &pat); st != 201 {
		t.Fatalf("patrol report: %d", st)
	}
	q := "service_request_id=" + hot.Code + "," + pat.Code
	for _, reader := range []struct {
		name  string
		query func() string
	}{
		{"anonymous", func() string { return q }},
		{"a key without the detail right", func() string { return q + "&api_key=" + url.QueryEscape(issueKey(t, admin, "supervisor", false)) }},
	} {
		t.Run(reader.name, func(t *testing.T) {
			list := open311Requests(t, base, reader.query())
			if len(list) != 2 {
				t.Fatalf("%d requests", len(list))
			}
			raw, _ := json.Marshal(list)
			for _, leak := range []string{callerPhone, "501", "幸福路12号", "139-0013-9000", "0013", "7234567", "0345678"} {
				if strings.Contains(string(raw), leak) {
					t.Errorf("the public feed shows %q: %s", leak, raw)
				}
			}
			for _, r := range list {
				if r.Address != "" || digitRun5.MatchString(r.Description) {
					t.Errorf("%s: address %q, description %q", r.ID, r.Address, r.Description)
				}
				switch r.ID {
				case hot.Code:
					if r.Lat != 32.035 || r.Long != 118.723 {
						t.Errorf("hotline point %v,%v, want 32.035,118.723", r.Lat, r.Long)
					}
					if r.Description != r.ServiceName || r.Description == "" {
						t.Errorf("hotline description %q, want the category %q", r.Description, r.ServiceName)
					}
					if r.MediaURL != "" {
						t.Errorf("hotline media_url %q", r.MediaURL)
					}
				case pat.Code:
					if !strings.Contains(r.Description, "店外经营") {
						t.Errorf("patrol description lost its words: %q", r.Description)
					}
					if want := a.Cfg.PublicURL + "/api/v1/photos/" + photo; r.MediaURL != want {
						t.Errorf("patrol media_url %q, want the reporter's photo %q", r.MediaURL, want)
					}
				}
			}
		})
	}
	t.Run("a key with the detail right", func(t *testing.T) {
		list := open311Requests(t, base, "service_request_id="+hot.Code+"&api_key="+url.QueryEscape(issueKey(t, admin, "supervisor", true)))
		if len(list) != 1 || !strings.Contains(list[0].Description, callerPhone) || list[0].Address != callerFlat {
			t.Errorf("the detail view is not full: %+v", list)
		}
	})
	t.Run("a post that sees the whole city", func(t *testing.T) {
		st, body := fetch(t, base, "/open311/v2/requests.json?service_request_id="+hot.Code, op, nil)
		if st != 200 || !strings.Contains(string(body), callerPhone) {
			t.Errorf("the operator's bearer view is not full: %d %s", st, body)
		}
	})
	t.Run("the detail right is for partner keys only", func(t *testing.T) {
		if st := admin.do("POST", "/api/v1/open311/keys", map[string]any{"account": "supervisor", "detail": true}, nil); st != 400 {
			t.Errorf("a citizen key got the detail right: %d", st)
		}
	})
	t.Run("an invalid key", func(t *testing.T) {
		if st, body := fetch(t, base, "/open311/v2/requests.json?service_request_id="+hot.Code+"&api_key=o311_nope", nil, nil); st != 403 {
			t.Errorf("invalid key: %d %s", st, body)
		}
	})
}

// TestSecurityDisclosure_Open311UpdatesPublicNotes promises that the
// public service request updates carry a standard bilingual text per step
// (已受理, 已派遣, 已处置 …), never a staff note (a caller's phone or flat
// number written by an operator), never internal supervision (督办), and no
// link to a staff photo; a key with the detail right reads the notes.
func TestSecurityDisclosure_Open311UpdatesPublicNotes(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	sup, op, lead := login(t, base, "supervisor"), login(t, base, "operator"), login(t, base, "shiftlead")
	disp, h, leader := login(t, base, "dispatcher"), login(t, base, "handler"), login(t, base, "leader")
	var c struct{ ID, Code string }
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店外经营", "lng": 118.71, "lat": 32.01}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	staffNote := "来电人电话" + callerPhone + "，住5栋301室"
	act(t, op, c.ID, map[string]any{"action": "accept", "note": staffNote}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	act(t, leader, c.ID, map[string]any{"action": "urge", "note": "督办：领导批示尽快处理"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)
	_, after, _ := upload(t, h, colourPNG(t, 2), "image/png")
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "已清理，联系人 13900139000", "photos": []string{after}}, 200)

	st, body := fetch(t, base, "/open311/v2/servicerequestupdates.json", nil, nil)
	if st != 200 {
		t.Fatalf("updates: %d %s", st, body)
	}
	var ups []struct {
		Description string `json:"description"`
		MediaURL    string `json:"media_url"`
	}
	if err := json.Unmarshal(body, &ups); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range ups {
		got = append(got, u.Description)
		if u.MediaURL != "" {
			t.Errorf("a staff photo is linked: %s", u.MediaURL)
		}
	}
	if want := "已上报 已受理 已立案 已派遣 处置单位已签收 已处置"; strings.Join(got, " ") != want {
		t.Errorf("public updates %q, want %q", strings.Join(got, " "), want)
	}
	for _, leak := range []string{callerPhone, "301室", "督办", "13900139000", after} {
		if strings.Contains(string(body), leak) {
			t.Errorf("the public updates show %q: %s", leak, body)
		}
	}
	admin := login(t, base, "admin")
	_, full := fetch(t, base, "/open311/v2/servicerequestupdates.json?api_key="+url.QueryEscape(issueKey(t, admin, "supervisor", true)), nil, nil)
	if !strings.Contains(string(full), staffNote) {
		t.Errorf("the detail view lacks the staff note: %s", full)
	}
}

// TestSecurityDisclosure_Open311LinksIgnoreHost promises that discovery
// and media_url links are built from the configured public URL
// (--public-url), whatever Host header a request carries, so a forged Host
// cannot plant links to another site in the feed or in a cache.
func TestSecurityDisclosure_Open311LinksIgnoreHost(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	sup := login(t, base, "supervisor")
	_, photo, _ := upload(t, sup, colourPNG(t, 3), "image/png")
	var c struct{ Code string }
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "占道", "lng": 118.71, "lat": 32.01,
		"photos": []string{photo}}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	evil := map[string]string{"Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
	for _, path := range []string{"/open311/v2/discovery.json", "/open311/v2/requests.json?service_request_id=" + c.Code, "/open311/v2/discovery.xml"} {
		st, body := fetch(t, base, path, nil, evil)
		if st != 200 {
			t.Fatalf("%s: %d %s", path, st, body)
		}
		if strings.Contains(string(body), "evil.example") || !strings.Contains(string(body), a.Cfg.PublicURL+"/") {
			t.Errorf("%s does not use the public URL %s: %s", path, a.Cfg.PublicURL, body)
		}
	}
}

// TestSecurityDisclosure_PhotosReencoded promises that every stored photo
// is the re-encoded image alone: a JPEG's EXIF (GPS position, phone
// number) is gone from what is served, an archive appended behind a JPEG is
// dropped, and a file that only starts like a JPEG, or is not what its
// Content-Type claims, is refused with a message in Chinese and English.
// The console and citizen forms store through the same path.
func TestSecurityDisclosure_PhotosReencoded(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	sup := login(t, base, "supervisor")
	orig := exifJPEG(t)
	if !bytes.Contains(orig, []byte(callerPhone)) {
		t.Fatal("fixture lacks its EXIF")
	}
	st, id, raw := upload(t, sup, orig, "image/jpeg")
	if st != 201 {
		t.Fatalf("upload: %d %s", st, raw)
	}
	st, got := fetch(t, base, "/api/v1/photos/"+id, sup, nil)
	if st != 200 {
		t.Fatalf("download: %d", st)
	}
	if bytes.Equal(got, orig) || bytes.Contains(got, []byte(callerPhone)) || bytes.Contains(got, []byte("GPS")) || bytes.Contains(got, []byte("Exif")) {
		t.Error("the photo kept its EXIF")
	}
	if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
		t.Errorf("the stored photo is not a JPEG: %v", err)
	}

	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("secret.txt"), 20)...)
	st, id, raw = upload(t, sup, append(append([]byte{}, orig...), zip...), "image/jpeg")
	if st != 201 {
		t.Fatalf("upload with trailer: %d %s", st, raw)
	}
	if _, got = fetch(t, base, "/api/v1/photos/"+id, sup, nil); bytes.Contains(got, []byte("PK\x03\x04")) || bytes.Contains(got, []byte("secret.txt")) {
		t.Error("the appended archive was stored")
	}

	for _, bad := range []struct {
		name, ctype string
		data        []byte
		want        int
	}{
		{"a zip behind JPEG magic bytes", "image/jpeg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, zip...), 400},
		{"a JPEG claimed as PNG", "image/png", orig, 415},
	} {
		st, _, raw := upload(t, sup, bad.data, bad.ctype)
		if st != bad.want || !strings.Contains(raw, " / ") {
			t.Errorf("%s: %d %s, want %d with a bilingual message", bad.name, st, raw, bad.want)
		}
	}

	// The field app stores through the web's upload path.
	b, tok := consoleSession(t, base, "supervisor", "/field")
	res, body := postPhotoForm(t, b, "/field/report", map[string]string{"category": "event:0504", "description": "占道",
		"lng": "118.72", "lat": "32.02"}, exifJPEG(t), map[string]string{"X-CSRF-Token": tok})
	var made struct{ ID string }
	if err := json.Unmarshal([]byte(body), &made); res.StatusCode != 201 || err != nil {
		t.Fatalf("field report: %d %.300s", res.StatusCode, body)
	}
	var fc struct{ Photos []string }
	if st := sup.do("GET", "/api/v1/cases/"+made.ID, nil, &fc); st != 200 {
		t.Fatalf("case: %d", st)
	}
	n := 0
	for _, p := range fc.Photos {
		_, got := fetch(t, base, "/api/v1/photos/"+p, sup, nil)
		if bytes.Contains(got, []byte(callerPhone)) || bytes.Contains(got, []byte("Exif")) || len(got) == 0 {
			t.Errorf("photo %s from the field app kept its EXIF", p)
		}
		n++
	}
	if n == 0 {
		t.Error("the field report stored no photo")
	}
}

// TestSecurityDisclosure_PhotoAccess promises that a photo is served to
// anyone only when the disclosure policy makes it public — the reporter's
// photo of a public citizen or patrol case. A staff photo (after disposal)
// needs a sign-in (bearer token or console session) with a post that sees
// the case; an unattached photo is shown to its uploader and to posts that
// see every case; a rejected case's photo is not public.
func TestSecurityDisclosure_PhotoAccess(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	anon, sup, op := login(t, base, ""), login(t, base, "supervisor"), login(t, base, "operator")
	lead, disp, h, h2 := login(t, base, "shiftlead"), login(t, base, "dispatcher"), login(t, base, "handler"), login(t, base, "handler2")
	_, citizenPhoto, _ := upload(t, anon, colourPNG(t, 10), "image/png")
	var c struct{ ID string }
	if st := anon.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店外经营", "lng": 118.71, "lat": 32.01,
		"photos": []string{citizenPhoto}}, &c); st != 201 {
		t.Fatalf("citizen report: %d", st)
	}
	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)
	_, staffPhoto, _ := upload(t, h, colourPNG(t, 11), "image/png")
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "已清理", "photos": []string{staffPhoto}}, 200)
	_, checkPhoto, _ := upload(t, sup, colourPNG(t, 14), "image/png")
	act(t, sup, c.ID, map[string]any{"action": "check", "passed": true, "photos": []string{checkPhoto}}, 200)
	_, loose, _ := upload(t, sup, colourPNG(t, 12), "image/png")

	_, rejPhoto, _ := upload(t, anon, colourPNG(t, 13), "image/png")
	var rej struct{ ID string }
	anon.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "不实", "lng": 118.76, "lat": 32.06,
		"photos": []string{rejPhoto}}, &rej)
	act(t, op, rej.ID, map[string]any{"action": "reject", "note": "不属实"}, 200)

	console, _ := consoleSession(t, base, "operator", "/console")
	for _, tc := range []struct {
		name, id string
		who      *client
		want     int
	}{
		{"anyone sees the citizen's photo of a public case", citizenPhoto, nil, 200},
		{"anyone is refused the after-disposal photo", staffPhoto, nil, 401},
		{"the operator sees the after-disposal photo", staffPhoto, op, 200},
		{"the handling department sees it", staffPhoto, h, 200},
		{"another department does not", staffPhoto, h2, 403},
		{"anyone is refused the check photo", checkPhoto, nil, 401},
		{"the handling department sees the check photo", checkPhoto, h, 200},
		{"another department does not see the check photo", checkPhoto, h2, 403},
		{"anyone is refused an unattached photo", loose, nil, 401},
		{"its uploader sees an unattached photo", loose, sup, 200},
		{"another department does not see an unattached photo", loose, h2, 403},
		{"anyone is refused a rejected case's photo", rejPhoto, nil, 401},
		{"an unknown id is not found", strings.Repeat("ab", 32), op, 404},
	} {
		if st, body := fetch(t, base, "/api/v1/photos/"+tc.id, tc.who, nil); st != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.name, st, body, tc.want)
		}
	}
	res, err := console.http.Get(base + "/api/v1/photos/" + staffPhoto)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("the console session cannot show the after-disposal photo: %d", res.StatusCode)
	}
}

// TestSecurityDisclosure_Open311KeysAudited promises that issuing and
// revoking Open311 api keys leaves audit records naming the administrator
// and the account, as the API's client endpoints do, and that a revoked key
// stops working at once.
func TestSecurityDisclosure_Open311KeysAudited(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	admin, auditor := login(t, base, "admin"), login(t, base, "auditor")
	key := issueKey(t, admin, "supervisor", true)
	sup, err := a.Store.FindAccountByUsername(t.Context(), "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ ID string }
	admin.do("GET", "/api/v1/me", nil, &me)
	if st, body := fetch(t, base, "/open311/v2/requests.json?api_key="+url.QueryEscape(key), nil, nil); st != 200 {
		t.Fatalf("the new key does not work: %d %s", st, body)
	}
	if st := admin.do("DELETE", "/api/v1/open311/keys?account=supervisor", nil, nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := fetch(t, base, "/open311/v2/requests.json?api_key="+url.QueryEscape(key), nil, nil); st != 403 {
		t.Errorf("a revoked key still works: %d", st)
	}
	for _, action := range []string{"open311_key.create", "open311_key.revoke"} {
		var trail struct {
			Items []struct{ Actor, Object, Detail string }
		}
		if st := auditor.do("GET", "/api/v1/audit?action="+action, nil, &trail); st != 200 || len(trail.Items) != 1 {
			t.Fatalf("%s: %d %+v", action, st, trail)
		}
		if it := trail.Items[0]; it.Object != "account/"+sup.ID || (me.ID != "" && it.Actor != me.ID) || strings.Contains(it.Detail, key) {
			t.Errorf("%s record: %+v", action, it)
		}
	}
}

// TestSecurityDisclosure_HubNeedsCredentials promises that no hub dataset,
// record, change or figure is readable without credentials: the hub's
// payloads are for signed-in partners and staff, so there is no anonymous
// view of them to which the public policy would apply.
func TestSecurityDisclosure_HubNeedsCredentials(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	for _, path := range []string{"/api/v1/hub/datasets", "/api/v1/hub/datasets/cases", "/api/v1/hub/datasets/cases/records",
		"/api/v1/hub/changes", "/api/v1/hub/figures"} {
		if st, body := fetch(t, base, path, nil, nil); st != 401 {
			t.Errorf("GET %s anonymously: %d %.200s", path, st, body)
		}
	}
}

// TestSecurityDisclosure_Postgres keeps the public Open311 view and the
// photo rules on PostgreSQL too (their queries differ per dialect).
func TestSecurityDisclosure_Postgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL disclosure tests")
	}
	for name, fn := range map[string]func(*testing.T){
		"requests": TestSecurityDisclosure_Open311RequestsPublicView,
		"updates":  TestSecurityDisclosure_Open311UpdatesPublicNotes,
		"photos":   TestSecurityDisclosure_PhotoAccess,
	} {
		t.Run(name, func(t *testing.T) {
			pgDSN = freshPostgres(t, url)
			defer func() { pgDSN = "" }()
			fn(t)
		})
	}
}
