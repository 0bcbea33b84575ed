package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/hub"
	"cityloop/internal/org"
)

// HubEngine is the hub's delivery engine as the /api/v1/hub routes use it:
// woken after a publication, reloaded after a subscription changes, and
// asked to send a dead letter again. *hub.Engine implements it; the engine
// keeps its delivery work.
type HubEngine interface {
	Wake()
	Reload()
	Replay(ctx context.Context, id string) (hub.Delivery, error)
}

// Hub is what the /api/v1/hub routes need: the hub's store (datasets,
// records, subscriptions, the change outbox, dead letters), its engine (nil
// on a node without one), the egress policy webhook URLs are checked
// against when saved (nil: public addresses only) and the departments'
// names for the figures.
type Hub struct {
	Store       hub.Store
	Engine      HubEngine
	Egress      *egress.Policy
	Departments func() map[string]string
}

// cityWide requires a city-wide post: the feed and the records are not
// filtered by jurisdiction, so street and department staff read their cases
// through the scoped case API instead.
func (s *Server) cityWide(r *http.Request, what string) (org.Actor, error) {
	a, err := s.mustActor(r)
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
	return a, errs.Forbidden("%s需要全市范围的岗位 / %s covers the whole city; it needs a city-wide post (administrator, leader or command centre)", what, what)
}

func (s *Server) handleHubDatasetList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustActor(r); err != nil {
		return err
	}
	list, err := s.Hub.Store.FindDatasets(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"datasets": list})
}

func (s *Server) handleHubDatasetView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustActor(r); err != nil {
		return err
	}
	d, err := s.Hub.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, d)
}

// handleHubDatasetPut registers or updates a partner dataset (admin).
func (s *Server) handleHubDatasetPut(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	var in hub.Dataset
	if err := httpkit.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	in.Code = r.PathValue("code")
	out, err := hub.PutPartnerDataset(r.Context(), s.Hub.Store, in, s.Now())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

// handleHubRecordsPublish lets the owner department (a handler of it) or
// an admin publish records; each becomes a change that subscribers receive.
func (s *Server) handleHubRecordsPublish(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustActor(r)
	if err != nil {
		return err
	}
	d, err := s.Hub.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	_, isAdmin := a.Grant(org.PostAdmin)
	g, isHandler := a.Grant(org.PostHandler)
	if !isAdmin && !(isHandler && g.Department == d.Owner) {
		return errs.Forbidden("只有归属部门（%s）或系统管理员可以发布到 %s / only the owner department (%s) or an admin publishes into %s", d.Owner, d.Code, d.Owner, d.Code)
	}
	var in struct {
		Records []hub.RecordIn `json:"records"`
	}
	if err := httpkit.DecodeJSON(w, r, &in, 4<<20); err != nil {
		return err
	}
	n, err := hub.Publish(r.Context(), s.Hub.Store, d, in.Records, s.Now())
	if err != nil {
		return err
	}
	if s.Hub.Engine != nil {
		s.Hub.Engine.Wake()
	}
	return httpkit.WriteJSON(w, http.StatusAccepted, map[string]any{"published": n, "dataset": d.Code})
}

type subscriptionIn struct {
	Name       string   `json:"name"`
	Department string   `json:"department"`
	URL        string   `json:"url"`
	Datasets   []string `json:"datasets"`
	Sources    []string `json:"sources"`
	Actions    []string `json:"actions"`
	MaxBatch   int      `json:"max_batch"`
	FromNow    *bool    `json:"from_now"` // default true: start at the newest change
}

func (s *Server) handleHubSubscriptionList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	list, err := s.Hub.Store.FindSubscriptions(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"subscriptions": list})
}

// handleHubSubscriptionCreate registers a webhook (admin). The secret is
// shown once.
func (s *Server) handleHubSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var in subscriptionIn
	if err := httpkit.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	sub, secret, err := hub.NewSubscription(r.Context(), s.Hub.Store, s.Hub.Egress, a.ID, in.Name, in.Department, in.URL,
		in.Datasets, in.Sources, in.Actions, in.MaxBatch, in.FromNow == nil || *in.FromNow, s.Now())
	if err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.subscription_create", "hub/subscription/"+sub.ID, hub.SubscriptionDetail(sub))
	if s.Hub.Engine != nil {
		s.Hub.Engine.Reload()
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"subscription": sub, "secret": secret,
		"note": "the secret is shown once; verify " + hub.HeaderSignature + " = v1=hex(HMAC-SHA256(secret, " + hub.HeaderTimestamp + " + '.' + body))"})
}

func (s *Server) handleHubSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var detail map[string]any
	if old, err := s.Hub.Store.FindSubscriptionByID(r.Context(), id); err == nil {
		detail = hub.SubscriptionDetail(old)
	}
	if err := s.Hub.Store.DeleteSubscription(r.Context(), id); err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.subscription_delete", "hub/subscription/"+id, detail)
	if s.Hub.Engine != nil {
		s.Hub.Engine.Reload()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleHubDeadLetterList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.Hub.Store.FindDeadLetters(r.Context(), q.Get("subscription"), q.Get("all") == "true")
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"dead_letters": list})
}

func (s *Server) handleHubDeadLetterReplay(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var e hub.Replayer
	if s.Hub.Engine != nil {
		e = s.Hub.Engine
	}
	id := r.PathValue("id")
	d, err := hub.ReplayDeadLetter(r.Context(), s.Hub.Store, e, id)
	if err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.dead_letter_replay", "hub/dead_letter/"+id, map[string]any{"events": d.Events})
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"replayed": id, "events": d.Events, "http_status": d.HTTPStatus})
}

