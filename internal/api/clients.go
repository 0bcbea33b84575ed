package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// ClientStore keeps partner systems' API keys.
type ClientStore interface {
	CreateClient(ctx context.Context, c *org.Client) error
	FindClientByKey(ctx context.Context, hash []byte) (*org.Client, error)
	FindClients(ctx context.Context) ([]*org.Client, error)
	RotateClientKey(ctx context.Context, id string, hash []byte, at time.Time) error
	RevokeClient(ctx context.Context, id string, at time.Time) error
}

// clientKeyPrefix marks API client keys, so a bearer token can be told from
// a person's session token without a lookup in both tables.
const clientKeyPrefix = "clk_"

// clientScopeOf names the endpoint group of a route pattern; routes that no
// group names are closed to clients.
var clientScopeOf = map[string]string{
	"POST /api/v1/cases":      "cases.create",
	"GET /api/v1/cases":       "cases.read",
	"GET /api/v1/cases/{id}":  "cases.read",
	"POST /api/v1/photos":     "photos.upload",
	"GET /api/v1/photos/{id}": "cases.read",
}

// clientLimits holds one token bucket per client, at the client's own rate.
type clientLimits struct {
	mu sync.Mutex
	m  map[string]*httpkit.Limiter
}

func (l *clientLimits) allow(c *org.Client) (bool, time.Duration) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*httpkit.Limiter{}
	}
	key := c.ID + "/" + strconv.Itoa(c.RatePerMin)
	lim, ok := l.m[key]
	if !ok {
		lim = httpkit.NewLimiter(c.RatePerMin, max(c.RatePerMin/6, 1), time.Now)
		l.m[key] = lim
	}
	l.mu.Unlock()
	return lim.Allow(c.ID)
}

// clientActor authenticates an API client key and checks that the route is
// one its key may call and that it is within its rate.
func (s *Server) clientActor(r *http.Request, key string) (org.Actor, error) {
	if s.Clients == nil {
		return org.Actor{}, errs.Unauthenticated("API client keys are not enabled on this node")
	}
	c, err := s.Clients.FindClientByKey(r.Context(), auth.HashToken(key))
	if errs.Is(err, errs.KindNotFound) {
		return org.Actor{}, errs.Unauthenticated("the API key is unknown, rotated or revoked")
	}
	if err != nil {
		return org.Actor{}, err
	}
	scope := clientScopeOf[r.Pattern]
	if scope == "" || !c.Allows(scope) {
		return org.Actor{}, errs.Forbidden("this API key may not call %s %s (it allows: %s)", r.Method, r.URL.Path, strings.Join(c.Endpoints, ", "))
	}
	if ok, wait := s.clientLimits.allow(c); !ok {
		return org.Actor{}, errs.E(errs.KindRateLimited, "rate limit of %d requests a minute reached; retry in %d ms", c.RatePerMin, wait.Milliseconds())
	}
	return c.Actor(), nil
}

// clientMayReport checks a client's category list for a new report.
func clientMayReport(c *org.Client, category string) error {
	if len(c.Categories) == 0 {
		return nil
	}
	ref, err := catalog.ParseRef(category)
	if err != nil {
		return errs.Forbidden("this API key reports only %s; give one of them as category", strings.Join(c.Categories, ", "))
	}
	for _, allowed := range c.Categories {
		if allowed == ref.String() {
			return nil
		}
	}
	return errs.Forbidden("this API key may not report %s; it reports %s", ref, strings.Join(c.Categories, ", "))
}

type clientRequest struct {
	Name       string   `json:"name"`
	Endpoints  []string `json:"endpoints"`
	Categories []string `json:"categories"`
	Regions    []string `json:"regions"`
	RatePerMin int      `json:"rate_per_min"`
}

func (s *Server) handleClientCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var req clientRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	bad := errs.Invalid("the API client is not valid")
	if strings.TrimSpace(req.Name) == "" {
		bad.WithField("name", "required")
	}
	if len(req.Endpoints) == 0 {
		bad.WithField("endpoints", "give at least one of cases.create, cases.read, photos.upload")
	}
	for _, e := range req.Endpoints {
		if _, ok := org.ClientScopes[e]; !ok {
			bad.WithField("endpoints", "unknown endpoint group "+e)
		}
	}
	for i, c := range req.Categories {
		ref, err := catalog.ParseRef(c)
		if err != nil {
			bad.WithField("categories", errMsg(err))
			continue
		}
		req.Categories[i] = ref.String()
	}
	for _, code := range req.Regions {
		if _, ok := s.World.Atlas().Region(code); !ok {
			bad.WithField("regions", "no region "+code)
		}
	}
	if req.RatePerMin == 0 {
		req.RatePerMin = 600
	}
	if req.RatePerMin < 1 || req.RatePerMin > 600_000 {
		bad.WithField("rate_per_min", "must be 1–600000")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	key, hash, err := auth.NewToken(clientKeyPrefix)
	if err != nil {
		return err
	}
	c := &org.Client{ID: newClientID(), Name: strings.TrimSpace(req.Name), KeyHash: hash, Endpoints: req.Endpoints,
		Categories: req.Categories, Regions: req.Regions, RatePerMin: req.RatePerMin, CreatedAt: s.Now()}
	if err := s.Clients.CreateClient(r.Context(), c); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "client.create", "client/"+c.ID, map[string]any{"name": c.Name, "endpoints": c.Endpoints, "regions": c.Regions})
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"client": c, "key": key,
		"note": "the key is shown only now; send it as Authorization: Bearer <key>"})
}

func newClientID() string {
	tok, _, _ := auth.NewToken("")
	return "c" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(tok))[:15]
}

func (s *Server) handleClientList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	list, err := s.Clients.FindClients(r.Context())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

func (s *Server) handleClientRotate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	key, hash, err := auth.NewToken(clientKeyPrefix)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.Clients.RotateClientKey(r.Context(), id, hash, s.Now()); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "client.rotate", "client/"+id, nil)
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "key": key, "note": "the old key stopped working"})
}

func (s *Server) handleClientRevoke(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.Clients.RevokeClient(r.Context(), id, s.Now()); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "client.revoke", "client/"+id, nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
