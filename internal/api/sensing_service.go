package api

import (
	"context"
	"time"

	"cityloop/internal/sensing"
)

// SensingService is *sensing.Service as the sensing routes use it
// ([Sensing]); Stats reports the node's MQTT counters (nil when MQTT is not
// configured).
type SensingService struct {
	*sensing.Service
	Stats func() sensing.IntakeCounters
}

func (s SensingService) Series(ctx context.Context, q sensing.SeriesQuery) ([]sensing.SeriesPoint, error) {
	return s.Service.Store.Series(ctx, q)
}

func (s SensingService) Clock() time.Time { return s.Service.Now() }

func (s SensingService) VendorCodes() map[string]string { return s.Service.VendorCodes }

func (s SensingService) MQTT() *sensing.IntakeCounters {
	if s.Stats == nil {
		return nil
	}
	c := s.Stats()
	return &c
}
