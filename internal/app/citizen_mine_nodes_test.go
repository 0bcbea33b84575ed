package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCitizenMine_TwoNodes: behind a load balancer without sticky sessions,
// a one-time code issued by one node is checked by another, its tries are
// counted across both, and it works only once on either.
func TestCitizenMine_TwoNodes(t *testing.T) { citizenMineTwoNodes(t, "") }

func TestCitizenMine_TwoNodesPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the two-node one-time codes on PostgreSQL")
	}
	citizenMineTwoNodes(t, freshPostgres(t, url))
}

// peerNode opens another node on a's database, given a's personal-data
// keys and web secret as an operator gives every node the same ones.
func peerNode(t *testing.T, a *App) *App {
	t.Helper()
	cfg := a.Cfg
	cfg.DataDir = t.TempDir()
	for _, name := range []string{"pii.keys", "web.secret"} {
		b, err := os.ReadFile(filepath.Join(a.Cfg.DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Open(context.Background(), cfg, a.Log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func citizenMineTwoNodes(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	b := peerNode(t, a)
	ctx := context.Background()
	const phone = "13812345678"
	mine := phoneCase(phone, a.Now().Add(-2*time.Hour))
	if err := a.Store.CreateCase(ctx, mine, nil); err != nil {
		t.Fatal(err)
	}
	got, err := a.Store.FindCaseByID(ctx, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	// One browser (one cookie jar: cookies ignore the port) reaching either node.
	nodeA := newBrowserClient(t, serveWeb(t, a, true, nil))
	nodeB := &browserClient{t: t, base: serveWeb(t, b, true, nil), http: nodeA.http}
	_, _, tok := nodeA.get("/citizen/mine")
	list := func(c *browserClient, code string) (int, string) {
		t.Helper()
		res, body := c.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {phone}, "code": {code}}, nil)
		return res.StatusCode, body
	}
	wrongFor := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}

	// Issued on A, a wrong try on B, then the right code on B.
	code := askCode(t, nodeA, phone)
	if st, body := list(nodeB, wrongFor(code)); st != http.StatusBadRequest || !strings.Contains(body, `id="mine-code"`) {
		t.Fatalf("wrong code on B: %d, want the code step again", st)
	}
	st, body := list(nodeB, code)
	if st != http.StatusOK || !strings.Contains(body, `id="mine-list"`) || !strings.Contains(body, "/citizen/track?code="+got.Code) {
		t.Fatalf("A's code on B: %d %s", st, body)
	}
	// Used on B, it is gone on A too.
	if st, _ := list(nodeA, code); st != http.StatusBadRequest {
		t.Fatalf("code reused on A after B: %d", st)
	}

	// Wrong tries count on both nodes: the fifth, wherever it lands, burns the code.
	code = askCode(t, nodeB, phone)
	for i, node := range []*browserClient{nodeA, nodeB, nodeA, nodeB} {
		if st, _ := list(node, wrongFor(code)); st != http.StatusBadRequest {
			t.Fatalf("wrong try %d: %d", i+1, st)
		}
	}
	if st, _ := list(nodeA, wrongFor(code)); st != http.StatusTooManyRequests {
		t.Fatalf("fifth wrong try across nodes: %d, want 429", st)
	}
	if st, _ := list(nodeB, code); st == http.StatusOK {
		t.Fatal("the right code still works after five wrong tries across nodes")
	}

	// Asking again on B replaces A's code.
	old := askCode(t, nodeA, phone)
	code = askCode(t, nodeB, phone)
	if old != code {
		if st, _ := list(nodeA, old); st == http.StatusOK {
			t.Fatal("the replaced code still works")
		}
	}
	if st, _ := list(nodeA, code); st != http.StatusOK {
		t.Fatalf("the new code on A: %d", st)
	}

	// With a code outstanding, the database holds no phone number in plain.
	askCode(t, nodeA, phone)
	if dsn != "" {
		return
	}
	a.Close()
	b.Close()
	assertNotInDBFiles(t, a.Cfg.DataDir, phone)
}
