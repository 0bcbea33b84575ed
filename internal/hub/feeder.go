package hub

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/share"
)

// Feeder copies new case timeline events into the outbox. Event ids are
// UUIDv7 made when the event is stored, so they sort by time; an event may
// commit a little after a later id (intake is group-committed), so every
// step re-reads the ids of the last Overlap and skips those it has seen.
// Only one node feeds at a time (the caller holds a lease); a restart or a
// new node re-reads from the stored watermark and the outbox's unique event
// id drops what was already copied.
type Feeder struct {
	Store   share.Store
	Overlap time.Duration // default 3 s
	Batch   int           // ids read per query; default 2000
	// Wall is the real clock: ids carry real time even when the app's Now is faked.
	Wall func() time.Time

	low  string
	seen map[string]struct{}
}

const stateWatermark = "feeder.watermark"

// UUIDv7Floor is the smallest UUIDv7 string of the millisecond of t: every
// id made at or after t sorts at or after it.
func UUIDv7Floor(t time.Time) string {
	ms := uint64(t.UnixMilli())
	var b [6]byte
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-0000-0000-000000000000"
}

// UUIDv7Time is the time in a UUIDv7 string, or false.
func UUIDv7Time(id string) (time.Time, bool) {
	if len(id) != 36 || id[14] != '7' {
		return time.Time{}, false
	}
	raw, err := hex.DecodeString(id[:8] + id[9:13])
	if err != nil {
		return time.Time{}, false
	}
	var ms int64
	for _, c := range raw {
		ms = ms<<8 | int64(c)
	}
	return time.UnixMilli(ms).UTC(), true
}

func (f *Feeder) wall() time.Time {
	if f.Wall != nil {
		return f.Wall()
	}
	return time.Now()
}

// Step copies what is new and returns how many changes it appended.
func (f *Feeder) Step(ctx context.Context) (int, error) {
	if f.Overlap <= 0 {
		f.Overlap = 3 * time.Second
	}
	if f.Batch <= 0 {
		f.Batch = 2000
	}
	now := f.wall()
	if f.low == "" {
		w, ok, err := f.Store.GetState(ctx, stateWatermark)
		if err != nil {
			return 0, err
		}
		if !ok {
			// A new hub starts with what happens from now on; history is
			// there for pull through the case API.
			w = UUIDv7Floor(now.Add(-f.Overlap))
		}
		f.low = w
		f.seen = map[string]struct{}{}
	}
	var fresh []string
	after := f.low
	for {
		ids, err := f.Store.TimelineIDsAfter(ctx, after, f.Batch)
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if _, ok := f.seen[id]; !ok {
				fresh = append(fresh, id)
			}
		}
		if len(ids) < f.Batch {
			break
		}
		after = ids[len(ids)-1]
	}
	next := UUIDv7Floor(now.Add(-f.Overlap))
	if next < f.low {
		next = f.low
	}
	var changes []share.Change
	for start := 0; start < len(fresh); start += 500 {
		events, cases, err := f.Store.TimelineEvents(ctx, fresh[start:min(start+500, len(fresh))])
		if err != nil {
			return 0, err
		}
		for _, e := range events {
			cs := cases[e.CaseID]
			if cs == nil {
				continue // cannot happen: the events were read joined with their cases
			}
			c, err := ChangeOf(e, cs, now)
			if err != nil {
				return 0, err
			}
			changes = append(changes, c)
		}
	}
	n, err := f.Store.AppendChanges(ctx, changes, next)
	if err != nil {
		return 0, err
	}
	for _, id := range fresh {
		f.seen[id] = struct{}{}
	}
	for id := range f.seen {
		if id < next {
			delete(f.seen, id)
		}
	}
	f.low = next
	return n, nil
}

// checkActions are the actions whose event is an on-site inspection result.
var checkActions = map[string]bool{"verify": true, "check": true, "self_handle": true}

