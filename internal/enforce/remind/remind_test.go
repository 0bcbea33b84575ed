package remind_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/remind"
	"cityloop/internal/errs"
	"cityloop/internal/outbox"
	"cityloop/internal/pii"
	"cityloop/internal/sensing"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/store/outboxstore"
)

var t0 = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)

type rig struct {
	es     *enforcestore.DB
	ob     *outboxstore.DB
	sender *remind.Sender
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "remind.db")
	k, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	es, err := enforcestore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { es.Close() })
	if err := es.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	es.SetKeyring(k)
	ob, err := outboxstore.OpenReady(ctx, dsn, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	n := 0
	newID := func() string { n++; return fmt.Sprintf("id-%d", n) }
	now := func() time.Time { return t0 }
	svc := &outbox.Service{Store: ob, Policy: outbox.DefaultPolicy, Now: now, NewID: newID}
	return &rig{es: es, ob: ob, sender: &remind.Sender{Places: es, Outbox: svc, Now: now, NewID: newID}}
}

func TestSender_SendReminder(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, p := range []enforce.Place{
		{Kind: enforce.PlaceCamera, Ref: "cam-001", Name: "老王水果店", Phone: "13800001111"},
		{Kind: enforce.PlacePlate, Ref: "苏A 12345", Name: "张某", Phone: "13900002222"},
		{Kind: enforce.PlaceShop, Ref: "S-88", Name: "李记小吃", Email: "li@example.com"},
	} {
		p = p.Normalize()
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		p.UpdatedAt = t0
		if err := r.es.PutPlace(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	cam := sensing.Camera{ID: "cam-001", Name: "中山路 1 号"}
	for _, tc := range []struct {
		name, track, camera, category, subject string
		channel, to                            string
		kind                                   enforce.PlaceKind
		ref                                    string
	}{
		{"the frontage the camera watches", "t1", "cam-001", "event:0504", "", "sms", "13800001111", enforce.PlaceCamera, "CAM-001"},
		{"a plate read on a parking sighting", "t2", "cam-001", "event:0505", "苏A12345", "sms", "13900002222", enforce.PlacePlate, "苏A12345"},
		{"a shop id with an e-mail only", "t3", "cam-001", "event:0504", "s-88", "email", "li@example.com", enforce.PlaceShop, "S-88"},
		{"nobody registered: the display only", "t4", "cam-009", "event:0504", "", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cam
			c.ID = tc.camera
			rem := sensing.Reminder{ID: "r-" + tc.track, Track: tc.track, Camera: tc.camera, Category: tc.category, Text: "【城管提醒】请于15分钟内自行整改。", At: t0}
			ev := sensing.Event{Camera: tc.camera, Category: tc.category, Subject: tc.subject, At: t0}
			for i := 0; i < 2; i++ { // a resent event reminds once
				ch, err := r.sender.SendReminder(ctx, rem, c, ev)
				if err != nil || ch != tc.channel {
					t.Fatalf("send %d: channel %q, %v; want %q", i, ch, err, tc.channel)
				}
			}
			if tc.kind == "" {
				return
			}
			sent, err := r.es.FindReminders(ctx, tc.kind, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			var mine []enforce.SentReminder
			for _, s := range sent {
				if s.Track == tc.track {
					mine = append(mine, s)
				}
			}
			if len(mine) != 1 || mine[0].Channel != tc.channel || mine[0].MessageID == "" {
				t.Fatalf("recorded %+v", sent)
			}
			m, err := r.ob.FindMessageByID(ctx, mine[0].MessageID)
			if err != nil || m.To != tc.to || string(m.Channel) != tc.channel || !strings.Contains(m.Body, "15分钟") ||
				m.IdempotencyKey != "camera-reminder:"+tc.track {
				t.Fatalf("message %+v %v", m, err)
			}
		})
	}
	// The party learns its own reminders with its registered contact only.
	desk := &remind.Desk{Places: r.es}
	got, err := desk.Reminders(ctx, remind.LookupRequest{Kind: enforce.PlaceCamera, Ref: "cam-001", Contact: "13800001111"})
	if err != nil || len(got) != 1 || got[0].Track != "t1" || got[0].Channel != "sms" {
		t.Fatalf("the party's reminders: %+v %v", got, err)
	}
	if _, err := desk.Reminders(ctx, remind.LookupRequest{Kind: enforce.PlaceShop, Ref: "S-88", Contact: "LI@example.com"}); err != nil {
		t.Fatalf("by e-mail, any case: %v", err)
	}
	for _, bad := range []remind.LookupRequest{{Kind: enforce.PlaceCamera, Ref: "cam-001", Contact: "13800002222"},
		{Kind: enforce.PlacePlate, Ref: "苏A99999", Contact: "13800001111"}} {
		if _, err := desk.Reminders(ctx, bad); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("lookup %+v: %v", bad, err)
		}
	}
	// The registry is sealed at rest: no phone, e-mail, name or plate in clear.
	var raw string
	if err := r.es.ReadPool().QueryRowContext(ctx, `SELECT group_concat(place_key || ref || name || phone || email, '|') FROM enforce_places`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"13800001111", "13900002222", "li@example.com", "老王", "苏A12345", "CAM-001"} {
		if strings.Contains(raw, secret) {
			t.Fatalf("%q stored in clear", secret)
		}
	}
}

func TestPlace_Validate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     enforce.Place
		field string
	}{
		{"ok", enforce.Place{Kind: enforce.PlaceShop, Ref: "S-1", Name: "店", Phone: "13800001111"}, ""},
		{"bad kind", enforce.Place{Kind: "house", Ref: "S-1", Name: "店", Phone: "13800001111"}, "kind"},
		{"no contact", enforce.Place{Kind: enforce.PlaceShop, Ref: "S-1", Name: "店"}, "phone"},
		{"bad phone", enforce.Place{Kind: enforce.PlaceShop, Ref: "S-1", Name: "店", Phone: "12345"}, "phone"},
		{"bad e-mail", enforce.Place{Kind: enforce.PlaceShop, Ref: "S-1", Name: "店", Email: "x@"}, "email"},
		{"no ref", enforce.Place{Kind: enforce.PlaceShop, Name: "店", Phone: "13800001111"}, "ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Normalize().Validate()
			var fields []string
			if e, ok := errs.As(err); ok {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			if (err == nil) != (tc.field == "") || (err != nil && !slices.Contains(fields, tc.field)) {
				t.Fatalf("%v, want a problem with %q", err, tc.field)
			}
		})
	}
}

