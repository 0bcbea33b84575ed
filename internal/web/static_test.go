package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUnhash(t *testing.T) {
	for _, tc := range []struct {
		name, plain, hash string
		ok                bool
	}{
		{"console.3f2a1b9c4d5e.js", "console.js", "3f2a1b9c4d5e", true},
		{"app.000000000000.css", "app.css", "000000000000", true},
		{"console.js", "console.js", "", false},
		{"console.abc.js", "console.abc.js", "", false}, // not a 12-character hash
		{"icon.svg", "icon.svg", "", false},
	} {
		plain, hash, ok := unhash(tc.name)
		if plain != tc.plain || hash != tc.hash || ok != tc.ok {
			t.Errorf("unhash(%q) = %q, %q, %v; want %q, %q, %v", tc.name, plain, hash, ok, tc.plain, tc.hash, tc.ok)
		}
	}
	if p := hashedPath("console.js", "3f2a1b9c4d5e"); p != "/assets/console.3f2a1b9c4d5e.js" {
		t.Errorf("hashedPath = %s", p)
	}
}

func TestAcceptsCoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"GZIP", "gzip", true},
		{"", "gzip", false},
		{"identity", "gzip", false},
		{"x-gzip", "gzip", false},
	} {
		if got := acceptsCoding(tc.header, tc.coding); got != tc.want {
			t.Errorf("acceptsCoding(%q, %q) = %v", tc.header, tc.coding, got)
		}
	}
}

// TestAssetServing serves the built bundle: the hashed name is immutable
// and compressed as the client accepts, the plain name revalidates, a
// stale hash gets the current file without being kept, and /favicon.ico
// leads to the icon.
func TestAssetServing(t *testing.T) {
	s := &Server{assets: loadAssets()}
	a, ok := s.assets["console.js"]
	if !ok {
		t.Skip("bundle not built (make web)")
	}
	if a.gz == nil || a.br == nil {
		t.Fatal("console.js has no precompressed copies: frontend/build.mjs writes .gz and .br")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /assets/{name...}", s.handleAsset)
	mux.HandleFunc("GET /favicon.ico", s.handleFavicon)
	hashed := hashedPath("console.js", a.hash)
	for _, tc := range []struct {
		name, path, accept     string
		status                 int
		encoding, cache, bytes string
	}{
		{"hashed, brotli", hashed, "gzip, deflate, br", 200, "br", "public, max-age=31536000, immutable", string(a.br)},
		{"hashed, gzip", hashed, "gzip", 200, "gzip", "public, max-age=31536000, immutable", string(a.gz)},
		{"hashed, plain", hashed, "", 200, "", "public, max-age=31536000, immutable", string(a.data)},
		{"old ?v= form", "/assets/console.js?v=" + a.hash, "br", 200, "br", "public, max-age=31536000, immutable", string(a.br)},
		{"plain name", "/assets/console.js", "gzip", 200, "gzip", "no-cache", string(a.gz)},
		{"stale hash", "/assets/console.000000000000.js", "", 200, "", "no-cache", string(a.data)},
		{"unknown", "/assets/nothing.000000000000.js", "", 404, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status != 200 {
				return
			}
			h := rec.Header()
			if h.Get("Content-Encoding") != tc.encoding || h.Get("Cache-Control") != tc.cache || rec.Body.String() != tc.bytes {
				t.Errorf("encoding %q cache %q (%d bytes); want %q %q (%d bytes)", h.Get("Content-Encoding"), h.Get("Cache-Control"), rec.Body.Len(), tc.encoding, tc.cache, len(tc.bytes))
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") || h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("content type %q, vary %q", h.Get("Content-Type"), h.Get("Vary"))
			}
			// The ETag names the encoding, so a cache never answers a
			// gzip client with brotli bytes.
			again := httptest.NewRequest("GET", tc.path, nil)
			again.Header.Set("Accept-Encoding", tc.accept)
			again.Header.Set("If-None-Match", h.Get("ETag"))
			rec2 := httptest.NewRecorder()
			mux.ServeHTTP(rec2, again)
			if rec2.Code != http.StatusNotModified {
				t.Errorf("revalidation with %s: %d, want 304", h.Get("ETag"), rec2.Code)
			}
		})
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/favicon.ico", nil))
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusMovedPermanently || !strings.HasPrefix(loc, "/assets/icon.") || !strings.HasSuffix(loc, ".svg") {
		t.Errorf("/favicon.ico: %d to %q, want 301 to the hashed icon", rec.Code, loc)
	}
}
