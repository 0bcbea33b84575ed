package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// fakeFeed is an in-memory ChangeFeed.
type fakeFeed struct {
	mu    sync.Mutex
	items []FeedItem
	reads int
	err   error
}

func (f *fakeFeed) add(codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range codes {
		f.items = append(f.items, FeedItem{Pos: int64(len(f.items) + 1), Code: c})
	}
}

func (f *fakeFeed) Last(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.items)), f.err
}

func (f *fakeFeed) After(_ context.Context, pos int64, limit int) ([]FeedItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.err != nil {
		return nil, f.err
	}
	out := f.items[min(int(pos), len(f.items)):]
	return append([]FeedItem(nil), out[:min(limit, len(out))]...), nil
}

func (f *fakeFeed) afterCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// next reads the next message on ch, or "" after d.
func next(ch chan string, d time.Duration) string {
	select {
	case m := <-ch:
		return m
	case <-time.After(d):
		return ""
	}
}

func TestServer_RunFeed(t *testing.T) {
	t.Parallel()
	s := &Server{broker: newBroker(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	feed := &fakeFeed{}
	feed.add("old-1", "old-2") // history before start-up is not replayed
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.RunFeed(ctx, feed) }()
	defer func() { cancel(); <-done }()

	time.Sleep(3 * feedEvery)
	if n := feed.afterCalls(); n != 0 {
		t.Fatalf("read the feed %d times with no stream open", n)
	}
	ch := s.broker.subscribe()
	defer s.broker.unsubscribe(ch)

	feed.add("A", "B", "A", "")
	got := map[string]int{}
	for m := next(ch, 3*feedEvery); m != ""; m = next(ch, 3*feedEvery) {
		got[m]++
	}
	if len(got) != 2 || got["A"] != 1 || got["B"] != 1 {
		t.Fatalf("published %v, want A and B once each", got)
	}

	// This node's own publish comes at once; the feed's echo is dropped.
	s.broker.publish("C")
	if m := next(ch, time.Second); m != "C" {
		t.Fatalf("local publish: %q", m)
	}
	feed.add("C", "D")
	if m := next(ch, 3*feedEvery); m != "D" {
		t.Fatalf("after the echo: %q, want D", m)
	}
	if m := next(ch, 2*feedEvery); m != "" {
		t.Fatalf("unexpected %q", m)
	}

	// A failing feed leaves local publishes working.
	feed.mu.Lock()
	feed.err = errors.New("down")
	feed.mu.Unlock()
	time.Sleep(2 * feedEvery)
	s.broker.publish("E")
	if m := next(ch, time.Second); m != "E" {
		t.Fatalf("local publish while the feed fails: %q", m)
	}
}
