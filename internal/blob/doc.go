// Package blob stores photos and snapshots by content hash behind a small
// interface, so a city can move them to S3-compatible storage later. The
// local implementation writes files under a directory, fanned out by the
// first two hex digits of the hash.
//
// It imports only errs: no HTTP, no SQL, no domain.
package blob
