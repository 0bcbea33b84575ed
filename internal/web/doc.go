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
// Sessions are API tokens (auth.NewToken) kept in an HttpOnly cookie and
// stored hashed through org.AccountStore, so signing out deletes them on the
// server. Every state-changing request carries a CSRF token derived by HMAC
// from the session (or, before sign-in, from a random cookie).
//
// web imports services and domain packages, auth and httpkit; it never
// imports app, api or the store.
package web
