package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
	"cityloop/internal/evidence/vault"
	"cityloop/internal/org"
)

// evidenceAccounts adds the enforcement posts to the fake accounts: two
// enforcers (to show one cannot touch the other's upload), a legal
// reviewer and a dispatcher (who may not handle evidence).
type evidenceAccounts struct{ fakeAccounts }

var evidenceUsers = map[string]org.Post{"enforcer": org.PostEnforcer, "enforcer2": org.PostEnforcer,
	"legal": org.PostLegalReviewer, "dispatcher": org.PostDispatcher, "citizen": org.PostCitizen}

func (f evidenceAccounts) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	for name, p := range evidenceUsers {
		if string(auth.HashToken("tok-"+name)) == string(hash) {
			return &org.Token{AccountID: "acc-" + name, ExpiresAt: now.Add(time.Hour)},
				&org.Account{ID: "acc-" + name, Username: name, Name: name, Grants: []org.Grant{{Post: p}}}, nil
		}
	}
	return nil, nil, errs.NotFound("token")
}

type evidenceEnv struct {
	srv   *httptest.Server
	store *evidencetest.Mem
	aud   *fakeAuditor
}

func newEvidenceEnv(t testing.TB, limits ...evidence.Limits) *evidenceEnv {
	t.Helper()
	store := &evidencetest.Mem{}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	svc := &evidence.Service{Store: store, Access: evidence.PostAccess{}, Now: func() time.Time { return now }}
	lim := evidence.Limits{Photo: 256 << 10, Video: 4 << 20, Audio: 1 << 20, Document: 64 << 10}
	if len(limits) > 0 {
		lim = limits[0]
	}
	v, err := vault.New(vault.Config{Dir: t.TempDir(), BasePath: "/api/v1/enforcement/evidence-uploads/", Limits: lim,
		Loc: time.FixedZone("CST", 8*3600), NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}, svc)
	if err != nil {
		t.Fatal(err)
	}
	aud := &fakeAuditor{}
	s := &Server{Accounts: evidenceAccounts{}, Now: func() time.Time { return now }, Auditor: aud,
		Evidence: v, EvidenceUploads: v.Uploads()}
	mux := http.NewServeMux()
	s.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &evidenceEnv{srv: srv, store: store, aud: aud}
}

