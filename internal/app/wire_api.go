package app

import (
	"context"
	"time"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
)

// sensingAPI adapts the sensing service, with its MQTT subscriber (nil
// without --mqtt-addr), to api.Sensing.
type sensingAPI struct {
	*sensing.Service
	sub *mqtt.Subscriber
}

func (s sensingAPI) Series(ctx context.Context, q sensing.SeriesQuery) ([]sensing.SeriesPoint, error) {
	return s.Service.Store.Series(ctx, q)
}

func (s sensingAPI) Clock() time.Time { return s.Service.Now() }

func (s sensingAPI) VendorCodes() map[string]string { return s.Service.VendorCodes }

func (s sensingAPI) MQTT() map[string]any {
	if s.sub == nil {
		return nil
	}
	st := &s.sub.Stats
	return map[string]any{"filter": s.sub.Filter(), "received": st.Received.Load(), "invalid": st.Invalid.Load(),
		"stored": st.Stored.Load(), "acked": st.Acked.Load(), "batches": st.Batches.Load(), "retries": st.Retries.Load()}
}
