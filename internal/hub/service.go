package hub

import (
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

// PutPartnerDataset validates a partner dataset and registers or updates
// it; a built-in dataset cannot be replaced.
func PutPartnerDataset(ctx context.Context, st Store, in Dataset, now time.Time) (Dataset, error) {
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

// Publish stores 1 to 1000 records of d, each as its current record and as
// a change that subscribers receive, and returns how many it stored.
func Publish(ctx context.Context, st Store, d *Dataset, in []RecordIn, now time.Time) (int, error) {
	if len(in) == 0 || len(in) > 1000 {
		return 0, errs.Invalid("send 1 to 1000 records").WithField("records", "1 to 1000")
	}
	now = now.UTC()
	recs := make([]Record, len(in))
	changes := make([]Change, len(in))
	for i, x := range in {
		if x.Key == "" || len(x.Key) > 200 || !json.Valid(x.Body) {
			return 0, errs.Invalid("record %d needs a key (≤200 bytes) and a JSON record", i).WithField("records["+strconv.Itoa(i)+"]", "key and record required")
		}
		recs[i] = Record{Dataset: d.Code, Key: x.Key, Body: x.Body, Publisher: d.Owner, PublishedAt: now}
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

// Replayer sends a dead letter again; *Engine is one.
type Replayer interface {
	Replay(ctx context.Context, id string) (Delivery, error)
}

// ReplayDeadLetter sends dead letter id again through e (an engine on st
// when e is nil): Conflict when it was already replayed, Unavailable with
// the reason, without network detail, when the partner still fails.
func ReplayDeadLetter(ctx context.Context, st Store, e Replayer, id string) (Delivery, error) {
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

// ReadChanges reads up to limit changes after cursor, oldest first, and
// keeps those filter wants. The pruned position is read after the page: a
// prune that committed before the page was read shows in it, so a caller
// that refuses cursor < PrunedThrough never sends a page with a hole.
func ReadChanges(ctx context.Context, st Store, cursor int64, limit int, filter Subscription) (ChangePage, error) {
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
func RetentionDefaults() Retention { return Retention{}.withDefaults() }
