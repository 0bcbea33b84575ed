// Package enforcestore keeps the penalty cases of package enforce on
// SQLite and PostgreSQL with one set of statements: the cases (with an
// optimistic version column), their append-only timeline (seq = version)
// and records of the process (全过程记录), the parties with every personal
// field sealed by the pii keyring (name, ID number, USCC, representative,
// phone, address) and a blind index of the identity number for the
// party's history (首违不罚), the link to the loop case they came from, and
// the published decisions, masked through package disclose before they
// are written, so the public table holds no personal data at all; and the
// numbers of the cases' documents (文号, [DB.IssueDocNumber]): a counter
// per document prefix and year, and each document's number recorded when
// it is first rendered, so it never changes.
//
// Publications (enforce.PublicationStore) wait as pending until the
// decision is served or its last of 7 working days, are published by the
// publication job, flagged late, withdrawn with their reason, and queued
// for the hub (fed). The public search reads a term index written with
// each publication (terms.go: Chinese bigrams plus the last character of
// each run, ASCII runs whole, one term for the violation, whose words are
// matched against the few violation names per query) and a table of
// counts per district and 30-day bucket, the same statements on both
// databases. The registry of places AI-camera reminders go to
// (enforce.PlaceStore) is sealed like the parties, found by a blind key.
//
// It implements enforce.Store. Each write is one transaction; a lost
// update is errs.Conflict. It keeps its own goose version table
// (enforce_goose_db_version) so its migrations never mix with the other
// stores', and it names only its own tables (enforce_*): what it needs of
// the loop's cases goes through enforce.Loop, which app wires.
//
// It imports the domain packages enforce, disclose and pii, and sqlkit;
// never app, api, web, ingest, the channels or another store.
package enforcestore
