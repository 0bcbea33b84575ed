package sensing

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// EvidencePNG draws a small chart of values (oldest first) with the
// threshold as a red line and the readings in green: the evidence attached
// when the system checks a sensor case as resolved. With no values it is a
// plain green card.
func EvidencePNG(values []float64, threshold float64) []byte {
	const w, h = 240, 80
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{0xf4, 0xf8, 0xf4, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, bg)
		}
	}
	lo, hi := threshold, threshold
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi == lo {
		hi = lo + 1
	}
	yOf := func(v float64) int { return h - 5 - int((v-lo)/(hi-lo)*float64(h-10)) }
	if threshold != 0 || len(values) > 0 {
		ty := yOf(threshold)
		for x := 0; x < w; x++ {
			img.Set(x, ty, color.RGBA{0xd0, 0x30, 0x30, 0xff})
		}
	}
	for i, v := range values {
		x := 0
		if len(values) > 1 {
			x = i * (w - 1) / (len(values) - 1)
		}
		y := yOf(v)
		for dy := -1; dy <= 1; dy++ {
			img.Set(x, y+dy, color.RGBA{0x20, 0x90, 0x40, 0xff})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
