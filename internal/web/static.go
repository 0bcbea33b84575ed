package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Static files: the bundle is built once (make web) and never changes while
// the server runs, so each file is served under a name that carries its
// hash (/assets/console.3f2a1b9c4d5e.js) with Cache-Control immutable for
// a year, and compressed ahead of time by frontend/build.mjs (.br and .gz
// beside each file): a phone on a slow network downloads the bundle once,
// a fifth of its size, and never asks again until a release changes it.
// The plain name (/assets/console.js, and ?v=<hash> as older pages and the
// field app's cache use) still answers, revalidated by ETag.

// loadAssets indexes the embedded bundle and the icon, attaching each
// file's precompressed copies.
func loadAssets() map[string]asset {
	out := map[string]asset{}
	dist, err := fs.Sub(staticFS, "static/dist")
	if err != nil {
		return out
	}
	add := func(name string, b []byte) {
		sum := sha256.Sum256(b)
		mt := mime.TypeByExtension(path.Ext(name))
		if name == "icon.svg" {
			mt = "image/svg+xml"
		}
		out[name] = asset{data: b, hash: hex.EncodeToString(sum[:6]), mime: mt}
	}
	var packed []string
	_ = fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "README.txt" {
			return nil
		}
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			packed = append(packed, p)
			return nil
		}
		if b, err := fs.ReadFile(dist, p); err == nil {
			add(p, b)
		}
		return nil
	})
	if b, err := staticFS.ReadFile("static/icon.svg"); err == nil {
		add("icon.svg", b)
	}
	for _, p := range packed {
		name, enc := p[:len(p)-3], p[len(p)-2:]
		a, ok := out[name]
		b, err := fs.ReadFile(dist, p)
		if !ok || err != nil {
			continue
		}
		if enc == "gz" {
			a.gz = b
		} else {
			a.br = b
		}
		out[name] = a
	}
	return out
}

// hashedPath is the URL of asset name whose hash is hash:
// console.js -> /assets/console.<hash>.js.
func hashedPath(name, hash string) string {
	ext := path.Ext(name)
	return "/assets/" + strings.TrimSuffix(name, ext) + "." + hash + ext
}

// unhash splits a hashed asset name into the asset's name and the hash;
// ok is false for a plain name.
func unhash(name string) (plain, hash string, ok bool) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	i := strings.LastIndexByte(stem, '.')
	if i < 0 || len(stem)-i-1 != 12 {
		return name, "", false
	}
	return stem[:i] + ext, stem[i+1:], true
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a, ok := s.assets[name]
	immutable := ok && r.URL.Query().Get("v") == a.hash
	if !ok {
		plain, hash, hashed := unhash(name)
		if a, ok = s.assets[plain]; ok && hashed && hash != a.hash {
			// An old page asks for a file a release has replaced: send it
			// the current one, but not for keeps.
			immutable = false
		} else {
			immutable = ok
		}
	}
	if !ok {
		http.Error(w, "asset not built: run `make web`", http.StatusNotFound)
		return
	}
	h := w.Header()
	ct := a.mime
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body, enc := a.data, ""
	if a.br != nil || a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		switch accepts := r.Header.Get("Accept-Encoding"); {
		case a.br != nil && acceptsCoding(accepts, "br"):
			body, enc = a.br, "br"
		case a.gz != nil && acceptsCoding(accepts, "gzip"):
			body, enc = a.gz, "gzip"
		}
	}
	etag := `"` + a.hash + enc + `"`
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if enc != "" {
		h.Set("Content-Encoding", enc)
	}
	_, _ = w.Write(body)
}

// acceptsCoding reports whether an Accept-Encoding header takes coding
// (listed without q=0).
func acceptsCoding(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// handleFavicon sends browsers that ask for /favicon.ico (pages link the
// SVG icon, but some clients ask anyway) to the icon.
func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets["icon.svg"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, hashedPath("icon.svg", a.hash), http.StatusMovedPermanently)
}
