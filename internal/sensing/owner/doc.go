// Package owner owns the sensing failover: which node holds the live
// sensing state (the "sensing-owner" lease on the jobs runner), taking it
// over and handing it on, the owner's time-driven work, and the gate that
// runs a request reading that state on the owner node, passing it there
// from any other node, or answering 503 (with a bilingual page that reloads
// itself for people's browsers) while the state is moving between nodes.
//
// It imports sensing, jobs, httpkit and errs; it never imports app, api,
// web, a store or the MQTT client (ingestion is the small [Ingestion]
// interface). Package sensing stays pure: the HTTP side of owning it is
// here.
package owner
