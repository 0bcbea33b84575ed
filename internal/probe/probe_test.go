package probe

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC) }
	stale := errors.New("last pass 2m ago")
	for _, tc := range []struct {
		name string
		p    Parts
		want map[string]string // state, or "error"
	}{
		{"nothing to check", Parts{Now: now}, map[string]string{}},
		{"all well, subscribing", Parts{Now: now,
			Migrations: func(context.Context) (bool, error) { return false, nil },
			Broker:     func() (bool, bool) { return true, true },
			Jobs:       func(time.Time) error { return nil }},
			map[string]string{"migrations": "ok", "mqtt_broker": "ok", "jobs": "ok"}},
		{"another node subscribes", Parts{Now: now, Broker: func() (bool, bool) { return false, false }},
			map[string]string{"mqtt_broker": "standby"}},
		{"broker lost", Parts{Now: now, Broker: func() (bool, bool) { return true, false }},
			map[string]string{"mqtt_broker": "error"}},
		{"migrations pending", Parts{Now: now, Migrations: func(context.Context) (bool, error) { return true, nil }},
			map[string]string{"migrations": "error"}},
		{"migrations unreadable", Parts{Now: now, Migrations: func(context.Context) (bool, error) { return false, errors.New("closed") }},
			map[string]string{"migrations": "error"}},
		{"jobs stalled", Parts{Now: now, Jobs: func(time.Time) error { return stale }},
			map[string]string{"jobs": "error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, c := range Checks(tc.p) {
				state, err := c.Check(context.Background())
				if err != nil {
					state = "error"
				}
				got[c.Name] = state
			}
			if len(got) != len(tc.want) {
				t.Fatalf("checks %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
