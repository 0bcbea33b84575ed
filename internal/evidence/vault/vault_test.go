package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
	"cityloop/internal/evidence/vault"
	"cityloop/internal/org"
	"cityloop/internal/pii"
)

// failingStore refuses every write, as a database that went away would.
type failingStore struct{ evidencetest.Mem }

func (f *failingStore) CreateEvidence(context.Context, evidence.Item, evidence.Entry) (evidence.Entry, error) {
	return evidence.Entry{}, errors.New("database is gone")
}

var enforcer = org.Actor{ID: "acc-enf", Grants: []org.Grant{{Post: org.PostEnforcer}}}

func newVault(t *testing.T, st evidence.Store) (*vault.Vault, string) {
	t.Helper()
	dir := t.TempDir()
	svc := &evidence.Service{Store: st, Access: evidence.PostAccess{}, Now: time.Now}
	v, err := vault.New(vault.Config{Dir: dir, BasePath: "/up/", Limits: evidence.DefaultLimits(),
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}, svc)
	if err != nil {
		t.Fatal(err)
	}
	return v, dir
}

// upload drives the tus handler directly (as the api does, the actor in the
// context) and returns the final PATCH's recorder.
func upload(t *testing.T, v *vault.Vault, data []byte, meta string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	h := v.Uploads()
	req := httptest.NewRequest("POST", "/up/", nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(len(data)))
	req.Header.Set("Upload-Metadata", meta)
	req = req.WithContext(evidence.WithActor(req.Context(), enforcer))
	rec := httptest.NewRecorder()
	h.Middleware(http.HandlerFunc(h.PostFile)).ServeHTTP(rec, req)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	id := rec.Header().Get("Location")[strings.LastIndexByte(rec.Header().Get("Location"), '/')+1:]
	req = httptest.NewRequest("PATCH", "/"+id, bytes.NewReader(data))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req = req.WithContext(evidence.WithActor(req.Context(), enforcer))
	rec = httptest.NewRecorder()
	h.Middleware(http.HandlerFunc(h.PatchFile)).ServeHTTP(rec, req)
	return rec, id
}

// case-1, video/mp4 in tus metadata form.
const videoMeta = "case_id Y2FzZS0x,filetype dmlkZW8vbXA0"

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, sub := range []string{"uploads", "content"} {
		es, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if !strings.HasSuffix(e.Name(), ".lock") {
				out = append(out, sub+"/"+e.Name())
			}
		}
	}
	return out
}

// TestVault_NothingHalfWritten: a file the store cannot record, or one that
// is refused, leaves neither a record nor a file behind; a recorded one
// leaves exactly its content.
func TestVault_NothingHalfWritten(t *testing.T) {
	mp4 := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 1000)...)
	for _, tc := range []struct {
		name   string
		store  evidence.Store
		data   []byte
		status int
		left   int
	}{
		{"recorded", &evidencetest.Mem{}, mp4, 204, 1},
		{"store fails", &failingStore{}, mp4, 500, 0},
		{"content refused", &evidencetest.Mem{}, []byte("MZ\x90\x00 not a video at all"), 415, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, dir := newVault(t, tc.store)
			rec, id := upload(t, v, tc.data, videoMeta)
			if rec.Code != tc.status {
				t.Fatalf("final PATCH %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 500 && !strings.Contains(rec.Body.String(), "not recorded") {
				t.Errorf("body %q", rec.Body)
			}
			got := files(t, dir)
			if len(got) != tc.left || (tc.left == 1 && got[0] != "content/"+id) {
				t.Errorf("files left %v", got)
			}
		})
	}
}

func TestVault_PurgeStale(t *testing.T) {
	v, dir := newVault(t, &evidencetest.Mem{})
	h := v.Uploads()
	var ids []string
	for range 2 {
		req := httptest.NewRequest("POST", "/up/", nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", "100")
		req.Header.Set("Upload-Metadata", videoMeta)
		req = req.WithContext(evidence.WithActor(req.Context(), enforcer))
		rec := httptest.NewRecorder()
		h.Middleware(http.HandlerFunc(h.PostFile)).ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		ids = append(ids, loc[strings.LastIndexByte(loc, '/')+1:])
	}
	old := time.Now().Add(-8 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "uploads", ids[0]), old, old); err != nil {
		t.Fatal(err)
	}
	n, err := v.PurgeStale(t.Context(), time.Now().Add(-vault.StaleAfter))
	if err != nil || n != 1 {
		t.Fatalf("purged %d %v", n, err)
	}
	if got := files(t, dir); len(got) != 2 || !strings.Contains(strings.Join(got, " "), ids[1]) {
		t.Errorf("left %v, want the fresh upload's two files", got)
	}
	if _, _, _, err := v.FindUpload(t.Context(), ids[0]); err == nil {
		t.Error("purged upload still found")
	}
}

