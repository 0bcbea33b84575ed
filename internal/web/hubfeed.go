package web

import (
	"context"
	"encoding/json"
	"fmt"

	"cityloop/internal/share"
)

// HubChanges is the part of the hub's store the live updates read: its
// outbox of changes, in order.
type HubChanges interface {
	LastPos(ctx context.Context) (int64, error)
	ChangesAfter(ctx context.Context, pos int64, limit int) ([]share.Change, error)
}

// HubFeed adapts the hub's outbox to [ChangeFeed]: the hub's feeder fills
// it on one node (under the hub-delivery lease), and every node tails it.
type HubFeed struct{ Hub HubChanges }

func (f HubFeed) Last(ctx context.Context) (int64, error) { return f.Hub.LastPos(ctx) }

func (f HubFeed) After(ctx context.Context, pos int64, limit int) ([]FeedItem, error) {
	changes, err := f.Hub.ChangesAfter(ctx, pos, limit)
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	items := make([]FeedItem, 0, len(changes))
	for _, c := range changes {
		it := FeedItem{Pos: c.Pos}
		if c.Dataset == "cases" {
			// The payload carries the case as partners see it, code included.
			var p struct {
				Case struct {
					Code string `json:"code"`
				} `json:"case"`
			}
			if err := json.Unmarshal(c.Payload, &p); err != nil {
				return nil, fmt.Errorf("read change %d: %w", c.Pos, err)
			}
			it.Code = p.Case.Code
		}
		items = append(items, it)
	}
	return items, nil
}

// FollowHub is the work that feeds the event streams of this node from
// the hub's change feed, so that a case moved through the API, by a sensor
// or on another node shows up on every node's workbenches within about a
// second; run it beside the server.
func (s *Server) FollowHub(h HubChanges) func(ctx context.Context) error {
	return func(ctx context.Context) error { return s.RunFeed(ctx, HubFeed{Hub: h}) }
}
