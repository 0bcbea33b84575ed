// Package caseindex owns the in-memory spatial index of open and recently
// closed cases that intake and closing search for duplicates (重复案件) and
// recurrences (复发) instead of the store's spatial SQL scan inside the
// write path.
//
// The index is a fixed grid of cells about 200 m across, one grid per
// sub-class (category). [Index.Build] fills it from the store in one
// streaming query; [Index.Stored] puts every case this node writes, and
// [Index.Follow] tails the hub's change feed and re-reads the cases other
// nodes changed. Until it is built, or for a question it cannot answer (a
// recurrence search further back than the closed cases it holds), it asks
// the store, so its answers are always the store's rule: same sub-class,
// inside the box, open and reported since the window, or closed since the
// window; newest report first; the same limit (a test compares both on
// random data). A change it has not heard of yet costs a suggestion, never
// a case: the report is stored either way.
//
// It holds no personal data (no reporter, no phone, no description), so it
// has nothing to seal or mask. It imports casework, catalog, geo and share
// (the change feed's records) and never net/http, database/sql, a store,
// api, web or app.
package caseindex
