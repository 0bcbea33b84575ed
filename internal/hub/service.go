package hub

import (
	"cityloop/internal/catalog"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/share"
)

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
func SubscriptionDetail(sub *share.Subscription) map[string]any {
	return map[string]any{"name": sub.Name, "department": sub.Department, "kind": sub.Kind, "url": RedactURL(sub.URL),
		"datasets": sub.Datasets, "sources": sub.Sources, "actions": sub.Actions, "max_batch": sub.MaxBatch, "active": sub.Active}
}

// EnsureBuiltins puts the built-in datasets into the catalogue.
func EnsureBuiltins(ctx context.Context, st share.Store, now time.Time) error {
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

// NewSubscription validates and stores a webhook subscription and returns
// it with its signing secret. The URL must be one pol lets the hub reach
// (see [egress.Policy.CheckURL]); a nil pol allows public addresses only.
func NewSubscription(ctx context.Context, st share.Store, pol *egress.Policy, by, name, dept, target string, datasets, sources, actions []string, maxBatch int, fromNow bool, now time.Time) (*share.Subscription, string, error) {
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
	sub := &share.Subscription{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Department: dept, Kind: share.KindWebhook, URL: target,
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

// putPartnerDataset validates a partner dataset and registers or updates
// it; a built-in dataset cannot be replaced.
func putPartnerDataset(ctx context.Context, st share.Store, in share.Dataset, now time.Time) (share.Dataset, error) {
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
	if !share.ValidFrequency(in.Frequency) {
		bad.WithField("frequency", "realtime, hourly, daily, weekly or monthly")
	}
	if len(in.Schema) == 0 {
		in.Schema = []byte(`{}`)
	} else if !json.Valid(in.Schema) {
		bad.WithField("schema", "must be a JSON Schema object")
	}
	if len(bad.Fields) > 0 {
		return in, bad
	}
	now = now.UTC()
	old, err := st.FindDatasetByCode(ctx, in.Code)
	switch {
	case err == nil && old.Builtin:
		return in, errs.Conflict("dataset %s is built in; it cannot be replaced", in.Code)
	case err == nil:
		in.CreatedAt = old.CreatedAt
	case errs.Is(err, errs.KindNotFound):
		in.CreatedAt = now
	default:
		return in, err
	}
	in.UpdatedAt, in.Builtin = now, false
	if err := st.PutDataset(ctx, in); err != nil {
		return in, err
	}
	return in, nil
}

// RecordIn is one record a publisher sends.
type RecordIn struct {
	Key  string          `json:"key"`
	Body json.RawMessage `json:"record"`
}

// publish stores 1 to 1000 records of d, each as its current record and as
// a change that subscribers receive, and returns how many it stored.
func publish(ctx context.Context, st share.Store, d *share.Dataset, in []RecordIn, now time.Time) (int, error) {
	if len(in) == 0 || len(in) > 1000 {
		return 0, errs.Invalid("send 1 to 1000 records").WithField("records", "1 to 1000")
	}
	now = now.UTC()
	recs := make([]share.Record, len(in))
	changes := make([]share.Change, len(in))
	for i, x := range in {
		if x.Key == "" || len(x.Key) > 200 || !json.Valid(x.Body) {
			return 0, errs.Invalid("record %d needs a key (≤200 bytes) and a JSON record", i).WithField("records["+strconv.Itoa(i)+"]", "key and record required")
		}
		recs[i] = share.Record{Dataset: d.Code, Key: x.Key, Body: x.Body, Publisher: d.Owner, PublishedAt: now}
		c, err := RecordChange(uuid.Must(uuid.NewV7()).String(), recs[i])
		if err != nil {
			return 0, err
		}
		changes[i] = c
	}
	if err := st.PublishRecords(ctx, recs, changes); err != nil {
		return 0, err
	}
	return len(recs), nil
}

// replayer sends a dead letter again; *Engine is one.
type replayer interface {
	Replay(ctx context.Context, id string) (share.Delivery, error)
}

// replayDeadLetter sends dead letter id again through e (an engine on st
// when e is nil): Conflict when it was already replayed, Unavailable with
// the reason, without network detail, when the partner still fails.
func replayDeadLetter(ctx context.Context, st share.Store, e replayer, id string) (share.Delivery, error) {
	if e == nil {
		e = &Engine{Store: st}
	}
	d, err := e.Replay(ctx, id)
	if err == errAlreadyReplayed {
		return d, errs.Conflict("dead letter %s was already replayed", id)
	}
	if err != nil {
		if _, ok := errs.As(err); ok {
			return d, err
		}
		return d, errs.E(errs.KindUnavailable, "重发失败 / the replay failed: %s", describe(err))
	}
	return d, nil
}

// ChangePage is one page of the pull: the changes that pass the filter,
// each as delivered (with "pos" first), the cursor to pull from next,
// whether more follow, and the position up to which changes were pruned.
type ChangePage struct {
	Changes       []json.RawMessage
	Next          int64
	More          bool
	PrunedThrough int64
}

// readChanges reads up to limit changes after cursor, oldest first, and
// keeps those filter wants. The pruned position is read after the page: a
// prune that committed before the page was read shows in it, so a caller
// that refuses cursor < PrunedThrough never sends a page with a hole.
func readChanges(ctx context.Context, st share.Store, cursor int64, limit int, filter share.Subscription) (ChangePage, error) {
	list, err := st.ChangesAfter(ctx, cursor, limit)
	if err != nil {
		return ChangePage{}, err
	}
	floor, err := st.PrunedThrough(ctx)
	if err != nil {
		return ChangePage{}, err
	}
	p := ChangePage{Changes: []json.RawMessage{}, Next: cursor, More: len(list) == limit, PrunedThrough: floor}
	for i := range list {
		p.Next = list[i].Pos
		if filter.Wants(&list[i]) {
			p.Changes = append(p.Changes, withPos(&list[i]))
		}
	}
	return p, nil
}

// SplitComma splits a comma-separated query value, dropping empty items.
func SplitComma(s string) []string { return splitComma(s) }

// CasesDataset is the built-in dataset of the case timeline; its current
// state is the cases themselves, not hub records.
const CasesDataset = "cases"

// ResyncHints says where a client re-reads the current state of the named
// datasets (of a partner dataset and the cases when none are named) after
// its cursor was pruned away.
func ResyncHints(datasets []string) []string {
	var where []string
	for _, d := range datasets {
		where = append(where, datasetResync(d))
	}
	if len(where) == 0 {
		where = []string{datasetResync("{code}"), datasetResync(CasesDataset)}
	}
	return where
}

func datasetResync(code string) string {
	if code == CasesDataset {
		return "cases: GET /api/v1/cases"
	}
	return "GET /api/v1/hub/datasets/" + code + "/records"
}

// RetentionDefaults is the retention in force where none is set.
// DepartmentNames is department code → name as the hub's figures name the
// senders: the dictionary's departments, the command centre and 12345.
func DepartmentNames(d *catalog.Dictionary) map[string]string {
	m := map[string]string{"center": "城管指挥中心", "hotline": "12345 热线"}
	for _, dep := range d.Departments() {
		m[dep.Code] = dep.Name.Zh
	}
	return m
}

func RetentionDefaults() Retention { return Retention{}.withDefaults() }

// Service is the hub as the JSON API (package api, /api/v1/hub/…) uses
// it: the catalogue, publication, subscriptions, dead letters, the pull,
// the figures and the retention, over the store, with the engine told of
// what changed. It holds the rules; the API checks the caller, decodes and
// encodes.
type Service struct {
	Store share.Store
	// Engine is woken after a publication and reloaded after a
	// subscription changes; nil on a node without one (a replay then runs
	// through an engine on Store).
	Engine *Engine
	// Egress decides which webhook URLs may be saved (nil: public
	// addresses only); the engine's client enforces it on every dial.
	Egress *egress.Policy
	// Departments returns department code → name (the dictionary's).
	Departments func() map[string]string
	Now         func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Datasets lists the catalogue.
func (s *Service) Datasets(ctx context.Context) ([]share.Dataset, error) {
	return s.Store.FindDatasets(ctx)
}

// Dataset reads one dataset; NotFound when there is none.
func (s *Service) Dataset(ctx context.Context, code string) (*share.Dataset, error) {
	return s.Store.FindDatasetByCode(ctx, code)
}

// PutDataset registers or updates a partner dataset; see putPartnerDataset.
func (s *Service) PutDataset(ctx context.Context, in share.Dataset) (share.Dataset, error) {
	return putPartnerDataset(ctx, s.Store, in, s.now())
}

// Publish stores records of d (1 to 1000, each as its current record and as a change) and wakes the engine.
func (s *Service) Publish(ctx context.Context, d *share.Dataset, in []RecordIn) (int, error) {
	n, err := publish(ctx, s.Store, d, in, s.now())
	if err != nil {
		return 0, err
	}
	if s.Engine != nil {
		s.Engine.Wake()
	}
	return n, nil
}

// Records reads up to limit current records of a dataset after a key,
// with the cursor to pull changes from afterwards. The cursor is read
// first: changes after it may already show in the records, never the other
// way round.
func (s *Service) Records(ctx context.Context, dataset, after string, limit int) (int64, []share.Record, error) {
	cursor, err := s.Store.LastPos(ctx)
	if err != nil {
		return 0, nil, err
	}
	recs, err := s.Store.FindRecords(ctx, dataset, after, limit)
	if err != nil {
		return 0, nil, err
	}
	return cursor, recs, nil
}

// Subscriptions lists the webhook subscriptions.
func (s *Service) Subscriptions(ctx context.Context) ([]*share.Subscription, error) {
	return s.Store.FindSubscriptions(ctx)
}

// SubscriptionRequest is a webhook subscription as an administrator asks
// for it.
type SubscriptionRequest struct {
	Name       string   `json:"name"`
	Department string   `json:"department"`
	URL        string   `json:"url"`
	Datasets   []string `json:"datasets"`
	Sources    []string `json:"sources"`
	Actions    []string `json:"actions"`
	MaxBatch   int      `json:"max_batch"`
	FromNow    *bool    `json:"from_now"` // default true: start at the newest change
}

// CreateSubscription validates and stores a webhook subscription made by
// by (see [NewSubscription]), reloads the engine and returns it with its
// signing secret.
func (s *Service) CreateSubscription(ctx context.Context, by string, in SubscriptionRequest) (*share.Subscription, string, error) {
	sub, secret, err := NewSubscription(ctx, s.Store, s.Egress, by, in.Name, in.Department, in.URL, in.Datasets, in.Sources, in.Actions,
		in.MaxBatch, in.FromNow == nil || *in.FromNow, s.now())
	if err != nil {
		return nil, "", err
	}
	if s.Engine != nil {
		s.Engine.Reload()
	}
	return sub, secret, nil
}

// DeleteSubscription removes a subscription and reloads the engine. It
// returns the subscription as it was, nil when it could not be read.
func (s *Service) DeleteSubscription(ctx context.Context, id string) (*share.Subscription, error) {
	old, err := s.Store.FindSubscriptionByID(ctx, id)
	if err != nil {
		old = nil
	}
	if err := s.Store.DeleteSubscription(ctx, id); err != nil {
		return nil, err
	}
	if s.Engine != nil {
		s.Engine.Reload()
	}
	return old, nil
}

// DeadLetters lists dead letters, of one subscription when it is not "",
// the replayed ones too when all is set.
func (s *Service) DeadLetters(ctx context.Context, subscription string, all bool) ([]share.DeadLetter, error) {
	return s.Store.FindDeadLetters(ctx, subscription, all)
}

// Replay sends a dead letter again; see replayDeadLetter.
func (s *Service) Replay(ctx context.Context, id string) (share.Delivery, error) {
	var e replayer
	if s.Engine != nil {
		e = s.Engine
	}
	return replayDeadLetter(ctx, s.Store, e, id)
}

// Changes reads a page of the pull; see readChanges.
func (s *Service) Changes(ctx context.Context, cursor int64, limit int, filter share.Subscription) (ChangePage, error) {
	return readChanges(ctx, s.Store, cursor, limit, filter)
}

// LastPos is the position of the newest change.
func (s *Service) LastPos(ctx context.Context) (int64, error) { return s.Store.LastPos(ctx) }

// Figures computes the sharing figures of [from, to).
func (s *Service) Figures(ctx context.Context, from, to time.Time) (Figures, error) {
	depts := map[string]string{}
	if s.Departments != nil {
		depts = s.Departments()
	}
	return ComputeFigures(ctx, s.Store, depts, from, to)
}

// Retention reads the retention in force and the position up to which
// changes were pruned.
func (s *Service) Retention(ctx context.Context) (Retention, int64, error) {
	ret, err := LoadRetention(ctx, s.Store)
	if err != nil {
		return ret, 0, err
	}
	floor, err := s.Store.PrunedThrough(ctx)
	return ret, floor, err
}

// SaveRetention validates and stores the retention, and returns it with
// the pruned position.
func (s *Service) SaveRetention(ctx context.Context, in Retention) (Retention, int64, error) {
	ret, err := SaveRetention(ctx, s.Store, in)
	if err != nil {
		return ret, 0, err
	}
	floor, err := s.Store.PrunedThrough(ctx)
	return ret, floor, err
}
