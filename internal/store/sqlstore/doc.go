// Package sqlstore is the only place with SQL. It implements the domain
// stores (casework.Store, org.RegionStore, org.AccountStore) and the small
// platform tables (dictionary edits, photos) on SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (pgx/v5 through database/sql),
// with one set of hand-written statements for both.
//
// Conventions shared by both dialects:
//   - Statements use $1, $2 … placeholders; modernc's SQLite binds "$N" by
//     position too, so the same text runs on both databases.
//   - Times are BIGINT Unix microseconds in UTC: comparisons are integer
//     comparisons on both databases and a round trip is exact to the
//     microsecond. Values read back are in time.UTC. The codecs, like the
//     opener of the pools, are sqlkit's, shared by every SQL store.
//   - IDs are text (UUIDv7 made by callers); the store makes UUIDv7 IDs only
//     for timeline events that come without one.
//   - Driver errors are mapped to errs kinds by code, in one place for the
//     three SQL stores ([sqlkit.Norm]; busy errors retried by
//     [sqlkit.Retryable]).
//
// The indicators' counts (TallyCases) come from rollups kept at write time
// (rollup.go, table case_rollups): every case write adds, in its own
// transaction, the change of the case's contribution that package rollup
// computes, and a tally that the rows answer exactly sums a few of them
// instead of scanning the cases; any other tally counts the raw cases.
//
// The other stores on the same database never query its tables: what they
// need of the cases it offers as methods (caseview.go: case heads, events
// with their cases, report photos), which they reach through interfaces of
// their own (hubstore.Cases).
//
// It imports the domain packages, the drivers and goose; no domain package
// imports it.
package sqlstore
