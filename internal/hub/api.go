package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/audit"
	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// Server serves /api/v1/hub/….
type Server struct {
	Store  Store
	Engine *Engine
	Bearer func(r *http.Request) (org.Actor, bool, error)
	// Departments returns department code → name (the dictionary's).
	Departments func() map[string]string
	Now         func() time.Time
	// Egress decides which webhook URLs may be saved (nil: public
	// addresses only); the engine's client enforces it on every dial.
	Egress *egress.Policy
	// Auditor, when set, records administrators' changes to subscriptions
	// and retention in the audit trail.
	Auditor Auditor
}

// Auditor appends records to the platform's hash-chained audit trail.
type Auditor interface {
	Audit(ctx context.Context, recs ...audit.Record) error
}

// audit records one administrator's change; without an Auditor it does
// nothing. Like the API's client-key changes, a failure to record does not
// undo the change.
func (s *Server) audit(r *http.Request, actorID, action, object string, detail map[string]any) {
	if s.Auditor == nil {
		return
	}
	d := "{}"
	if detail != nil {
		if b, err := json.Marshal(detail); err == nil {
			d = string(b)
		}
	}
	_ = s.Auditor.Audit(r.Context(), audit.Record{At: s.Now(), Actor: actorID, Action: action, Object: object,
		Detail: d, Addr: httpkit.ClientAddr(r)})
}

// RedactURL is a URL as the audit trail keeps it: without user
// information and query, which may carry credentials.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// SubscriptionDetail is what the audit trail keeps of a subscription.
func SubscriptionDetail(sub *Subscription) map[string]any {
	return map[string]any{"name": sub.Name, "department": sub.Department, "kind": sub.Kind, "url": RedactURL(sub.URL),
		"datasets": sub.Datasets, "sources": sub.Sources, "actions": sub.Actions, "max_batch": sub.MaxBatch, "active": sub.Active}
}

// EnsureBuiltins puts the built-in datasets into the catalogue.
func EnsureBuiltins(ctx context.Context, st Store, now time.Time) error {
	for _, d := range Builtins(now) {
		if _, err := st.FindDatasetByCode(ctx, d.Code); err == nil {
			continue
		} else if !errs.Is(err, errs.KindNotFound) {
			return err
		}
		d.CreatedAt, d.UpdatedAt = now, now
		if err := st.PutDataset(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// Routes mounts the hub endpoints.
func (s *Server) Routes(mux *http.ServeMux) {
	h := func(fn httpkit.HandlerFunc) http.Handler { return httpkit.Handle(fn) }
	mux.Handle("GET /api/v1/hub/datasets", h(s.handleDatasetList))
	mux.Handle("PUT /api/v1/hub/datasets/{code}", h(s.handleDatasetPut))
	mux.Handle("GET /api/v1/hub/datasets/{code}", h(s.handleDatasetView))
	mux.Handle("POST /api/v1/hub/datasets/{code}/records", h(s.handleRecordsPublish))
	mux.Handle("GET /api/v1/hub/datasets/{code}/records", h(s.handleRecordList))
	mux.Handle("GET /api/v1/hub/subscriptions", h(s.handleSubscriptionList))
	mux.Handle("POST /api/v1/hub/subscriptions", h(s.handleSubscriptionCreate))
	mux.Handle("DELETE /api/v1/hub/subscriptions/{id}", h(s.handleSubscriptionDelete))
	mux.Handle("GET /api/v1/hub/dead-letters", h(s.handleDeadLetterList))
	mux.Handle("POST /api/v1/hub/dead-letters/{id}/replay", h(s.handleDeadLetterReplay))
	mux.Handle("GET /api/v1/hub/changes", h(s.handleChanges))
	mux.Handle("GET /api/v1/hub/figures", h(s.handleFigures))
	mux.Handle("GET /api/v1/hub/retention", h(s.handleRetentionView))
	mux.Handle("PUT /api/v1/hub/retention", h(s.handleRetentionPut))
}

func (s *Server) actor(r *http.Request) (org.Actor, error) {
	a, ok, err := s.Bearer(r)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, errs.Unauthenticated("sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	return a, nil
}

func (s *Server) admin(r *http.Request) (org.Actor, error) {
	a, err := s.actor(r)
	if err != nil {
		return a, err
	}
	if _, ok := a.Grant(org.PostAdmin); !ok {
		return a, errs.Forbidden("this needs the post admin")
	}
	return a, nil
}

func (s *Server) handleDatasetList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.actor(r); err != nil {
		return err
	}
	list, err := s.Store.FindDatasets(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"datasets": list})
}

func (s *Server) handleDatasetView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.actor(r); err != nil {
		return err
	}
	d, err := s.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, d)
}

