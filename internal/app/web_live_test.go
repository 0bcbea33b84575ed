package app

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// sseStream is an open /console/events stream; codes carries the data of
// each "change" event.
type sseStream struct {
	codes chan string
}

// openEvents signs in to the console at base as user and opens its event
// stream, returning once the server has said it is connected.
func openEvents(t *testing.T, base, user string) *sseStream {
	t.Helper()
	b := newBrowserClient(t, base)
	if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", user, res.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/console/events", nil)
	// No client timeout: it would cut the stream; the test ends it with ctx.
	res, err := (&http.Client{Jar: b.http.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sseStream{codes: make(chan string, 64)}
	connected := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(res.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": connected":
				close(connected)
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "change":
				s.codes <- strings.TrimPrefix(line, "data: ")
			case line == "":
				event = ""
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream did not open")
	}
	return s
}

// waitCode waits up to d for a change event carrying code and returns how
// long it took.
func (s *sseStream) waitCode(t *testing.T, code string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		select {
		case got := <-s.codes:
			if got == code {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("no change event for %s within %s", code, d)
		}
	}
}

// TestWeb_LiveFeed: a case created through the JSON API reaches the
// console's event stream on the same node and on another node sharing the
// database, through the hub's change feed.
func TestWeb_LiveFeed(t *testing.T) {
	report := map[string]any{"category": "event:0102", "description": "垃圾", "lng": 118.76, "lat": 32.05}

	t.Run("one node", func(t *testing.T) {
		a := testApp(t, "")
		base := runApp(t, a)
		events := openEvents(t, base, "operator")
		sup := login(t, base, "supervisor")
		var c caseOut
		if st := sup.do("POST", "/api/v1/cases", report, &c); st != 201 {
			t.Fatalf("report: %d", st)
		}
		t.Logf("API change to event: %s", events.waitCode(t, c.Code, 5*time.Second))
	})

	twoNodes := func(t *testing.T, dsn string) {
		a := testApp(t, dsn)
		b := secondNode(t, a)
		baseA, baseB := runApp(t, a), runApp(t, b)
		events := openEvents(t, baseB, "operator")
		sup := login(t, baseA, "supervisor")
		var c caseOut
		if st := sup.do("POST", "/api/v1/cases", report, &c); st != 201 {
			t.Fatalf("report on A: %d", st)
		}
		t.Logf("change on A to event on B: %s", events.waitCode(t, c.Code, 5*time.Second))
	}
	t.Run("two nodes", func(t *testing.T) { twoNodes(t, "") })
	t.Run("two nodes on PostgreSQL", func(t *testing.T) {
		url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if url == "" {
			t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL two-node run")
		}
		twoNodes(t, freshPostgres(t, url))
	})
}
