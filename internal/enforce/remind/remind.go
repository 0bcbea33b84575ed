package remind

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/outbox"
	"cityloop/internal/sensing"
)

// Outbox queues a notification; *outbox.Service is one.
type Outbox interface {
	Enqueue(ctx context.Context, d outbox.Draft) (outbox.Message, bool, error)
}

// Sender sends "remind" sightings to registered parties.
type Sender struct {
	Places enforce.PlaceStore
	Outbox Outbox
	Now    func() time.Time
	NewID  func() string
}

// placeOf lists where to look for the party of a sighting, best first:
// the subject the AI read (a plate for parking, a shop id otherwise), then
// the frontage the camera itself watches.
func placeOf(cam sensing.Camera, e sensing.Event) [][2]string {
	var out [][2]string
	if s := strings.ToUpper(strings.Join(strings.Fields(e.Subject), "")); s != "" {
		kind := enforce.PlaceShop
		if e.Category == "event:0505" { // 违章停放: the subject is a plate
			kind = enforce.PlacePlate
		}
		out = append(out, [2]string{string(kind), s})
	}
	return append(out, [2]string{string(enforce.PlaceCamera), strings.ToUpper(cam.ID)})
}

// SendReminder implements sensing.ReminderSender: the channel used, or ""
// when no party is registered (the site's display is the only notice).
func (s *Sender) SendReminder(ctx context.Context, r sensing.Reminder, cam sensing.Camera, e sensing.Event) (string, error) {
	var place enforce.Place
	found := false
	for _, p := range placeOf(cam, e) {
		got, err := s.Places.FindPlace(ctx, enforce.PlaceKind(p[0]), p[1])
		if errs.Is(err, errs.KindNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("find the party of %s %s: %w", p[0], p[1], err)
		}
		place, found = got, true
		break
	}
	if !found {
		return "", nil
	}
	d := outbox.Draft{Channel: outbox.ChannelSMS, To: place.Phone, Body: r.Text, Template: "enforce_camera_reminder",
		Related: "sensing/track/" + r.Track,
		// One reminder per sighting track: a vendor that resends the event,
		// or a second node that handles it, finds the first message.
		IdempotencyKey: "camera-reminder:" + r.Track}
	if place.Phone == "" {
		d.Channel, d.To, d.Subject = outbox.ChannelEmail, place.Email, "城管提醒 / City management reminder"
	}
	d.Body = fmt.Sprintf("%s（%s，%s 摄像头 %s 拍摄；如有异议可向城管部门查询）", r.Text, place.Name,
		e.At.In(chinaTZ).Format("01-02 15:04"), cam.ID)
	m, _, err := s.Outbox.Enqueue(ctx, d)
	if err != nil {
		return "", fmt.Errorf("queue the reminder: %w", err)
	}
	sent := enforce.SentReminder{ID: s.NewID(), IdempotencyKey: d.IdempotencyKey, PlaceKind: place.Kind, Camera: cam.ID,
		Category: r.Category, Track: r.Track, Channel: string(d.Channel), MessageID: m.ID, At: s.Now().UTC()}
	if _, err := s.Places.RecordReminder(ctx, place.Kind, place.Ref, sent); err != nil {
		return "", err
	}
	return string(d.Channel), nil
}

var chinaTZ = time.FixedZone("CST", 8*3600)

// Watch is one thing a published site watches.
type Watch struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	// Mode is how a sighting is handled: remind (提醒在先), confirm (人工
	// 确认后立案) or auto (自动立案).
	Mode          sensing.Mode `json:"mode"`
	RemindMinutes int          `json:"remind_minutes,omitempty"`
}

// Site is a camera used for enforcement as the public sees it: where it
// is and what it watches, never its vendor, stream or health.
type Site struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	District  string  `json:"district"`
	Street    string  `json:"street,omitempty"`
	Community string  `json:"community,omitempty"`
	Lng       float64 `json:"lng"`
	Lat       float64 `json:"lat"`
	Direction int     `json:"direction"`
	Watches   []Watch `json:"watches"`
}

