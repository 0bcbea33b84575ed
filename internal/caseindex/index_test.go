package caseindex

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/share"
)

// fakeStore holds cases in a map; its FindNearby only counts calls (the
// comparison with the real rule is storetest's testNearbyIndex, run on
// SQLite and PostgreSQL).
type fakeStore struct {
	mu       sync.Mutex
	cases    map[string]*casework.Case
	sqlCalls int
	// scanning, when set, is closed once the scan has started and the
	// scan waits for release: a write can land in the middle of a build.
	scanning, release chan struct{}
}

func (f *fakeStore) FindNearby(context.Context, casework.NearbyQuery) ([]*casework.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sqlCalls++
	return []*casework.Case{}, nil
}

func (f *fakeStore) EachIndexedCase(ctx context.Context, closedSince time.Time, fn func(*casework.Case) error) error {
	f.mu.Lock()
	var list []*casework.Case
	for _, c := range f.cases {
		if c.Category != nil && (!c.Status.Terminal() || (c.Status == casework.StatusClosed && c.ClosedAt != nil && !c.ClosedAt.Before(closedSince))) {
			cp := *c
			list = append(list, &cp)
		}
	}
	f.mu.Unlock()
	if f.scanning != nil {
		close(f.scanning)
		<-f.release
	}
	for _, c := range list {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) IndexedCases(_ context.Context, ids []string) ([]*casework.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*casework.Case
	for _, id := range ids {
		if c, ok := f.cases[id]; ok {
			cp := *c
			out = append(out, &cp)
		}
	}
	return out, nil
}

func (f *fakeStore) put(c *casework.Case) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *c
	f.cases[c.ID] = &cp
}

type fakeFeed struct{ changes []share.Change }

func (f *fakeFeed) LastPos(context.Context) (int64, error) {
	if len(f.changes) == 0 {
		return 0, nil
	}
	return f.changes[len(f.changes)-1].Pos, nil
}

