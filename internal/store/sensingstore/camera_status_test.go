package sensingstore

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/sensing"
)

func TestStore_SaveCameraStatus(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t, dsn)
			t0 := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
			c := &sensing.Camera{ID: "cam-1", Name: "路口", Lng: 118.7, Lat: 32.0, Vendor: "dahua", Watches: []string{}, OfflineAfterS: 600, CreatedAt: t0}
			if err := db.PutCamera(ctx, c); err != nil {
				t.Fatal(err)
			}
			seen := t0.Add(time.Hour)
			up := *c
			up.Online, up.LastSeen = true, &seen
			ghost := &sensing.Camera{ID: "ghost", Lng: 118.7, Lat: 32.0, Online: true}
			if err := db.SaveCameraStatus(ctx, []*sensing.Camera{&up, ghost}); err != nil {
				t.Fatal(err)
			}
			cs, err := db.Cameras(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 {
				t.Fatalf("%d cameras, want 1 (status never creates one)", len(cs))
			}
			got := cs[0]
			if !got.Online || got.LastSeen == nil || !got.LastSeen.Equal(seen) || got.OfflineAfterS != 600 || got.Name != "路口" {
				t.Fatalf("camera after status = %+v", got)
			}
		})
	}
}
