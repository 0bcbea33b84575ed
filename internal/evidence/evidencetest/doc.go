// Package evidencetest is for tests: the contract suite every
// [evidence.Store] passes ([Run]; evidencestore runs it on SQLite and
// PostgreSQL) and fixtures such as a JPEG carrying EXIF capture time and
// GPS ([PhotoWithEXIF]).
//
// It imports evidence and the standard library's image encoders; never a
// store, api, web or app.
package evidencetest
