package catalog

import (
	"fmt"

	"cityloop/internal/errs"
)

// StreetOffice is the department code for 属地兜底: "the street office
// (街道办事处) of the street where the case is located". A sub-class or rule
// may name it like any other department, and [Dictionary.Route] returns it
// unresolved, because the catalog knows categories, not places. The caller
// (casework) replaces it with the street office of the located point — in
// org terms the Street of the point's Location, i.e. the street-level entry
// of the region path — and dispatches there. It must still be listed among
// the departments so that it has a name to show.
const StreetOffice = "street"

// Department is a unit that receives and disposes of cases (处置单位):
// a bureau, a utility company, the police, or a street office.
type Department struct {
	Code  string `json:"code"`
	Name  Text   `json:"name"`
	Kind  string `json:"kind"` // bureau | utility | street | enforcement | police | telecom …, free text for grouping
	Phone string `json:"phone,omitempty"`
}

// Validate checks the department on its own.
func (d Department) Validate() error {
	e := errs.Invalid("department %q is not valid", d.Code)
	if !validID(d.Code) {
		e.WithField("code", fmt.Sprintf("code %q must be 1–64 characters of a-z, 0-9, '-', '_' or '.'", d.Code))
	}
	if d.Name.Zh == "" {
		e.WithField("name.zh", "the department needs a Chinese name")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// validID reports a code safe to put in a URL, a log line and a database key
// without quoting.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
