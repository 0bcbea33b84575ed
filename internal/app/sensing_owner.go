package app

import (
	"net"
	"os"
	"strings"
)

// advertiseURL is the base URL other nodes reach this one at: --advertise,
// or http:// and the address it listens on (the host name when it listens
// on every interface). The sensing owner names it in its lease, so that
// the other nodes can pass sensing requests to it (package sensing/owner).
func (a *App) advertiseURL() string {
	if a.Cfg.Advertise != "" {
		return strings.TrimSuffix(a.Cfg.Advertise, "/")
	}
	if a.listener == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(a.listener.Addr().String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}
