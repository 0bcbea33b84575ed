// Package inspectstore keeps the 双随机一公开 tables (package inspect) on
// SQLite and PostgreSQL: draw plans with their object lists, inspector
// lists and declared conflicts; the published commitments with the secret
// seed behind each; the draws with the revealed seed; and the results, one
// row per drawn object, with the outcome once recorded. It implements
// [inspect.Store] with one set of statements for both dialects and keeps
// its own goose version table (inspect_goose_db_version), so its
// migrations never mix with the other stores'.
//
// A plan changes only while it is a draft: every write of a plan's content
// is an UPDATE … WHERE status = 'draft' AND version = $n in the transaction
// that rewrites its lists, so a commitment that lands first turns the
// change into errs.Conflict (409) and a committed plan stays exactly what
// its hash says. Committing and drawing move the status the same way.
//
// Personal data (an object's contact person and phone, an inspector's
// phone, a conflict's reason) and the seed before its draw are sealed with
// the platform's pii.Keyring, each bound to its place by the AAD, as
// sqlstore seals reporters' contact details.
//
// It opens its own pools on the app's database through sqlkit and maps
// driver errors with sqlkit.Norm. It imports inspect, pii and sqlkit; never
// app, api, web or another store.
package inspectstore
