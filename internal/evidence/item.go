package evidence

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
)

// Kind is what a piece of evidence is.
type Kind string

// Kinds of evidence (证据种类, 行政处罚法第四十六条: 书证、视听资料、电子数据 …).
const (
	Photo    Kind = "photo"    // 现场照片
	Video    Kind = "video"    // 执法记录仪视频
	Audio    Kind = "audio"    // 录音
	Document Kind = "document" // 书证 (scanned or signed PDF)
)

// Kinds lists every kind, in the order forms show them.
var Kinds = []Kind{Photo, Video, Audio, Document}

// Name is the kind's Chinese and English name.
func (k Kind) Name() [2]string {
	switch k {
	case Photo:
		return [2]string{"现场照片", "photo"}
	case Video:
		return [2]string{"执法记录仪视频", "body-camera video"}
	case Audio:
		return [2]string{"录音", "audio recording"}
	case Document:
		return [2]string{"书证", "document"}
	}
	return [2]string{string(k), string(k)}
}

// allowed maps every accepted MIME type to its kind: the allow-list. A type
// is here only when [Sniff] recognises its bytes, so a declared type can be
// checked against the content.
var allowed = map[string]Kind{
	"image/jpeg": Photo, "image/png": Photo, "image/webp": Photo,
	"video/mp4": Video, "video/quicktime": Video, "video/x-msvideo": Video, "video/3gpp": Video,
	"audio/mpeg": Audio, "audio/wav": Audio, "audio/mp4": Audio, "audio/amr": Audio, "audio/aac": Audio,
	"application/pdf": Document,
}

// aliases are other spellings clients send for an allowed type.
var aliases = map[string]string{
	"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
	"audio/mp3": "audio/mpeg", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
	"audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "video/avi": "video/x-msvideo", "video/msvideo": "video/x-msvideo",
	"audio/x-aac": "audio/aac", "audio/amr-nb": "audio/amr",
}

// AllowedTypes lists the accepted MIME types (for messages and the API
// description), sorted by kind.
func AllowedTypes() []string {
	var out []string
	for _, k := range Kinds {
		for _, t := range []string{"image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime", "video/x-msvideo",
			"video/3gpp", "audio/mpeg", "audio/wav", "audio/mp4", "audio/amr", "audio/aac", "application/pdf"} {
			if allowed[t] == k {
				out = append(out, t)
			}
		}
	}
	return out
}

// KindOf returns the kind of an allowed MIME type (parameters and case
// ignored, aliases mapped), or an Unsupported (415) error naming the list.
func KindOf(mime string) (string, Kind, error) {
	m := normaliseMIME(mime)
	if k, ok := allowed[m]; ok {
		return m, k, nil
	}
	return "", "", errs.E(errs.KindUnsupported, "不接受 %q 类型的证据；只接受照片 (JPEG/PNG/WebP)、视频 (MP4/MOV/AVI/3GP)、录音 (MP3/WAV/M4A/AMR/AAC) 和 PDF 文书 / evidence of type %q is not accepted; send a photo (JPEG/PNG/WebP), video (MP4/MOV/AVI/3GP), audio (MP3/WAV/M4A/AMR/AAC) or a PDF document",
		mime, mime).With("allowed_types", AllowedTypes())
}

func normaliseMIME(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if a, ok := aliases[s]; ok {
		return a
	}
	return s
}

// SniffLen is how many leading bytes [Sniff] needs.
const SniffLen = 64

// Sniff names the allowed type of content by its leading bytes (at least
// [SniffLen] of them when the file is that long), or "" when it is none of
// them. It never trusts a name or a declared type.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return "image/jpeg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte("#!AMR")):
		return "audio/amr"
	case bytes.HasPrefix(head, []byte("ID3")):
		return "audio/mpeg"
	case len(head) >= 12 && string(head[:4]) == "RIFF":
		switch string(head[8:12]) {
		case "WEBP":
			return "image/webp"
		case "WAVE":
			return "audio/wav"
		case "AVI ":
			return "video/x-msvideo"
		}
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch brand := string(head[8:12]); {
		case brand == "qt  ":
			return "video/quicktime"
		case brand == "M4A " || brand == "M4B ":
			return "audio/mp4"
		case brand[:3] == "3gp" || brand[:3] == "3g2":
			return "video/3gpp"
		default:
			return "video/mp4"
		}
	case len(head) >= 8 && (string(head[4:8]) == "moov" || string(head[4:8]) == "mdat" || string(head[4:8]) == "wide"):
		return "video/quicktime" // old QuickTime files open with an atom, not ftyp
	case len(head) >= 2 && head[0] == 0xff && head[1]&0xf6 == 0xf0:
		return "audio/aac" // ADTS: sync word, layer 00
	case len(head) >= 2 && head[0] == 0xff && head[1]&0xe0 == 0xe0 && head[1]&0x06 != 0:
		return "audio/mpeg" // MPEG audio frame: sync word, layer ≠ reserved
	}
	return ""
}

