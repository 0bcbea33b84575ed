package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/api"
	"cityloop/internal/casework"
	"cityloop/internal/egress"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
	"cityloop/internal/share"
)

// loopback lets the tests' receivers on 127.0.0.1 be reached, as an
// operator's CITYLOOP_EGRESS_ALLOW=loopback would.
var loopback = func() *egress.Policy {
	p, err := egress.Parse("loopback")
	if err != nil {
		panic(err)
	}
	return p
}()

// receiver is a partner's webhook endpoint: it verifies every delivery and
// remembers the idempotency keys it has processed.
type receiver struct {
	t       testing.TB
	secret  string
	mu      sync.Mutex
	seen    map[string]int // key → times received
	posts   int
	bad     int
	failing bool
	dieNext bool // process the next delivery, then die before answering
}

func newReceiver(t testing.TB, secret string) *receiver {
	return &receiver{t: t, secret: secret, seen: map[string]int{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the connection died under us: the sender sees no 2xx and retries
	}
	if err := hub.Verify(rc.secret, r.Header, body, time.Now(), hub.DefaultWindow); err != nil {
		rc.mu.Lock()
		rc.bad++
		rc.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var env struct {
		Changes []struct {
			ID  string `json:"id"`
			Pos int64  `json:"pos"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	keys := strings.Split(r.Header.Get(hub.HeaderEventKeys), ",")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.failing {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	rc.posts++
	for i, c := range env.Changes {
		if keys[i] != c.ID {
			rc.t.Errorf("header key %d is %s, body says %s", i, keys[i], c.ID)
		}
		rc.seen[c.ID]++
	}
	if rc.dieNext {
		rc.dieNext = false
		panic(http.ErrAbortHandler) // processed, but the sender never hears so
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() (distinct, total int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, n := range rc.seen {
		distinct++
		total += n
	}
	return
}

func report(t testing.TB, env *hubtest.Env, i int) *casework.Case {
	t.Helper()
	lng, lat := 118.701+float64(i%90)*0.001, 32.001+float64(i/90%90)*0.001
	in, err := env.Cases.Report(context.Background(), hubtest.Supervisor, casework.Report{Category: "event:0501",
		Description: fmt.Sprintf("第 %d 处乱停车", i), Lng: &lng, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	return in.Case
}

// serveAt serves h on addr (a fixed port, so a restarted receiver has the
// same URL).
func serveAt(t testing.TB, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	return srv
}

func runEngine(t testing.TB, e *hub.Engine) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	return func() { cancel(); <-done }
}

// TestDelivery_ReceiverKilledMidStream kills the partner's receiver while
// cases keep coming, brings it back on the same address, and checks that
// after de-duplication by key every change arrived exactly once (and that
// the raw stream had no gaps, only possible repeats).
func TestDelivery_ReceiverKilledMidStream(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			env := hubtest.Open(t, pg)
			ctx := context.Background()
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			sub, secret, err := hub.NewSubscription(ctx, env.Hub, loopback, "admin", "城管局执法系统", "enforcement", "http://"+addr+"/hook",
				nil, nil, nil, 20, true, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			rc := newReceiver(t, secret)
			srv := serveAt(t, addr, rc)
			e := &hub.Engine{Store: env.Hub, Client: loopback.Client(15 * time.Second), Feeder: &hub.Feeder{Store: env.Hub}, BaseBackoff: 20 * time.Millisecond,
				MaxBackoff: 200 * time.Millisecond, MaxAttempts: 100, Poll: 20 * time.Millisecond, FlushEvery: 50 * time.Millisecond}
			stop := runEngine(t, e)
			time.Sleep(100 * time.Millisecond) // the feeder's watermark starts now
			const n = 150
			for i := 0; i < n; i++ {
				report(t, env, i)
				time.Sleep(3 * time.Millisecond)
				if i == n/3 {
					rc.mu.Lock()
					rc.dieNext = true
					rc.mu.Unlock()
				}
				if i == n/3+20 {
					srv.CloseClientConnections()
					srv.Close() // killed mid-stream
				}
				if i == 2*n/3 {
					srv = serveAt(t, addr, rc) // back on the same address
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if d, _ := rc.count(); d >= n || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			stop()
			srv.Close()
			distinct, total := rc.count()
			if distinct != n {
				t.Fatalf("received %d distinct changes, want %d", distinct, n)
			}
			if rc.bad > 0 {
				t.Fatalf("%d deliveries failed verification", rc.bad)
			}
			dls, _ := env.Hub.FindDeadLetters(ctx, sub.ID, true)
			if len(dls) != 0 {
				t.Fatalf("dead letters: %+v", dls)
			}
			got, _ := env.Hub.FindSubscriptionByID(ctx, sub.ID)
			last, _ := env.Hub.LastPos(ctx)
			if got.Cursor != last {
				t.Errorf("cursor %d, outbox ends at %d", got.Cursor, last)
			}
			if total == distinct {
				t.Errorf("no change was received twice, yet a delivery died after processing")
			}
			t.Logf("%d changes, %d deliveries received, %d repeats removed by key", distinct, rc.posts, total-distinct)
		})
	}
}

// TestDelivery_DeadLetterReplay: a receiver that keeps failing gets its
// batch dead-lettered; after it recovers an administrator replays it.
func TestDelivery_DeadLetterReplay(t *testing.T) {
	env := hubtest.Open(t, false)
	ctx := context.Background()
	if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, "")
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub, secret, err := hub.NewSubscription(ctx, env.Hub, loopback, "admin", "排水", "drainage", srv.URL, []string{"cases"}, nil, nil, 100, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rc.secret, rc.failing = secret, true
	e := &hub.Engine{Store: env.Hub, Client: loopback.Client(15 * time.Second), Feeder: &hub.Feeder{Store: env.Hub}, BaseBackoff: 5 * time.Millisecond, MaxAttempts: 3,
		Poll: 20 * time.Millisecond, FlushEvery: 20 * time.Millisecond}
	stop := runEngine(t, e)
	time.Sleep(60 * time.Millisecond)
	for i := 0; i < 5; i++ {
		report(t, env, i)
	}
	var dls []share.DeadLetter
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		dls, _ = env.Hub.FindDeadLetters(ctx, sub.ID, false)
		got, _ := env.Hub.FindSubscriptionByID(ctx, sub.ID)
		last, _ := env.Hub.LastPos(ctx)
		if len(dls) > 0 && got.Cursor == last && last > 0 {
			break
		}
	}
	stop()
	if len(dls) == 0 {
		t.Fatal("no dead letter")
	}
	rc.mu.Lock()
	rc.failing = false
	rc.mu.Unlock()
	events := 0
	for _, dl := range dls {
		d, err := e.Replay(ctx, dl.ID)
		if err != nil {
			t.Fatal(err)
		}
		events += d.Events
		if _, err := e.Replay(ctx, dl.ID); err == nil {
			t.Fatal("a second replay succeeded")
		}
	}
	if distinct, _ := rc.count(); distinct != 5 || events != 5 {
		t.Fatalf("after replay: %d distinct, %d events replayed", distinct, events)
	}
	if left, _ := env.Hub.FindDeadLetters(ctx, sub.ID, false); len(left) != 0 {
		t.Fatalf("still open: %+v", left)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"changes":[]}`)
	now := time.Now()
	h := http.Header{}
	h.Set(hub.HeaderTimestamp, fmt.Sprint(now.Unix()))
	h.Set(hub.HeaderSignature, hub.Sign("s3cret", now, body))
	if err := hub.Verify("s3cret", h, body, now, hub.DefaultWindow); err != nil {
		t.Fatal(err)
	}
	if err := hub.Verify("other", h, body, now, hub.DefaultWindow); err != hub.ErrBadMAC {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := hub.Verify("s3cret", h, []byte(`{"changes":[1]}`), now, hub.DefaultWindow); err != hub.ErrBadMAC {
		t.Fatalf("changed body: %v", err)
	}
	if err := hub.Verify("s3cret", h, body, now.Add(10*time.Minute), hub.DefaultWindow); err != hub.ErrStale {
		t.Fatalf("replayed later: %v", err)
	}
	if err := hub.Verify("s3cret", http.Header{}, body, now, hub.DefaultWindow); err != hub.ErrNoSignature {
		t.Fatalf("unsigned: %v", err)
	}
}

// TestPullAndFigures pulls changes with a cursor over HTTP and reads the figures.
func TestPullAndFigures(t *testing.T) {
	env := hubtest.Open(t, false)
	ctx := context.Background()
	f := &hub.Feeder{Store: env.Hub, Overlap: time.Second}
	if _, err := f.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if err := hub.EnsureBuiltins(ctx, env.Hub, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := report(t, env, 1)
	env.Walk(t, c.ID)
	if _, err := f.Step(ctx); err != nil {
		t.Fatal(err)
	}
	admin := org.Actor{ID: "adm", Grants: []org.Grant{{Post: org.PostAdmin}}}
	srv := hubtest.API(t, &api.Server{Hub: &hub.Service{Store: env.Hub,
		Departments: func() map[string]string { return map[string]string{"enforcement": "执法局"} }}}, admin)
	var page struct {
		Changes []struct {
			Pos  int64  `json:"pos"`
			Type string `json:"type"`
			Case struct {
				Code string `json:"code"`
			} `json:"case"`
		} `json:"changes"`
		Next int64 `json:"next_cursor"`
	}
	get := func(path string, out any) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v %s", path, err, b)
		}
	}
	get("/api/v1/hub/changes?cursor=0&limit=3", &page)
	if len(page.Changes) != 3 || page.Changes[0].Type != "case.report" || page.Changes[0].Case.Code != c.Code || page.Next != 3 {
		t.Fatalf("first page: %+v", page)
	}
	get("/api/v1/hub/changes?cursor=3&action=close", &page)
	if len(page.Changes) != 1 || page.Changes[0].Type != "case.close" {
		t.Fatalf("close only: %+v", page)
	}
	var fig hub.Figures
	get("/api/v1/hub/figures", &fig)
	if len(fig.Departments) == 0 || fig.Definitions["duplicate_checks_avoided"] == "" || fig.Baseline["lag_hours"] == nil {
		t.Fatalf("figures: %+v", fig)
	}
}
