package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

// secret is what a camera or an editor may leave in a file's metadata.
const secret = "GPS 32.045678N 118.765432E owner 13800138000"

// testImage is w×h with a red left column and a blue rest, so turns show.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x == 0 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// exifJPEG encodes img as JPEG and inserts an APP1 Exif segment holding the
// orientation o and an ImageDescription with secret.
func exifJPEG(t testing.TB, img image.Image, o int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	tiff := []byte("MM\x00*")
	tiff = be.AppendUint32(tiff, 8)
	tiff = be.AppendUint16(tiff, 2)
	// 0x0112 Orientation, SHORT, 1
	tiff = be.AppendUint16(tiff, 0x0112)
	tiff = be.AppendUint16(tiff, 3)
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint16(tiff, uint16(o))
	tiff = be.AppendUint16(tiff, 0)
	// 0x010E ImageDescription, ASCII, at offset after the IFD
	desc := append([]byte(secret), 0)
	tiff = be.AppendUint16(tiff, 0x010e)
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint32(tiff, uint32(len(desc)))
	tiff = be.AppendUint32(tiff, uint32(8+2+2*12+4))
	tiff = be.AppendUint32(tiff, 0) // next IFD
	tiff = append(tiff, desc...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1}
	app1 = be.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	jb := buf.Bytes()
	return append(append(append([]byte{}, jb[:2]...), app1...), jb[2:]...)
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withTextChunk inserts a tEXt chunk holding secret before IEND.
func withTextChunk(p []byte) []byte {
	data := append([]byte("Comment\x00"), secret...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("tEXt"), data...)))
	iend := len(p) - 12
	return append(append(append([]byte{}, p[:iend]...), chunk...), p[iend:]...)
}

func TestSanitize_StripsJPEGMetadataAndKeepsOrientation(t *testing.T) {
	in := exifJPEG(t, testImage(4, 2), 6)
	if Orientation(in) != 6 || !bytes.Contains(in, []byte(secret)) {
		t.Fatal("the fixture does not hold its EXIF")
	}
	out, mt, err := Sanitize(in, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if mt != JPEG {
		t.Errorf("mime = %s", mt)
	}
	if bytes.Contains(out, []byte(secret)) || bytes.Contains(out, []byte("Exif")) {
		t.Error("the EXIF survived")
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6 turns a 4×2 image a quarter clockwise: 2×4, with the
	// red left column now along the top.
	if b := img.Bounds(); b.Dx() != 2 || b.Dy() != 4 {
		t.Fatalf("size %v, want 2×4", b)
	}
	r, _, bl, _ := img.At(1, 0).RGBA()
	if r < bl {
		t.Errorf("top row is not red after the turn: r=%d b=%d", r, bl)
	}
}

func TestSanitize_StripsPNGText(t *testing.T) {
	in := withTextChunk(encodePNG(t, testImage(3, 3)))
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	out, mt, err := Sanitize(in, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if mt != PNG || bytes.Contains(out, []byte(secret)) || bytes.Contains(out, []byte("tEXt")) {
		t.Errorf("mime %s; text chunk survived: %v", mt, bytes.Contains(out, []byte(secret)))
	}
}

func TestSanitize_DropsAppendedArchive(t *testing.T) {
	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("payload"), 50)...)
	in := append(exifJPEG(t, testImage(8, 8), 1), zip...)
	out, _, err := Sanitize(in, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("PK\x03\x04")) || bytes.Contains(out, []byte("payload")) {
		t.Error("the appended archive survived")
	}
}

func TestSanitize_Refuses(t *testing.T) {
	jpg := exifJPEG(t, testImage(8, 8), 1)
	// A PNG header claiming 100 000 × 100 000 pixels, with nothing behind it.
	bomb := encodePNG(t, testImage(1, 1))[:33]
	binary.BigEndian.PutUint32(bomb[16:], 100_000)
	binary.BigEndian.PutUint32(bomb[20:], 100_000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29]))
	for _, tc := range []struct {
		name  string
		data  []byte
		claim string
		kind  errs.Kind
	}{
		{"empty", nil, "image/jpeg", errs.KindInvalid},
		{"zip behind JPEG magic bytes", append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte("PK\x03\x04 not a jpeg at all")...), "image/jpeg", errs.KindInvalid},
		{"truncated JPEG", jpg[:len(jpg)/2], "", errs.KindInvalid},
		{"JPEG claimed as PNG", jpg, "image/png", errs.KindUnsupported},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif", errs.KindUnsupported},
		{"HTML", []byte("<html><script>alert(1)</script>"), "image/png", errs.KindUnsupported},
		{"decompression bomb", bomb, "image/png", errs.KindTooLarge},
		{"broken WebP", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00\x00\x00\x00\x00"), "image/webp", errs.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Sanitize(tc.data, tc.claim)
			if err == nil {
				t.Fatal("accepted")
			}
			if errs.KindOf(err) != tc.kind {
				t.Errorf("kind %v, want %v: %v", errs.KindOf(err), tc.kind, err)
			}
			if e, ok := errs.As(err); !ok || !strings.Contains(e.Message, " / ") && !strings.Contains(e.Message, "）/ ") {
				t.Errorf("the message is not bilingual: %v", err)
			}
		})
	}
}

