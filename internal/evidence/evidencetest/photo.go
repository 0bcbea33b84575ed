package evidencetest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
)

// PhotoWithEXIF returns a small JPEG whose APP1 EXIF block holds
// DateTimeOriginal taken ("2006:01:02 15:04:05"), OffsetTimeOriginal
// offset ("+08:00", or "" for none), a GPS position and a camera serial
// number (the kind of detail stripping must remove).
func PhotoWithEXIF(taken, offset string, lat, lng float64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, color.RGBA{uint8(8 * x), uint8(10 * y), 90, 255})
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	tiff := exifTIFF(taken, offset, lat, lng)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	var out bytes.Buffer
	out.Write([]byte{0xff, 0xd8, 0xff, 0xe1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(enc.Bytes()[2:]) // the encoder's stream after its SOI
	return out.Bytes()
}

// Serial is the camera serial number PhotoWithEXIF embeds.
const Serial = "BODYCAM-SN-4711-CITYLOOP"

// exifTIFF lays out a little-endian TIFF: IFD0 (serial, Exif and GPS
// pointers), the Exif IFD and the GPS IFD, then their out-of-line values.
func exifTIFF(taken, offset string, lat, lng float64) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte // inline when ≤ 4 bytes
	}
	le := binary.LittleEndian
	u32 := func(v uint32) []byte { b := make([]byte, 4); le.PutUint32(b, v); return b }
	asc := func(s string) []byte { return append([]byte(s), 0) }
	dms := func(v float64) []byte {
		v = math.Abs(v)
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		s := ((v-d)*60 - m) * 60
		var b []byte
		for _, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(s * 10000)), 10000}} {
			b = append(b, u32(r[0])...)
			b = append(b, u32(r[1])...)
		}
		return b
	}
	ns, ew := "N", "E"
	if lat < 0 {
		ns = "S"
	}
	if lng < 0 {
		ew = "W"
	}
	exifIFD := []entry{{0x9003, 2, uint32(len(taken) + 1), asc(taken)}}
	if offset != "" {
		exifIFD = append(exifIFD, entry{0x9011, 2, uint32(len(offset) + 1), asc(offset)})
	}
	gpsIFD := []entry{{1, 2, 2, asc(ns)}, {2, 5, 3, dms(lat)}, {3, 2, 2, asc(ew)}, {4, 5, 3, dms(lng)}}
	ifd0 := []entry{{0xa431, 2, uint32(len(Serial) + 1), asc(Serial)}, {0x8769, 4, 1, nil}, {0x8825, 4, 1, nil}}

	size := func(es []entry) int { return 2 + 12*len(es) + 4 }
	off0 := 8
	offExif := off0 + size(ifd0)
	offGPS := offExif + size(exifIFD)
	heap := offGPS + size(gpsIFD)
	ifd0[1].data, ifd0[2].data = u32(uint32(offExif)), u32(uint32(offGPS))

	var body, extra bytes.Buffer
	write := func(es []entry) {
		binary.Write(&body, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&body, le, e.tag)
			binary.Write(&body, le, e.typ)
			binary.Write(&body, le, e.count)
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				body.Write(v)
				continue
			}
			body.Write(u32(uint32(heap + extra.Len())))
			extra.Write(e.data)
			if extra.Len()%2 == 1 {
				extra.WriteByte(0)
			}
		}
		body.Write(u32(0))
	}
	write(ifd0)
	write(exifIFD)
	write(gpsIFD)
	out := append([]byte("II*\x00"), u32(uint32(off0))...)
	out = append(out, body.Bytes()...)
	return append(out, extra.Bytes()...)
}
