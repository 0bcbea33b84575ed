package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/store/hubstore"
	"cityloop/internal/workorder"
)

// Security tests of what the platform sends out and keeps of its partners:
// webhooks, the 12345 hotline and its callers (issue 10).

const (
	hotlineCallerPhone = "13987650123"
	hotlineCallerName  = "欧阳来电"
)

// pushHotlineOrder pushes one 12345 work order with a known caller through
// the hotline's own endpoint, as the hotline's machine account does.
func pushHotlineOrder(t *testing.T, base, no string) {
	t.Helper()
	op := login(t, base, "operator")
	var out struct {
		Orders []struct {
			CaseID string `json:"case_id"`
		} `json:"orders"`
	}
	st := op.do("POST", "/api/v1/hotline/orders", map[string]any{"order_no": no, "title": "占道经营", "content": "早市摊贩占用人行道",
		"category": "event:0501", "lng": 118.72, "lat": 32.03, "address": "测试区西街道 12 号门口",
		"caller_name": hotlineCallerName, "caller_phone": hotlineCallerPhone}, &out)
	if st != 201 || len(out.Orders) != 1 || out.Orders[0].CaseID == "" {
		t.Fatalf("push order %s: %d %+v", no, st, out)
	}
}

// TestSecurityOutbound_HotlineCallerNotInDatabaseFile: a 12345 work order
// pushed with a caller's phone and name leaves neither in plain in any
// database file (every table, the hotline's raw orders included), while the
// order itself is stored and its case still knows the caller.
func TestSecurityOutbound_HotlineCallerNotInDatabaseFile(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	const no = "GD-PII-0001"
	pushHotlineOrder(t, base, no)

	ctx := context.Background()
	hs := openHubStore(t, a)
	o, err := hs.FindOrder(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if o.Caller.Phone != hotlineCallerPhone || o.Caller.Name != hotlineCallerName {
		t.Fatalf("the order's caller reads back as %+v", o.Caller)
	}
	if bytes.Contains(o.Raw, []byte(hotlineCallerPhone)) {
		t.Fatalf("the raw order holds the phone: %s", o.Raw)
	}
	var c map[string]any
	login(t, base, "operator").do("GET", "/api/v1/cases/"+o.CaseID, nil, &c)
	if c["reporter_phone"] != hotlineCallerPhone || c["reporter_name"] != hotlineCallerName {
		t.Fatalf("the case lost its caller: %v %v", c["reporter_phone"], c["reporter_name"])
	}
	hs.Close()
	a.Close() // checkpoints the WAL into the main file
	assertNotInDBFiles(t, a.Cfg.DataDir, hotlineCallerPhone, hotlineCallerName)
	// The scan reads the right files: the order number is there in plain.
	files, _ := filepath.Glob(filepath.Join(a.Cfg.DataDir, "*.db*"))
	found := false
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		found = found || bytes.Contains(raw, []byte(no))
	}
	if !found {
		t.Fatal("the order number is in no database file: the scan looked in the wrong place")
	}
}

// TestSecurityOutbound_HotlineCallerNotInPostgres: on PostgreSQL, after a
// 12345 work order with a caller's phone and name, no text, JSON or bytea
// column of any table in the schema holds either.
func TestSecurityOutbound_HotlineCallerNotInPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL scan")
	}
	dsn := freshPostgres(t, url)
	a := testApp(t, dsn)
	base := serve(t, a)
	const no = "GD-PII-PG-0001"
	pushHotlineOrder(t, base, no)
	a.Close()
	assertNotInPostgres(t, dsn, no, hotlineCallerPhone, hotlineCallerName)
}

