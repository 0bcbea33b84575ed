package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"

	"cityloop/internal/catalog"
)

// The demo's photos are small drawn scenes (320×240 PNG), one set per group
// of sub-classes: the problem as reported, the site after disposal, and the
// check photo taken from nearly the same spot. They are real images, so the
// upload, thumbnail and viewer paths work on them like on a phone photo.
const photoW, photoH = 320, 240

const (
	groupFacility = iota // covers, lights, traffic facilities
	groupRefuse          // refuse, dirty roads, bins
	groupGreen           // trees and green space
	groupAds             // small ads and signs
	groupOrder           // vending, parking, piled goods, construction
	groupWater           // collapses, bursts, waterlogging
	nGroups
)

const (
	shotBefore = iota
	shotAfter
	shotCheck
	nShots
)

// photoSet is the content ID of every picture by group and shot.
type photoSet [nGroups][nShots]string

// groupOf places a sub-class in a picture group.
func groupOf(ref catalog.Ref) int {
	major := ref.Major()
	if ref.Kind == catalog.Component {
		switch {
		case ref.Code == "0307":
			return groupAds
		case major == "03":
			return groupRefuse
		case major == "04":
			return groupGreen
		}
		return groupFacility
	}
	switch major {
	case "01":
		switch ref.Code {
		case "0106":
			return groupGreen
		case "0101", "0107":
			return groupOrder
		}
		return groupRefuse
	case "02":
		return groupAds
	case "04":
		return groupWater
	}
	return groupOrder
}

// putPhotos draws every picture and stores it once.
func putPhotos(ctx context.Context, sink Sink, seed int64) (photoSet, int, error) {
	var ps photoSet
	n := 0
	for g := range nGroups {
		for s := range nShots {
			data, err := drawPhoto(seed, g, s)
			if err != nil {
				return ps, n, err
			}
			id, err := sink.PutPhoto(ctx, data)
			if err != nil {
				return ps, n, fmt.Errorf("store demo photo %d/%d: %w", g, s, err)
			}
			ps[g][s] = id
			n++
		}
	}
	return ps, n, nil
}

// canvas is a tiny raster painter.
type canvas struct {
	img *image.RGBA
	rng *rand.Rand
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

func (c *canvas) rect(x0, y0, x1, y1 int, col color.RGBA) {
	for y := max(y0, 0); y < min(y1, photoH); y++ {
		for x := max(x0, 0); x < min(x1, photoW); x++ {
			c.img.SetRGBA(x, y, col)
		}
	}
}

func (c *canvas) ellipse(cx, cy, rx, ry int, col color.RGBA) {
	for y := cy - ry; y <= cy+ry; y++ {
		for x := cx - rx; x <= cx+rx; x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy <= 1 && x >= 0 && y >= 0 && x < photoW && y < photoH {
				c.img.SetRGBA(x, y, col)
			}
		}
	}
}

// triangle fills the triangle abc.
func (c *canvas) triangle(ax, ay, bx, by, cx, cy int, col color.RGBA) {
	edge := func(x0, y0, x1, y1, x, y int) int { return (x1-x0)*(y-y0) - (y1-y0)*(x-x0) }
	for y := min(ay, by, cy); y <= max(ay, by, cy); y++ {
		for x := min(ax, bx, cx); x <= max(ax, bx, cx); x++ {
			e1, e2, e3 := edge(ax, ay, bx, by, x, y), edge(bx, by, cx, cy, x, y), edge(cx, cy, ax, ay, x, y)
			if (e1 >= 0 && e2 >= 0 && e3 >= 0) || (e1 <= 0 && e2 <= 0 && e3 <= 0) {
				if x >= 0 && y >= 0 && x < photoW && y < photoH {
					c.img.SetRGBA(x, y, col)
				}
			}
		}
	}
}

