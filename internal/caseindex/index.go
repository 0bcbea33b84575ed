package caseindex

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
)

// Source is the store the index is built from, and the SQL path it falls
// back on.
type Source interface {
	// FindNearby is the store's own search, the rule the index follows.
	FindNearby(ctx context.Context, q casework.NearbyQuery) ([]*casework.Case, error)
	// EachIndexedCase streams the open cases with a category and the
	// cases closed at or after closedSince.
	EachIndexedCase(ctx context.Context, closedSince time.Time, fn func(*casework.Case) error) error
	// IndexedCases reads the current state of some cases.
	IndexedCases(ctx context.Context, ids []string) ([]*casework.Case, error)
}

// The store's limits for FindNearby (sqlstore.DefaultLimit and MaxLimit):
// the index must cut its answer where the store does.
const (
	defaultLimit = 50
	maxLimit     = 500
)

const (
	// cellDeg is a cell's side in degrees (about 220 m north–south here):
	// a 50 m duplicate radius touches one to four cells.
	cellDeg = 0.002
	// maxCells bounds the cells one search visits one by one; a box wider
	// than that (a sub-class with a radius of kilometres) scans every
	// cell of its sub-class instead.
	maxCells = 1024
	// DefaultClosedFor is how long closed cases are kept: the recurrence
	// window (30 days) and a day to spare, so a search made a little
	// after the last prune is still answered from memory.
	DefaultClosedFor = 31 * 24 * time.Hour
	// tombFor is how long the index remembers a case that left it, so a
	// re-read of an older state (the change feed lags) cannot put it back.
	tombFor = 10 * time.Minute
)

// entry is what the index keeps of one case. It is never changed once in
// the index: a newer state replaces the pointer, so a search can read the
// entries it collected after it let go of the lock.
type entry struct {
	id, code                                string
	status                                  casework.Status
	cat                                     string
	ref                                     catalog.Ref
	lng, lat                                float64
	grid, community, street, district, dept string
	reported                                int64 // µs, the store's resolution
	closed                                  int64 // µs; valid when hasClosed
	hasClosed                               bool
	version                                 int
	cell                                    cell
}

type cell struct{ x, y int32 }

// tomb remembers a case that left the index (ended, or not indexable).
type tomb struct {
	version int
	at      time.Time
}

// Index answers [casework.NearbyQuery] from memory. It implements
// [casework.NearbyIndex]; every method is safe for concurrent use.
type Index struct {
	src Source
	// Now is the application's clock, which the recurrence window is
	// measured by; Wall is the real one, for how long tombstones live.
	now, wall func() time.Time
	closedFor time.Duration

	buildMu  sync.Mutex // one Build at a time
	mu       sync.RWMutex
	ready    bool
	building bool
	pending  []*entry // written while building; applied over the scan
	byID     map[string]*entry
	cats     map[string]map[cell][]*entry
	tombs    map[string]tomb
	// closedFrom (µs): every closed case closed at or after it is held.
	closedFrom int64
	interned   map[string]string

	hits, misses atomic.Int64
}

// New makes an empty index over src; it answers through src until Build
// has run. now is the application's clock; closedFor is how long closed
// cases are kept (DefaultClosedFor when zero).
func New(src Source, now func() time.Time, closedFor time.Duration) *Index {
	if closedFor <= 0 {
		closedFor = DefaultClosedFor
	}
	return &Index{src: src, now: now, wall: time.Now, closedFor: closedFor, byID: map[string]*entry{},
		cats: map[string]map[cell][]*entry{}, tombs: map[string]tomb{}, interned: map[string]string{}}
}

// Ready reports whether the index has been built.
func (ix *Index) Ready() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.ready
}

// Stats says how many searches the index answered and how many it passed
// to the store, and how many cases it holds.
func (ix *Index) Stats() (answered, passed int64, held int) {
	ix.mu.RLock()
	held = len(ix.byID)
	ix.mu.RUnlock()
	return ix.hits.Load(), ix.misses.Load(), held
}

