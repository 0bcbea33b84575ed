package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cityapi "cityloop/internal/api"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
)

// TestRetention_PullAndSubscriberBehind prunes an outbox while one
// subscription lags: its changes stay and still arrive; a pull from a
// pruned cursor is refused with 410 and told how to re-sync; records and
// retention settings are served.
func TestRetention_PullAndSubscriberBehind(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			env := hubtest.Open(t, pg)
			ctx := context.Background()
			if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
				t.Fatal(err)
			}
			f := &hub.Feeder{Store: env.Hub, Overlap: time.Second}
			if _, err := f.Step(ctx); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				env.Walk(t, report(t, env, i).ID)
			}
			if _, err := f.Step(ctx); err != nil {
				t.Fatal(err)
			}
			last, err := env.Hub.LastPos(ctx)
			if err != nil || last < 10 {
				t.Fatalf("outbox holds %d changes, %v", last, err)
			}

			admin := org.Actor{ID: "adm", Grants: []org.Grant{{Post: org.PostAdmin}}}
			api := hubtest.API(t, &cityapi.Server{Hub: &hub.Service{Store: env.Hub,
				Departments: func() map[string]string { return map[string]string{} }}}, admin)
			do := func(method, path string, body any) (int, []byte) {
				t.Helper()
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, api.URL+path, rd)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, b
			}

			// A partner dataset's records, published twice: the current
			// record is what a re-sync reads.
			for _, v := range []string{"1", "2"} {
				if st, b := do("POST", "/api/v1/hub/datasets/facilities/records", map[string]any{"records": []map[string]any{
					{"key": "3201000000000001", "record": map[string]string{"v": v}}, {"key": "3201000000000002", "record": map[string]string{"v": v}}}}); st != 202 {
					t.Fatalf("publish: %d %s", st, b)
				}
			}

			// The lagging subscriber has received up to position 3.
			const behind = 3
			rc := newReceiver(t, "")
			hook := httptest.NewServer(rc)
			defer hook.Close()
			sub, secret, err := hub.NewSubscription(ctx, env.Hub, loopback, "admin", "落后的订阅", "police", hook.URL, nil, nil, nil, 5, false, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			rc.secret = secret
			if err := env.Hub.SaveProgress(ctx, map[string]int64{sub.ID: behind}, nil); err != nil {
				t.Fatal(err)
			}

			// Everything is old a year from now.
			p := &hub.Pruner{Store: env.Hub, Now: func() time.Time { return time.Now().AddDate(1, 0, 0) }, Batch: 4, Pause: time.Millisecond}
			n, err := p.Prune(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n.Changes != behind || n.Through != behind {
				t.Fatalf("pruned %+v with a subscriber at %d", n, behind)
			}

			// A pull from before the pruned positions: 410 and how to re-sync.
			st, b := do("GET", "/api/v1/hub/changes?cursor=1&dataset=facilities", nil)
			var gone struct {
				Status        int    `json:"status"`
				Detail        string `json:"detail"`
				PrunedThrough int64  `json:"pruned_through"`
				ResyncCursor  int64  `json:"resync_cursor"`
			}
			if err := json.Unmarshal(b, &gone); err != nil {
				t.Fatalf("410 body: %v %s", err, b)
			}
			total, _ := env.Hub.LastPos(ctx)
			if st != http.StatusGone || gone.PrunedThrough != behind || gone.ResyncCursor != total ||
				!strings.Contains(gone.Detail, "GET /api/v1/hub/datasets/facilities/records") || !strings.Contains(gone.Detail, "Re-sync from the dataset's current records") {
				t.Fatalf("pull from a pruned cursor: %d %s", st, b)
			}
			// From the pruned position on, the page is whole.
			var page struct {
				Changes []struct {
					Pos int64 `json:"pos"`
				} `json:"changes"`
			}
			if st, b := do("GET", "/api/v1/hub/changes?cursor=3", nil); st != 200 || json.Unmarshal(b, &page) != nil ||
				len(page.Changes) == 0 || page.Changes[0].Pos != behind+1 {
				t.Fatalf("pull from the pruned position: %d %s", st, b)
			}

			// The re-sync: current records, and the cursor to go on from.
			var recs struct {
				Cursor  int64 `json:"cursor"`
				Records []struct {
					Key    string            `json:"key"`
					Record map[string]string `json:"record"`
				} `json:"records"`
			}
			if st, b := do("GET", "/api/v1/hub/datasets/facilities/records?limit=10", nil); st != 200 || json.Unmarshal(b, &recs) != nil ||
				len(recs.Records) != 2 || recs.Records[0].Record["v"] != "2" || recs.Cursor != total {
				t.Fatalf("records: %d %s", st, b)
			}

			// The lagging subscriber gets every change it had not received.
			e := &hub.Engine{Store: env.Hub, Client: loopback.Client(15 * time.Second), Poll: 20 * time.Millisecond, FlushEvery: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond}
			stop := runEngine(t, e)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if d, _ := rc.count(); d >= int(total-behind) || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			stop()
			if d, _ := rc.count(); d != int(total-behind) {
				t.Fatalf("the lagging subscriber received %d changes, want %d", d, total-behind)
			}
			// Now it has passed them all: everything but the newest goes.
			if n, err = p.Prune(ctx); err != nil || n.Through != total-1 {
				t.Fatalf("second prune: %+v %v (newest %d)", n, err, total)
			}

			// The retention settings.
			if st, b := do("PUT", "/api/v1/hub/retention", map[string]int{"changes_days": -1}); st != 400 {
				t.Fatalf("negative retention: %d %s", st, b)
			}
			var ret struct {
				Retention     hub.Retention `json:"retention"`
				PrunedThrough int64         `json:"pruned_through"`
			}
			if st, b := do("PUT", "/api/v1/hub/retention", map[string]int{"changes_days": 30}); st != 200 || json.Unmarshal(b, &ret) != nil ||
				ret.Retention != (hub.Retention{ChangesDays: 30, DeliveriesDays: hub.DefaultDeliveriesDays, DeadLetterDays: hub.DefaultDeadLetterDays}) ||
				ret.PrunedThrough != total-1 {
				t.Fatalf("put retention: %d %s", st, b)
			}
			if r, err := hub.LoadRetention(ctx, env.Hub); err != nil || r.ChangesDays != 30 {
				t.Fatalf("stored retention: %+v %v", r, err)
			}
		})
	}
}
