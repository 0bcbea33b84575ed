package enforce

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// PlaceKind is what identifies a place an AI camera watches.
type PlaceKind string

const (
	PlaceCamera PlaceKind = "camera" // the frontage or bay one camera watches
	PlaceShop   PlaceKind = "shop"   // a shop id the camera reads from its sign
	PlacePlate  PlaceKind = "plate"  // a vehicle plate
)

// Place is the registered party of a place, whom a camera's "remind"
// sighting is sent to before any case opens (柔性执法, 第三十三条、第四十一条).
// Ref, Name, Phone and Email are personal data: the store seals them and
// finds a place by a blind index of kind and ref.
type Place struct {
	Kind      PlaceKind `json:"kind"`
	Ref       string    `json:"ref"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

var phoneRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Normalize trims the fields and writes a plate or shop id in upper case
// without spaces, so the same place typed twice is one place.
func (p Place) Normalize() Place {
	p.Ref = strings.ToUpper(strings.Join(strings.Fields(p.Ref), ""))
	p.Name, p.Phone, p.Email = strings.TrimSpace(p.Name), strings.TrimSpace(p.Phone), strings.TrimSpace(p.Email)
	return p
}

// Validate checks a normalized place before it is registered.
func (p Place) Validate() error {
	bad := errs.Invalid("登记的场所无效 / the place is not valid")
	switch p.Kind {
	case PlaceCamera, PlaceShop, PlacePlate:
	default:
		bad.WithField("kind", "camera（摄像头监控点位）、shop（店铺编号）或 plate（车牌）/ camera, shop or plate")
	}
	if p.Ref == "" || len(p.Ref) > 40 {
		bad.WithField("ref", "需要摄像头编号、店铺编号或车牌，最多 40 字节 / the camera id, shop id or plate, at most 40 bytes")
	}
	if n := utf8.RuneCountInString(p.Name); n == 0 || n > 100 {
		bad.WithField("name", "需要当事人或店铺名称，最多 100 字 / the party's or shop's name, at most 100 characters")
	}
	if p.Phone == "" && p.Email == "" {
		bad.WithField("phone", "需要手机号码或电子邮箱，用于发送提醒 / a mobile number or an e-mail address to remind")
	}
	if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
		bad.WithField("phone", "11 位手机号码 / an 11-digit mobile number")
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			bad.WithField("email", "电子邮箱格式不正确 / not an e-mail address")
		}
	}
	bad.CheckText(false, "ref", p.Ref, "name", p.Name)
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// SentReminder is a reminder sent to a registered party through the
// outbox: what was seen where, and the message that carries it.
type SentReminder struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"-"`
	PlaceKind      PlaceKind `json:"place_kind"`
	Camera         string    `json:"camera_id"`
	Category       string    `json:"category"`
	Track          string    `json:"track_id"`
	Channel        string    `json:"channel"`
	MessageID      string    `json:"message_id"`
	At             time.Time `json:"at"`
}

// PlaceStore keeps the registry of places and the reminders sent.
type PlaceStore interface {
	PutPlace(ctx context.Context, p Place) error
	// FindPlace is NotFound when no party is registered for the place.
	FindPlace(ctx context.Context, kind PlaceKind, ref string) (Place, error)
	// RecordReminder stores r once per idempotency key; created is false
	// when it was already there.
	RecordReminder(ctx context.Context, kind PlaceKind, ref string, r SentReminder) (created bool, err error)
	// FindReminders lists the reminders sent for a place, newest first.
	FindReminders(ctx context.Context, kind PlaceKind, ref string) ([]SentReminder, error)
}