// Build (re)fills the index from the store in one streaming query. Cases
// this node stores meanwhile are kept aside and applied over the scan, the
// newer version winning, so none is lost to the race. A second Build waits
// for the first, then reads again.
func (ix *Index) Build(ctx context.Context) error {
	ix.buildMu.Lock()
	defer ix.buildMu.Unlock()
	ix.mu.Lock()
	ix.building, ix.pending = true, nil
	ix.mu.Unlock()

	from := ix.now().Add(-ix.closedFor)
	fresh := &Index{byID: map[string]*entry{}, cats: map[string]map[cell][]*entry{}, tombs: map[string]tomb{},
		interned: map[string]string{}, wall: ix.wall}
	err := ix.src.EachIndexedCase(ctx, from, func(c *casework.Case) error {
		if e := fresh.entryOf(c); e != nil {
			fresh.put(e)
		}
		return nil
	})

	ix.mu.Lock()
	defer ix.mu.Unlock()
	pending := ix.pending
	ix.building, ix.pending = false, nil
	if err != nil {
		return fmt.Errorf("build the duplicate index: %w", err)
	}
	ix.byID, ix.cats, ix.tombs, ix.interned = fresh.byID, fresh.cats, fresh.tombs, fresh.interned
	ix.closedFrom = from.UnixMicro()
	for _, e := range pending {
		ix.put(e)
	}
	ix.ready = true
	return nil
}

// Stored puts a case this node has just written (created or moved).
func (ix *Index) Stored(c *casework.Case) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.ready && !ix.building {
		return // Build reads it from the store
	}
	e := ix.entryOf(c)
	if e == nil {
		e = &entry{id: c.ID, version: c.Version, status: c.Status} // leaves the index
	}
	if ix.building {
		ix.pending = append(ix.pending, e)
		return
	}
	ix.put(e)
}

// Prune drops the cases closed longer ago than the index keeps them, and
// old tombstones.
func (ix *Index) Prune() {
	from := ix.now().Add(-ix.closedFor).UnixMicro()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.ready {
		return
	}
	for _, e := range ix.byID {
		if e.status == casework.StatusClosed && (!e.hasClosed || e.closed < from) {
			ix.remove(e)
		}
	}
	if from > ix.closedFrom {
		ix.closedFrom = from
	}
	cut := ix.wall().Add(-tombFor)
	for id, t := range ix.tombs {
		if t.at.Before(cut) {
			delete(ix.tombs, id)
		}
	}
}

// entryOf turns a case into an entry, or nil when no search could find it:
// no category, ended without being closed, or a point that is not a
// number. Strings repeated across cases (categories, regions, departments)
// are kept once.
func (ix *Index) entryOf(c *casework.Case) *entry {
	if c.Category == nil || (c.Status.Terminal() && c.Status != casework.StatusClosed) ||
		!finite(c.Point.Lng) || !finite(c.Point.Lat) {
		return nil
	}
	e := &entry{id: c.ID, code: c.Code, status: c.Status, cat: ix.intern(c.Category.String()), ref: *c.Category,
		lng: c.Point.Lng, lat: c.Point.Lat, grid: ix.intern(c.Grid), community: ix.intern(c.Community),
		street: ix.intern(c.Street), district: ix.intern(c.District), dept: ix.intern(c.Department),
		reported: c.ReportedAt.UnixMicro(), version: c.Version, cell: cellOf(c.Point.Lng, c.Point.Lat)}
	if c.ClosedAt != nil {
		e.closed, e.hasClosed = c.ClosedAt.UnixMicro(), true
	}
	return e
}

