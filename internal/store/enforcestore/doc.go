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
// It implements enforce.Store. Each write is one transaction; a lost
// update is errs.Conflict. It keeps its own goose version table
// (enforce_goose_db_version) so its migrations never mix with the other
// stores', and it names only its own tables (enforce_*): what it needs of
// the loop's cases goes through enforce.Loop, which app wires.
//
// It imports the domain packages enforce, disclose and pii, and sqlkit;
// never app, api, web, ingest, the channels or another store.
package enforcestore
