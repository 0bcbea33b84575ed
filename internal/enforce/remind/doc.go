// Package remind carries the AI cameras' "remind" sightings to the people
// they concern, and publishes the cameras used for enforcement
// (柔性执法; 行政处罚法第四十一条: devices legally set up, their sites
// published, the party able to learn what was recorded).
//
// It owns [Sender], which package sensing calls when a "remind" policy
// decides to warn before a case: it finds the party registered for the
// place (the plate or shop id the AI read, else the frontage the camera
// watches) in the registry of enforce.PlaceStore, queues the reminder in
// the notification outbox with an idempotency key per sighting (a retried
// event never texts twice) and records it. The second capture of the same
// violation after the reminder window opens a loop case in sensing itself
// (VerdictEscalate); nothing here opens one. It also owns [Sites], the
// public list of enforcement cameras: where they are and what they watch.
//
// The registry is minimal: a place (camera, shop or plate) → the party's
// name, phone and e-mail, sealed by the enforcement store.
//
// remind imports enforce, sensing and outbox (all domain packages). It
// never imports net/http, database/sql, a store, api, web or app.
package remind