// Sites are the cameras that watch a violation (a loop category that may
// open a penalty case, or one with a "remind" policy), sorted by id, with
// what each watches. name gives a category's name ("" keeps the code).
func Sites(cams []*sensing.Camera, policies []sensing.Policy, violations map[string]string, name func(string) string) []Site {
	pol := map[string]sensing.Policy{}
	enforced := map[string]bool{}
	for c := range violations {
		enforced[c] = true
	}
	for _, p := range policies {
		pol[p.Category] = p
		if p.Mode == sensing.ModeRemind {
			enforced[p.Category] = true
		}
	}
	all := make([]string, 0, len(enforced))
	for c := range enforced {
		all = append(all, c)
	}
	slices.Sort(all)
	out := []Site{}
	for _, c := range cams {
		var ws []Watch
		for _, cat := range all {
			if !c.Watching(cat) {
				continue
			}
			w := Watch{Category: cat, Mode: sensing.ModeConfirm}
			if name != nil {
				w.Name = name(cat)
			}
			if p, ok := pol[cat]; ok {
				w.Mode = p.Mode
				if p.Mode == sensing.ModeRemind {
					w.RemindMinutes = int(p.RemindAfter.D() / time.Minute)
				}
			}
			ws = append(ws, w)
		}
		if len(ws) == 0 {
			continue
		}
		out = append(out, Site{ID: c.ID, Name: c.Name, District: c.District, Street: c.Street, Community: c.Community,
			Lng: c.Lng, Lat: c.Lat, Direction: c.Direction, Watches: ws})
	}
	slices.SortFunc(out, func(a, b Site) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SiteSource reads the sites from the sensing store, so every node answers
// (the sensing service's memory lives on one node).
type SiteSource struct {
	Store interface {
		Cameras(ctx context.Context) ([]*sensing.Camera, error)
		Policies(ctx context.Context) ([]sensing.Policy, error)
	}
	Violations map[string]string
	Name       func(category string) string
}

// Sites lists the published sites.
func (s *SiteSource) Sites(ctx context.Context) ([]Site, error) {
	if s.Store == nil {
		return []Site{}, nil // no sensing on this node: no cameras
	}
	cams, err := s.Store.Cameras(ctx)
	if err != nil {
		return nil, fmt.Errorf("read cameras: %w", err)
	}
	pols, err := s.Store.Policies(ctx)
	if err != nil {
		return nil, fmt.Errorf("read camera policies: %w", err)
	}
	if len(pols) == 0 {
		pols = sensing.DefaultPolicies() // a city that never saved its own runs on these
	}
	return Sites(cams, pols, s.Violations, s.Name), nil
}

// Desk is the registry and the sites as the API serves them.
type Desk struct {
	Places enforce.PlaceStore
	SiteSource
}

// PutPlace registers the party of a place.
func (d *Desk) PutPlace(ctx context.Context, p enforce.Place) error { return d.Places.PutPlace(ctx, p) }

// LookupRequest is how a party asks what reminders were sent about its
// place (第四十一条: the party may learn what was recorded): the place and
// the registered phone or e-mail, which only the party knows.
type LookupRequest struct {
	Kind    enforce.PlaceKind `json:"kind"`
	Ref     string            `json:"ref"`
	Contact string            `json:"contact"`
}

// Reminders lists the reminders of a place for the party that proves it
// holds the registered contact; any mismatch is the same NotFound, so the
// answer never tells whether a plate or shop is registered.
func (d *Desk) Reminders(ctx context.Context, r LookupRequest) ([]enforce.SentReminder, error) {
	p := enforce.Place{Kind: r.Kind, Ref: r.Ref}.Normalize()
	contact := strings.TrimSpace(r.Contact)
	missing := errs.NotFound("没有找到与该登记信息相符的提醒记录 / no reminders match this place and contact")
	if p.Ref == "" || contact == "" || len(p.Ref) > 40 || len(contact) > 200 {
		return nil, errs.Invalid("需要场所类型、编号和登记的手机号或邮箱 / kind, ref and the registered contact are required").
			WithField("contact", "required")
	}
	got, err := d.Places.FindPlace(ctx, p.Kind, p.Ref)
	if errs.Is(err, errs.KindNotFound) {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(contact), []byte(got.Phone)) != 1 &&
		subtle.ConstantTimeCompare([]byte(strings.ToLower(contact)), []byte(strings.ToLower(got.Email))) != 1 {
		return nil, missing
	}
	return d.Places.FindReminders(ctx, got.Kind, got.Ref)
}
