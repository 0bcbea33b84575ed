// Package auth owns the credential primitives of CityLoop: argon2id password
// hashes in PHC string form, opaque API bearer tokens (of which the store
// keeps only a SHA-256), login throttling per account and per client address,
// and the password policy applied at first-login change.
//
// It is pure: no database, no net/http. The store persists what these
// functions return and the HTTP layer calls them, mapping the [errs.Error]
// kinds they produce (KindInvalid, KindUnauthenticated) to statuses.
//
// It imports only the standard library, golang.org/x/crypto/argon2 and
// cityloop/internal/errs; it must not import store, HTTP or domain packages.
//
// Sessions, CSRF and API-client records (see DESIGN.md) will live here too
// and are not written yet.
package auth
