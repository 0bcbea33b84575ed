// Package outboxstore keeps the notification outbox (package outbox) on
// SQLite and PostgreSQL: outbox_messages, one row per message with its
// status, its lease and its version; outbox_attempts, every attempt at
// sending; and outbox_receipts, the gateways' delivery receipts. The
// recipient, subject and body are sealed with the PII keyring, bound to
// their row and column, like reporters' contact details.
//
// The claim is one UPDATE … RETURNING over the due rows: on PostgreSQL its
// subquery takes them FOR UPDATE SKIP LOCKED, so two nodes claiming at once
// take different messages and neither waits for the other; SQLite has one
// writer, so the statement runs alone. Every claim grows lease_seq, and an
// attempt is recorded only while the claim that made it still holds the
// row, so a node that lost its lease cannot write over another's send.
//
// It opens its own pools on the app's database through sqlkit, keeps its
// own goose version table (outbox_goose_db_version) and maps driver errors
// with sqlkit.Norm. It imports the outbox and pii packages and never the
// layers above it (app, api, web) nor another store.
package outboxstore
