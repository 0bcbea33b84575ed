package hotline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cityapi "cityloop/internal/api"
	"cityloop/internal/casework"
	"cityloop/internal/egress"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
	"cityloop/internal/share"
	"cityloop/internal/workorder"
	"cityloop/internal/worktime"
)

// fake12345 is a 12345 platform: it serves work orders page by page to the
// poller and receives the signed callbacks.
type fake12345 struct {
	mu      sync.Mutex
	secret  string
	pages   map[string]hotline.Batch // cursor → page
	updates map[string][]hotline.Callback
	bad     int
}

func (f *fake12345) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/orders":
		if r.Header.Get("Authorization") != "Bearer pull-token" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(f.pages[r.URL.Query().Get("cursor")])
	case "/callback":
		body, _ := io.ReadAll(r.Body)
		if err := hub.Verify(f.secret, r.Header, body, time.Now(), hub.DefaultWindow); err != nil {
			f.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var in struct{ Updates []hotline.Callback }
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, u := range in.Updates {
			f.updates[u.OrderNo] = append(f.updates[u.OrderNo], u)
		}
	default:
		http.NotFound(w, r)
	}
}

func ptr(f float64) *float64 { return &f }

func order(no string, i int) hotline.WorkOrder {
	return hotline.WorkOrder{OrderNo: no, Title: "占道经营", Content: "早市摊贩占用人行道", Category: "event:0501",
		Lng: ptr(118.71 + float64(i)*0.01), Lat: ptr(32.02), CallerName: "李四", CallerPhone: "13900139000",
		ReceivedAt: time.Now().Add(-time.Hour).Truncate(time.Second)}
}

