package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// Defaults for the zero values of [Job] and [Runner].
const (
	DefaultTimeout     = 10 * time.Minute
	DefaultMaxAttempts = 3
	DefaultPoll        = 30 * time.Second
	DefaultLease       = time.Minute
	DefaultKeep        = 200
	// maxName bounds a job's name, which is a key in the jobs table and
	// shows in logs and the status page.
	maxName = 100
	// maxErrorText bounds the error text kept per run; a failing job
	// should not fill the history with a megabyte of response body.
	maxErrorText = 2000
)

// Job is one kind of background work and when it is due.
type Job struct {
	// Name identifies the job across nodes and restarts; it is the key of
	// its row in the store, so renaming a job starts a new history.
	Name     string
	Schedule Schedule
	// Description, when set, is listed instead of the schedule's own
	// description: for a job whose Run decides when its work is due (see
	// [ErrNothingDue]).
	Description string
	// Timeout bounds one attempt (DefaultTimeout when zero); Run's context
	// ends then and the attempt counts as failed.
	Timeout time.Duration
	// MaxAttempts bounds the attempts at one due time (DefaultMaxAttempts
	// when zero); after the last one fails the job waits for its next
	// scheduled time.
	MaxAttempts int
	// Run does the work. It must be idempotent: a node that dies mid-run
	// leaves the due time to another node once its lease expires, and that
	// node runs it again. It should return when ctx ends.
	Run func(ctx context.Context) error
}

