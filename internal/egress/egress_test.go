package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/egress"
)

// TestClassify: every refused range, in each IPv4-in-IPv6 spelling, is
// refused; public addresses are not.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		ip      string
		refused bool
		class   string
	}{
		{"127.0.0.1", true, "loopback"},
		{"127.255.255.254", true, "loopback"},
		{"::1", true, "loopback"},
		{"::ffff:127.0.0.1", true, "loopback"},
		{"::ffff:7f00:1", true, "loopback"},
		{"::127.0.0.1", true, "loopback"}, // IPv4-compatible
		{"64:ff9b::7f00:1", true, "loopback"},
		{"2002:7f00:1::1", true, "loopback"}, // 6to4 of 127.0.0.1
		{"10.0.0.1", true, "private"},
		{"172.16.0.1", true, "private"},
		{"172.31.255.255", true, "private"},
		{"192.168.1.1", true, "private"},
		{"::ffff:192.168.1.1", true, "private"},
		{"64:ff9b::a00:1", true, "private"},
		{"169.254.169.254", true, "link-local (cloud metadata)"},
		{"::ffff:169.254.169.254", true, "link-local (cloud metadata)"},
		{"fe80::1", true, "link-local"},
		{"fe80::1%eth0", true, "link-local"},
		{"fc00::1", true, "unique-local"},
		{"fd12:3456::1", true, "unique-local"},
		{"0.0.0.0", true, "unspecified"},
		{"::", true, "unspecified"},
		{"224.0.0.1", true, "multicast"},
		{"ff02::1", true, "multicast"},
		{"100.64.0.1", true, "carrier-grade NAT"},
		{"100.127.255.255", true, "carrier-grade NAT"},
		{"255.255.255.255", true, "reserved"},
		{"198.18.0.1", true, "benchmarking"},
		{"8.8.8.8", false, ""},
		{"100.128.0.1", false, ""},
		{"172.32.0.1", false, ""},
		{"::ffff:8.8.8.8", false, ""},
		{"2400:3200::1", false, ""},
		{"2002:808:808::1", false, ""},
	} {
		c, refused := egress.Classify(netip.MustParseAddr(tc.ip))
		if refused != tc.refused || c.En != tc.class {
			t.Errorf("%s: refused %v as %q, want %v %q", tc.ip, refused, c.En, tc.refused, tc.class)
		}
		if refused && c.Zh == "" {
			t.Errorf("%s: no Chinese name for %q", tc.ip, c.En)
		}
	}
}

