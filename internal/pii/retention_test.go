package pii

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestRetentionJob(t *testing.T) {
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	var cut time.Time
	purge := func(ctx context.Context, before time.Time) (int, error) { cut = before; return 3, nil }
	j := RetentionJob("retention", "reporters' contact details", 180, purge, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	if j.Name != "retention" || j.Schedule == nil || j.Timeout == 0 {
		t.Fatalf("job %+v", j)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := now.AddDate(0, 0, -180); !cut.Equal(want) {
		t.Errorf("purged before %s, want %s", cut, want)
	}
	boom := errors.New("disk full")
	j = RetentionJob("retention", "x", 1, func(context.Context, time.Time) (int, error) { return 0, boom }, time.Now, slog.New(slog.DiscardHandler))
	if err := j.Run(context.Background()); !errors.Is(err, boom) {
		t.Errorf("error %v, want it wrapped", err)
	}
}
