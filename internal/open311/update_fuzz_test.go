package open311_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"cityloop/internal/casework"
	"cityloop/internal/open311"
)

// FuzzParseUpdateBody feeds arbitrary bodies to the POST
// servicerequestupdates parser: it must never panic, and whatever it
// accepts has every required field, a known status, a zone on its time and
// one-line ids, and maps onto a loop action or a comment.
func FuzzParseUpdateBody(f *testing.F) {
	for _, s := range []string{
		"api_key=k&service_request_id=C1&update_id=9&updated_datetime=2026-12-03T09:30:00%2B08:00&status=OPEN&description=x",
		"service_request_id=C1&update_id=fms-1&updated_datetime=2026-12-03T01:30:00Z&status=investigating&description=%E8%BD%A6&email=a@b.c&media_url=https://img.example.org/1.jpg",
		"service_request_id=C1&update_id=1&updated_datetime=2026-12-03T09:30:00&status=FIXED&description=x",
		"service_request_id=C1&update_id=a%0Ab&updated_datetime=2026-12-03T09:30Z&status=CLOSED&description=x",
		"service_request_id=C1&update_id=1&updated_datetime=2026-12-03T09:30:00Z&status=NOT_COUNCILS_RESPONSIBILITY&description=x&media_url=ftp://x",
		"%zz", "status=&description=", "update_id=" + strings.Repeat("9", 101),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := open311.ParseUpdateBody(body)
		if err != nil {
			return
		}
		if u.ServiceRequestID == "" || u.UpdateID == "" || u.Description == "" || u.Status == "" || u.UpdatedAt.IsZero() {
			t.Fatalf("accepted without a required field: %+v", u)
		}
		if len(u.UpdateID) > 100 || strings.ContainsAny(u.UpdateID, "\r\n\x00") || !utf8.ValidString(u.Description) {
			t.Fatalf("accepted a bad update_id or description: %q", u.UpdateID)
		}
		if u.Status != strings.ToUpper(u.Status) {
			t.Fatalf("status %q not normalised", u.Status)
		}
		a := open311.MappedAction(u.Status, casework.Actions())
		if _, ok := casework.ActionNames[a]; !ok {
			t.Fatalf("status %s maps to unknown action %q", u.Status, a)
		}
	})
}