// handleHubChanges serves the pull: changes after a cursor, oldest first.
func (s *Server) handleHubChanges(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.cityWide(r, "变更流 / the change feed"); err != nil {
		return err
	}
	q := r.URL.Query()
	cursor, err := strconv.ParseInt(defaultStr(q.Get("cursor"), "0"), 10, 64)
	if err != nil || cursor < 0 {
		return errs.Invalid("cursor must be a non-negative integer: the next_cursor of the previous page, or 0").WithField("cursor", "integer ≥ 0")
	}
	limit, err := strconv.Atoi(defaultStr(q.Get("limit"), "500"))
	if err != nil || limit < 1 || limit > 5000 {
		return errs.Invalid("limit must be 1 to 5000").WithField("limit", "1 to 5000")
	}
	filter := hub.Subscription{Datasets: hub.SplitComma(q.Get("dataset")), Sources: hub.SplitComma(q.Get("source")), Actions: hub.SplitComma(q.Get("action"))}
	page, err := hub.ReadChanges(r.Context(), s.Hub.Store, cursor, limit, filter)
	if err != nil {
		return err
	}
	if cursor < page.PrunedThrough {
		return s.writeCursorGone(w, r, cursor, page.PrunedThrough)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	var b strings.Builder
	b.WriteString(`{"changes":[`)
	for i, c := range page.Changes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(c)
	}
	b.WriteString(`],"next_cursor":` + strconv.FormatInt(page.Next, 10) + `,"more":` + strconv.FormatBool(page.More) + "}\n")
	_, err = w.Write([]byte(b.String()))
	return err
}

// writeCursorGone answers a pull whose cursor is older than the outbox
// keeps with 410 Gone: the changes after it were pruned, so the client must
// re-read the current state and go on from resync_cursor, which is taken
// before it does, so nothing falls between (a change seen twice is
// harmless: every change carries its idempotency key).
func (s *Server) writeCursorGone(w http.ResponseWriter, r *http.Request, cursor, floor int64) error {
	last, err := s.Hub.Store.LastPos(r.Context())
	if err != nil {
		return err
	}
	where := hub.ResyncHints(hub.SplitComma(r.URL.Query().Get("dataset")))
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

func (s *Server) handleHubFigures(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustActor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	to, from := s.Now().UTC(), time.Time{}
	var err error
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Invalid("to must be RFC 3339").WithField("to", "RFC 3339")
		}
	}
	from = to.Add(-7 * 24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Invalid("from must be RFC 3339").WithField("from", "RFC 3339")
		}
	}
	depts := map[string]string{}
	if s.Hub.Departments != nil {
		depts = s.Hub.Departments()
	}
	f, err := hub.ComputeFigures(r.Context(), s.Hub.Store, depts, from, to)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, f)
}

type hubRecordView struct {
	Key         string          `json:"key"`
	Body        json.RawMessage `json:"record"`
	Publisher   string          `json:"publisher"`
	PublishedAt time.Time       `json:"published_at"`
}

// handleHubRecordList pages through the current records of a dataset, by
// key, for a first sync or a re-sync after a 410: read every page, then
// pull changes from the cursor of the first page.
func (s *Server) handleHubRecordList(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustActor(r)
	if err != nil {
		return err
	}
	d, err := s.Hub.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if g, ok := a.Grant(org.PostHandler); !ok || g.Department != d.Owner {
		if _, err := s.cityWide(r, "读取数据集记录 / reading a dataset's records"); err != nil {
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
	cursor, err := s.Hub.Store.LastPos(r.Context())
	if err != nil {
		return err
	}
	recs, err := s.Hub.Store.FindRecords(r.Context(), d.Code, q.Get("after"), limit)
	if err != nil {
		return err
	}
	out := map[string]any{"dataset": d.Code, "cursor": cursor, "more": len(recs) == limit}
	views := make([]hubRecordView, len(recs))
	for i, x := range recs {
		views[i] = hubRecordView{Key: x.Key, Body: x.Body, Publisher: x.Publisher, PublishedAt: x.PublishedAt}
	}
	out["records"] = views
	if len(recs) > 0 {
		out["next_after"] = recs[len(recs)-1].Key
	}
	if d.Code == hub.CasesDataset {
		out["note"] = "cases are not kept as hub records: read their current state with GET /api/v1/cases"
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleHubRetentionView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	ret, err := hub.LoadRetention(r.Context(), s.Hub.Store)
	if err != nil {
		return err
	}
	return s.writeRetention(w, r, ret)
}

func (s *Server) handleHubRetentionPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var in hub.Retention
	if err := httpkit.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	ret, err := hub.SaveRetention(r.Context(), s.Hub.Store, in)
	if err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.retention", "hub/retention", map[string]any{"changes_days": ret.ChangesDays,
		"deliveries_days": ret.DeliveriesDays, "dead_letter_days": ret.DeadLetterDays})
	return s.writeRetention(w, r, ret)
}

func (s *Server) writeRetention(w http.ResponseWriter, r *http.Request, ret hub.Retention) error {
	floor, err := s.Hub.Store.PrunedThrough(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"retention": ret, "pruned_through": floor,
		"defaults": hub.RetentionDefaults()})
}

func defaultStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
