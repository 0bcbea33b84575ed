package app

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestWebField_SessionOnEvidence: the field app's script reaches the
// evidence and document routes with the browser session, and a write
// needs the page's CSRF token in its header; a session of another post,
// a forged token or a cross-site request is refused with a 4xx that says
// why.
func TestWebField_SessionOnEvidence(t *testing.T) {
	f := newEnfFixture(t)
	enf := f.as(t, "enf1")
	st, page, tok := enf.get("/field/enforcement/cases/" + f.caseID + "/evidence")
	if st != http.StatusOK || tok == "" || !strings.Contains(page, `data-case="`+f.caseID+`"`) {
		t.Fatalf("the evidence page: %d", st)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	create := func(b *browserClient, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", f.base+"/api/v1/enforcement/evidence", nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", strconv.Itoa(len(tinyPNG)))
		req.Header.Set("Upload-Metadata", "case_id "+b64(f.caseID)+",filetype "+b64("image/png"))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tc := range []struct {
		name string
		who  *browserClient
		hdr  map[string]string
		want int
	}{
		{"no CSRF header", enf, nil, http.StatusForbidden},
		{"a forged token", enf, map[string]string{"X-CSRF-Token": "forged"}, http.StatusForbidden},
		{"cross-site", enf, map[string]string{"X-CSRF-Token": tok, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"no session", newBrowserClient(t, f.base), map[string]string{"X-CSRF-Token": tok}, http.StatusUnauthorized},
		{"the page's token", enf, map[string]string{"X-CSRF-Token": tok}, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := create(tc.who, tc.hdr); res.StatusCode != tc.want {
				t.Fatalf("create an upload: %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
	t.Run("read with the session, no token needed", func(t *testing.T) {
		if res := enf.getRaw("/api/v1/enforcement/evidence?case="+f.caseID, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("list: %d", res.StatusCode)
		}
		if res := enf.getRaw("/api/v1/enforcement/cases/"+f.caseID+"/documents", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("documents: %d", res.StatusCode)
		}
	})
	t.Run("a session without an enforcement post", func(t *testing.T) {
		op := f.as(t, "operator")
		if res := op.getRaw("/api/v1/enforcement/evidence?case="+f.caseID, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("an operator lists evidence: %d", res.StatusCode)
		}
	})
}