func TestSites(t *testing.T) {
	cams := []*sensing.Camera{
		{ID: "cam-b", Name: "夫子庙", District: "320104", Watches: []string{"event:0504"}, Vendor: "hik"},
		{ID: "cam-a", Name: "新街口", District: "320102", Watches: []string{"event:0301"}},
		{ID: "cam-c", Name: "湖南路", District: "320106"},
	}
	pols := []sensing.Policy{{Category: "event:0504", Mode: sensing.ModeRemind, RemindAfter: sensing.Duration(15 * time.Minute)}}
	names := map[string]string{"event:0504": "店外经营"}
	got := remind.Sites(cams, pols, map[string]string{"event:0504": "ROAD-01", "event:0101": "PLAN-01"}, func(c string) string { return names[c] })
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"cam-b", "cam-c"}) {
		t.Fatalf("sites %v: want the cameras that watch a violation", ids)
	}
	b := got[0]
	if len(b.Watches) != 1 || b.Watches[0] != (remind.Watch{Category: "event:0504", Name: "店外经营", Mode: sensing.ModeRemind, RemindMinutes: 15}) {
		t.Fatalf("cam-b watches %+v", b.Watches)
	}
	if len(got[1].Watches) != 2 || got[1].Watches[0].Category != "event:0101" || got[1].Watches[0].Mode != sensing.ModeConfirm {
		t.Fatalf("cam-c (watches everything) %+v", got[1].Watches)
	}
}
