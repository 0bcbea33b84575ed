// Package auditlog owns a node's audit log: it appends the records the API
// and the console write to the keyed chain (package audit) through the
// store, and writes signed checkpoints of the newest record this node
// appended to an append-only file in the data directory and to the hub's
// outbox, where the database's writers cannot rewrite them. [Verify] checks
// the whole chain against those checkpoints (`cityloop audit verify`).
//
// It declares the small interfaces it needs of the store ([Store],
// [Verifier]) and of the hub ([Hub]); app wires the implementations. It
// imports audit, pii, share and errs, and never imports a store, HTTP, the
// hub or app.
package auditlog