func (ix *Index) intern(s string) string {
	if v, ok := ix.interned[s]; ok {
		return v
	}
	ix.interned[s] = s
	return s
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// put applies e unless the index already has a newer state of its case;
// an entry without a category (see Stored) only removes. Callers hold mu.
func (ix *Index) put(e *entry) {
	if old, ok := ix.byID[e.id]; ok {
		if old.version > e.version {
			return
		}
		ix.remove(old)
	} else if t, ok := ix.tombs[e.id]; ok && t.version > e.version {
		return
	}
	if e.cat == "" {
		ix.tombs[e.id] = tomb{version: e.version, at: ix.wall()}
		return
	}
	delete(ix.tombs, e.id)
	ix.byID[e.id] = e
	cells := ix.cats[e.cat]
	if cells == nil {
		cells = map[cell][]*entry{}
		ix.cats[e.cat] = cells
	}
	cells[e.cell] = append(cells[e.cell], e)
}

// remove takes e out of its cell and the id map. Callers hold mu.
func (ix *Index) remove(e *entry) {
	delete(ix.byID, e.id)
	cells := ix.cats[e.cat]
	list := cells[e.cell]
	for i, o := range list {
		if o == e {
			list[i] = list[len(list)-1]
			list[len(list)-1] = nil
			list = list[:len(list)-1]
			break
		}
	}
	if len(list) == 0 {
		delete(cells, e.cell)
	} else {
		cells[e.cell] = list
	}
}

func cellOf(lng, lat float64) cell { return cell{coord(lng), coord(lat)} }

// coord is the cell number of a coordinate. Division and floor never
// decrease, so a point inside a box falls in a cell between the box's
// corner cells: the grid never hides a point the SQL range would find.
func coord(v float64) int32 {
	return int32(max(min(math.Floor(v/cellDeg), 1e9), -1e9))
}

// FindNearby answers q as the store would (see package doc): the cases of
// q.Category inside q.Bounds, open and reported since q.Since or (q.Closed)
// closed since q.Since, without q.Exclude, newest report first (then the
// greater id), at most q.Limit. The cases carry only id, code, status,
// category, point, regions, department, report and closing times and
// version.
func (ix *Index) FindNearby(ctx context.Context, q casework.NearbyQuery) ([]*casework.Case, error) {
	if q.Bounds.IsEmpty() {
		return []*casework.Case{}, nil
	}
	since := q.Since.UnixMicro()
	ix.mu.RLock()
	if !ix.ready || (q.Closed && since < ix.closedFrom) {
		ix.mu.RUnlock()
		ix.misses.Add(1)
		return ix.src.FindNearby(ctx, q)
	}
	var found []*entry
	b := q.Bounds
	match := func(e *entry) {
		if e.lat < b.MinLat || e.lat > b.MaxLat || e.lng < b.MinLng || e.lng > b.MaxLng || e.id == q.Exclude {
			return
		}
		if q.Closed {
			if e.status != casework.StatusClosed || !e.hasClosed || e.closed < since {
				return
			}
		} else if e.status.Terminal() || e.reported < since {
			return
		}
		found = append(found, e)
	}
	cells := ix.cats[q.Category.String()]
	lo, hi := cellOf(b.MinLng, b.MinLat), cellOf(b.MaxLng, b.MaxLat)
	if n := (int64(hi.x) - int64(lo.x) + 1) * (int64(hi.y) - int64(lo.y) + 1); n > maxCells || n > int64(len(cells)) {
		for _, list := range cells {
			for _, e := range list {
				match(e)
			}
		}
	} else {
		for x := lo.x; x <= hi.x; x++ {
			for y := lo.y; y <= hi.y; y++ {
				for _, e := range cells[cell{x, y}] {
					match(e)
				}
			}
		}
	}
	ix.mu.RUnlock()
	ix.hits.Add(1)

	slices.SortFunc(found, func(a, b *entry) int {
		if c := cmp.Compare(b.reported, a.reported); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	found = found[:min(len(found), limit, maxLimit)]
	out := make([]*casework.Case, len(found))
	for i, e := range found {
		out[i] = e.toCase()
	}
	return out, nil
}

func (e *entry) toCase() *casework.Case {
	ref := e.ref
	c := &casework.Case{ID: e.id, Code: e.code, Status: e.status, Category: &ref,
		Grid: e.grid, Community: e.community, Street: e.street, District: e.district, Department: e.dept,
		ReportedAt: time.UnixMicro(e.reported).UTC(), Version: e.version}
	c.Point.Lng, c.Point.Lat = e.lng, e.lat
	if e.hasClosed {
		t := time.UnixMicro(e.closed).UTC()
		c.ClosedAt = &t
	}
	return c
}
