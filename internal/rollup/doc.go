// Package rollup owns the arithmetic of the indicator rollups (issue 13,
// "Speed and correctness"): what one case contributes to the counts the
// indicators are computed from, per reporting day and unit, and the change
// of that contribution when the case changes. The store keeps these sums
// at write time, in the same transaction as the case, so that an
// indicator over ten million cases sums a few rows instead of scanning
// the cases.
//
// A case's contribution is a vector of 0/1 counts, one per [Measure] (a
// casework predicate, as the indicator book spells it), plus its response
// seconds, added to one row per unit the case belongs to: the city, its
// district, street, community and grid, its department and its
// sub-class. Everything about a case is keyed by its reporting day, so any
// change — an action, an extension, a pause, rework, a merge, a correction
// of category or place, a void — is the old contribution subtracted and
// the new one added ([Delta]).
//
// It is pure: no I/O, no SQL. It must not import net/http, database/sql or
// any store; package sqlstore persists what it computes.
package rollup
