// Package audit owns the tamper-evident form of CityLoop's audit log: each
// [Record] carries the SHA-256 of its own content and of the record before
// it, so editing, deleting or reordering a stored record breaks the chain
// at a point [Verify] can name.
//
// This package is the pure part. The store appends records in one
// transaction per Seq (a unique Seq column makes two writers racing for the
// same Seq a conflict, not a fork) and streams them back to Verify; the
// `cityloop audit verify` command and a nightly job report a break.
//
// What the chain cannot show on its own: records cut from the end, or the
// whole log rewritten by someone who can recompute every hash. Publishing
// the head (Seq and Hash) somewhere the database's writers cannot change,
// such as a daily export or the operator's log, and checking it later with
// [VerifyFrom], closes both gaps.
//
// It imports only the standard library and must not import store, HTTP or
// domain packages.
package audit
