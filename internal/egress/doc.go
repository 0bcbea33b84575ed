// Package egress guards the platform's calls to URLs that administrators
// set (webhook subscriptions, the 12345 hotline's pull and callback URLs)
// against server-side request forgery. Such a URL may not reach loopback,
// private (RFC 1918, unique-local), link-local (169.254.169.254, the cloud
// metadata address), CGNAT, multicast, unspecified or otherwise reserved
// addresses, in any IPv4-in-IPv6 spelling, unless the operator's allow-list
// names them (CITYLOOP_EGRESS_ALLOW).
//
// The check runs twice: when the URL is saved ([Policy.CheckURL], a 400 that
// says why) and on every connection the [Policy.Client] makes (the dialer's
// Control hook sees the address actually dialled, after DNS, so a name that
// later resolves elsewhere is still refused). The client follows no
// redirect to another host and never carries Authorization across one.
// [Describe] words a failed call without network detail, so a stored dead
// letter cannot tell an open port from a closed one.
//
// It imports nothing of CityLoop.
package egress
