package sensing

import (
	"context"
	"time"
)

// Handover writes out everything only this node's memory holds (device
// status, which Flush otherwise writes every 30 s, and camera tracks), for
// the node that takes the sensing service over and loads it from the store.
func (s *Service) Handover(ctx context.Context) error {
	s.mu.Lock()
	s.flushedAt = time.Time{}
	s.mu.Unlock()
	return s.Flush(ctx)
}
