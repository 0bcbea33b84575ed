// Package auth owns the credential primitives of CityLoop: argon2id password
// hashes in PHC string form, opaque API bearer tokens (of which the store
// keeps only a SHA-256), the sign-in [Throttle] (per account and address
// pair, per address, and per account; in memory on each node, one instance
// shared by the API and the web console), and the password policy applied
// at every password change.
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
