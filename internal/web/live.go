package web

import (
	"context"
	"time"

	"cityloop/internal/casework"
)

// ChangeFeed is the database's ordered change feed (app adapts the hub's
// outbox to it). Every node reads it, so a case that moves through the API,
// a sensor or another node reaches this node's open workbenches too.
type ChangeFeed interface {
	// Last is the newest position, 0 for an empty feed.
	Last(ctx context.Context) (int64, error)
	// After returns up to limit items after pos, in order.
	After(ctx context.Context, pos int64, limit int) ([]FeedItem, error)
}

// FeedItem is one change on a [ChangeFeed].
type FeedItem struct {
	Pos  int64
	Code string // the case's code; empty for changes that are not cases
}

const (
	feedEvery = 500 * time.Millisecond
	// feedPage bounds one read. A full page means a backlog (a bulk import,
	// or changes made while nobody watched): the streams reload whole
	// queues on any change, so the tail skips to the end instead of
	// reading it all.
	feedPage = 256
)

// RunFeed tails feed until ctx ends, publishing the case code of each
// change to those of this node's event streams whose jurisdiction holds
// the case. It starts at the feed's end (no
// history is replayed) and reads only while a stream is open. Errors are
// logged at most once a minute; this node's own publishes keep working.
// Run one per Server, after Init.
func (s *Server) RunFeed(ctx context.Context, feed ChangeFeed) error {
	var warned time.Time
	warn := func(err error) {
		if ctx.Err() == nil && time.Since(warned) >= time.Minute {
			warned = time.Now()
			s.Log.Warn("web: read the change feed; live updates show only this node's own changes until it answers", "err", err)
		}
	}
	pos := int64(-1) // unknown until Last answers
	if p, err := feed.Last(ctx); err != nil {
		warn(err)
	} else {
		pos = p
	}
	t := time.NewTicker(feedEvery)
	defer t.Stop()
	for {
		for !s.broker.watched() {
			select {
			case <-ctx.Done():
				return nil
			case <-s.broker.wake:
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		p, err := s.pollFeed(ctx, feed, pos)
		if err != nil {
			warn(err)
		}
		pos = p
	}
}

// pollFeed publishes the changes after pos, each code once, and returns the
// new position.
func (s *Server) pollFeed(ctx context.Context, feed ChangeFeed, pos int64) (int64, error) {
	if pos < 0 {
		last, err := feed.Last(ctx)
		if err != nil {
			return pos, err
		}
		return last, nil
	}
	items, err := feed.After(ctx, pos, feedPage)
	if err != nil {
		return pos, err
	}
	seen := make(map[string]struct{}, len(items))
	for _, it := range items {
		pos = max(pos, it.Pos)
		if _, ok := seen[it.Code]; ok || it.Code == "" {
			continue
		}
		seen[it.Code] = struct{}{}
		s.broker.publishFeed(it.Code, func(code string) *casework.Case { return s.findLive(ctx, code) })
	}
	if len(items) == feedPage {
		last, err := feed.Last(ctx)
		if err != nil {
			return pos, err
		}
		pos = max(pos, last)
	}
	return pos, nil
}
