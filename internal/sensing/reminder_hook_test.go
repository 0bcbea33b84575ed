package sensing

import (
	"context"
	"sync"
	"testing"
	"time"
)

// remStore records the reminders on top of memStore.
type remStore struct {
	*memStore
	mu        sync.Mutex
	reminders []Reminder
}

func (r *remStore) AddReminder(_ context.Context, rem Reminder) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reminders = append(r.reminders, rem)
	return nil
}

// fakeSender answers with a channel and records whom it was asked about.
type fakeSender struct {
	channel string
	asked   []Event
}

func (f *fakeSender) SendReminder(_ context.Context, _ Reminder, cam Camera, e Event) (string, error) {
	f.asked = append(f.asked, e)
	return f.channel, nil
}

// TestService_ReminderThenCase: a "remind" sighting goes to the sender
// (sms when it knows the party, the display when not), and the same
// violation captured again after the window opens a case.
func TestService_ReminderThenCase(t *testing.T) {
	for _, tc := range []struct{ name, channel, want string }{
		{"a registered party gets an SMS", "sms", "sms"},
		{"nobody registered: the display", "", "display"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &remStore{memStore: &memStore{cameras: []*Camera{{ID: "cam-1", Name: "中山路口", Lng: 118.78, Lat: 32.04, Watches: []string{"event:0504"}}}}}
			desk := &memDesk{}
			svc, clock := newHealthService(t, st.memStore, desk)
			svc.Store = st
			snd := &fakeSender{channel: tc.channel}
			svc.Reminders = snd
			ctx := context.Background()
			e := Event{Camera: "cam-1", Category: "event:0504", Confidence: 0.9, At: healthT0, Subject: "S-88"}
			res, err := svc.HandleEvent(ctx, e)
			if err != nil || res.Decision.Verdict != VerdictRemind {
				t.Fatalf("first sighting: %+v %v", res.Decision, err)
			}
			if len(snd.asked) != 1 || snd.asked[0].Subject != "S-88" || len(st.reminders) != 1 || st.reminders[0].Channel != tc.want {
				t.Fatalf("asked %v, recorded %+v", snd.asked, st.reminders)
			}
			if len(desk.opened) != 0 {
				t.Fatal("a case opened before the reminder's window")
			}
			later := healthT0.Add(16 * time.Minute)
			clock.Set(later)
			e.At = later
			res, err = svc.HandleEvent(ctx, e)
			if err != nil || res.Decision.Verdict != VerdictEscalate || len(desk.opened) != 1 || len(snd.asked) != 1 {
				t.Fatalf("second capture after the window: %+v, %d cases, %d reminders, %v", res.Decision, len(desk.opened), len(snd.asked), err)
			}
		})
	}
}
