package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/georeport"
	"cityloop/internal/org"
)

// keyFor issues an api_key for a new account holding grants.
func (w *world) keyFor(t *testing.T, id string, source casework.Source, grants ...org.Grant) string {
	t.Helper()
	ctx := context.Background()
	if err := w.env.Store.CreateAccount(ctx, &org.Account{ID: id, Username: id, Name: id, Grants: grants, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	key, hash, _ := auth.NewToken("o311_")
	if err := w.env.Hub.CreateKey(ctx, georeport.Key{Hash: hash, AccountID: id, Source: source, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return key
}

// report posts a request with key and answers its number.
func (w *world) report(t *testing.T, key string) string {
	t.Helper()
	st, _, body := w.post(t, "/open311/v2/requests.json", url.Values{"api_key": {key}, "service_code": {"event:0501"},
		"lat": {"32.03"}, "long": {"118.72"}, "description": {"人行道上有车乱停"}})
	if st != 201 {
		t.Fatalf("report: %d %s", st, body)
	}
	var out []struct {
		ID string `json:"service_request_id"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out) != 1 {
		t.Fatalf("report answer %s", body)
	}
	return out[0].ID
}

// updateID reads the answer of POST servicerequestupdates in its format.
func updateID(t *testing.T, ext, body string) string {
	t.Helper()
	if ext == "json" {
		var out []struct {
			UpdateID string `json:"update_id"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out) != 1 {
			t.Fatalf("answer %s", body)
		}
		return out[0].UpdateID
	}
	var out struct {
		Updates []struct {
			UpdateID string `xml:"update_id"`
		} `xml:"request_update"`
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil || len(out.Updates) != 1 {
		t.Fatalf("answer %s", body)
	}
	return out.Updates[0].UpdateID
}

func TestPostUpdates(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { postUpdates(t, false) })
	t.Run("postgres", func(t *testing.T) { postUpdates(t, true) })
}

func postUpdates(t *testing.T, pg bool) {
	w := newWorld(t, pg)
	ctx := context.Background()
	// The back office of the 12345 centre: its key's account holds the
	// operator's post, so its updates move cases it may move.
	office := w.keyFor(t, "acc-office", casework.SourcePartner, org.Grant{Post: org.PostOperator})
	timeline := func(code string) (*casework.Case, []casework.Event) {
		c, err := w.env.Store.FindCaseByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := w.env.Store.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c, evs
	}
	for _, ext := range []string{"json", "xml"} {
		t.Run(ext, func(t *testing.T) {
			path := "/open311/v2/servicerequestupdates." + ext
			code := w.report(t, w.key)
			t.Run("a citizen's update is a comment, once per update_id", func(t *testing.T) {
				form := url.Values{"api_key": {w.key}, "service_request_id": {code}, "update_id": {"fms-" + ext + "-1"},
					"updated_datetime": {"2026-12-03T09:30:00+08:00"}, "status": {"INVESTIGATING"}, "description": {"车还在，已经三天了"},
					"email": {"resident@example.org"}, "first_name": {"张"}, "last_name": {"三"}, "media_url": {"https://img.example.org/2.jpg"}}
				var first string
				for i := range 3 {
					st, ct, body := w.post(t, path, form)
					if st != 200 {
						t.Fatalf("post %d: %d %s", i, st, body)
					}
					checkBody(t, ext, ct, body, "service_request_updates")
					id := updateID(t, ext, body)
					if i == 0 {
						first = id
					} else if id != first {
						t.Fatalf("resent update answered %s, first %s", id, first)
					}
				}
				c, evs := timeline(code)
				var comments []casework.Event
				for _, e := range evs {
					if e.Action == casework.ActComment {
						comments = append(comments, e)
					}
				}
				if c.Status != casework.StatusPendingAccept || len(comments) != 1 || comments[0].ID != first ||
					!strings.Contains(comments[0].Note, "车还在") || !strings.Contains(comments[0].Note, "https://img.example.org/2.jpg") {
					t.Fatalf("status %s, comments %+v", c.Status, comments)
				}
				if strings.Contains(comments[0].Note, "resident@example.org") {
					t.Error("the reporter's e-mail went onto the timeline")
				}
			})
			t.Run("the same update_id for another request is refused", func(t *testing.T) {
				other := w.report(t, w.key)
				st, _, body := w.post(t, path, url.Values{"api_key": {w.key}, "service_request_id": {other}, "update_id": {"fms-" + ext + "-1"},
					"updated_datetime": {"2026-12-03T09:30:00+08:00"}, "status": {"OPEN"}, "description": {"另一条"}})
				if st != 409 {
					t.Fatalf("%d %s", st, body)
				}
			})
			t.Run("a back office key moves the case as mapped", func(t *testing.T) {
				st, _, body := w.post(t, path, url.Values{"api_key": {office}, "service_request_id": {code}, "update_id": {"crm-" + ext + "-7"},
					"updated_datetime": {"2026-12-03T10:00:00+08:00"}, "status": {"NOT_COUNCILS_RESPONSIBILITY"}, "description": {"属物业管理范围，已转物业"}})
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				c, evs := timeline(code)
				last := evs[len(evs)-1]
				if c.Status != casework.StatusRejected || last.Action != casework.ActReject || last.ID != updateID(t, ext, body) {
					t.Fatalf("status %s, last event %s %s", c.Status, last.Action, last.ID)
				}
			})
			for _, tc := range []struct {
				name string
				form url.Values
				want int
			}{
				{"no key", url.Values{"service_request_id": {code}, "update_id": {"x"}, "updated_datetime": {"2026-12-03T10:00:00Z"}, "status": {"OPEN"}, "description": {"x"}}, 403},
				{"unknown request", url.Values{"api_key": {w.key}, "service_request_id": {"NOPE"}, "update_id": {"x"}, "updated_datetime": {"2026-12-03T10:00:00Z"}, "status": {"OPEN"}, "description": {"x"}}, 404},
				{"unknown status", url.Values{"api_key": {w.key}, "service_request_id": {code}, "update_id": {"x"}, "updated_datetime": {"2026-12-03T10:00:00Z"}, "status": {"MAYBE"}, "description": {"x"}}, 400},
				{"no zone", url.Values{"api_key": {w.key}, "service_request_id": {code}, "update_id": {"x"}, "updated_datetime": {"2026-12-03T10:00:00"}, "status": {"OPEN"}, "description": {"x"}}, 400},
				{"no description", url.Values{"api_key": {w.key}, "service_request_id": {code}, "update_id": {"x"}, "updated_datetime": {"2026-12-03T10:00:00Z"}, "status": {"OPEN"}}, 400},
			} {
				t.Run(tc.name, func(t *testing.T) {
					st, ct, body := w.post(t, path, tc.form)
					if st != tc.want {
						t.Fatalf("%d, want %d: %s", st, tc.want, body)
					}
					checkBody(t, ext, ct, body, "errors")
				})
			}
		})
	}
	t.Run("absent values are null in JSON, never empty strings", func(t *testing.T) {
		code := w.report(t, w.key)
		_, _, body := w.get(t, "/open311/v2/requests/"+code+".json")
		var out []map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out) != 1 {
			t.Fatalf("%s", body)
		}
		for k, v := range out[0] {
			if v == "" {
				t.Errorf("%s is an empty string", k)
			}
		}
		if v, ok := out[0]["expected_datetime"]; ok && v != nil {
			if _, err := time.Parse(time.RFC3339, v.(string)); err != nil {
				t.Errorf("expected_datetime %v is not W3C", v)
			}
		}
	})
}