// caseView is the case part of a change, without personal data.
type caseView struct {
	ID          string  `json:"id"`
	Code        string  `json:"code"`
	Status      string  `json:"status"`
	Source      string  `json:"source"`
	Category    string  `json:"category,omitempty"`
	Department  string  `json:"department,omitempty"`
	District    string  `json:"district,omitempty"`
	Street      string  `json:"street,omitempty"`
	Grid        string  `json:"grid,omitempty"`
	ExternalRef string  `json:"external_ref,omitempty"`
	Lng         float64 `json:"lng"`
	Lat         float64 `json:"lat"`
}

type eventView struct {
	Seq    int      `json:"seq"`
	Action string   `json:"action"`
	From   string   `json:"from,omitempty"`
	To     string   `json:"to"`
	Post   string   `json:"post,omitempty"`
	At     string   `json:"at"`
	Note   string   `json:"note,omitempty"`
	Photos []string `json:"photos,omitempty"`
}

type changeView struct {
	ID         string     `json:"id"`
	Dataset    string     `json:"dataset"`
	Type       string     `json:"type"`
	ChangedAt  string     `json:"changed_at"`
	Case       *caseView  `json:"case,omitempty"`
	Event      *eventView `json:"event,omitempty"`
	RecordKey  string     `json:"key,omitempty"`
	RecordBody any        `json:"record,omitempty"`
}

// ChangeOf turns a timeline event of case c into a change of the cases
// dataset. The payload leaves out names and phone numbers: partners get the
// problem, not the people.
func ChangeOf(e casework.Event, c *casework.Case, fedAt time.Time) (share.Change, error) {
	changed, ok := UUIDv7Time(e.ID)
	if !ok {
		changed = e.At
	}
	dept := c.Department
	if dept == "" {
		dept = c.Suggested
	}
	category := ""
	if c.Category != nil {
		category = c.Category.String()
	}
	action := string(e.Action)
	v := changeView{ID: e.ID, Dataset: "cases", Type: "case." + action, ChangedAt: changed.Format(time.RFC3339Nano),
		Case: &caseView{ID: e.CaseID, Code: c.Code, Status: string(c.Status), Source: string(c.Source), Category: category, Department: dept,
			District: c.District, Street: c.Street, Grid: c.Grid, ExternalRef: c.ExternalRef, Lng: c.Point.Lng, Lat: c.Point.Lat},
		Event: &eventView{Seq: e.Seq, Action: action, From: string(e.From), To: string(e.To), Post: string(e.Post), At: e.At.UTC().Format(time.RFC3339Nano),
			Note: e.Note, Photos: e.Photos}}
	b, err := json.Marshal(v)
	if err != nil {
		return share.Change{}, fmt.Errorf("encode change %s: %w", e.ID, err)
	}
	return share.Change{EventID: e.ID, Dataset: "cases", Kind: "case." + action, CaseID: e.CaseID, Source: string(c.Source),
		Department: dept, ExternalRef: c.ExternalRef, CheckResult: checkActions[action], ChangedAt: changed, FedAt: fedAt, Payload: b}, nil
}

// RecordChange is the change a published record makes.
func RecordChange(id string, rec share.Record) (share.Change, error) {
	v := changeView{ID: id, Dataset: rec.Dataset, Type: "record.upsert", ChangedAt: rec.PublishedAt.UTC().Format(time.RFC3339Nano),
		RecordKey: rec.Key, RecordBody: rec.Body}
	b, err := json.Marshal(v)
	if err != nil {
		return share.Change{}, fmt.Errorf("encode record %s/%s: %w", rec.Dataset, rec.Key, err)
	}
	return share.Change{EventID: id, Dataset: rec.Dataset, Kind: "record.upsert", Department: rec.Publisher,
		ChangedAt: rec.PublishedAt, FedAt: rec.PublishedAt, Payload: b}, nil
}

// withPos is the payload with "pos" first, as deliveries and pulls show it.
func withPos(c *share.Change) []byte {
	p := strings.TrimPrefix(string(c.Payload), "{")
	return []byte(fmt.Sprintf(`{"pos":%d,%s`, c.Pos, p))
}
