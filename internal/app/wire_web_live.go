package app

import (
	"context"
	"encoding/json"
	"fmt"

	"cityloop/internal/share"
	"cityloop/internal/web"
)

// hubChanges is the part of the hub store the console's live updates read
// (wireInterop sets App.hubChanges to its store).
type hubChanges interface {
	LastPos(ctx context.Context) (int64, error)
	ChangesAfter(ctx context.Context, pos int64, limit int) ([]share.Change, error)
}

// wireLiveFeed feeds s's event streams from the hub's change feed, so that a
// case moved through the API, by a sensor or on another node shows up on
// every node's workbenches within about a second. The hub's feeder fills
// the feed on one node (under the hub-delivery lease); every node tails it.
func wireLiveFeed(a *App, s *web.Server) {
	if a.hubChanges == nil {
		return
	}
	feed := liveFeed{a.hubChanges}
	a.Go(func(ctx context.Context) error { return s.RunFeed(ctx, feed) })
}

// liveFeed adapts the hub's outbox to [web.ChangeFeed].
type liveFeed struct{ hub hubChanges }

func (f liveFeed) Last(ctx context.Context) (int64, error) { return f.hub.LastPos(ctx) }

func (f liveFeed) After(ctx context.Context, pos int64, limit int) ([]web.FeedItem, error) {
	changes, err := f.hub.ChangesAfter(ctx, pos, limit)
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	items := make([]web.FeedItem, 0, len(changes))
	for _, c := range changes {
		it := web.FeedItem{Pos: c.Pos}
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
