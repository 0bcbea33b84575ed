package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Policy is the operator's allow-list. The zero value and a nil *Policy
// allow public addresses only.
type Policy struct {
	nets  []netip.Prefix
	hosts map[string]bool // "host:port", host lower-case (a name or an address)
	spec  string
	// Lookup resolves names for CheckURL; default net.DefaultResolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Parse reads an allow-list: entries separated by commas or spaces, each a
// CIDR prefix ("10.20.0.0/16", "fd00::/8"), a single address ("10.0.0.5"),
// HOST:PORT ("hotline.gov.internal:8443", "10.0.0.5:9000", "[fd00::1]:443")
// or the word "loopback" (127.0.0.0/8 and ::1). An empty spec allows none.
func Parse(spec string) (*Policy, error) {
	p := &Policy{hosts: map[string]bool{}, spec: strings.TrimSpace(spec)}
	for _, e := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		switch {
		case strings.EqualFold(e, "loopback"):
			p.nets = append(p.nets, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
		case strings.Contains(e, "/"):
			pf, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("egress allow-list entry %q is not a CIDR prefix such as 10.20.0.0/16", e)
			}
			p.nets = append(p.nets, pf.Masked())
		default:
			if ip, err := netip.ParseAddr(e); err == nil {
				p.nets = append(p.nets, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			host, port, err := net.SplitHostPort(e)
			if err != nil || host == "" || port == "" {
				return nil, fmt.Errorf("egress allow-list entry %q must be a CIDR prefix, an address, HOST:PORT or loopback", e)
			}
			if ip, err := netip.ParseAddr(host); err == nil {
				host = ip.Unmap().String()
			}
			p.hosts[strings.ToLower(host)+":"+port] = true
		}
	}
	return p, nil
}

// String is the allow-list as configured.
func (p *Policy) String() string {
	if p == nil {
		return ""
	}
	return p.spec
}

// reserved lists the ranges refused unless allowed, with their names.
var reserved = []struct {
	prefix netip.Prefix
	zh, en string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "未指定地址", "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "内网地址", "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "运营商级 NAT 地址", "carrier-grade NAT"},
	{netip.MustParsePrefix("127.0.0.0/8"), "本机回环地址", "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "链路本地地址（含云元数据地址）", "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "内网地址", "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "保留地址", "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "文档示例地址", "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "保留地址", "reserved"},
	{netip.MustParsePrefix("192.168.0.0/16"), "内网地址", "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "测试网络地址", "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "文档示例地址", "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "文档示例地址", "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "组播地址", "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "保留地址", "reserved"},
	{netip.MustParsePrefix("::/128"), "未指定地址", "unspecified"},
	{netip.MustParsePrefix("::1/128"), "本机回环地址", "loopback"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "内网地址", "private"},
	{netip.MustParsePrefix("100::/64"), "保留地址", "reserved"},
	{netip.MustParsePrefix("2001::/32"), "保留地址", "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "文档示例地址", "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "内网地址（唯一本地）", "unique-local"},
	{netip.MustParsePrefix("fe80::/10"), "链路本地地址", "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "内网地址（站点本地）", "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "组播地址", "multicast"},
}

// Class names why an address is refused; empty for a public address.
type Class struct{ Zh, En string }

// Classify says whether ip is refused without an allow-list, and as what.
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
// (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4
// address they carry.
func Classify(ip netip.Addr) (Class, bool) {
	if !ip.IsValid() {
		return Class{"无效地址", "invalid"}, true
	}
	ip = ip.WithZone("").Unmap()
	for _, r := range reserved {
		if r.prefix.Contains(ip) {
			return Class{r.zh, r.en}, true
		}
	}
	if v4, ok := embeddedV4(ip); ok {
		if c, bad := Classify(v4); bad {
			return c, true
		}
	}
	return Class{}, false
}

var (
	compat = netip.MustParsePrefix("::/96")
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// embeddedV4 is the IPv4 address an IPv6 address carries, if any.
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case compat.Contains(ip), nat64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// RefusedError is a connection the policy did not allow.
type RefusedError struct{ Class Class }

func (e *RefusedError) Error() string { return "egress: refused a " + e.Class.En + " address" }

// permit checks one address about to be dialled for host (the URL's name).
func (p *Policy) permit(host string, ap netip.AddrPort) error {
	ip := ap.Addr().WithZone("").Unmap()
	c, bad := Classify(ip)
	if !bad {
		return nil
	}
	if p != nil {
		for _, n := range p.nets {
			if n.Contains(ip) {
				return nil
			}
		}
		port := fmt.Sprint(ap.Port())
		if p.hosts[strings.ToLower(host)+":"+port] || p.hosts[ip.String()+":"+port] {
			return nil
		}
	}
	return &RefusedError{Class: c}
}

// URLError is a URL refused at save time; its text is for the person who
// typed it, in Chinese and English.
type URLError struct{ Msg string }

func (e *URLError) Error() string { return e.Msg }

// CheckURL checks an administrator's URL when it is saved: an absolute
// http(s) URL whose host resolves only to addresses the policy allows.
func (p *Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return &URLError{"须为完整的 http 或 https 地址 / must be an absolute http or https URL"}
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	var pn uint16
	if _, err := fmt.Sscan(port, &pn); err != nil || pn == 0 {
		return &URLError{"端口无效 / the port is not valid"}
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		lookup := p.lookup()
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ips, err = lookup(lctx, host)
		cancel()
		if err != nil || len(ips) == 0 {
			return &URLError{fmt.Sprintf("无法解析主机名 %s，请检查拼写或 DNS / the host name %s could not be resolved; check the spelling or DNS", host, host)}
		}
	}
	for _, ip := range ips {
		if err := p.permit(host, netip.AddrPortFrom(ip, pn)); err != nil {
			var re *RefusedError
			errors.As(err, &re)
			return &URLError{fmt.Sprintf("不允许访问 %s：该主机是%s，平台不向内网、本机或保留地址发送请求；如确需访问，请运维人员在 CITYLOOP_EGRESS_ALLOW 中放行 / "+
				"%s is not allowed: the host is a %s address, and the platform sends nothing to private, loopback or reserved addresses; "+
				"an operator can allow it in CITYLOOP_EGRESS_ALLOW", host, re.Class.Zh, host, re.Class.En)}
		}
	}
	return nil
}

func (p *Policy) lookup() func(ctx context.Context, host string) ([]netip.Addr, error) {
	if p != nil && p.Lookup != nil {
		return p.Lookup
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
}

// RedirectError is a redirect the client refused to follow.
type RedirectError struct{}

func (*RedirectError) Error() string { return "egress: a redirect to another host was not followed" }

// Client is an HTTP client for administrators' URLs: every connection is
// checked against the policy at dial time (after DNS, on every dial), no
// proxy is used (a proxy would dial in our place), redirects are followed
// only to the same scheme, host and port, and Authorization is dropped
// from any redirected request.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           p.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: checkRedirect}
}

func (p *Policy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &RefusedError{Class: Class{"无效地址", "invalid"}}
			}
			return p.permit(host, ap)
		}}
	return d.DialContext(ctx, network, addr)
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	req.Header.Del("Authorization")
	if len(via) >= 5 {
		return &RedirectError{}
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(hostPort(req.URL), hostPort(first)) {
		return &RedirectError{}
	}
	return nil
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// StatusError is a receiver's answer that was not 2xx.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return fmt.Sprintf("the receiver answered HTTP %d", e.Code) }

// Describe words a failed outgoing call for storing and showing, in
// Chinese and English, without network detail: every failure to connect
// or to complete the exchange (refused, reset, timed out, DNS, TLS) reads
// "could not connect", so the text cannot map ports or hosts.
func Describe(err error) string {
	var re *RefusedError
	var rd *RedirectError
	var st *StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return "目标地址不允许（内网、本机或保留地址）/ the target address is not allowed (private, loopback or reserved)"
	case errors.As(err, &rd):
		return "接收方要求重定向到其他地址，未跟随 / the receiver redirected elsewhere; the redirect was not followed"
	case errors.As(err, &st):
		return fmt.Sprintf("接收方返回 HTTP %d / the receiver answered HTTP %d", st.Code, st.Code)
	case errors.Is(err, context.Canceled):
		return "已取消 / cancelled"
	}
	return "连接失败 / could not connect"
}
