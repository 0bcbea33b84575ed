// Package georeport holds the records the Open311 GeoReport channel keeps
// beside the cases: the api keys ([Key], only their hash) and what an
// Open311 POST adds to its case ([Extra]: token, service code, media URL,
// attributes). It is pure: package open311 (the handlers and the views
// assembled from the cases) and package api (which issues and revokes
// keys) use these types and hubstore stores them. It must not import
// net/http, database/sql or the adapters above it.
package georeport
