package sqlstore

import "cityloop/internal/errs"

// Messages of the errors the normalisers return. They are safe to show;
// callers that know better (a taken username, a lost update) say so instead.
const (
	msgExists      = "the record already exists"
	msgMissingRef  = "the record refers to something that does not exist"
	msgBusy        = "the database is busy; try again in a moment"
	msgUnreachable = "the database cannot be reached; try again later"
)

// kindErr is an errs.Error of kind k that keeps the driver error as its cause.
func kindErr(k errs.Kind, msg string, cause error) error {
	e := errs.E(k, "%s", msg)
	e.Err = cause
	return e
}
