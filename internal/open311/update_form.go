package open311

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// UpdateForm is a parsed POST servicerequestupdates body: mySociety's
// extension for FixMyStreet, by which a client adds an update to a request
// it sent (or to any request, for a council's back office).
type UpdateForm struct {
	APIKey           string
	JurisdictionID   string
	ServiceRequestID string // the case number
	UpdateID         string // the client's id of the update; resending it is harmless
	UpdatedAt        time.Time
	Status           string // upper case: OPEN, CLOSED or an extended status (see statusActions)
	Description      string
	Email            string
	FirstName        string
	LastName         string
	Title            string
	AccountID        string
	MediaURL         string
}

// maxUpdateID bounds the client's update_id.
const maxUpdateID = 100

// ParseUpdateBody parses a urlencoded POST servicerequestupdates body; see
// [ParseUpdateForm].
func ParseUpdateBody(body []byte) (UpdateForm, error) {
	v, err := parseBody(body)
	if err != nil {
		return UpdateForm{}, err
	}
	return ParseUpdateForm(v)
}

// ParseUpdateForm checks the fields of a POST servicerequestupdates call:
// service_request_id, update_id, updated_datetime (W3C with a zone),
// status (one the server knows) and description are required; media_url
// must be an absolute http(s) URL, email an address, and all text UTF-8
// within limits, without control characters in one-line fields. Errors are
// 400s in the specification's format.
func ParseUpdateForm(v url.Values) (UpdateForm, error) {
	bad := func(format string, args ...any) (UpdateForm, error) {
		return UpdateForm{}, apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
	}
	if err := checkValues(v); err != nil {
		return UpdateForm{}, err
	}
	one := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	u := UpdateForm{APIKey: one("api_key"), JurisdictionID: one("jurisdiction_id"), ServiceRequestID: one("service_request_id"),
		UpdateID: one("update_id"), Status: strings.ToUpper(one("status")), Description: one("description"), Email: one("email"),
		FirstName: one("first_name"), LastName: one("last_name"), Title: one("title"), AccountID: one("account_id"), MediaURL: one("media_url")}
	for _, f := range []struct{ name, val string }{{"service_request_id", u.ServiceRequestID}, {"update_id", u.UpdateID},
		{"updated_datetime", one("updated_datetime")}, {"status", u.Status}, {"description", u.Description}} {
		if f.val == "" {
			return bad("%s was not provided", f.name)
		}
	}
	for _, f := range []struct {
		name, val string
		max       int
	}{{"service_request_id", u.ServiceRequestID, 64}, {"update_id", u.UpdateID, maxUpdateID}, {"email", u.Email, 254},
		{"first_name", u.FirstName, 100}, {"last_name", u.LastName, 100}, {"title", u.Title, 50}, {"account_id", u.AccountID, 200}} {
		if len(f.val) > f.max {
			return bad("%s is longer than %d bytes", f.name, f.max)
		}
		if strings.ContainsFunc(f.val, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return bad("%s must be one line of text without control characters", f.name)
		}
	}
	if strings.ContainsFunc(u.Description, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }) {
		return bad("description must be text without control characters")
	}
	t, err := parseW3C(one("updated_datetime"))
	if err != nil {
		return bad("updated_datetime must be a W3C date-time with a zone, e.g. 2026-12-03T09:30:00+08:00")
	}
	u.UpdatedAt = t
	if _, ok := statusActions[u.Status]; !ok {
		return bad("status %q is not known; use OPEN, CLOSED or one of FixMyStreet's extended statuses (%s)", u.Status, strings.Join(knownStatuses(), ", "))
	}
	if u.MediaURL != "" {
		mu, err := url.Parse(u.MediaURL)
		if err != nil || (mu.Scheme != "http" && mu.Scheme != "https") || mu.Host == "" || len(u.MediaURL) > 2000 {
			return bad("media_url must be an absolute http or https URL of at most 2000 characters")
		}
	}
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		return bad("email is not a valid address")
	}
	return u, nil
}
