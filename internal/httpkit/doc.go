// Package httpkit adapts error-returning handlers to net/http: it maps
// errs kinds to statuses, writes application/problem+json, assigns request
// ids, logs, recovers from panics without leaking stacks, and limits bodies.
//
// It imports only errs: no domain package, no store.
package httpkit