// TestParse: the allow-list takes prefixes, addresses, HOST:PORT and
// "loopback", and refuses anything else with the entry named.
func TestParse(t *testing.T) {
	for _, ok := range []string{"", "loopback", "10.20.0.0/16, fd00::/8", "10.0.0.5", "hotline.gov.internal:8443 [fd00::1]:443 10.0.0.5:9000"} {
		if _, err := egress.Parse(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "hotline.gov.internal", "foo:", ":80", "1.2.3/8"} {
		if _, err := egress.Parse(bad); err == nil || !strings.Contains(err.Error(), strings.Split(bad, ",")[0]) {
			t.Errorf("%q accepted or unnamed: %v", bad, err)
		}
	}
}

// TestCheckURL: a URL is refused at save time when its host is or resolves
// to a refused address the allow-list does not name, with a message in
// Chinese and English; allowed prefixes and HOST:PORT entries let it pass.
func TestCheckURL(t *testing.T) {
	names := map[string][]netip.Addr{
		"public.example":   {netip.MustParseAddr("93.184.216.34")},
		"mixed.example":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.7")},
		"hotline.internal": {netip.MustParseAddr("10.9.8.7")},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if ips, ok := names[host]; ok {
			return ips, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	none, _ := egress.Parse("")
	none.Lookup = lookup
	some, _ := egress.Parse("loopback, 192.168.5.0/24, hotline.internal:8443")
	some.Lookup = lookup
	ctx := context.Background()
	for _, tc := range []struct {
		p     *egress.Policy
		url   string
		allow bool
	}{
		{none, "https://public.example/hook", true},
		{none, "http://93.184.216.34:8080/x", true},
		{none, "http://127.0.0.1:8080/hook", false},
		{none, "http://[::1]/", false},
		{none, "http://[::ffff:127.0.0.1]/", false},
		{none, "http://169.254.169.254/latest/meta-data/", false},
		{none, "http://mixed.example/", false}, // one bad address is enough
		{none, "http://hotline.internal:8443/orders", false},
		{none, "http://nowhere.example/", false},
		{none, "ftp://public.example/", false},
		{none, "/relative", false},
		{some, "http://127.0.0.1:8080/hook", true},
		{some, "http://192.168.5.20/hook", true},
		{some, "http://192.168.6.20/hook", false},
		{some, "http://hotline.internal:8443/orders", true},
		{some, "http://hotline.internal:9000/orders", false}, // another port
		{some, "http://10.9.8.7:8443/orders", false},         // the name is allowed, not its address
		{nil, "http://10.0.0.1/", false},
	} {
		err := tc.p.CheckURL(ctx, tc.url)
		if (err == nil) != tc.allow {
			t.Errorf("%s with %q: %v", tc.url, tc.p.String(), err)
		}
		if err != nil && !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: message not bilingual: %s", tc.url, err)
		}
	}
	err := none.CheckURL(ctx, "http://169.254.169.254/")
	if err == nil || !strings.Contains(err.Error(), "不允许") || !strings.Contains(err.Error(), "not allowed") || !strings.Contains(err.Error(), "CITYLOOP_EGRESS_ALLOW") {
		t.Fatalf("metadata address: %v", err)
	}
}

// TestClient_RefusesAtDial: the client refuses a loopback connection made
// through a name (the check runs on the dialled address, after DNS), and
// the stored wording says neither "connection refused" nor the address.
func TestClient_RefusesAtDial(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	none, _ := egress.Parse("")
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		res, err := none.Client(5 * time.Second).Get(u)
		if err == nil {
			res.Body.Close()
			t.Fatalf("%s: not refused", u)
		}
		var re *egress.RefusedError
		if !errors.As(err, &re) {
			t.Fatalf("%s: %v", u, err)
		}
		d := egress.Describe(err)
		if strings.Contains(d, port) || strings.Contains(d, "127.0.0.1") || strings.Contains(d, "refused") {
			t.Errorf("%s: the description carries network detail: %s", u, d)
		}
	}
	if hits != 0 {
		t.Fatalf("the server was reached %d times", hits)
	}
	lo, _ := egress.Parse("loopback")
	res, err := lo.Client(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("allow-listed loopback: %v", err)
	}
	res.Body.Close()
}

// TestClient_Redirects: a redirect to another host (here another port) is
// not followed and carries nothing there; a redirect on the same host is
// followed without the Authorization header.
func TestClient_Redirects(t *testing.T) {
	var mu sync.Mutex
	var otherAuth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherAuth = append(otherAuth, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer other.Close()
	var sameAuth string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		case "/here":
			mu.Lock()
			sameAuth = r.Header.Get("Authorization")
			mu.Unlock()
		}
	}))
	defer origin.Close()
	c, _ := egress.Parse("loopback")
	client := c.Client(5 * time.Second)
	get := func(path string) error {
		req, _ := http.NewRequest("GET", origin.URL+path, nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	err := get("/away")
	var rd *egress.RedirectError
	if !errors.As(err, &rd) {
		t.Fatalf("redirect to another host: %v", err)
	}
	if len(otherAuth) != 0 {
		t.Fatalf("the other host was called: %q", otherAuth)
	}
	if d := egress.Describe(err); !strings.Contains(d, "重定向") || strings.Contains(d, other.URL) {
		t.Errorf("description: %s", d)
	}
	if err := get("/moved"); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if sameAuth != "" {
		t.Fatalf("Authorization carried across a redirect: %q", sameAuth)
	}
}

// TestDescribe: open and closed ports, timeouts and DNS failures all read
// the same; a receiver's status is kept.
func TestDescribe(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	lo, _ := egress.Parse("loopback")
	_, errClosed := lo.Client(2 * time.Second).Get("http://" + closed + "/")
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(500 * time.Millisecond) }))
	defer hang.Close()
	_, errTimeout := lo.Client(100 * time.Millisecond).Get(hang.URL)
	for name, err := range map[string]error{"closed port": errClosed, "timeout": errTimeout,
		"dns": &net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}} {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if d := egress.Describe(fmt.Errorf("after 8 attempts: %w", err)); d != "连接失败 / could not connect" {
			t.Errorf("%s: %q", name, d)
		}
	}
	if d := egress.Describe(&egress.StatusError{Code: 503}); d != "接收方返回 HTTP 503 / the receiver answered HTTP 503" {
		t.Errorf("status: %q", d)
	}
}