// assertNotInPostgres scans every text, JSON and bytea column of every
// table in the DSN's schema: control must appear somewhere (the scan sees
// the data) and no secret anywhere.
func assertNotInPostgres(t *testing.T, dsn, control string, secrets ...string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')
ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ schema, table, name, typ string }
	var cols []col
	tables := map[string]bool{}
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.schema, &c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
		tables[c.table] = true
	}
	rows.Close()
	for _, want := range []string{"cases", "case_events", "hotline_orders", "hub_events", "hub_state"} {
		if !tables[want] {
			t.Fatalf("table %s not scanned (tables: %v)", want, tables)
		}
	}
	count := func(c col, s string) int {
		q := fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE position($1 in %q::text) > 0`, c.schema, c.table, c.name)
		if c.typ == "bytea" {
			q = fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE position(convert_to($1, 'UTF8') in %q) > 0`, c.schema, c.table, c.name)
		}
		var n int
		if err := db.QueryRowContext(ctx, q, s).Scan(&n); err != nil {
			t.Fatalf("scan %s.%s: %v", c.table, c.name, err)
		}
		return n
	}
	seen := false
	for _, c := range cols {
		seen = seen || count(c, control) > 0
		for _, s := range secrets {
			if n := count(c, s); n > 0 {
				t.Errorf("%s.%s holds %q in plain text (%d rows)", c.table, c.name, s, n)
			}
		}
	}
	if !seen {
		t.Fatalf("%q is in no column: the scan looked in the wrong place", control)
	}
}

// openHubStore opens the app's interoperability store with its keyring.
func openHubStore(t *testing.T, a *App) *hubstore.DB {
	t.Helper()
	hs, err := hubstore.Open(context.Background(), a.Cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	hs.SetKeyring(a.keys)
	t.Cleanup(func() { hs.Close() })
	return hs
}

// hookRecorder is a partner's webhook endpoint that remembers what came.
type hookRecorder struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, string(b))
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookRecorder) got() (bodies, auth []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...), append([]string(nil), h.auth...)
}

