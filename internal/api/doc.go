// Package api serves the JSON API under /api/v1 and its OpenAPI document.
// Every route is a row of one table (routes.go), from which both the mux
// registration and the OpenAPI document are built; one file per resource
// (cases, accounts, auth, regions, dictionary, photos, audit, jobs,
// sensing, hub, hotline, open311keys …). Handlers are thin: they check the caller with
// the one authorisation helper (mustPost), decode, call a service through
// an interface declared here, record changes with the one audit helper,
// and encode; every error is an errs kind that httpkit turns into
// application/problem+json.
//
// It never imports app, web, the stores or database/sql: services reach it
// through the small interfaces it declares.
package api
