package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/hub"
	"cityloop/internal/org"
	"cityloop/internal/share"
)

// Hub is what the /api/v1/hub routes need of the data hub: the
// catalogue, publication, subscriptions, dead letters, the pull, the
// figures and the retention. *hub.Service implements it; the hub keeps its
// rules and its delivery work.
type Hub interface {
	Datasets(ctx context.Context) ([]share.Dataset, error)
	Dataset(ctx context.Context, code string) (*share.Dataset, error)
	PutDataset(ctx context.Context, in share.Dataset) (share.Dataset, error)
	Publish(ctx context.Context, d *share.Dataset, in []hub.RecordIn) (int, error)
	Records(ctx context.Context, dataset, after string, limit int) (cursor int64, recs []share.Record, err error)
	Subscriptions(ctx context.Context) ([]*share.Subscription, error)
	CreateSubscription(ctx context.Context, by string, in hub.SubscriptionRequest) (*share.Subscription, string, error)
	// DeleteSubscription returns the subscription as it was (nil when it
	// could not be read), for the audit trail.
	DeleteSubscription(ctx context.Context, id string) (*share.Subscription, error)
	DeadLetters(ctx context.Context, subscription string, all bool) ([]share.DeadLetter, error)
	Replay(ctx context.Context, id string) (share.Delivery, error)
	Changes(ctx context.Context, cursor int64, limit int, filter share.Subscription) (hub.ChangePage, error)
	LastPos(ctx context.Context) (int64, error)
	Figures(ctx context.Context, from, to time.Time) (hub.Figures, error)
	Retention(ctx context.Context) (ret hub.Retention, prunedThrough int64, err error)
	SaveRetention(ctx context.Context, in hub.Retention) (ret hub.Retention, prunedThrough int64, err error)
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
	list, err := s.Hub.Datasets(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"datasets": list})
}

func (s *Server) handleHubDatasetView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustActor(r); err != nil {
		return err
	}
	d, err := s.Hub.Dataset(r.Context(), r.PathValue("code"))
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
	var in share.Dataset
	if err := httpkit.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	in.Code = r.PathValue("code")
	out, err := s.Hub.PutDataset(r.Context(), in)
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
	d, err := s.Hub.Dataset(r.Context(), r.PathValue("code"))
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
	n, err := s.Hub.Publish(r.Context(), d, in.Records)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusAccepted, map[string]any{"published": n, "dataset": d.Code})
}

func (s *Server) handleHubSubscriptionList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	list, err := s.Hub.Subscriptions(r.Context())
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
	var in hub.SubscriptionRequest
	if err := httpkit.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	sub, secret, err := s.Hub.CreateSubscription(r.Context(), a.ID, in)
	if err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.subscription_create", "hub/subscription/"+sub.ID, hub.SubscriptionDetail(sub))
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"subscription": sub, "secret": secret,
		"note": "the secret is shown once; verify " + hub.HeaderSignature + " = v1=hex(HMAC-SHA256(secret, " + hub.HeaderTimestamp + " + '.' + body))"})
}

func (s *Server) handleHubSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	old, err := s.Hub.DeleteSubscription(r.Context(), id)
	if err != nil {
		return err
	}
	var detail map[string]any
	if old != nil {
		detail = hub.SubscriptionDetail(old)
	}
	_ = s.audit(r, a.ID, "hub.subscription_delete", "hub/subscription/"+id, detail)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleHubDeadLetterList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.Hub.DeadLetters(r.Context(), q.Get("subscription"), q.Get("all") == "true")
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
	id := r.PathValue("id")
	d, err := s.Hub.Replay(r.Context(), id)
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
		return errs.Invalid("cursor 须为非负整数：上一页的 next_cursor，或 0 / cursor must be a non-negative integer: the next_cursor of the previous page, or 0").WithField("cursor", "integer ≥ 0")
	}
	limit, err := strconv.Atoi(defaultStr(q.Get("limit"), "500"))
	if err != nil || limit < 1 || limit > 5000 {
		return errs.Invalid("limit 须为 1 到 5000 / limit must be 1 to 5000").WithField("limit", "1 to 5000")
	}
	filter := share.Subscription{Datasets: hub.SplitComma(q.Get("dataset")), Sources: hub.SplitComma(q.Get("source")), Actions: hub.SplitComma(q.Get("action"))}
	page, err := s.Hub.Changes(r.Context(), cursor, limit, filter)
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
	last, err := s.Hub.LastPos(r.Context())
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
			return errs.Invalid("to 须为 RFC 3339 时间 / to must be RFC 3339").WithField("to", "RFC 3339")
		}
	}
	from = to.Add(-7 * 24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Invalid("from 须为 RFC 3339 时间 / from must be RFC 3339").WithField("from", "RFC 3339")
		}
	}
	f, err := s.Hub.Figures(r.Context(), from, to)
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
	d, err := s.Hub.Dataset(r.Context(), r.PathValue("code"))
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
		return errs.Invalid("limit 须为 1 到 5000 / limit must be 1 to 5000").WithField("limit", "1 to 5000")
	}
	cursor, recs, err := s.Hub.Records(r.Context(), d.Code, q.Get("after"), limit)
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
	ret, floor, err := s.Hub.Retention(r.Context())
	if err != nil {
		return err
	}
	return writeRetention(w, ret, floor)
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
	ret, floor, err := s.Hub.SaveRetention(r.Context(), in)
	if err != nil {
		return err
	}
	_ = s.audit(r, a.ID, "hub.retention", "hub/retention", map[string]any{"changes_days": ret.ChangesDays,
		"deliveries_days": ret.DeliveriesDays, "dead_letter_days": ret.DeadLetterDays})
	return writeRetention(w, ret, floor)
}

func writeRetention(w http.ResponseWriter, ret hub.Retention, floor int64) error {
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"retention": ret, "pruned_through": floor,
		"defaults": hub.RetentionDefaults()})
}

func defaultStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
