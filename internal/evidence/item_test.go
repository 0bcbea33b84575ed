package evidence_test

import (
	"strings"
	"testing"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
)

func TestSniff(t *testing.T) {
	ftyp := func(brand string) string { return "\x00\x00\x00\x18ftyp" + brand + "\x00\x00\x02\x00isommp41" }
	for _, tc := range []struct {
		name, head, want string
	}{
		{"jpeg", string(evidencetest.PhotoWithEXIF("2026:06:01 09:30:00", "+08:00", 30.2, 120.1)), "image/jpeg"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"mp4", ftyp("isom"), "video/mp4"},
		{"mp4 avc1", ftyp("avc1"), "video/mp4"},
		{"mov", ftyp("qt  "), "video/quicktime"},
		{"old mov", "\x00\x00\x00\x08wide\x00\x00", "video/quicktime"},
		{"3gp", ftyp("3gp5"), "video/3gpp"},
		{"m4a", ftyp("M4A "), "audio/mp4"},
		{"avi", "RIFF\x10\x00\x00\x00AVI LIST", "video/x-msvideo"},
		{"wav", "RIFF\x10\x00\x00\x00WAVEfmt ", "audio/wav"},
		{"mp3 id3", "ID3\x04\x00\x00\x00\x00", "audio/mpeg"},
		{"mp3 frame", "\xff\xfb\x90\x64", "audio/mpeg"},
		{"aac adts", "\xff\xf1\x50\x80", "audio/aac"},
		{"amr", "#!AMR\n", "audio/amr"},
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"exe", "MZ\x90\x00", ""},
		{"zip (docx)", "PK\x03\x04", ""},
		{"html", "<!DOCTYPE html>", ""},
		{"svg", "<svg xmlns=", ""},
		{"empty", "", ""},
		{"short riff", "RIFF", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evidence.Sniff([]byte(tc.head)); got != tc.want {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		in, mime string
		kind     evidence.Kind
	}{
		{"video/mp4", "video/mp4", evidence.Video},
		{" Image/JPG ", "image/jpeg", evidence.Photo},
		{"audio/x-wav; codecs=1", "audio/wav", evidence.Audio},
		{"application/pdf", "application/pdf", evidence.Document},
		{"text/html", "", ""},
		{"application/zip", "", ""},
		{"", "", ""},
	} {
		mime, kind, err := evidence.KindOf(tc.in)
		if mime != tc.mime || kind != tc.kind || (tc.kind == "") != errs.Is(err, errs.KindUnsupported) {
			t.Errorf("KindOf(%q) = %q %q %v", tc.in, mime, kind, err)
		}
	}
	// Every allowed type is one Sniff can name, so a declared type is
	// always checked against the bytes.
	if n := len(evidence.AllowedTypes()); n != 13 {
		t.Errorf("%d allowed types", n)
	}
}

func TestLimits_CheckSize(t *testing.T) {
	l := evidence.DefaultLimits()
	for _, tc := range []struct {
		kind evidence.Kind
		size int64
		want errs.Kind
	}{
		{evidence.Video, 2 << 30, 0},
		{evidence.Video, 2<<30 + 1, errs.KindTooLarge},
		{evidence.Photo, 30 << 20, 0},
		{evidence.Photo, 31 << 20, errs.KindTooLarge},
		{evidence.Audio, 600 << 20, errs.KindTooLarge},
		{evidence.Document, 1, 0},
		{evidence.Document, -1, errs.KindInvalid},
	} {
		err := l.CheckSize(tc.kind, tc.size)
		if (tc.want == 0) != (err == nil) || (tc.want != 0 && !errs.Is(err, tc.want)) {
			t.Errorf("%s %d: %v", tc.kind, tc.size, err)
		}
		if tc.want == errs.KindTooLarge && !strings.Contains(err.Error(), "MiB") && !strings.Contains(err.Error(), "GiB") {
			t.Errorf("message %q names no limit", err)
		}
	}
	if l.Max() != 2<<30 {
		t.Errorf("max %d", l.Max())
	}
}

// FuzzSniff: any bytes name an allowed type or none, never a panic.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"\x00\x00\x00\x18ftypqt  ", "RIFF\x00\x00\x00\x00AVI ", "\xff\xfb", "\xff\xf1", "%PDF-", "ID3", "#!AMR"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		got := evidence.Sniff(head)
		if got == "" {
			return
		}
		if _, _, err := evidence.KindOf(got); err != nil {
			t.Fatalf("Sniff named %q, which is not allowed", got)
		}
	})
}
