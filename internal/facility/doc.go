// Package facility is the registry of public facilities that citizens look
// for on the portal — public toilets first (公共厕所), later parking and
// refuse stations — with the nearest search and the coverage figure used
// in the city's plan. Plain Go, no I/O.
//
// It is pure: it imports errs and geo only, never net/http or database/sql.
package facility
