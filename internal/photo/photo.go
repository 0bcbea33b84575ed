package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"strings"

	"golang.org/x/image/webp"

	"cityloop/internal/errs"
)

// MaxPixels bounds width × height of an accepted photo (50 megapixels); a
// bigger claim is refused before any pixel is decoded.
const MaxPixels = 50_000_000

// Quality is the JPEG quality of re-encoded photos.
const Quality = 85

// MIME types Sanitize returns.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// Sanitize checks data and returns it re-encoded without metadata, with the
// MIME type of the result. claimedMIME is what the client said the file is
// (a Content-Type); a claim that is not an image type (empty,
// application/octet-stream) is no claim, and the bytes decide. JPEG stays
// JPEG (quality [Quality]), PNG stays PNG, WebP becomes JPEG.
//
// Errors are errs values a person can act on: Unsupported (415) for a file
// that is not a JPEG, PNG or WebP or not what it claims, TooLarge (413) for
// more than [MaxPixels], Invalid (400) for a file that does not decode.
func Sanitize(data []byte, claimedMIME string) ([]byte, string, error) {
	if len(data) == 0 {
		return nil, "", errs.Invalid("照片是空文件 / the photo is empty")
	}
	kind := sniff(data)
	if kind == "" {
		return nil, "", errs.E(errs.KindUnsupported, "只接受 JPEG、PNG 或 WebP 照片，这个文件不是其中之一 / only JPEG, PNG and WebP photos are accepted; this file is none of them")
	}
	if claim := normalise(claimedMIME); claim != "" && claim != kind {
		return nil, "", errs.E(errs.KindUnsupported, "文件声明为 %s，内容却是 %s；请重新导出照片再上传 / the file claims to be %s but holds %s; export the photo again and upload that",
			claim, kind, claim, kind)
	}
	cfg, err := decodeConfig(data, kind)
	if err != nil {
		return nil, "", errs.Invalid("照片无法读取（文件损坏或不完整） / the photo cannot be read (damaged or incomplete file)")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, "", errs.E(errs.KindTooLarge, "照片为 %d×%d 像素，超过 %d 万像素；请缩小后再上传 / the photo is %d×%d pixels, over %d megapixels; scale it down and upload again",
			cfg.Width, cfg.Height, MaxPixels/10_000, cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	img, err := decode(data, kind)
	if err != nil {
		return nil, "", errs.Invalid("照片无法完整解码（文件损坏、不完整或夹带了其他内容） / the photo does not decode completely (damaged, incomplete or mixed with other content)")
	}
	var out bytes.Buffer
	switch kind {
	case PNG:
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&out, img); err != nil {
			return nil, "", errs.Invalid("照片无法重新编码 / the photo cannot be re-encoded: %s", err.Error())
		}
		return out.Bytes(), PNG, nil
	case "image/webp":
		img = onWhite(img)
	default:
		img = Orient(img, Orientation(data))
	}
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: Quality}); err != nil {
		return nil, "", errs.Invalid("照片无法重新编码 / the photo cannot be re-encoded: %s", err.Error())
	}
	return out.Bytes(), JPEG, nil
}

// sniff names the image type by its magic bytes, or "".
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return JPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// normalise maps a Content-Type onto the types sniff names; anything that
// is not an image type is no claim ("").
func normalise(ct string) string {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return JPEG
	case "image/png", "image/x-png":
		return PNG
	case "image/webp":
		return "image/webp"
	}
	if strings.HasPrefix(ct, "image/") {
		return ct // an image type we do not take: it will not match
	}
	return ""
}

func decodeConfig(data []byte, kind string) (image.Config, error) {
	r := bytes.NewReader(data)
	switch kind {
	case JPEG:
		return jpeg.DecodeConfig(r)
	case PNG:
		return png.DecodeConfig(r)
	}
	return webp.DecodeConfig(r)
}

func decode(data []byte, kind string) (image.Image, error) {
	r := bytes.NewReader(data)
	switch kind {
	case JPEG:
		return jpeg.Decode(r)
	case PNG:
		return png.Decode(r)
	}
	return webp.Decode(r)
}

// onWhite flattens a possibly transparent image onto white, as JPEG has no
// alpha.
func onWhite(img image.Image) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	return dst
}