func TestHotline_RoundTrip(t *testing.T) {
	env := hubtest.Open(t, false)
	ctx := context.Background()
	if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
		t.Fatal(err)
	}
	fake := &fake12345{updates: map[string][]hotline.Callback{}, pages: map[string]hotline.Batch{
		"":   {Orders: []hotline.WorkOrder{order("GD001", 0), order("GD002", 1)}, NextCursor: "c1"},
		"c1": {Orders: []hotline.WorkOrder{order("GD003", 2)}, NextCursor: "c2"},
		"c2": {NextCursor: "c2"},
	}}
	hot := httptest.NewServer(fake)
	defer hot.Close()
	// The fake hotline listens on 127.0.0.1, which an operator allows.
	loopback, err := egress.Parse("loopback")
	if err != nil {
		t.Fatal(err)
	}
	a := &hotline.Adapter{Store: env.Hub, Cases: env.Cases, Hub: env.Hub, Cal: env.Cal, Now: func() time.Time { return time.Now().UTC() },
		Egress: loopback}
	admin := org.Actor{ID: "adm", Grants: []org.Grant{{Post: org.PostAdmin}}}
	_, secret, err := a.SaveSettings(ctx, admin, workorder.Settings{PullURL: hot.URL + "/orders", PullToken: "pull-token",
		CallbackURL: hot.URL + "/callback", ContactDays: 3, ReplyDays: 5})
	if err != nil || secret == "" {
		t.Fatalf("settings: %v %q", err, secret)
	}
	fake.mu.Lock()
	fake.secret = secret
	fake.mu.Unlock()

	e := &hub.Engine{Store: env.Hub, Client: loopback.Client(15 * time.Second), Feeder: &hub.Feeder{Store: env.Hub}, Formatters: map[string]hub.Formatter{share.KindHotline: hotline.Format},
		BaseBackoff: 10 * time.Millisecond, Poll: 20 * time.Millisecond, FlushEvery: 20 * time.Millisecond}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(60 * time.Millisecond)

	// Pull: three orders over two pages, and nothing new after.
	n, err := a.Poll(ctx)
	if err != nil || n != 3 {
		t.Fatalf("poll: %d %v", n, err)
	}
	if n, err := a.Poll(ctx); err != nil || n != 0 {
		t.Fatalf("second poll: %d %v", n, err)
	}
	o1, err := env.Hub.FindOrder(ctx, "GD001")
	if err != nil {
		t.Fatal(err)
	}
	c1, err := env.Store.FindCaseByID(ctx, o1.CaseID)
	if err != nil || c1.Source != casework.SourceHotline || c1.ExternalRef != "GD001" {
		t.Fatalf("case of GD001: %+v %v", c1, err)
	}
	want := env.Cal.Deadline(o1.ReceivedAt, worktime.Limit{Amount: 3, Unit: worktime.WorkingDays})
	if !o1.ContactDue.Equal(want) {
		t.Errorf("contact due %s, want %s", o1.ContactDue, want)
	}

	// Push over HTTP, twice: one case.
	op := org.Actor{ID: "hotline-acc", Name: "12345", Grants: []org.Grant{{Post: org.PostOperator}}}
	api := hubtest.API(t, &cityapi.Server{Hotline: a, Cases: a.Cases, Now: a.Now}, op)
	call := func(method, path string, body any) (int, map[string]any) {
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
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if st, out := call("POST", "/api/v1/hotline/orders", order("GD004", 3)); st != 201 {
		t.Fatalf("push: %d %v", st, out)
	}
	if st, out := call("POST", "/api/v1/hotline/orders", map[string]any{"orders": []hotline.WorkOrder{order("GD004", 3)}}); st != 200 ||
		!strings.Contains(toJSON(out), `"created":false`) {
		t.Fatalf("push again: %d %v", st, out)
	}
	if st, _ := call("POST", "/api/v1/hotline/orders", map[string]any{"order_no": "GD005"}); st != 400 {
		t.Fatalf("bad order: %d", st)
	}

	// The order cannot close, nor be replied to, before its case.
	if st, out := call("POST", "/api/v1/hotline/orders/GD001/close", nil); st != 409 {
		t.Fatalf("early close: %d %v", st, out)
	}
	if st, _ := call("POST", "/api/v1/hotline/orders/GD001/reply", map[string]string{"text": "已处理"}); st != 409 {
		t.Fatalf("early reply: %d", st)
	}
	if st, out := call("POST", "/api/v1/hotline/orders/GD001/contact", map[string]string{"note": "已联系来电人"}); st != 200 || out["contact_light"] != "green" {
		t.Fatalf("contact: %d %v", st, out)
	}

	// Walk the case round the loop; every change goes back to the hotline.
	env.Walk(t, c1.ID)
	var got []hotline.Callback
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		fake.mu.Lock()
		got = append([]hotline.Callback(nil), fake.updates["GD001"]...)
		fake.mu.Unlock()
		if len(got) > 0 && got[len(got)-1].Finished {
			break
		}
	}
	var actions []string
	for _, u := range got {
		actions = append(actions, u.Action)
	}
	if strings.Join(actions, ",") != "report,accept,file,dispatch,sign,dispose,check,close" || !got[len(got)-1].Finished {
		t.Fatalf("callbacks for GD001: %v", actions)
	}
	if got[len(got)-1].StatusName != "已结案" || got[0].CaseCode != c1.Code {
		t.Fatalf("last callback: %+v", got[len(got)-1])
	}

	// Now the hotline may reply, call back and close.
	for _, step := range []struct {
		path string
		body any
	}{{"reply", map[string]string{"text": "摊贩已劝离，人行道已恢复通行"}}, {"callback", map[string]string{"satisfaction": "satisfied"}}, {"close", nil}} {
		if st, out := call("POST", "/api/v1/hotline/orders/GD001/"+step.path, step.body); st != 200 {
			t.Fatalf("%s: %d %v", step.path, st, out)
		}
	}
	st, out := call("GET", "/api/v1/hotline/orders/GD001", nil)
	if st != 200 || out["status"] != "closed" || out["case_finished"] != true || out["satisfaction"] != "satisfied" {
		t.Fatalf("order: %d %v", st, out)
	}
	if fake.bad > 0 {
		t.Fatalf("%d callbacks failed verification", fake.bad)
	}
	// Only hotline cases go back to the hotline.
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for no := range fake.updates {
		if !strings.HasPrefix(no, "GD") {
			t.Errorf("callback for a non-hotline case %q", no)
		}
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