// handleDatasetPut registers or updates a partner dataset (admin).
func (s *Server) handleDatasetPut(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	var in Dataset
	if err := httpkit.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	in.Code = r.PathValue("code")
	bad := errs.Invalid("the dataset is not valid")
	if !validCode(in.Code) {
		bad.WithField("code", "1–64 of a-z, 0-9, '_', '-'")
	}
	if strings.TrimSpace(in.Name) == "" {
		bad.WithField("name", "required")
	}
	if strings.TrimSpace(in.Owner) == "" {
		bad.WithField("owner", "the owning department's code is required")
	}
	if !ValidFrequency(in.Frequency) {
		bad.WithField("frequency", "realtime, hourly, daily, weekly or monthly")
	}
	if len(in.Schema) == 0 {
		in.Schema = []byte(`{}`)
	} else if !json.Valid(in.Schema) {
		bad.WithField("schema", "must be a JSON Schema object")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	now := s.Now().UTC()
	old, err := s.Store.FindDatasetByCode(r.Context(), in.Code)
	switch {
	case err == nil && old.Builtin:
		return errs.Conflict("dataset %s is built in; it cannot be replaced", in.Code)
	case err == nil:
		in.CreatedAt = old.CreatedAt
	case errs.Is(err, errs.KindNotFound):
		in.CreatedAt = now
	default:
		return err
	}
	in.UpdatedAt, in.Builtin = now, false
	if err := s.Store.PutDataset(r.Context(), in); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, in)
}

type recordsIn struct {
	Records []struct {
		Key  string          `json:"key"`
		Body json.RawMessage `json:"record"`
	} `json:"records"`
}

// handleRecordsPublish lets the owner department (a handler of it) or an
// admin publish records; each becomes a change that subscribers receive.
func (s *Server) handleRecordsPublish(w http.ResponseWriter, r *http.Request) error {
	a, err := s.actor(r)
	if err != nil {
		return err
	}
	d, err := s.Store.FindDatasetByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	_, isAdmin := a.Grant(org.PostAdmin)
	g, isHandler := a.Grant(org.PostHandler)
	if !isAdmin && !(isHandler && g.Department == d.Owner) {
		return errs.Forbidden("only the owner department (%s) or an admin publishes into %s", d.Owner, d.Code)
	}
	var in recordsIn
	if err := httpkit.DecodeJSON(w, r, &in, 4<<20); err != nil {
		return err
	}
	if len(in.Records) == 0 || len(in.Records) > 1000 {
		return errs.Invalid("send 1 to 1000 records").WithField("records", "1 to 1000")
	}
	now := s.Now().UTC()
	recs := make([]Record, len(in.Records))
	changes := make([]Change, len(in.Records))
	for i, x := range in.Records {
		if x.Key == "" || len(x.Key) > 200 || !json.Valid(x.Body) {
			return errs.Invalid("record %d needs a key (≤200 bytes) and a JSON record", i).WithField("records["+strconv.Itoa(i)+"]", "key and record required")
		}
		recs[i] = Record{Dataset: d.Code, Key: x.Key, Body: x.Body, Publisher: d.Owner, PublishedAt: now}
		c, err := RecordChange(uuid.Must(uuid.NewV7()).String(), recs[i])
		if err != nil {
			return err
		}
		changes[i] = c
	}
	if err := s.Store.PublishRecords(r.Context(), recs, changes); err != nil {
		return err
	}
	if s.Engine != nil {
		s.Engine.Wake()
	}
	return httpkit.WriteJSON(w, http.StatusAccepted, map[string]any{"published": len(recs), "dataset": d.Code})
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

func (s *Server) handleSubscriptionList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	list, err := s.Store.FindSubscriptions(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"subscriptions": list})
}

// handleSubscriptionCreate registers a webhook (admin). The secret is shown once.
func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.admin(r)
	if err != nil {
		return err
	}
	var in subscriptionIn
	if err := httpkit.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	sub, secret, err := NewSubscription(r.Context(), s.Store, s.Egress, a.ID, in.Name, in.Department, in.URL, in.Datasets, in.Sources, in.Actions, in.MaxBatch, in.FromNow == nil || *in.FromNow, s.Now())
	if err != nil {
		return err
	}
	s.audit(r, a.ID, "hub.subscription_create", "hub/subscription/"+sub.ID, SubscriptionDetail(sub))
	if s.Engine != nil {
		s.Engine.Reload()
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"subscription": sub, "secret": secret,
		"note": "the secret is shown once; verify " + HeaderSignature + " = v1=hex(HMAC-SHA256(secret, " + HeaderTimestamp + " + '.' + body))"})
}