// withDefaults checks j and fills its zero fields.
func (j Job) withDefaults() (Job, error) {
	if j.Name == "" || len(j.Name) > maxName || !utf8.ValidString(j.Name) {
		return j, errs.Invalid("a job needs a name of 1 to %d bytes", maxName)
	}
	if j.Run == nil {
		return j, errs.Invalid("job %s has no Run function", j.Name)
	}
	if err := Validate(j.Schedule); err != nil {
		return j, fmt.Errorf("job %s: %w", j.Name, err)
	}
	if j.Timeout < 0 || j.MaxAttempts < 0 {
		return j, errs.Invalid("job %s: Timeout and MaxAttempts cannot be negative", j.Name)
	}
	if j.Timeout == 0 {
		j.Timeout = DefaultTimeout
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	return j, nil
}

// Claim is a node's lease on one due time of a job, as [Store.ClaimJob]
// grants it. The store only accepts a heartbeat or a finish that presents
// the same Node and Seq.
type Claim struct {
	Name string
	Node string
	// Seq grows with every claim of the job. It fences a node whose lease
	// expired and was taken over, even by a later run on the same node:
	// that node's late finish no longer matches and is refused.
	Seq        int64
	DueAt      time.Time // the scheduled time being worked on
	Attempt    int       // 1 for the first attempt at DueAt; counts claims, so a crashed attempt counts too
	LeaseUntil time.Time
}

// Outcome is what [Store.FinishRun] writes for a finished attempt.
type Outcome struct {
	StartedAt, FinishedAt time.Time
	Error                 string // "" on success
	// NextDue is the due time to work on next: the claim's DueAt again for
	// a retry, else the schedule's next time. NextRun is when it may be
	// claimed: after the backoff for a retry, else NextDue.
	NextDue, NextRun time.Time
	// Retry keeps the attempt count (the next claim is the next attempt at
	// the same due time); otherwise the count starts again at zero.
	Retry bool
	// Keep is how many history rows of the job to keep; older ones are
	// pruned in the same transaction.
	Keep int
	// Skip says the run found nothing to do (its Run returned
	// [ErrNothingDue]): the job moves on to NextDue and frees the lease,
	// but no history row is written and the last run's columns stay, so
	// the list shows the last run that did something.
	Skip bool
}

// ErrNothingDue, returned by a job's Run, says that the run looked and had
// nothing to do yet: a job scheduled more often than its work is due, such
// as the 12345 poll whose interval is a setting read at run time. The due
// time counts as done, without a history row (see [Outcome.Skip]).
var ErrNothingDue = errors.New("jobs: nothing was due")

// KindLease marks a [Status] that is a leased worker's lease (see
// [Runner.Hold]) rather than a scheduled job's row.
const KindLease = "lease"

// Status is a job's row: its schedule, who holds it, and how it last went.
// A leased worker's lease is listed the same way, with Kind [KindLease]:
// its Schedule is "lease <ttl>", Holder the node running it and HeldSince
// since when; DueAt is its last renewal (or release), and NextRunAt when
// the lease runs out unless renewed, the time another node may take it
// (its last release when nobody holds it).
type Status struct {
	Name string `json:"name"`
	// Kind is "" for a scheduled job and [KindLease] for a leased worker.
	Kind string `json:"kind,omitempty"`
	// HeldSince is when the holder of a lease took it.
	HeldSince *time.Time `json:"held_since,omitempty"`
	// Schedule is the short form kept in the store (see [Schedule.Spec]);
	// Description is the readable one, filled by [Runner.Status] for the
	// jobs registered on this node.
	Schedule    string     `json:"schedule"`
	Description string     `json:"description,omitempty"`
	Holder      string     `json:"holder,omitempty"` // the node running it now
	LeaseUntil  *time.Time `json:"lease_until,omitempty"`
	DueAt       time.Time  `json:"due_at"`      // the due time being worked on
	NextRunAt   time.Time  `json:"next_run_at"` // when it may next be claimed (later than DueAt during backoff)
	Attempt     int        `json:"attempts"`    // attempts made at DueAt
	// The last finished attempt.
	LastNode       string        `json:"last_node,omitempty"`
	LastStartedAt  *time.Time    `json:"last_started_at,omitempty"`
	LastFinishedAt *time.Time    `json:"last_finished_at,omitempty"`
	LastDuration   time.Duration `json:"last_duration_ns"`
	LastError      string        `json:"last_error,omitempty"`
}

// RunRecord is one finished attempt in a job's history.
type RunRecord struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	DueAt      time.Time     `json:"due_at"`
	Attempt    int           `json:"attempt"`
	Node       string        `json:"node"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	Duration   time.Duration `json:"duration_ns"`
	Error      string        `json:"error,omitempty"`
}

// Store keeps the jobs' rows and history; jobstore implements it on SQLite
// and PostgreSQL. Every method must be atomic across nodes sharing the
// database.
type Store interface {
	// EnsureJob creates the job's row, first due at first, unless it
	// exists. When it exists with another schedule spec and nobody holds
	// it at now, it takes the new spec and first as its due time (a
	// changed schedule applies at once).
	EnsureJob(ctx context.Context, name, spec string, first, now time.Time) error
	// ClaimJob takes the lease on the job until leaseUntil when its next
	// run is due at now and nobody holds an unexpired lease, counting one
	// more attempt at its due time; ok is false when not due or held.
	ClaimJob(ctx context.Context, name, node string, now, leaseUntil time.Time) (c Claim, ok bool, err error)
	// ExtendLease moves the lease to until while c still holds it; ok is
	// false when the lease was lost.
	ExtendLease(ctx context.Context, c Claim, until time.Time) (ok bool, err error)
	// FinishRun, while c still holds the lease, writes the attempt to the
	// history, sets the next due and run times and frees the lease; ok is
	// false, with nothing written, when the lease was lost.
	FinishRun(ctx context.Context, c Claim, o Outcome) (ok bool, err error)
	// ListJobs returns every job's row, by name.
	ListJobs(ctx context.Context) ([]Status, error)
	// ListRuns returns the job's latest limit attempts (DefaultKeep when
	// limit < 1), newest first; NotFound when there is no such job.
	ListRuns(ctx context.Context, name string, limit int) ([]RunRecord, error)

	// HoldLease takes the lease called name for holder until until, or
	// renews it when holder holds it already, creating it if needed; ok
	// is false when another holder's lease is unexpired at now (a lease is
	// free once its until < now). since is when holder's hold began: kept
	// on a renewal, now on a take. ttl is kept for the list.
	HoldLease(ctx context.Context, name, holder string, ttl time.Duration, now, until time.Time) (since time.Time, ok bool, err error)
	// ReleaseLease frees the lease when holder holds it, noting holder and
	// lastErr ("" when none) as how its last hold ended; releasing a lease
	// one does not hold does nothing.
	ReleaseLease(ctx context.Context, name, holder string, now time.Time, lastErr string) error
	// LeaseHolder returns who holds the lease called name at now; ok is
	// false when nobody does (never taken, released or expired).
	LeaseHolder(ctx context.Context, name string, now time.Time) (holder string, ok bool, err error)
}

// errorText is err's text for the history, cut to maxErrorText bytes on
// a character boundary.
func errorText(err error) string {
	s := err.Error()
	if s == "" {
		s = fmt.Sprintf("%T with no message", err)
	}
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
