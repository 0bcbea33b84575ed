// Package evidencestore keeps the full-process record's tables on SQLite
// and PostgreSQL: evidence_items (one row per piece of evidence, its
// file name and note sealed with the pii keyring), evidence_custody (the
// per-case hash-chained custody entries) and evidence_chains (each case's
// chain head, whose row lock orders concurrent appends on PostgreSQL; on
// SQLite the single writer does). It implements [evidence.Store] with one
// set of statements for both dialects and keeps its own goose version
// table (evidence_goose_db_version).
//
// The store persists what package evidence computed: the hash of an entry
// is made by evidence.Seal inside the store's transaction, from the head
// it has just locked, never by SQL.
//
// It imports evidence, pii and sqlkit; never api, web, app or another
// store.
package evidencestore
