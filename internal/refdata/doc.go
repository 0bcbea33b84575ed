// Package refdata owns the city's changeable reference data: the region
// tree ([org.Atlas]) and the category dictionary ([catalog.Dictionary]),
// held as immutable snapshots and swapped atomically when an administrator
// changes them, so readers never lock and a failed change leaves the old
// snapshot in place. Dictionary changes are an append-only log of edits
// replayed over the built-in dictionary at start.
//
// It declares the [Store] it needs; sqlstore implements it and app wires
// it. Like the domain packages it must not import net/http, database/sql
// or the adapters (api, web, store).
package refdata
