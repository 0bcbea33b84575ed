// Package web serves the pages people touch: the staff console (workbench,
// case page, map, admin, intelligent monitoring, the command centre's big
// screen), the field app (a PWA for
// supervisors and handlers) and the citizen portal (随手拍, progress,
// rating, toilets, parking). The pages on live sensing state run on the
// node that holds it (Server.SensingGate).
//
// Pages are server-rendered html/template in Simplified Chinese by default
// (English with ?lang=en, remembered in a cookie). Forms post to the server
// and work without JavaScript; small JavaScript islands (maps, live queues,
// the offline report queue) are bundled by esbuild from frontend/ into
// static/dist, which is embedded but not committed: without a bundle the
// server still starts and every page says to run `make web`.
//
// Mobile enforcement (移动执法) has its pages here too, over the narrow
// [Enforcement] interface that *enforce.Service satisfies: the queue of
// penalty cases per post (/console/enforcement), the case page with its
// legal clocks, records, rulebook evaluation and the actions the post may
// take, the party's details shown only on an audited request, the field
// app's on-the-spot procedure (/field/enforcement) and the public search
// of published decisions (/citizen/enforcement), masked through package
// disclose. The field app's evidence page (/field/enforcement/cases/{id}/
// evidence, also under a summary decision) keeps photos, video and sound in
// IndexedDB and uploads them with tus to the API's evidence routes, which
// take the browser session through [Server.SessionActor] (the CSRF token in
// a header for writes), so no bearer token sits in a page.
//
// 双随机一公开 has the console's plans (/console/inspections: write from
// pasted lists, commit, draw, record outcomes, overdue results marked) and
// the public page of published draws (/citizen/inspections) with a verify
// button, over the narrow [Inspections] interface.
//
// Sessions are API tokens (auth.NewToken) kept in an HttpOnly cookie and
// stored hashed through org.AccountStore, so signing out deletes them on the
// server. Every state-changing request carries a CSRF token derived by HMAC
// from the session (or, before sign-in, from a random cookie).
//
// web imports services and domain packages, auth and httpkit; it never
// imports app, api or the store.
package web