// TestSecurityOutbound_SubscriptionCreatedAtRunTimeDelivers: a webhook
// subscription created through the API on a running node receives the
// changes published after it, long after the creating request has ended.
func TestSecurityOutbound_SubscriptionCreatedAtRunTimeDelivers(t *testing.T) {
	a := testApp(t, "")
	base := runApp(t, a)
	time.Sleep(500 * time.Millisecond) // the delivery engine takes its lease and starts
	hook := &hookRecorder{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	admin := login(t, base, "admin")
	var created struct {
		Subscription struct{ ID string } `json:"subscription"`
	}
	if st := admin.do("POST", "/api/v1/hub/subscriptions", map[string]any{"name": "设施台账同步", "department": "enforcement",
		"url": srv.URL + "/hook", "datasets": []string{"facilities"}}, &created); st != 201 {
		t.Fatalf("create subscription: %d", st)
	}
	time.Sleep(300 * time.Millisecond) // well after the request's context has ended
	if st := admin.do("POST", "/api/v1/hub/datasets/facilities/records", map[string]any{"records": []map[string]any{
		{"key": "3201000000000001", "record": map[string]string{"name": "公厕 1"}}}}, nil); st != 202 {
		t.Fatalf("publish: %d", st)
	}
	waitFor(t, 10*time.Second, "the delivery to the new subscription", func() bool {
		bodies, _ := hook.got()
		return len(bodies) > 0 && strings.Contains(bodies[0], "3201000000000001") && strings.Contains(bodies[0], created.Subscription.ID)
	})
}

// reopenWithEgress closes a and opens the same database and data directory
// again with the given egress allow-list (empty: only public addresses).
func reopenWithEgress(t *testing.T, a *App, allow string) *App {
	t.Helper()
	cfg := a.Cfg
	a.Close()
	cfg.EgressAllow = allow
	b, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// errorBody is an API error (RFC 9457 problem) as the client sees it.
type errorBody struct {
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e errorBody) text() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// field is the message for one field, "" when none.
func (e errorBody) field(name string) string {
	for _, f := range e.Errors {
		if f.Field == name {
			return f.Message
		}
	}
	return ""
}

// TestSecurityOutbound_PrivateTargetsRefusedAtSave: without an allow-list
// an administrator cannot point a webhook or the 12345 pull or callback URL
// at loopback, link-local (cloud metadata) or private addresses; the 400
// says why in Chinese and English, and nothing is stored.
func TestSecurityOutbound_PrivateTargetsRefusedAtSave(t *testing.T) {
	a := reopenWithEgress(t, testApp(t, ""), "")
	base := serve(t, a)
	hook := &hookRecorder{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	admin := login(t, base, "admin")
	for _, target := range []string{srv.URL + "/hook", "http://localhost:9/hook", "http://169.254.169.254/latest/meta-data/",
		"http://10.1.2.3/hook", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://0.0.0.0:80/"} {
		var e errorBody
		st := admin.do("POST", "/api/v1/hub/subscriptions", map[string]any{"name": "内网探测", "department": "enforcement", "url": target}, &e)
		if st != 400 || !strings.Contains(e.Detail, "不允许") || !strings.Contains(e.Detail, "not allowed") || !strings.Contains(e.field("url"), "CITYLOOP_EGRESS_ALLOW") {
			t.Errorf("webhook to %s: %d %s", target, st, e.text())
		}
	}
	for _, field := range []string{"pull_url", "callback_url"} {
		var e errorBody
		st := admin.do("PUT", "/api/v1/hotline/settings", map[string]any{field: "http://169.254.169.254/latest/meta-data/", "pull_token": "tok"}, &e)
		if st != 400 || !strings.Contains(e.Detail, "不允许") || !strings.Contains(e.Detail, "not allowed") || !strings.Contains(e.field(field), "不允许") {
			t.Errorf("hotline %s to the metadata address: %d %s", field, st, e.text())
		}
	}
	var subs struct {
		Subscriptions []any `json:"subscriptions"`
	}
	if st := admin.do("GET", "/api/v1/hub/subscriptions", nil, &subs); st != 200 || len(subs.Subscriptions) != 0 {
		t.Fatalf("subscriptions stored: %d %+v", st, subs)
	}
	time.Sleep(100 * time.Millisecond)
	if bodies, _ := hook.got(); len(bodies) != 0 {
		t.Fatalf("the loopback receiver was called: %v", bodies)
	}
}

// TestSecurityOutbound_HotlinePullRedirectNotFollowed: when the 12345 pull
// URL answers with a redirect to another host, the poller does not follow
// it, so the pull token never reaches the redirect's target.
func TestSecurityOutbound_HotlinePullRedirectNotFollowed(t *testing.T) {
	a := testApp(t, "")
	elsewhere := &hookRecorder{}
	other := httptest.NewServer(elsewhere)
	defer other.Close()
	var hits sync.Map
	hotlineSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	defer hotlineSrv.Close()
	const token = "pull-token-that-must-stay-home"
	admin := login(t, serve(t, a), "admin")
	if st := admin.do("PUT", "/api/v1/hotline/settings", map[string]any{"pull_url": hotlineSrv.URL + "/orders", "pull_token": token, "pull_every": "1s"}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	runApp(t, a) // the poller pulls at once, then every second
	waitFor(t, 10*time.Second, "the poller to call the hotline", func() bool { _, ok := hits.Load("/orders"); return ok })
	time.Sleep(1500 * time.Millisecond)
	if bodies, auth := elsewhere.got(); len(bodies) != 0 {
		t.Fatalf("the redirect was followed %d times, Authorization %q", len(bodies), auth)
	}
}

// TestSecurityOutbound_WebhookRedirectNotFollowed: a webhook receiver that
// redirects to another host does not make the hub post there; the batch
// is not delivered to the other host at all.
func TestSecurityOutbound_WebhookRedirectNotFollowed(t *testing.T) {
	a := testApp(t, "")
	base := runApp(t, a)
	time.Sleep(500 * time.Millisecond)
	elsewhere := &hookRecorder{}
	other := httptest.NewServer(elsewhere)
	defer other.Close()
	var hit sync.Once
	reached := make(chan struct{})
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit.Do(func() { close(reached) })
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	admin := login(t, base, "admin")
	if st := admin.do("POST", "/api/v1/hub/subscriptions", map[string]any{"name": "重定向", "department": "enforcement",
		"url": redirector.URL + "/hook", "datasets": []string{"facilities"}}, nil); st != 201 {
		t.Fatalf("create subscription: %d", st)
	}
	time.Sleep(300 * time.Millisecond)
	if st := admin.do("POST", "/api/v1/hub/datasets/facilities/records", map[string]any{"records": []map[string]any{
		{"key": "3201000000000009", "record": map[string]string{"name": "公厕 9"}}}}, nil); st != 202 {
		t.Fatalf("publish: %d", st)
	}
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook was never called")
	}
	time.Sleep(1500 * time.Millisecond) // the first retry comes after a second
	if bodies, _ := elsewhere.got(); len(bodies) != 0 {
		t.Fatalf("the redirect was followed: %v", bodies)
	}
}

// TestSecurityOutbound_ChangesAudited: creating and deleting a webhook
// subscription and changing the hotline settings each leave an audit
// record naming the administrator, the object and the URL; the callback
// subscription the hotline settings make, and its change of URL, are
// recorded as subscription changes too; the pull token is written nowhere
// in the audit trail.
func TestSecurityOutbound_ChangesAudited(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	hook := httptest.NewServer(&hookRecorder{})
	defer hook.Close()
	admin := login(t, base, "admin")
	var created struct {
		Subscription struct{ ID string } `json:"subscription"`
	}
	if st := admin.do("POST", "/api/v1/hub/subscriptions", map[string]any{"name": "审计订阅", "department": "enforcement", "url": hook.URL + "/hook"}, &created); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if st := admin.do("DELETE", "/api/v1/hub/subscriptions/"+created.Subscription.ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	const token = "audit-must-not-hold-this-token"
	if st := admin.do("PUT", "/api/v1/hotline/settings", map[string]any{"pull_url": hook.URL + "/orders", "pull_token": token,
		"callback_url": hook.URL + "/callback"}, nil); st != 200 {
		t.Fatalf("hotline settings: %d", st)
	}
	auditor := login(t, base, "auditor")
	find := func(action string) []struct{ Actor, Object, Detail string } {
		var out struct {
			Items []struct{ Actor, Object, Detail string }
		}
		if st := auditor.do("GET", "/api/v1/audit?action="+action, nil, &out); st != 200 {
			t.Fatalf("audit %s: %d", action, st)
		}
		return out.Items
	}
	adminAcc, err := a.Store.FindAccountByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	hasObject := func(items []struct{ Actor, Object, Detail string }, object, detail string) bool {
		for _, it := range items {
			if it.Object == object && it.Actor == adminAcc.ID && strings.Contains(it.Detail, detail) {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ action, object, detail string }{
		{"hub.subscription_create", "hub/subscription/" + created.Subscription.ID, hook.URL + "/hook"},
		{"hub.subscription_delete", "hub/subscription/" + created.Subscription.ID, hook.URL + "/hook"},
		{"hotline.settings", "hotline/settings", hook.URL + "/callback"},
	} {
		if items := find(want.action); !hasObject(items, want.object, want.detail) {
			t.Errorf("audit %s of %s: %+v", want.action, want.object, items)
		}
	}
	// The callback subscription the settings made is audited as a
	// subscription too, and so is its change of URL.
	set := workorder.Settings{}
	if st := admin.do("GET", "/api/v1/hotline/settings", nil, &set); st != 200 || set.SubscriptionID == "" {
		t.Fatalf("settings: %d %+v", st, set)
	}
	if items := find("hotline.settings"); len(items) != 1 || !strings.Contains(items[0].Detail, set.SubscriptionID) {
		t.Errorf("hotline.settings does not name its callback subscription %s: %+v", set.SubscriptionID, items)
	}
	if items := find("hub.subscription_create"); len(items) != 2 || !hasObject(items, "hub/subscription/"+set.SubscriptionID, hook.URL+"/callback") {
		t.Errorf("the hotline's callback subscription is not audited as created: %+v", items)
	}
	set.CallbackURL = hook.URL + "/callback2"
	if st := admin.do("PUT", "/api/v1/hotline/settings", set, nil); st != 200 {
		t.Fatalf("hotline settings again: %d", st)
	}
	if items := find("hub.subscription_update"); len(items) != 1 || !hasObject(items, "hub/subscription/"+set.SubscriptionID, hook.URL+"/callback2") ||
		!strings.Contains(items[0].Detail, hook.URL+"/callback\"") {
		t.Errorf("the callback subscription's new URL is not audited: %+v", items)
	}
	for _, action := range []string{"hotline.settings", "hub.subscription_create", "hub.subscription_update"} {
		for _, it := range find(action) {
			if strings.Contains(it.Detail, token) {
				t.Errorf("%s holds the pull token: %s", action, it.Detail)
			}
		}
	}
}
