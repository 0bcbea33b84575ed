// Package publish runs the publication of penalty decisions (行政处罚决定
// 公开, 行政处罚法第四十八条, 国办发〔2018〕118号) in the background and feeds
// them to the data hub.
//
// It owns the "enforce-publication" job: each run publishes the pending
// decisions whose release time has come (served, or on the last of their
// 7 working days; the store flags those published late and those still
// pending past due), then copies every publication the hub has not seen
// into the hub's built-in enforcement_disclosures dataset: a published
// decision as a masked record (record.upsert, keyed by the decision
// number), a withdrawn one as a delete (record.delete), so that
// subscribers receive both. The store's queue (enforce.PublicationStore's
// Unfed and MarkFed) makes the feed at-least-once; the hub's idempotent
// event ids and upsert-or-delete by key make a repeat harmless.
//
// The records carry only what the public listing shows (enforce.Disclosure,
// masked through package disclose by the store): never a name in full, an
// ID number, a USCC or a phone.
//
// [Wire] builds all of it, and the camera reminders and sites of package
// remind, from the handles app already holds, so app spends a few lines.
//
// publish imports enforce, enforce/remind, hub (for the change format),
// share, jobs, sensing and catalog. It never imports net/http,
// database/sql, a store, api, web or app; app wires the stores in.
package publish
