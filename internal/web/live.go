package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
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

// broker fans "something changed" out to the open event streams of this
// node. Handlers here publish after each successful report or action, at
// once; RunFeed publishes what the database's change feed shows, which
// covers the API, sensors and the other nodes. A stream also ticks every
// liveTick in case a nudge was dropped.
//
// A message is a case's code, and a stream hears only of the cases its
// filter allows (the person's jurisdiction, as for their queues). The case
// travels with the message so that each change is looked up once, not
// once per stream.
type broker struct {
	mu   sync.Mutex
	subs map[chan string]liveFilter
	// local holds when this node last published each code itself, so that
	// the feed's echo of the same change a moment later is dropped.
	local map[string]time.Time
	wake  chan struct{} // signalled when a stream opens (RunFeed waits on it)
}

// liveFilter says whether a stream may hear of a change to c; c is nil when
// the case could not be looked up. A nil filter hears of everything.
type liveFilter func(c *casework.Case) bool

// echoWindow is how long after a local publish the feed's copy of that
// code is taken for an echo (the feeder and the tail add up to about a
// second).
const echoWindow = 2 * time.Second

func newBroker() *broker {
	return &broker{subs: map[chan string]liveFilter{}, local: map[string]time.Time{}, wake: make(chan struct{}, 1)}
}

// subscribe opens a stream that hears of every change.
func (b *broker) subscribe() chan string { return b.subscribeIf(nil) }

// subscribeIf opens a stream that hears of the changes allow lets through.
func (b *broker) subscribeIf(allow liveFilter) chan string {
	ch := make(chan string, 8)
	b.mu.Lock()
	b.subs[ch] = allow
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return ch
}

func (b *broker) unsubscribe(ch chan string) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

// watched reports whether a stream is open.
func (b *broker) watched() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs) > 0
}

// publish sends a change made on this node, with no case to filter on:
// only unfiltered streams hear of it.
func (b *broker) publish(msg string) { b.publishCase(msg, nil) }

// publishCase sends a change to case c made on this node.
func (b *broker) publishCase(msg string, c *casework.Case) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.local) > 1000 {
		for code, at := range b.local {
			if now.Sub(at) >= echoWindow {
				delete(b.local, code)
			}
		}
	}
	b.local[msg] = now
	b.send(msg, c)
}

// echo reports whether this node published msg itself within echoWindow
// (the feed's copy is then dropped).
func (b *broker) echo(msg string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if at, ok := b.local[msg]; ok {
		if time.Since(at) < echoWindow {
			return true
		}
		delete(b.local, msg)
	}
	return false
}

// publishFeed sends a change read from the feed, unless this node published
// the same code within echoWindow. find looks the case up (only when a
// filtered stream is open, and outside the lock); it may be nil.
func (b *broker) publishFeed(msg string, find func(code string) *casework.Case) {
	if b.echo(msg) {
		return
	}
	var c *casework.Case
	if find != nil && b.filtered() {
		c = find(msg)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.send(msg, c)
}

// filtered reports whether any open stream has a filter.
func (b *broker) filtered() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, allow := range b.subs {
		if allow != nil {
			return true
		}
	}
	return false
}

func (b *broker) send(msg string, c *casework.Case) {
	for ch, allow := range b.subs {
		if allow != nil && !allow(c) {
			continue
		}
		select {
		case ch <- msg:
		default: // a slow reader misses a nudge, not data: it reloads on the next one
		}
	}
}

const liveTick = 15 * time.Second

// findLive looks a changed case up for the streams' filters; nil when it
// cannot (the streams of a jurisdiction then do not hear of it, and reload
// on their next tick anyway).
func (s *Server) findLive(ctx context.Context, code string) *casework.Case {
	if s.Cases == nil || code == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := s.Cases.FindCaseByCode(ctx, org.SystemActor, code) // the platform's look, filtered per stream below
	if err != nil {
		if !errs.Is(err, errs.KindNotFound) {
			s.Log.Warn("web: look up a changed case for live updates", "code", code, "err", err)
		}
		return nil
	}
	return c
}

// jurisdiction is the live filter of a person: the cases their queues may
// show (the same scope the store applies to every queue), recomputed on
// each change so that a region import takes effect at once.
func (s *Server) jurisdiction(a org.Actor) liveFilter {
	return func(c *casework.Case) bool {
		scope := s.Cases.ScopeOf(a)
		if c == nil {
			return scope.All
		}
		return scope.Allows(c)
	}
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	r, err := s.withSession(w, r)
	var sess *session
	if err == nil {
		sess, err = requireActor(r)
	}
	if err != nil {
		http.Error(w, "请先登录 / sign in first", http.StatusUnauthorized)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout would cut the stream
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	ch := s.broker.subscribeIf(s.jurisdiction(sess.actor))
	defer s.broker.unsubscribe(ch)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	t := time.NewTicker(liveTick)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case code := <-ch:
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", strings.ReplaceAll(code, "\n", ""))
		case <-t.C:
			fmt.Fprint(w, "event: tick\ndata: \n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
