package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/org"
)

// TestEvidence_EndToEnd: an enforcer uploads a body-camera file through the
// whole node (middleware, body limit, request timeout, tus) in two chunks
// with a HEAD between; the list shows the file's SHA-256, the content is
// the file, the chain verifies, and the file name (a party's name) is not
// in the database in plain.
func TestEvidence_EndToEnd(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateAccount(ctx, &org.Account{ID: NewID(), Username: "ev-enforcer", Name: "执法队员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostEnforcer}}, CreatedAt: a.Now()}); err != nil {
		t.Fatal(err)
	}
	base := serve(t, a)
	c := login(t, base, "ev-enforcer")
	file := bytes.Repeat([]byte("body-camera frame "), 100_000) // 1.7 MB
	copy(file, "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	sum := sha256.Sum256(file)
	want := hex.EncodeToString(sum[:])

	tus := func(method, url string, hdr map[string]string, body []byte) *http.Response {
		t.Helper()
		return tusSend(t, c, method, url, hdr, body)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	// Evidence belongs to a penalty case the officer may see.
	var opened struct {
		Case struct {
			ID string `json:"id"`
		} `json:"case"`
	}
	if st := c.do("POST", "/api/v1/enforcement/cases", map[string]any{"summary": "王五在中山路占道经营", "district": "320101",
		"violation": "ROAD-01", "occurred_at": a.Now().Add(-time.Hour).Format(time.RFC3339),
		"party": map[string]any{"kind": "person", "name": "王五", "id_number": "320101198803031234"}}, &opened); st != 201 || opened.Case.ID == "" {
		t.Fatalf("open the penalty case: %d %+v", st, opened)
	}
	res := tus("POST", base+"/api/v1/enforcement/evidence", map[string]string{"Upload-Length": strconv.Itoa(len(file)),
		"Upload-Metadata": "case_id " + b64(opened.Case.ID) + ",filetype " + b64("video/mp4") + ",filename " + b64("王五占道经营.mp4")}, nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != 201 || !strings.HasPrefix(loc, base+"/api/v1/enforcement/evidence-uploads/") {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	chunk := map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
	if res := tus("PATCH", loc, chunk, file[:700_000]); res.StatusCode != 204 {
		t.Fatalf("first chunk: %d", res.StatusCode)
	}
	res = tus("HEAD", loc, nil, nil)
	chunk["Upload-Offset"] = res.Header.Get("Upload-Offset")
	if res.StatusCode != 200 || chunk["Upload-Offset"] != "700000" {
		t.Fatalf("HEAD: %d %q", res.StatusCode, chunk["Upload-Offset"])
	}
	res = tus("PATCH", loc, chunk, file[700_000:])
	if res.StatusCode != 204 || res.Header.Get("Evidence-Sha256") != want {
		t.Fatalf("last chunk: %d %v", res.StatusCode, res.Header)
	}
	id := res.Header.Get("Evidence-Id")

	var list struct {
		Items []struct {
			ID, SHA256, Filename, OfficerID string
		} `json:"items"`
		Total int `json:"total"`
	}
	if st := c.do("GET", "/api/v1/enforcement/evidence?case="+opened.Case.ID, nil, &list); st != 200 || list.Total != 1 ||
		list.Items[0].ID != id || list.Items[0].SHA256 != want || list.Items[0].Filename != "王五占道经营.mp4" {
		t.Fatalf("list: %d %+v", st, list)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/enforcement/evidence/"+id+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Range", "bytes=0-99")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 206 || !bytes.Equal(part, file[:100]) {
		t.Fatalf("range: %d %d bytes", res.StatusCode, len(part))
	}
	var rep struct {
		OK      bool `json:"ok"`
		Entries int  `json:"entries"`
	}
	if st := c.do("GET", "/api/v1/enforcement/evidence/verify?case="+opened.Case.ID, nil, &rep); st != 200 || !rep.OK || rep.Entries != 2 {
		t.Fatalf("verify: %d %+v", st, rep)
	}
	if st := login(t, base, "dispatcher").do("GET", "/api/v1/enforcement/evidence?case="+opened.Case.ID, nil, nil); st != 403 {
		t.Errorf("dispatcher lists evidence: %d", st)
	}
	assertNotInDBFiles(t, a.Cfg.DataDir, "王五占道经营")
}