// TestVault_DeepVerify: a kept file changed or removed on disk is found by
// the deep check; the chain alone still holds.
func TestVault_DeepVerify(t *testing.T) {
	mp4 := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 1000)...)
	for _, tc := range []struct {
		name   string
		tamper func(path string) error
	}{
		{"untouched", func(string) error { return nil }},
		{"a byte changed", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[500] ^= 1
			return os.WriteFile(p, b, 0o640)
		}},
		{"file removed", os.Remove},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, dir := newVault(t, &evidencetest.Mem{})
			rec, id := upload(t, v, mp4, videoMeta)
			if rec.Code != 204 {
				t.Fatalf("upload %d %s", rec.Code, rec.Body)
			}
			if err := tc.tamper(filepath.Join(dir, "content", id)); err != nil {
				t.Fatal(err)
			}
			shallow, err := v.VerifyCase(t.Context(), enforcer, "case-1", false)
			if err != nil || !shallow.OK {
				t.Fatalf("chain check %+v %v", shallow, err)
			}
			deep, err := v.VerifyCase(t.Context(), enforcer, "case-1", true)
			if err != nil || !deep.Deep {
				t.Fatal(err)
			}
			if want := tc.name == "untouched"; deep.OK != want || (!want && (len(deep.Mismatches) != 1 || deep.Mismatches[0].EvidenceID != id)) {
				t.Errorf("deep report %+v", deep)
			}
		})
	}
}

// TestVault_SealsNamesWhileUploading: the file name and note (where a
// party's name sits) are sealed in the upload's .info file, and the
// recorded item has them in plain.
func TestVault_SealsNamesWhileUploading(t *testing.T) {
	keys, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	st := &evidencetest.Mem{}
	dir := t.TempDir()
	v, err := vault.New(vault.Config{Dir: dir, BasePath: "/up/", Limits: evidence.DefaultLimits(), Keys: keys,
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }},
		&evidence.Service{Store: st, Access: evidence.PostAccess{}, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	name, note := "李四违建.pdf", "当事人李四 13912345678"
	meta := "case_id Y2FzZS0x,filetype YXBwbGljYXRpb24vcGRm,filename " + base64.StdEncoding.EncodeToString([]byte(name)) +
		",note " + base64.StdEncoding.EncodeToString([]byte(note))
	doc := []byte("%PDF-1.7\n%%EOF\n")
	h := v.Uploads()
	req := httptest.NewRequest("POST", "/up/", nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(len(doc)))
	req.Header.Set("Upload-Metadata", meta)
	req = req.WithContext(evidence.WithActor(req.Context(), enforcer))
	rec := httptest.NewRecorder()
	h.Middleware(http.HandlerFunc(h.PostFile)).ServeHTTP(rec, req)
	loc := rec.Header().Get("Location")
	id := loc[strings.LastIndexByte(loc, '/')+1:]
	info, err := os.ReadFile(filepath.Join(dir, "uploads", id+".info"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(info), "李四") || strings.Contains(string(info), "13912345678") || !strings.Contains(string(info), "v1:") {
		t.Errorf(".info holds %s", info)
	}
	req = httptest.NewRequest("PATCH", "/"+id, bytes.NewReader(doc))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	rec = httptest.NewRecorder()
	h.Middleware(http.HandlerFunc(h.PatchFile)).ServeHTTP(rec, req)
	if rec.Code != 204 {
		t.Fatalf("finish %d %s", rec.Code, rec.Body)
	}
	it, err := st.FindEvidenceByID(t.Context(), id)
	if err != nil || it.Filename != name || it.Note != note {
		t.Errorf("recorded %q %q %v", it.Filename, it.Note, err)
	}
}
