package hub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// cityWide requires a city-wide post: the feed and the records are not
// filtered by jurisdiction, so street and department staff read their cases
// through the scoped case API instead.
func (s *Server) cityWide(r *http.Request, what string) (org.Actor, error) {
	a, err := s.actor(r)
	if err != nil {
		return a, err
	}
	for _, g := range a.Grants {
		switch g.Post {
		case org.PostAdmin, org.PostLeader, org.PostOperator, org.PostShiftLead, org.PostDispatcher:
			if g.Region == "" && g.Department == "" {
				return a, nil
			}
		}
	}
	return a, errs.Forbidden("%s covers the whole city; it needs a city-wide post (administrator, leader or command centre)", what)
}

// writeCursorGone answers a pull whose cursor is older than the outbox
// keeps with 410 Gone: the changes after it were pruned, so the client must
// re-read the current state and go on from resync_cursor, which is taken
// before it does, so nothing falls between (a change seen twice is
// harmless: every change carries its idempotency key).
func (s *Server) writeCursorGone(w http.ResponseWriter, r *http.Request, cursor, floor int64) error {
	last, err := s.Store.LastPos(r.Context())
	if err != nil {
		return err
	}
	var where []string
	for _, d := range splitComma(r.URL.Query().Get("dataset")) {
		where = append(where, datasetResync(d))
	}
	if len(where) == 0 {
		where = []string{datasetResync("{code}"), datasetResync(CasesDataset)}
	}
	p := httpkit.Problem{Type: "https://cityloop.dev/problems/cursor_gone", Title: "游标已过期", Status: http.StatusGone,
		Detail: fmt.Sprintf("cursor %d is older than the hub keeps: the changes up to position %d were pruned (retention, see GET /api/v1/hub/retention), "+
			"so pulling on from it would skip changes. Re-sync from the dataset's current records: keep resync_cursor (%d), "+
			"read the current records (%s), then pull again from cursor=%d.",
			cursor, floor, last, strings.Join(where, "; "), last),
		Instance: r.URL.Path, RequestID: httpkit.RequestID(r.Context()),
		Extra: map[string]any{"pruned_through": floor, "resync_cursor": last}}
	if httpkit.English(r) {
		p.Title = "Cursor gone"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusGone)
	return json.NewEncoder(w).Encode(p)
}

// CasesDataset is the built-in dataset of the case timeline; its current
// state is the cases themselves, not hub records.
const CasesDataset = "cases"

func datasetResync(code string) string {
	if code == CasesDataset {
		return "cases: GET /api/v1/cases"
	}
	return "GET /api/v1/hub/datasets/" + code + "/records"
}

type recordView struct {
	Key         string          `json:"key"`
	Body        json.RawMessage `json:"record"`
	Publisher   string          `json:"publisher"`
	PublishedAt time.Time       `json:"published_at"`
}

// handleRecordList pages through the current records of a dataset, by
// key, for a first sync or a re-sync after a 410: read every page, then
// pull changes from the cursor of the first page.
func (s *Server) handleRecordList(w http.ResponseWriter, r *http.Request) error {
	a, err := s.actor(r)
	if err != nil {
		return err
	}
	d, err := s.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if g, ok := a.Grant(org.PostHandler); !ok || g.Department != d.Owner {
		if _, err := s.cityWide(r, "reading a dataset's records"); err != nil {
			return err
		}
	}
	q := r.URL.Query()
	limit, err := strconv.Atoi(defaultStr(q.Get("limit"), "500"))
	if err != nil || limit < 1 || limit > 5000 {
		return errs.Invalid("limit must be 1 to 5000").WithField("limit", "1 to 5000")
	}
	// The cursor first: changes after it may already show in the records,
	// never the other way round.
	cursor, err := s.Store.LastPos(r.Context())
	if err != nil {
		return err
	}
	recs, err := s.Store.FindRecords(r.Context(), d.Code, q.Get("after"), limit)
	if err != nil {
		return err
	}
	out := map[string]any{"dataset": d.Code, "cursor": cursor, "more": len(recs) == limit}
	views := make([]recordView, len(recs))
	for i, x := range recs {
		views[i] = recordView{Key: x.Key, Body: x.Body, Publisher: x.Publisher, PublishedAt: x.PublishedAt}
	}
	out["records"] = views
	if len(recs) > 0 {
		out["next_after"] = recs[len(recs)-1].Key
	}
	if d.Code == CasesDataset {
		out["note"] = "cases are not kept as hub records: read their current state with GET /api/v1/cases"
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleRetentionView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	ret, err := LoadRetention(r.Context(), s.Store)
	if err != nil {
		return err
	}
	return s.writeRetention(w, r, ret)
}

func (s *Server) handleRetentionPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.admin(r)
	if err != nil {
		return err
	}
	var in Retention
	if err := httpkit.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	ret, err := SaveRetention(r.Context(), s.Store, in)
	if err != nil {
		return err
	}
	s.audit(r, a.ID, "hub.retention", "hub/retention", map[string]any{"changes_days": ret.ChangesDays,
		"deliveries_days": ret.DeliveriesDays, "dead_letter_days": ret.DeadLetterDays})
	return s.writeRetention(w, r, ret)
}

func (s *Server) writeRetention(w http.ResponseWriter, r *http.Request, ret Retention) error {
	floor, err := s.Store.PrunedThrough(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"retention": ret, "pruned_through": floor,
		"defaults": Retention{}.withDefaults()})
}