// NewSubscription validates and stores a webhook subscription and returns
// it with its signing secret. The URL must be one pol lets the hub reach
// (see [egress.Policy.CheckURL]); a nil pol allows public addresses only.
func NewSubscription(ctx context.Context, st Store, pol *egress.Policy, by, name, dept, target string, datasets, sources, actions []string, maxBatch int, fromNow bool, now time.Time) (*Subscription, string, error) {
	bad := errs.Invalid("the subscription is not valid")
	if strings.TrimSpace(name) == "" {
		bad.WithField("name", "required")
	}
	if strings.TrimSpace(dept) == "" {
		bad.WithField("department", "the receiving department's code is required")
	}
	if err := pol.CheckURL(ctx, target); err != nil {
		// The refusal is the message: it says in both languages what to do.
		bad.Message = err.Error()
		bad.WithField("url", err.Error())
	}
	if maxBatch == 0 {
		maxBatch = 100
	}
	if maxBatch < 1 || maxBatch > 1000 {
		bad.WithField("max_batch", "1 to 1000")
	}
	for _, d := range datasets {
		if _, err := st.FindDatasetByCode(ctx, d); err != nil {
			bad.WithField("datasets", "unknown dataset "+d)
		}
	}
	if len(bad.Fields) > 0 {
		return nil, "", bad
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	secret := "whsec_" + hex.EncodeToString(raw[:])
	sub := &Subscription{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Department: dept, Kind: KindWebhook, URL: target,
		Secret: secret, Datasets: nonNil(datasets), Sources: nonNil(sources), Actions: nonNil(actions), MaxBatch: maxBatch,
		Active: true, CreatedBy: by, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if fromNow {
		last, err := st.LastPos(ctx)
		if err != nil {
			return nil, "", err
		}
		sub.Cursor = last
	} else {
		// From the oldest change the hub still keeps.
		floor, err := st.PrunedThrough(ctx)
		if err != nil {
			return nil, "", err
		}
		sub.Cursor = floor
	}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		return nil, "", err
	}
	return sub, secret, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.admin(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var detail map[string]any
	if old, err := s.Store.FindSubscriptionByID(r.Context(), id); err == nil {
		detail = SubscriptionDetail(old)
	}
	if err := s.Store.DeleteSubscription(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, a.ID, "hub.subscription_delete", "hub/subscription/"+id, detail)
	if s.Engine != nil {
		s.Engine.Reload()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleDeadLetterList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.Store.FindDeadLetters(r.Context(), q.Get("subscription"), q.Get("all") == "true")
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"dead_letters": list})
}

func (s *Server) handleDeadLetterReplay(w http.ResponseWriter, r *http.Request) error {
	a, err := s.admin(r)
	if err != nil {
		return err
	}
	e := s.Engine
	if e == nil {
		e = &Engine{Store: s.Store}
	}
	d, err := e.Replay(r.Context(), r.PathValue("id"))
	if err == errAlreadyReplayed {
		return errs.Conflict("dead letter %s was already replayed", r.PathValue("id"))
	}
	if err != nil {
		if _, ok := errs.As(err); ok {
			return err
		}
		return errs.E(errs.KindUnavailable, "重发失败 / the replay failed: %s", describe(err))
	}
	s.audit(r, a.ID, "hub.dead_letter_replay", "hub/dead_letter/"+r.PathValue("id"), map[string]any{"events": d.Events})
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"replayed": r.PathValue("id"), "events": d.Events, "http_status": d.HTTPStatus})
}

// handleChanges serves the pull: changes after a cursor, oldest first.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.cityWide(r, "the change feed"); err != nil {
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
	filter := Subscription{Datasets: splitComma(q.Get("dataset")), Sources: splitComma(q.Get("source")), Actions: splitComma(q.Get("action"))}
	list, err := s.Store.ChangesAfter(r.Context(), cursor, limit)
	if err != nil {
		return err
	}
	// Read after the page: a prune that committed before the page was read
	// shows here, so a page with a hole is never sent.
	floor, err := s.Store.PrunedThrough(r.Context())
	if err != nil {
		return err
	}
	if cursor < floor {
		return s.writeCursorGone(w, r, cursor, floor)
	}
	next := cursor
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	var b strings.Builder
	b.WriteString(`{"changes":[`)
	n := 0
	for i := range list {
		next = list[i].Pos
		if !filter.Wants(&list[i]) {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(withPos(&list[i]))
		n++
	}
	b.WriteString(`],"next_cursor":` + strconv.FormatInt(next, 10) + `,"more":` + strconv.FormatBool(len(list) == limit) + "}\n")
	_, err = w.Write([]byte(b.String()))
	return err
}

func (s *Server) handleFigures(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.actor(r); err != nil {
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
	f, err := ComputeFigures(r.Context(), s.Store, s.Departments(), from, to)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, f)
}

func defaultStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func validCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