// Limits are the largest upload of each kind, in bytes.
type Limits struct {
	Photo, Video, Audio, Document int64
}

// DefaultLimits: a body-camera shift's video file (2 GiB), a phone photo
// with room (30 MiB; photo.Sanitize decodes it in memory), an hour of
// audio, a scanned file of documents.
func DefaultLimits() Limits {
	return Limits{Photo: 30 << 20, Video: 2 << 30, Audio: 512 << 20, Document: 100 << 20}
}

// Of is the limit of kind k.
func (l Limits) Of(k Kind) int64 {
	switch k {
	case Photo:
		return l.Photo
	case Video:
		return l.Video
	case Audio:
		return l.Audio
	case Document:
		return l.Document
	}
	return 0
}

// Max is the largest of the limits: what the tus server announces.
func (l Limits) Max() int64 { return max(l.Photo, l.Video, l.Audio, l.Document) }

// CheckSize refuses an upload of size bytes of kind k over its limit with
// a TooLarge (413) error a person can act on.
func (l Limits) CheckSize(k Kind, size int64) error {
	if lim := l.Of(k); size > lim {
		n := k.Name()
		return errs.E(errs.KindTooLarge, "%s最大 %s，这个文件有 %s；请分段录制或压缩后再上传 / a %s may be at most %s; this file is %s: split or compress it and upload again",
			n[0], human(lim), human(size), n[1], human(lim), human(size)).With("limit_bytes", lim)
	}
	if size < 0 {
		return errs.Invalid("上传长度无效 / the upload length is invalid")
	}
	return nil
}

func human(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return itoa(n>>30) + " GiB"
	case n >= 1<<20:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " B"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Item is one piece of evidence, as recorded when its upload finished.
type Item struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"` // the penalty case (执法案件) it belongs to
	Kind   Kind   `json:"kind"`
	MIME   string `json:"mime"`
	// Size and SHA256 are of the bytes the device sent: what a court
	// compares with the recorder's own file.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// StoredSize and StoredSHA256 are of the bytes kept and served; they
	// differ from Size and SHA256 only for photos, whose EXIF block
	// (position, serial numbers) is stripped before keeping.
	StoredSize   int64  `json:"stored_size"`
	StoredSHA256 string `json:"stored_sha256"`
	// CapturedAt, Lng and Lat are when and where it was recorded (WGS-84);
	// CaptureSource says whether they came from the photo's EXIF ("exif")
	// or from the device's upload fields ("device"), "" when unknown.
	CapturedAt    *time.Time `json:"captured_at,omitempty"`
	Lng           *float64   `json:"lng,omitempty"`
	Lat           *float64   `json:"lat,omitempty"`
	CaptureSource string     `json:"capture_source,omitempty"`
	DeviceID      string     `json:"device_id,omitempty"` // the recorder (执法记录仪) or phone
	OfficerID     string     `json:"officer_id"`          // the account that uploaded it
	// Filename and Note are personal data (a party's name often sits in
	// either): the store seals them with the pii keyring.
	Filename   string    `json:"filename,omitempty"`
	Note       string    `json:"note,omitempty"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// LimitsMiB are the limits a node's settings give: the largest upload (a
// video) and the largest photo, in MiB; audio and documents keep their
// defaults unless those exceed the largest.
func LimitsMiB(maxMiB, photoMiB int) Limits {
	l := DefaultLimits()
	l.Video, l.Photo = int64(maxMiB)<<20, int64(photoMiB)<<20
	l.Audio, l.Document = min(l.Audio, l.Video), min(l.Document, l.Video)
	return l
}
