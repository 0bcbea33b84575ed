package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"testing"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/vault"
)

// Evidence of the kinds a penalty case's records need, small enough for tests.
var (
	tinyMP4 = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08free")
	tinyPDF = []byte("%PDF-1.4\n% 现场检查笔录扫描件\n%%EOF\n")
)

// uploadEvidence sends content as evidence of penalty case caseID through
// the tus vault, in one chunk, and returns the evidence id.
func uploadEvidence(t testing.TB, c *client, caseID, mime string, content []byte) string {
	t.Helper()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	send := func(method, url string, hdr map[string]string, body []byte) *http.Response {
		return tusSend(t, c, method, url, hdr, body)
	}
	res := send("POST", c.base+"/api/v1/enforcement/evidence", map[string]string{"Upload-Length": strconv.Itoa(len(content)),
		"Upload-Metadata": "case_id " + b64(caseID) + ",filetype " + b64(mime)}, nil)
	if res.StatusCode != 201 {
		t.Fatalf("create the evidence upload: %d", res.StatusCode)
	}
	res = send("PATCH", res.Header.Get("Location"), map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}, content)
	if res.StatusCode != 204 || res.Header.Get("Evidence-Id") == "" {
		t.Fatalf("upload evidence: %d", res.StatusCode)
	}
	return res.Header.Get("Evidence-Id")
}

// deposit keeps content as evidence of caseID in the app's vault, as
// officer, and returns its id: for tests that drive the service directly.
func deposit(t testing.TB, a *App, caseID, officer string, kind evidence.Kind, content []byte) string {
	t.Helper()
	v, ok := a.api.Evidence.(*vault.Vault)
	if !ok {
		t.Fatalf("the app's evidence desk is a %T, not the vault", a.api.Evidence)
	}
	it, err := v.Deposit(context.Background(), evidence.Item{ID: NewID(), CaseID: caseID, Kind: kind, OfficerID: officer}, content)
	if err != nil {
		t.Fatal(err)
	}
	return it.ID
}

// tusSend sends one tus request as c's officer and returns the answer, its
// body read and closed.
func tusSend(t testing.TB, c *client, method, url string, hdr map[string]string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}
