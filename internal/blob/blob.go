package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"

	"cityloop/internal/errs"
)

// Store keeps immutable blobs addressed by the SHA-256 of their content.
type Store interface {
	Put(ctx context.Context, data []byte) (id string, err error)
	Open(ctx context.Context, id string) (io.ReadSeekCloser, error)
	Exists(ctx context.Context, id string) (bool, error)
}

// Image types accepted for photos, sniffed from the bytes, not the name.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

// SniffImage returns the MIME type of data if it is a JPEG, PNG or WebP
// image, or an Unsupported error.
func SniffImage(data []byte) (string, error) {
	if len(data) == 0 {
		return "", errs.Invalid("the upload is empty")
	}
	mt := http.DetectContentType(data)
	if !imageTypes[mt] {
		return "", errs.E(errs.KindUnsupported, "only JPEG, PNG and WebP photos are accepted; this file looks like %s", mt)
	}
	return mt, nil
}

// Dir is a Store on the local disk.
type Dir struct{ root string }

// NewDir creates root if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("create blob dir: %w", err)
	}
	return &Dir{root: root}, nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidID reports whether id looks like a content id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

func (d *Dir) path(id string) string { return filepath.Join(d.root, id[:2], id) }

// ID is the content id of data.
func ID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Put writes data once; the same content gives the same id. The file is
// written to a temporary name, synced and renamed, so a crash never leaves a
// half-written photo under a real id.
func (d *Dir) Put(ctx context.Context, data []byte) (string, error) {
	id := ID(data)
	p := d.path(id)
	if _, err := os.Stat(p); err == nil {
		return id, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, bytes.NewReader(data)); err != nil {
		f.Close()
		return "", fmt.Errorf("put blob: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("put blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	return id, nil
}

// Open returns the blob's content.
func (d *Dir) Open(ctx context.Context, id string) (io.ReadSeekCloser, error) {
	if !ValidID(id) {
		return nil, errs.NotFound("photo %q does not exist", id)
	}
	f, err := os.Open(d.path(id))
	if os.IsNotExist(err) {
		return nil, errs.NotFound("photo %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// Exists reports whether the blob is stored.
func (d *Dir) Exists(ctx context.Context, id string) (bool, error) {
	if !ValidID(id) {
		return false, nil
	}
	_, err := os.Stat(d.path(id))
	if os.IsNotExist(err) {
		return false, nil
	}
	return err == nil, err
}
