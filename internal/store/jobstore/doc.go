// Package jobstore keeps the jobs runner's tables on SQLite and
// PostgreSQL: jobs, one row per job with its due time, its lease and how
// its last attempt went; job_runs, the history of finished attempts
// pruned to the newest few hundred per job; and job_leases, the leases of
// the workers one node at a time holds (jobs.Runner.Hold), each taken or
// renewed by one upsert whose conflict clause admits only a free, expired
// or own lease. It implements [jobs.Store] with
// one set of statements for both dialects, like hubstore, and keeps its
// own goose version table (jobs_goose_db_version) so its migrations never
// mix with the other stores'.
//
// The claim is one UPDATE … RETURNING whose WHERE clause admits a node only
// when the run is due and no unexpired lease is held; the row lock it takes
// makes concurrent claims of one job queue, and the loser's re-checked
// WHERE fails. Finishing updates the job row first (only while the claim's
// node and sequence number still hold it), then writes the history row and
// prunes: the row lock orders one job's history ids on PostgreSQL too.
//
// It opens its own pools on the app's database through sqlkit and maps
// driver errors with sqlkit.Norm. It imports the jobs package for its
// types and never the runner's callers: no app, api, web or domain
// package, and no other store.
package jobstore