func TestSanitize_NoClaimTrustsTheBytes(t *testing.T) {
	for _, claim := range []string{"", "application/octet-stream", "image/jpg"} {
		if _, mt, err := Sanitize(exifJPEG(t, testImage(2, 2), 1), claim); err != nil || mt != JPEG {
			t.Errorf("claim %q: %s %v", claim, mt, err)
		}
	}
}

func TestOrient_AllEight(t *testing.T) {
	src := testImage(3, 2) // red at x=0
	for o := 1; o <= 8; o++ {
		b := Orient(src, o).Bounds()
		wantW, wantH := 3, 2
		if o >= 5 {
			wantW, wantH = 2, 3
		}
		if b.Dx() != wantW || b.Dy() != wantH {
			t.Errorf("orientation %d: %v", o, b)
		}
	}
	// Where the red left column of the stored image ends up for each
	// orientation: a column x, or a row y of the turned image.
	for o, want := range map[int]struct {
		col  bool
		line int
	}{1: {true, 0}, 2: {true, 2}, 3: {true, 2}, 4: {true, 0}, 5: {false, 0}, 6: {false, 0}, 7: {false, 2}, 8: {false, 2}} {
		img := Orient(src, o)
		b := img.Bounds()
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				r, _, _, _ := img.At(x, y).RGBA()
				red := r > 0x8000
				on := (want.col && x == want.line) || (!want.col && y == want.line)
				if red != on {
					t.Errorf("orientation %d: pixel (%d,%d) red=%v", o, x, y, red)
				}
			}
		}
	}
}

// FuzzSanitize: any bytes and any claim give either an error or a file that
// decodes as the returned type, holds no EXIF segment and no trailing data.
func FuzzSanitize(f *testing.F) {
	f.Add(exifJPEG(f, testImage(4, 2), 6), "image/jpeg")
	f.Add(withTextChunk(encodePNG(f, testImage(2, 2))), "image/png")
	f.Add(append(exifJPEG(f, testImage(2, 2), 3), "PK\x03\x04zip"...), "")
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, '*', 0, 0, 0, 8}, "image/jpeg")
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8L"), "image/webp")
	f.Fuzz(func(t *testing.T, data []byte, claim string) {
		if len(data) > 1<<16 {
			return
		}
		_ = Orientation(data)
		out, mt, err := Sanitize(data, claim)
		if err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		var derr error
		switch mt {
		case JPEG:
			_, derr = jpeg.Decode(bytes.NewReader(out))
			if !bytes.HasSuffix(out, []byte{0xff, 0xd9}) || Orientation(out) != 1 || bytes.Contains(out, []byte("Exif\x00\x00")) {
				t.Fatal("the JPEG keeps metadata or trailing bytes")
			}
		case PNG:
			_, derr = png.Decode(bytes.NewReader(out))
		default:
			t.Fatalf("mime %q", mt)
		}
		if derr != nil {
			t.Fatalf("the result does not decode: %v", derr)
		}
	})
}