// do sends one tus request as user ("" anonymous) and returns the response
// with its body read.
func (e *evidenceEnv) do(t testing.TB, method, path, user string, hdr map[string]string, body []byte) (*http.Response, string) {
	t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = e.srv.URL + path
	}
	req, err := http.NewRequest(method, path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer tok-"+user)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// meta encodes an Upload-Metadata header, keys sorted.
func meta(kv map[string]string) string {
	var parts []string
	for k, v := range kv {
		parts = append(parts, k+" "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// create opens an upload and returns its URL.
func (e *evidenceEnv) create(t testing.TB, user string, size int, kv map[string]string) string {
	t.Helper()
	res, body := e.do(t, "POST", "/api/v1/enforcement/evidence", user, map[string]string{
		"Upload-Length": strconv.Itoa(size), "Upload-Metadata": meta(kv)}, nil)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	if !strings.Contains(loc, "/api/v1/enforcement/evidence-uploads/") {
		t.Fatalf("Location %q", loc)
	}
	return loc
}

func (e *evidenceEnv) patch(t testing.TB, loc, user string, offset int, chunk []byte) (*http.Response, string) {
	t.Helper()
	return e.do(t, "PATCH", loc, user, map[string]string{"Upload-Offset": strconv.Itoa(offset),
		"Content-Type": "application/offset+octet-stream"}, chunk)
}

func (e *evidenceEnv) offset(t testing.TB, loc, user string) int {
	t.Helper()
	res, body := e.do(t, "HEAD", loc, user, nil, nil)
	if res.StatusCode != 200 {
		t.Fatalf("HEAD: %d %s", res.StatusCode, body)
	}
	n, err := strconv.Atoi(res.Header.Get("Upload-Offset"))
	if err != nil {
		t.Fatalf("HEAD Upload-Offset %q", res.Header.Get("Upload-Offset"))
	}
	return n
}

// fakeMP4 is size bytes that sniff as MP4 video.
func fakeMP4(size int) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	copy(b, "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	return b
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func videoMeta() map[string]string {
	return map[string]string{"case_id": "case-1", "filetype": "video/mp4", "filename": "张三店外经营.mp4", "device_id": "DSJ-0042",
		"captured_at": "2026-06-01T09:30:00+08:00", "lng": "120.155", "lat": "30.274"}
}

// TestEvidence_ResumeAfterInterruption: the tus protocol over a real
// connection — create, a first part, HEAD for the offset, the rest — and a
// PATCH whose connection is cut half way, which keeps what arrived; the
// recorded SHA-256 is the file's.
func TestEvidence_ResumeAfterInterruption(t *testing.T) {
	e := newEvidenceEnv(t)
	file := fakeMP4(3<<20 + 12345)

	t.Run("part, HEAD, rest", func(t *testing.T) {
		loc := e.create(t, "enforcer", len(file), videoMeta())
		if res, body := e.patch(t, loc, "enforcer", 0, file[:1<<20]); res.StatusCode != 204 || res.Header.Get("Upload-Offset") != strconv.Itoa(1<<20) {
			t.Fatalf("first part: %d %v %s", res.StatusCode, res.Header, body)
		}
		off := e.offset(t, loc, "enforcer")
		if off != 1<<20 {
			t.Fatalf("offset %d after the first part", off)
		}
		res, body := e.patch(t, loc, "enforcer", off, file[off:])
		if res.StatusCode != 204 || res.Header.Get("Evidence-Sha256") != sha(file) {
			t.Fatalf("rest: %d %v %s", res.StatusCode, res.Header, body)
		}
		checkRecorded(t, e, res.Header.Get("Evidence-Id"), file)
	})

	t.Run("connection cut mid-chunk", func(t *testing.T) {
		loc := e.create(t, "enforcer", len(file), videoMeta())
		u, _ := url.Parse(loc)
		sent := 1<<20 + 777
		cutPatch(t, u, "enforcer", len(file), file[:sent])
		// The server keeps what arrived once it notices the cut.
		var off int
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, _ := e.do(t, "HEAD", loc, "enforcer", nil, nil)
			off, _ = strconv.Atoi(res.Header.Get("Upload-Offset"))
			if res.StatusCode == 200 && off == sent || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if off != sent {
			t.Fatalf("offset %d after the cut, want the %d bytes sent", off, sent)
		}
		res, body := e.patch(t, loc, "enforcer", off, file[off:])
		if res.StatusCode != 204 {
			t.Fatalf("resume: %d %s", res.StatusCode, body)
		}
		checkRecorded(t, e, res.Header.Get("Evidence-Id"), file)
		// A client that lost the last answer asks again: complete.
		res, _ = e.do(t, "HEAD", loc, "enforcer", nil, nil)
		if res.StatusCode != 200 || res.Header.Get("Upload-Offset") != strconv.Itoa(len(file)) {
			t.Errorf("HEAD after completion: %d %v", res.StatusCode, res.Header)
		}
	})
}

// cutPatch sends a PATCH declaring the whole rest of the file but closes
// the connection after part: a phone losing its network mid-upload.
func cutPatch(t *testing.T, u *url.URL, user string, total int, part []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer tok-%s\r\nTus-Resumable: 1.0.0\r\n"+
		"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", u.Path, u.Host, user, total)
	w.Write(part)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server read what was sent
	conn.Close()
}

// checkRecorded: the evidence is listed with the file's hash and size, its
// content is the file, and the chain of custody verifies.
func checkRecorded(t *testing.T, e *evidenceEnv, id string, file []byte) {
	t.Helper()
	res, body := e.do(t, "GET", "/api/v1/enforcement/evidence?case=case-1", "legal", nil, nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d %s", res.StatusCode, body)
	}
	var list struct {
		Items []evidenceView `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	var got *evidenceView
	for i := range list.Items {
		if list.Items[i].ID == id {
			got = &list.Items[i]
		}
	}
	if got == nil {
		t.Fatalf("evidence %s not listed: %s", id, body)
	}
	if got.SHA256 != sha(file) || got.Size != int64(len(file)) || got.OfficerID != "acc-enforcer" || got.DeviceID != "DSJ-0042" ||
		got.CapturedAt == nil || got.Lng == nil || got.MIME != "video/mp4" || got.CaptureSource != "device" {
		t.Errorf("listed %+v", got)
	}
	res, content := e.do(t, "GET", "/api/v1/enforcement/evidence/"+id+"/content?download=true&purpose=复议", "legal", nil, nil)
	if res.StatusCode != 200 || sha([]byte(content)) != sha(file) || res.Header.Get("Evidence-Sha256") != sha(file) {
		t.Fatalf("content: %d, %d bytes", res.StatusCode, len(content))
	}
	res, body = e.do(t, "GET", "/api/v1/enforcement/evidence/verify?case=case-1", "legal", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("verify: %d %s", res.StatusCode, body)
	}
}

// TestEvidence_Refusals: what is refused, with which status and a message
// a person can act on, as problem+json; and nothing is recorded.
func TestEvidence_Refusals(t *testing.T) {
	e := newEvidenceEnv(t)
	mine := e.create(t, "enforcer", 100, videoMeta())
	withType := func(ty string) map[string]string { m := videoMeta(); m["filetype"] = ty; return m }
	for _, tc := range []struct {
		name, method, path, user string
		hdr                      map[string]string
		body                     []byte
		status                   int
		contains                 string
	}{
		{"anonymous create", "POST", "/api/v1/enforcement/evidence", "", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta(videoMeta())}, nil, 401, "sign in"},
		{"citizen create", "POST", "/api/v1/enforcement/evidence", "citizen", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta(videoMeta())}, nil, 403, "enforcer"},
		{"dispatcher list", "GET", "/api/v1/enforcement/evidence?case=case-1", "dispatcher", nil, nil, 403, "enforcer"},
		{"anonymous list", "GET", "/api/v1/enforcement/evidence?case=case-1", "", nil, nil, 401, "sign in"},
		{"anonymous content", "GET", "/api/v1/enforcement/evidence/" + uuid.NewString() + "/content", "", nil, nil, 401, "sign in"},
		{"anonymous verify", "GET", "/api/v1/enforcement/evidence/verify?case=case-1", "", nil, nil, 401, "sign in"},
		{"anonymous HEAD", "HEAD", mine, "", nil, nil, 401, ""},
		{"type off the list", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta(withType("text/html"))}, nil, 415, "not accepted"},
		{"no case", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta(map[string]string{"filetype": "video/mp4"})}, nil, 400, "case_id"},
		{"photo over its limit", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Upload-Length": strconv.Itoa(300 << 10), "Upload-Metadata": meta(withType("image/jpeg"))}, nil, 413, "256 KiB"},
		{"over the largest limit", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Upload-Length": strconv.Itoa(5 << 20), "Upload-Metadata": meta(videoMeta())}, nil, 413, "exceeds the allowed size"},
		{"deferred length", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Upload-Defer-Length": "1", "Upload-Metadata": meta(videoMeta())}, nil, 400, "Upload-Length"},
		{"no tus version", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"Tus-Resumable": "", "Upload-Length": "10", "Upload-Metadata": meta(videoMeta())}, nil, 412, "Tus-Resumable"},
		{"method override", "POST", "/api/v1/enforcement/evidence", "enforcer", map[string]string{"X-HTTP-Method-Override": "PATCH"}, nil, 400, "X-HTTP-Method-Override"},
		{"another officer's upload", "HEAD", mine, "enforcer2", nil, nil, 404, ""},
		{"another officer's patch", "PATCH", mine, "enforcer2", map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, []byte("x"), 404, "no such upload"},
		{"wrong offset", "PATCH", mine, "enforcer", map[string]string{"Upload-Offset": "7", "Content-Type": "application/offset+octet-stream"}, []byte("x"), 409, "HEAD the upload"},
		{"wrong chunk type", "PATCH", mine, "enforcer", map[string]string{"Upload-Offset": "0", "Content-Type": "video/mp4"}, []byte("x"), 415, "offset+octet-stream"},
		{"chunk past the length", "PATCH", mine, "enforcer", map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, make([]byte, 101), 413, "exceeds"},
		{"unknown upload", "PATCH", "/api/v1/enforcement/evidence-uploads/" + uuid.NewString(), "enforcer", map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, []byte("x"), 404, "no such upload"},
		{"a path for an id", "HEAD", "/api/v1/enforcement/evidence-uploads/..%2f..%2fetc", "enforcer", nil, nil, 404, ""},
		{"list without a case", "GET", "/api/v1/enforcement/evidence", "enforcer", nil, nil, 400, "?case="},
		{"unknown evidence", "GET", "/api/v1/enforcement/evidence/" + uuid.NewString() + "/content", "enforcer", nil, nil, 404, "no evidence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := e.do(t, tc.method, tc.path, tc.user, tc.hdr, tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("%d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.method != "HEAD" && (res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, tc.contains)) {
				t.Errorf("%s %q, want problem+json with %q", res.Header.Get("Content-Type"), body, tc.contains)
			}
		})
	}
	if items, _ := e.store.FindEvidence(t.Context(), "case-1"); len(items) != 0 {
		t.Errorf("recorded %d items", len(items))
	}
}

// TestEvidence_ContentMustMatch: a file declared as video whose bytes are
// something else (a web page, a photo) is refused with 415 when its last
// byte arrives, and deleted.
func TestEvidence_ContentMustMatch(t *testing.T) {
	e := newEvidenceEnv(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>")},
		{"photo declared as video", evidencetest.PhotoWithEXIF("2026:06:01 09:30:00", "+08:00", 30.27, 120.15)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := e.create(t, "enforcer", len(tc.data), videoMeta())
			res, body := e.patch(t, loc, "enforcer", 0, tc.data)
			if res.StatusCode != 415 || !strings.Contains(body, "video/mp4") {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			if res, _ := e.do(t, "HEAD", loc, "enforcer", nil, nil); res.StatusCode != 404 {
				t.Errorf("refused upload still there: HEAD %d", res.StatusCode)
			}
		})
	}
	if items, _ := e.store.FindEvidence(t.Context(), "case-1"); len(items) != 0 {
		t.Errorf("recorded %d items", len(items))
	}
}

// TestEvidence_PhotoEXIF: a photo's capture time and GPS are read from
// EXIF before the block is stripped; the original's hash is recorded, and
// the kept photo has neither the position nor the camera serial.
func TestEvidence_PhotoEXIF(t *testing.T) {
	e := newEvidenceEnv(t)
	pic := evidencetest.PhotoWithEXIF("2026:06:01 09:30:15", "+08:00", 30.274151, 120.155070)
	m := map[string]string{"case_id": "case-1", "filetype": "image/jpeg", "captured_at": "2020-01-01T00:00:00Z"}
	loc := e.create(t, "enforcer", len(pic), m)
	res, body := e.patch(t, loc, "enforcer", 0, pic)
	if res.StatusCode != 204 || res.Header.Get("Evidence-Sha256") != sha(pic) {
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
	}
	id := res.Header.Get("Evidence-Id")
	it, err := e.store.FindEvidenceByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if it.CaptureSource != "exif" || it.CapturedAt == nil || !it.CapturedAt.Equal(time.Date(2026, 6, 1, 1, 30, 15, 0, time.UTC)) ||
		it.Lat == nil || *it.Lat < 30.2741 || *it.Lat > 30.2742 {
		t.Errorf("capture %+v", it)
	}
	res, content := e.do(t, "GET", "/api/v1/enforcement/evidence/"+id+"/content", "enforcer", nil, nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("content %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(content, evidencetest.Serial) || strings.Contains(content, "Exif") || sha([]byte(content)) != it.StoredSHA256 {
		t.Errorf("the kept photo still has EXIF or differs from its stored hash")
	}
	if c := evidence.ReadEXIF([]byte(content), time.UTC); c.Lat != nil || c.At != nil {
		t.Errorf("kept photo reads %+v", c)
	}
}

// TestEvidence_CustodyAndAudit: reading the list and the content is
// audited, each content read is a custody entry, the upload and a cancel
// are audited, and a tampered entry makes verify name it.
func TestEvidence_CustodyAndAudit(t *testing.T) {
	e := newEvidenceEnv(t)
	doc := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	loc := e.create(t, "enforcer", len(doc), map[string]string{"case_id": "case-1", "filetype": "application/pdf"})
	e.aud.take()
	res, _ := e.patch(t, loc, "enforcer", 0, doc)
	id := res.Header.Get("Evidence-Id")
	wantAudit(t, e.aud, "evidence.upload")
	for _, tc := range []struct {
		path, audit string
	}{
		{"/api/v1/enforcement/evidence?case=case-1", "evidence.list"},
		{"/api/v1/enforcement/evidence/" + id + "/content", "evidence.viewed"},
		{"/api/v1/enforcement/evidence/" + id + "/content?download=1", "evidence.exported"},
		{"/api/v1/enforcement/evidence/verify?case=case-1", "evidence.verify"},
	} {
		if res, body := e.do(t, "GET", tc.path, "legal", nil, nil); res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.path, res.StatusCode, body)
		}
		wantAudit(t, e.aud, tc.audit)
	}
	chain, _ := e.store.Custody(t.Context(), "case-1")
	if len(chain) != 3 || chain[1].Action != evidence.Viewed || chain[2].Action != evidence.Exported || chain[2].Actor != "acc-legal" {
		t.Fatalf("chain %+v", chain)
	}
	if res, body := e.do(t, "DELETE", loc, "enforcer", nil, nil); res.StatusCode != 409 || !strings.Contains(body, "never") && !strings.Contains(body, "cannot be deleted") {
		t.Errorf("delete recorded evidence: %d %s", res.StatusCode, body)
	}
	other := e.create(t, "enforcer", 10, videoMeta())
	e.aud.take()
	if res, body := e.do(t, "DELETE", other, "enforcer", nil, nil); res.StatusCode != 204 {
		t.Fatalf("cancel: %d %s", res.StatusCode, body)
	}
	wantAudit(t, e.aud, "evidence.upload_cancel")

	e.store.Tamper("case-1", 1, func(en *evidence.Entry) { en.Actor = "acc-enforcer2" })
	_, body := e.do(t, "GET", "/api/v1/enforcement/evidence/verify?case=case-1", "legal", nil, nil)
	var rep evidence.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Broken == nil || rep.Broken.Seq != 2 {
		t.Errorf("verify after tampering: %s", body)
	}
	res, _ = e.do(t, "OPTIONS", "/api/v1/enforcement/evidence", "", nil, nil)
	if res.Header.Get("Tus-Max-Size") != strconv.Itoa(4<<20) || !strings.Contains(res.Header.Get("Tus-Extension"), "creation") {
		t.Errorf("OPTIONS: %d %v", res.StatusCode, res.Header)
	}
}

func wantAudit(t *testing.T, aud *fakeAuditor, action string) {
	t.Helper()
	recs := aud.take()
	for _, r := range recs {
		if r.Action == action {
			return
		}
	}
	t.Errorf("audit %+v, want %s", recs, action)
}

// BenchmarkEvidence_Upload: a 32 MiB video through the tus routes in 8 MiB
// chunks over a loopback connection, hashed and recorded; reports MB/s.
func BenchmarkEvidence_Upload(b *testing.B) {
	e := newEvidenceEnv(b, evidence.Limits{Photo: 1 << 20, Video: 64 << 20, Audio: 1 << 20, Document: 1 << 20})
	file := fakeMP4(32 << 20)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		loc := e.create(b, "enforcer", len(file), videoMeta())
		for off := 0; off < len(file); off += 8 << 20 {
			if res, body := e.patch(b, loc, "enforcer", off, file[off:off+8<<20]); res.StatusCode != 204 {
				b.Fatalf("%d %s", res.StatusCode, body)
			}
		}
	}
}
