package jobstest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
)

// Clock is a fake clock safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Mem is an in-memory [jobs.Store] with the semantics of jobstore's SQL
// (the contract suite runs on both). Its one mutex plays the part of the
// database's row lock. Safe for concurrent use.
type Mem struct {
	mu     sync.Mutex
	jobs   map[string]*jobs.Status
	leases map[string]*jobs.Status // Kind lease
	seq    map[string]int64
	runs   []jobs.RunRecord
	nextID int64
}

// NewMem makes an empty store.
func NewMem() *Mem {
	return &Mem{jobs: map[string]*jobs.Status{}, leases: map[string]*jobs.Status{}, seq: map[string]int64{}}
}

// EnsureJob implements [jobs.Store].
func (m *Mem) EnsureJob(ctx context.Context, name, spec string, first, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[name]
	if !ok {
		m.jobs[name] = &jobs.Status{Name: name, Schedule: spec, DueAt: first, NextRunAt: first}
		return nil
	}
	if j.Schedule != spec && !held(j, now) {
		j.Schedule, j.DueAt, j.NextRunAt, j.Attempt = spec, first, first, 0
		m.seq[name]++ // fences a stalled node's late finish
	}
	return nil
}

// held reports an unexpired lease at now; a lease is free once
// lease_until < now, as in the SQL.
func held(j *jobs.Status, now time.Time) bool {
	return j.Holder != "" && j.LeaseUntil != nil && !j.LeaseUntil.Before(now)
}

// ClaimJob implements [jobs.Store].
func (m *Mem) ClaimJob(ctx context.Context, name, node string, now, leaseUntil time.Time) (jobs.Claim, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[name]
	if !ok || j.NextRunAt.After(now) || held(j, now) {
		return jobs.Claim{}, false, nil
	}
	m.seq[name]++
	j.Attempt++
	j.Holder, j.LeaseUntil = node, &leaseUntil
	return jobs.Claim{Name: name, Node: node, Seq: m.seq[name], DueAt: j.DueAt, Attempt: j.Attempt, LeaseUntil: leaseUntil}, true, nil
}

// holds reports whether c is still the job's lease.
func (m *Mem) holds(c jobs.Claim) (*jobs.Status, bool) {
	j, ok := m.jobs[c.Name]
	return j, ok && j.Holder == c.Node && m.seq[c.Name] == c.Seq
}

// ExtendLease implements [jobs.Store].
func (m *Mem) ExtendLease(ctx context.Context, c jobs.Claim, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.holds(c)
	if ok {
		j.LeaseUntil = &until
	}
	return ok, nil
}

// FinishRun implements [jobs.Store]; it prunes like jobstore, by id.
func (m *Mem) FinishRun(ctx context.Context, c jobs.Claim, o jobs.Outcome) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.holds(c)
	if !ok {
		return false, nil
	}
	if o.Skip {
		j.DueAt, j.NextRunAt, j.Attempt = o.NextDue, o.NextRun, 0
		j.Holder, j.LeaseUntil = "", nil
		return true, nil
	}
	m.nextID++
	d := o.FinishedAt.Sub(o.StartedAt)
	m.runs = append(m.runs, jobs.RunRecord{ID: m.nextID, Name: c.Name, DueAt: c.DueAt, Attempt: c.Attempt, Node: c.Node,
		StartedAt: o.StartedAt, FinishedAt: o.FinishedAt, Duration: d, Error: o.Error})
	j.DueAt, j.NextRunAt = o.NextDue, o.NextRun
	if !o.Retry {
		j.Attempt = 0
	}
	j.Holder, j.LeaseUntil = "", nil
	started, finished := o.StartedAt, o.FinishedAt
	j.LastNode, j.LastStartedAt, j.LastFinishedAt, j.LastDuration, j.LastError = c.Node, &started, &finished, d, o.Error
	// Prune to the newest Keep rows of the job.
	var mine []int64
	for _, r := range m.runs {
		if r.Name == c.Name {
			mine = append(mine, r.ID)
		}
	}
	if len(mine) > o.Keep {
		cut := mine[len(mine)-o.Keep-1]
		m.runs = slices.DeleteFunc(m.runs, func(r jobs.RunRecord) bool { return r.Name == c.Name && r.ID <= cut })
	}
	return true, nil
}

// ListJobs implements [jobs.Store].
func (m *Mem) ListJobs(ctx context.Context) ([]jobs.Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]jobs.Status, 0, len(m.jobs))
	for _, j := range m.jobs {
		s := *j
		out = append(out, s)
	}
	for _, l := range m.leases {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b jobs.Status) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// ListRuns implements [jobs.Store].
func (m *Mem) ListRuns(ctx context.Context, name string, limit int) ([]jobs.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.jobs[name]; !ok {
		return nil, errs.NotFound("no job is called %s", name)
	}
	if limit < 1 {
		limit = jobs.DefaultKeep
	}
	var out []jobs.RunRecord
	for i := len(m.runs) - 1; i >= 0 && len(out) < limit; i-- {
		if m.runs[i].Name == name {
			out = append(out, m.runs[i])
		}
	}
	return out, nil
}

// Take makes a job's lease look taken over by another node, as when this
// node stalled past its lease and another claimed the due time.
func (m *Mem) Take(name, node string, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq[name]++
	m.jobs[name].Holder, m.jobs[name].LeaseUntil = node, &until
}

// HoldLease implements [jobs.Store].
func (m *Mem) HoldLease(ctx context.Context, name, holder string, ttl time.Duration, now, until time.Time) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	if !ok {
		l = &jobs.Status{Name: name, Kind: jobs.KindLease}
		m.leases[name] = l
	}
	if held(l, now) && l.Holder != holder {
		return time.Time{}, false, nil
	}
	since := now
	if held(l, now) && l.HeldSince != nil {
		since = *l.HeldSince
	}
	l.Schedule = jobs.LeaseSpec(ttl)
	l.Holder, l.LeaseUntil, l.HeldSince = holder, &until, &since
	l.DueAt, l.NextRunAt = now, until
	return since, true, nil
}

// ReleaseLease implements [jobs.Store].
func (m *Mem) ReleaseLease(ctx context.Context, name, holder string, now time.Time, lastErr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	if !ok || l.Holder != holder {
		return nil
	}
	l.Holder, l.LeaseUntil, l.HeldSince = "", nil, nil
	l.DueAt, l.NextRunAt = now, now
	l.LastNode, l.LastError = holder, lastErr
	return nil
}

// LeaseHolder implements [jobs.Store].
func (m *Mem) LeaseHolder(ctx context.Context, name string, now time.Time) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	if !ok || !held(l, now) {
		return "", false, nil
	}
	return l.Holder, true, nil
}
