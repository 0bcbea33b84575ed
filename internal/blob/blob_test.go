package blob

import (
	"context"
	"io"
	"testing"

	"cityloop/internal/errs"
)

func TestSniffImage(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		mime string
		kind errs.Kind
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n0000"), "image/png", 0},
		{"jpeg", []byte("\xff\xd8\xff\xe0 JFIF"), "image/jpeg", 0},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp", 0},
		{"text named .jpg", []byte("hello, I am a photo"), "", errs.KindUnsupported},
		{"pdf", []byte("%PDF-1.7"), "", errs.KindUnsupported},
		{"empty", nil, "", errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt, err := SniffImage(tt.data)
			if tt.kind != 0 {
				if errs.KindOf(err) != tt.kind {
					t.Fatalf("got %v, want kind %s", err, tt.kind)
				}
				return
			}
			if err != nil || mt != tt.mime {
				t.Fatalf("got %q %v", mt, err)
			}
		})
	}
}

func TestDir_PutOpen(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := d.Put(ctx, []byte("photo bytes"))
	if err != nil || !ValidID(id) {
		t.Fatalf("put: %q %v", id, err)
	}
	again, _ := d.Put(ctx, []byte("photo bytes"))
	if again != id {
		t.Fatal("same content, different id")
	}
	f, err := d.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "photo bytes" {
		t.Fatalf("read %q", b)
	}
	if _, err := d.Open(ctx, "../../etc/passwd"); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("path traversal: %v", err)
	}
	if ok, _ := d.Exists(ctx, ID([]byte("other"))); ok {
		t.Fatal("exists for content never put")
	}
}
