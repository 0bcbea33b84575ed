// Package jobs is CityLoop's one runner for background work: overdue
// sweeps, deliveries, 12345 sync, KPI roll-ups and monthly bulletins are
// each a [Job] with a [Schedule], registered on a [Runner] that every node
// runs against the shared database.
//
// # What it owns
//
//   - Schedules, pure functions of time: [Every], [Daily] and [Monthly] in
//     the city's time zone (a monthly day past the month's end is clipped
//     to its last day), [OnWorkingDays] to move due times off weekends and
//     public holidays with the [worktime.Calendar], and [ParseSchedule] for
//     the short text form ("every 30s", "daily 02:30", "monthly 1 08:00",
//     "… +workdays").
//   - Retry pacing: [Backoff] per failed attempt, [Job.MaxAttempts] per due
//     time, after which the job waits for its next scheduled time.
//   - The [Runner] and the [Store] interface it needs. The store
//     (internal/store/jobstore) keeps one row per job and its run history.
//     Package jobstest holds the contract every Store keeps, an in-memory
//     Store and the several-nodes exactly-once test, for the tests of both.
//
// # How a due time runs
//
// A job's row holds the due time being worked on and when it may next be
// claimed. A node claims it with one atomic UPDATE … RETURNING that sets
// the holder and a lease and counts an attempt, only when the run is due
// and no unexpired lease is held; so of the nodes that tick at once, one
// wins. While the job runs the node renews the lease every third of its
// length. Finishing writes a history row, sets the next due time and frees
// the lease in one transaction, and only while the node still holds the
// lease (the claim's sequence number fences a node that lost it).
//
// The next due time is the schedule's first time after the finished one
// that is still in the future: due times missed while every node was down,
// or while a run outlasted the interval, are skipped, not run in a burst.
//
// # Guarantees
//
// Exactly once per due time while nodes stay up and the database answers:
// the claim lets one node in, and the finish moves the job past that due
// time (a failed attempt is retried, up to MaxAttempts, and each attempt is
// its own history row). At least once otherwise, so every Run must be
// idempotent:
//
//   - a node that dies mid-run leaves its lease to expire, and another node
//     then claims the same due time and runs it again;
//   - a run cut short by a node's shutdown is recorded as a failed attempt
//     and retried after the backoff;
//   - a finish that cannot be written leaves the lease to expire, as a crash
//     does.
//
// A node that stalls past its lease is cancelled by its failed heartbeat
// and its late finish is refused. Attempts are counted at claim time, so a
// due time whose runs keep killing their node is given up after
// MaxAttempts instead of taking the nodes down one by one. A panic in Run
// is recovered and recorded as a failed attempt.
//
// # Leased workers
//
// Continuous work (the hub's delivery engine, the sensing owner with its
// MQTT subscription) is not scheduled but held: [Runner.Hold] runs a
// [Worker] on whichever node holds its named lease in the store, renews the
// lease every Worker.Every, and ends the worker's context with
// [ErrLeaseLost] when a renewal is refused, or has failed for so long that
// the lease could run out within one more Every; a stopping node releases
// it, so another takes over at its next try. Leases are listed beside the
// jobs ([KindLease]) with their holder and since when. A part that also
// takes its lease on demand (the sensing owner, on a request when nobody
// holds it) uses [Runner.TryHold] beside Hold, and [Runner.Holder] to find
// the node to pass requests to.
//
// A job whose work is due less often than its schedule (the 12345 poll,
// whose interval is a setting read at run time) returns [ErrNothingDue]
// from the runs that find nothing to do: they move the job on without a
// history row.
//
// # What it never imports
//
// Only the standard library, cityloop/internal/errs and
// cityloop/internal/worktime: no database/sql, no net/http, no store and
// no adapter. Time comes from [Runner.Now], so tests drive the runner with
// a fake clock through [Runner.Tick].
package jobs