// grain adds a little noise so the pictures look less like diagrams.
func (c *canvas) grain(amount int) {
	for i := 0; i < len(c.img.Pix); i += 4 {
		d := c.rng.IntN(2*amount+1) - amount
		for k := range 3 {
			v := int(c.img.Pix[i+k]) + d
			c.img.Pix[i+k] = uint8(min(max(v, 0), 255))
		}
	}
}

// drawPhoto paints the scene of group g and shot s.
func drawPhoto(seed int64, g, s int) ([]byte, error) {
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, photoW, photoH)), rng: stream(seed, saltPhotos, uint64(g*nShots+s))}
	dx := 0
	if s == shotCheck {
		dx = 14 // the check photo is taken from nearly, not exactly, the same spot
	}
	// sky, a little warmer in the afternoon of the check
	for y := 0; y < 100; y++ {
		k := uint8(y)
		if s == shotCheck {
			c.rect(0, y, photoW, y+1, rgb(150+k/2, 180+k/3, 220-k/4))
		} else {
			c.rect(0, y, photoW, y+1, rgb(120+k/2, 170+k/3, 230-k/5))
		}
	}
	// buildings with windows
	for i, b := range [][4]int{{-10, 40, 70, 140}, {62, 22, 140, 140}, {132, 55, 215, 140}, {205, 30, 290, 140}, {282, 60, 340, 140}} {
		shade := uint8(150 + 18*(i%3))
		c.rect(b[0]-dx, b[1], b[2]-dx, b[3], rgb(shade, shade-12, shade-25))
		for y := b[1] + 8; y < b[3]-10; y += 16 {
			for x := b[0] + 6; x < b[2]-8; x += 14 {
				c.rect(x-dx, y, x+7-dx, y+9, rgb(90, 110, 140))
			}
		}
	}
	// pavement and road
	c.rect(0, 140, photoW, 175, rgb(196, 190, 178))
	for x := -dx; x < photoW; x += 24 {
		c.rect(x, 140, x+1, 175, rgb(170, 165, 155))
	}
	c.rect(0, 175, photoW, photoH, rgb(72, 74, 78))
	for x := 10 - dx; x < photoW; x += 60 {
		c.rect(x, 205, x+30, 209, rgb(235, 235, 235))
	}
	before := s == shotBefore
	switch g {
	case groupFacility:
		if before {
			c.ellipse(160-dx, 195, 26, 9, rgb(15, 15, 15))
			c.ellipse(200-dx, 200, 20, 7, rgb(110, 110, 105))
			c.triangle(120-dx, 200, 132-dx, 168, 144-dx, 200, rgb(245, 120, 20))
			c.rect(124-dx, 186, 140-dx, 190, rgb(250, 250, 250))
		} else {
			c.ellipse(160-dx, 195, 26, 9, rgb(95, 95, 92))
			for x := 140; x <= 180; x += 8 {
				c.rect(x-dx, 189, x+2-dx, 201, rgb(70, 70, 68))
			}
		}
		c.rect(250-dx, 70, 254-dx, 150, rgb(60, 60, 60)) // street light
		c.rect(238-dx, 66, 262-dx, 72, rgb(60, 60, 60))
	case groupRefuse:
		c.rect(40-dx, 128, 70-dx, 165, rgb(30, 120, 60)) // bin
		c.rect(38-dx, 124, 72-dx, 130, rgb(20, 90, 45))
		if before {
			for i := range 14 {
				col := []color.RGBA{rgb(20, 20, 25), rgb(40, 70, 160), rgb(230, 230, 225), rgb(160, 120, 60)}[i%4]
				c.ellipse(95+c.rng.IntN(90)-dx, 150+c.rng.IntN(18), 8+c.rng.IntN(8), 6+c.rng.IntN(5), col)
			}
			for range 40 {
				x, y := c.rng.IntN(photoW), 142+c.rng.IntN(60)
				c.rect(x, y, x+3, y+2, rgb(220, 210, 190))
			}
		}
	case groupGreen:
		c.rect(0, 140, photoW, 175, rgb(90, 150, 70))
		c.rect(150-dx, 95, 162-dx, 165, rgb(100, 70, 40))
		if before {
			c.ellipse(156-dx, 85, 38, 30, rgb(160, 150, 60))
			c.ellipse(140-dx, 80, 14, 12, rgb(130, 100, 50))
			c.triangle(175-dx, 160, 240-dx, 172, 238-dx, 166, rgb(110, 80, 45)) // broken branch
			for range 25 {
				x, y := 100+c.rng.IntN(140)-dx, 150+c.rng.IntN(20)
				c.rect(x, y, x+3, y+2, rgb(200, 170, 60))
			}
		} else {
			c.ellipse(156-dx, 82, 44, 36, rgb(40, 130, 50))
			c.ellipse(140-dx, 90, 22, 18, rgb(50, 145, 60))
		}
	case groupAds:
		c.rect(20-dx, 60, 300-dx, 140, rgb(215, 205, 185)) // wall
		if before {
			for range 22 {
				x, y := 30+c.rng.IntN(250)-dx, 70+c.rng.IntN(55)
				col := []color.RGBA{rgb(250, 250, 245), rgb(250, 230, 90), rgb(250, 160, 180), rgb(140, 200, 250)}[c.rng.IntN(4)]
				c.rect(x, y, x+12+c.rng.IntN(8), y+9+c.rng.IntN(6), col)
				c.rect(x+2, y+3, x+10, y+4, rgb(60, 60, 60))
			}
		} else {
			c.rect(120-dx, 78, 200-dx, 118, rgb(60, 110, 170)) // a proper notice board
			c.rect(126-dx, 84, 194-dx, 112, rgb(235, 240, 245))
		}
	case groupOrder:
		if before {
			c.triangle(70-dx, 120, 110-dx, 100, 150-dx, 120, rgb(220, 40, 40)) // umbrella
			c.rect(108-dx, 120, 112-dx, 160, rgb(90, 90, 90))
			c.rect(80-dx, 145, 140-dx, 150, rgb(150, 110, 70)) // table
			for i := range 8 {
				c.rect(84+i*7-dx, 137, 89+i*7-dx, 145, rgb(uint8(200-i*15), uint8(90+i*18), 60))
			}
			c.rect(180-dx, 138, 265-dx, 165, rgb(200, 200, 210)) // car on the pavement
			c.rect(195-dx, 124, 248-dx, 140, rgb(170, 180, 200))
			c.ellipse(198-dx, 166, 9, 9, rgb(20, 20, 20))
			c.ellipse(248-dx, 166, 9, 9, rgb(20, 20, 20))
		} else {
			for x := 60; x < 280; x += 40 {
				c.rect(x-dx, 150, x+6-dx, 172, rgb(230, 230, 230)) // bollards
				c.rect(x-dx, 156, x+6-dx, 160, rgb(220, 60, 40))
			}
		}
	case groupWater:
		if before {
			c.ellipse(150-dx, 205, 110, 22, rgb(90, 130, 170))
			c.ellipse(170-dx, 200, 22, 8, rgb(25, 22, 20))
			c.rect(60-dx, 178, 250-dx, 183, rgb(250, 200, 0)) // barrier tape
			c.rect(60-dx, 178, 64-dx, 205, rgb(240, 240, 240))
			c.rect(246-dx, 178, 250-dx, 205, rgb(240, 240, 240))
		} else {
			c.rect(130-dx, 190, 210-dx, 212, rgb(50, 52, 55)) // fresh asphalt patch
		}
	}
	c.grain(6)
	// time-and-place watermark strip, as field apps stamp their photos
	c.rect(0, 222, photoW, photoH, rgb(25, 25, 30))
	for x := 6; x < 200; x += 9 {
		if c.rng.IntN(5) > 0 {
			c.rect(x, 227, x+6, 235, rgb(230, 230, 230))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.img); err != nil {
		return nil, fmt.Errorf("encode demo photo: %w", err)
	}
	return buf.Bytes(), nil
}
