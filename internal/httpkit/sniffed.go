package httpkit

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// ServeSniffed serves a stored file (a photo) whose type is read from its
// first bytes, not trusted from whoever uploaded it, with nosniff so the
// browser keeps to that type, and cacheControl as given; ranges and
// conditional requests are http.ServeContent's.
func ServeSniffed(w http.ResponseWriter, r *http.Request, f io.ReadSeeker, name, cacheControl string) error {
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("serve %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", http.DetectContentType(head[:n]))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cacheControl)
	http.ServeContent(w, r, name, time.Time{}, f)
	return nil
}
