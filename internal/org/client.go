package org

import (
	"strings"
	"time"
)

// Client is a partner system (police, market supervision, a 12345 platform,
// a camera vendor) that calls the API with a key. Its reach is limited three
// ways: which endpoints (ClientScopes), which categories it may report, and
// which regions it sees and reports in; each has its own rate limit.
type Client struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	KeyHash    []byte     `json:"-"`
	Endpoints  []string   `json:"endpoints"`
	Categories []string   `json:"categories"` // empty = all
	Regions    []string   `json:"regions"`    // empty = the whole city
	RatePerMin int        `json:"rate_per_min"`
	CreatedAt  time.Time  `json:"created_at"`
	RotatedAt  *time.Time `json:"rotated_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// ClientScopes are the endpoint groups a client key may be given.
var ClientScopes = map[string]string{
	"cases.create":  "report cases (POST /api/v1/cases)",
	"cases.read":    "read cases (GET /api/v1/cases, GET /api/v1/cases/{id})",
	"photos.upload": "upload photos (POST /api/v1/photos)",
	// Reporting channels beyond partner (部门共享): a key of the city's
	// camera platform or of a 12345 system may be allowed to say so.
	"source.hotline": "report as the 12345 hotline (source hotline)",
	"source.camera":  "report as an AI camera platform (source camera)",
	"source.sensor":  "report as an IoT sensor platform (source sensor)",
}

// ClientSourcePrefix marks the scopes that grant a reporting channel.
const ClientSourcePrefix = "source."

// Actor is the client as the domain sees it: a partner post per region.
func (c Client) Actor() Actor {
	a := Actor{ID: "client:" + c.ID, Name: c.Name}
	if len(c.Regions) == 0 {
		a.Grants = []Grant{{Post: PostPartner}}
	}
	for _, r := range c.Regions {
		a.Grants = append(a.Grants, Grant{Post: PostPartner, Region: r})
	}
	for _, e := range c.Endpoints {
		if src, ok := strings.CutPrefix(e, ClientSourcePrefix); ok {
			a.Sources = append(a.Sources, src)
		}
	}
	return a
}

// Allows reports whether the key may call an endpoint group.
func (c Client) Allows(scope string) bool {
	for _, e := range c.Endpoints {
		if e == scope {
			return true
		}
	}
	return false
}
