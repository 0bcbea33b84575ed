// Package audit owns the tamper-evident form of CityLoop's audit log: each
// [Record] carries an HMAC-SHA256, under a secret audit key, of its own
// content and of the record before it, so editing, deleting or reordering a
// stored record breaks the chain at a point [Verify] can name, and nobody
// without the key can re-link the chain after an edit.
//
// Keys: the app derives the audit key from the personal-data keyring
// (pii.Keyring.AuditKey), and each record stores the id of the key that
// signed it. After a rotation new records use the new key and [Verify]
// looks each record's key up by its id, so the old keys must stay in the
// keyring (after the current one) for as long as their records need
// verifying.
//
// Migration: records written before the chain was keyed (v1, KeyID "")
// keep their plain SHA-256 hash and verify as they are. They are not
// re-chained, because rewriting history is exactly what the log must make
// visible; instead the first keyed record's MAC covers the last v1 hash, so
// the v1 prefix cannot change either, and a v1 record after a keyed one is a
// break (someone without the key forged or rehashed it).
//
// What the chain cannot show on its own: records cut from the end, or the
// chain re-linked by someone who holds the key. Signed [Checkpoint]s (count
// and head hash) kept where the database's writers cannot rewrite them, an
// append-only file in the data directory and the hub's outbox, close both
// gaps: [Verify] reports a log shorter than a checkpoint as truncated and a
// different hash at a checkpointed Seq as rewritten.
//
// This package is the pure part. The store appends records in one
// transaction per Seq (a unique Seq column makes two writers racing for the
// same Seq a conflict, not a fork) and streams them back to Verify; the
// `cityloop audit verify` command reports a break.
//
// It imports only the standard library and must not import store, HTTP or
// domain packages.
package audit