func (f *fakeFeed) ChangesAfter(_ context.Context, pos int64, limit int) ([]share.Change, error) {
	var out []share.Change
	for _, c := range f.changes {
		if c.Pos > pos && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeFeed) add(caseID string) {
	f.changes = append(f.changes, share.Change{Pos: int64(len(f.changes) + 1), Dataset: "cases", CaseID: caseID})
}

var (
	now     = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	parking = catalog.Ref{Kind: catalog.Event, Code: "0501"}
	here    = geo.Point{Lng: 118.78, Lat: 32.04}
	box     = geo.Bounds{MinLng: here.Lng - 0.001, MinLat: here.Lat - 0.001, MaxLng: here.Lng + 0.001, MaxLat: here.Lat + 0.001}
)

func mk(id string, status casework.Status, reported time.Time, closed *time.Time, version int) *casework.Case {
	cat := parking
	return &casework.Case{ID: id, Code: "C" + id, Status: status, Category: &cat, Point: here,
		ReportedAt: reported, ClosedAt: closed, Version: version}
}

func ids(list []*casework.Case) []string {
	out := []string{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func open(t *testing.T, ix *Index) []string {
	t.Helper()
	list, err := ix.FindNearby(context.Background(), casework.NearbyQuery{Category: parking, Bounds: box, Since: now.Add(-72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return ids(list)
}

func TestIndex_Stored(t *testing.T) {
	ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	tests := []struct {
		name   string
		writes []*casework.Case
		want   []string
	}{
		{"new cases, newest first", []*casework.Case{mk("a", casework.StatusPendingAccept, ago(2), nil, 1),
			mk("b", casework.StatusInDisposal, ago(1), nil, 1)}, []string{"b", "a"}},
		{"a move keeps the case", []*casework.Case{mk("a", casework.StatusPendingAccept, ago(2), nil, 1),
			mk("a", casework.StatusDispatched, ago(2), nil, 2)}, []string{"a"}},
		{"merged leaves", []*casework.Case{mk("a", casework.StatusPendingAccept, ago(2), nil, 1),
			mk("a", casework.StatusMerged, ago(2), nil, 2)}, []string{}},
		{"an older state after a newer one is ignored", []*casework.Case{mk("a", casework.StatusPendingAccept, ago(2), nil, 1),
			mk("a", casework.StatusVoided, ago(2), nil, 2), mk("a", casework.StatusPendingAccept, ago(2), nil, 1)}, []string{}},
		{"too old for the window", []*casework.Case{mk("a", casework.StatusPendingAccept, ago(100), nil, 1)}, []string{}},
		{"no category is never a duplicate", []*casework.Case{{ID: "x", Status: casework.StatusPendingAccept, Point: here,
			ReportedAt: ago(1), Version: 1}}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{cases: map[string]*casework.Case{}}
			ix := New(st, func() time.Time { return now }, 0)
			if err := ix.Build(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.writes {
				ix.Stored(c)
			}
			if got := open(t, ix); !slices.Equal(got, tc.want) {
				t.Errorf("open duplicates %v, want %v", got, tc.want)
			}
			if st.sqlCalls != 0 {
				t.Errorf("the built index asked the store %d times", st.sqlCalls)
			}
		})
	}
}

// TestIndex_BuildRace: a case written while the scan runs is applied over
// the scan, the newer state winning either way round.
func TestIndex_BuildRace(t *testing.T) {
	st := &fakeStore{cases: map[string]*casework.Case{}, scanning: make(chan struct{}), release: make(chan struct{})}
	st.put(mk("old", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 1))  // the scan sees v1, v2 closes it
	st.put(mk("keep", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 3)) // the scan sees v3, a stale v2 arrives
	ix := New(st, func() time.Time { return now }, 0)
	done := make(chan error)
	go func() { done <- ix.Build(context.Background()) }()
	<-st.scanning
	if got := open(t, ix); len(got) != 0 || st.sqlCalls != 1 {
		t.Fatalf("during the build the store must answer: got %v from the index, %d store calls", got, st.sqlCalls)
	}
	ix.Stored(mk("old", casework.StatusVoided, now.Add(-time.Hour), nil, 2))
	ix.Stored(mk("keep", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 2))
	ix.Stored(mk("new", casework.StatusPendingAccept, now.Add(-time.Minute), nil, 1))
	close(st.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := open(t, ix), []string{"new", "keep"}; !slices.Equal(got, want) {
		t.Errorf("after the build: %v, want %v", got, want)
	}
}

// TestIndex_Prune: closed cases are held for the recurrence window; a
// search further back than what the index holds goes to the store.
func TestIndex_Prune(t *testing.T) {
	clock := now
	st := &fakeStore{cases: map[string]*casework.Case{}}
	st.put(mk("recent", casework.StatusClosed, now.Add(-20*24*time.Hour), ptr(now.Add(-10*24*time.Hour)), 5))
	st.put(mk("ancient", casework.StatusClosed, now.Add(-90*24*time.Hour), ptr(now.Add(-80*24*time.Hour)), 5))
	ix := New(st, func() time.Time { return clock }, 0)
	if err := ix.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	closed := func(since time.Time) ([]string, int) {
		st.sqlCalls = 0
		list, err := ix.FindNearby(context.Background(), casework.NearbyQuery{Category: parking, Bounds: box, Closed: true, Since: since})
		if err != nil {
			t.Fatal(err)
		}
		return ids(list), st.sqlCalls
	}
	if got, calls := closed(clock.Add(-30 * 24 * time.Hour)); !slices.Equal(got, []string{"recent"}) || calls != 0 {
		t.Errorf("recurrence search: %v with %d store calls; want [recent] from memory", got, calls)
	}
	if _, calls := closed(clock.Add(-60 * 24 * time.Hour)); calls != 1 {
		t.Errorf("a search past the held window made %d store calls, want 1", calls)
	}
	if _, _, held := ix.Stats(); held != 1 {
		t.Errorf("holds %d cases, want 1 (the ancient closure is never read)", held)
	}
	clock = clock.Add(25 * 24 * time.Hour) // "recent" was closed 35 days ago now
	ix.Prune()
	if _, _, held := ix.Stats(); held != 0 {
		t.Errorf("after the prune it holds %d cases, want 0", held)
	}
	if got, calls := closed(clock.Add(-30 * 24 * time.Hour)); len(got) != 0 || calls != 0 {
		t.Errorf("after the prune: %v with %d store calls; want nothing, from memory", got, calls)
	}
}

// TestFollower_Step: changes other nodes made reach the index through the
// change feed; what is not a case is skipped.
func TestFollower_Step(t *testing.T) {
	ctx := context.Background()
	st := &fakeStore{cases: map[string]*casework.Case{}}
	feed := &fakeFeed{}
	ix := New(st, func() time.Time { return now }, 0)
	f := &Follower{Index: ix, Changes: feed}
	if err := ix.Build(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write *casework.Case
		want  []string
	}{
		{"another node reports", mk("n1", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 1), []string{"n1"}},
		{"and another", mk("n2", casework.StatusPendingAccept, now.Add(-time.Minute), nil, 1), []string{"n2", "n1"}},
		{"another node merges one", mk("n1", casework.StatusMerged, now.Add(-time.Hour), nil, 2), []string{"n2"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			st.put(s.write)
			feed.add(s.write.ID)
			feed.changes = append(feed.changes, share.Change{Pos: int64(len(feed.changes) + 1), Dataset: "records"})
			if _, err := f.Step(ctx); err != nil {
				t.Fatal(err)
			}
			if got := open(t, ix); !slices.Equal(got, s.want) {
				t.Errorf("open duplicates %v, want %v", got, s.want)
			}
		})
	}
	if f.pos != int64(len(feed.changes)) {
		t.Errorf("the follower is at %d, the feed at %d", f.pos, len(feed.changes))
	}
}

// TestFollower_Run builds the index and stops when its context ends.
func TestFollower_Run(t *testing.T) {
	st := &fakeStore{cases: map[string]*casework.Case{}}
	st.put(mk("a", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 1))
	ix := New(st, func() time.Time { return now }, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- (&Follower{Index: ix, Changes: &fakeFeed{}, Every: 10 * time.Millisecond}).Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for !ix.Ready() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := open(t, ix); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after Run: %v, want [a]", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestStart: without a change feed the index still builds and hears this
// node's writes; stop ends the goroutine.
func TestStart(t *testing.T) {
	st := &fakeStore{cases: map[string]*casework.Case{}}
	st.put(mk("a", casework.StatusPendingAccept, now.Add(-2*time.Hour), nil, 1))
	ix, stop := Start(st, nil, func() time.Time { return now }, nil)
	for deadline := time.Now().Add(5 * time.Second); !ix.Ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not built within 5 s")
		}
	}
	ix.Stored(mk("b", casework.StatusPendingAccept, now.Add(-time.Hour), nil, 1))
	if got := open(t, ix); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("open duplicates %v, want [b a]", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
