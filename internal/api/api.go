package api

import (
	"cityloop/internal/assess"
	"cityloop/internal/council"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/auth"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
	"cityloop/internal/outbox"
	"cityloop/internal/worktime"
)

// World is the city's changeable reference data: the region tree and the
// dictionary, swapped atomically when an administrator changes them.
type World interface {
	Atlas() *org.Atlas
	Dict() *catalog.Dictionary
	ImportRegions(ctx context.Context, actor org.Actor, data []byte) (org.ImportPlan, error)
	PutSubClass(ctx context.Context, actor org.Actor, s catalog.SubClass) (catalog.SubClass, error)
	PutDepartment(ctx context.Context, actor org.Actor, d catalog.Department) error
	PutRule(ctx context.Context, actor org.Actor, r catalog.Rule) (catalog.Rule, error)
	DeleteRule(ctx context.Context, actor org.Actor, id string) error
	PreviewRegions(ctx context.Context, data []byte) (org.ImportPlan, error)
}

// Photos records uploaded photos.
type Photos interface {
	RecordPhoto(ctx context.Context, id, mime string, size int, by string, at time.Time) error
	MissingPhotos(ctx context.Context, ids []string) ([]string, error)
}

// Auditor appends records to the hash-chained audit trail.
type Auditor interface {
	Audit(ctx context.Context, recs ...audit.Record) error
}

// Server holds what the handlers need.
type Server struct {
	Cases    *casework.Service
	Accounts org.AccountStore
	Regions  org.RegionStore
	Photos   Photos
	Blobs    blob.Store
	World    World
	Cal      *worktime.Calendar
	Now      func() time.Time
	Throttle *auth.Throttle
	Auditor  Auditor
	// AuditSearch serves GET /api/v1/audit.
	AuditSearch AuditSearcher
	// Clients keeps partner systems' API keys.
	Clients ClientStore
	// Facilities is the public facility registry (toilets …).
	Facilities   FacilityStore
	clientLimits clientLimits
	tokens       tokenCache
	TokenTTL     time.Duration
	// MaxPhoto bounds one upload; MaxBody bounds JSON bodies.
	MaxPhoto int64
	MaxBody  int64
	// Ready checks that this node can take work (the database takes a
	// write); /readyz answers 503 while it fails. Nil: always ready.
	Ready func(ctx context.Context) error
	// Jobs serves GET /api/v1/jobs; nil on a node without the runner.
	Jobs JobBoard
	// SessionToken reads the web console's session token from a request
	// ("" when there is none), so that the console's <img> links to photos
	// are served to the staff who see them; the web package owns the cookie.
	SessionToken func(r *http.Request) string
	// Session resolves the web console's signed-in browser for the few
	// routes its pages call from script (evidence uploads, documents): ok
	// false when there is no valid session; for a request that changes
	// state it also checks the page's CSRF header. Nil: bearer tokens only.
	Session func(r *http.Request) (a org.Actor, ok bool, err error)

	// Sensing serves /api/v1/sensing/…; SensingGate, when set, wraps each
	// of those routes (app passes the sensing owner's gate, which forwards
	// a request to the node holding the sensing state).
	Sensing     Sensing
	SensingGate func(http.Handler) http.Handler
	// Hub serves /api/v1/hub/…, Hotline /api/v1/hotline/… and Open311Keys
	// /api/v1/open311/keys. A resource whose service is nil answers 404.
	Hub         Hub
	Hotline     Hotline
	Open311Keys Open311Keys

	// Evidence serves /api/v1/enforcement/evidence/… (the full-process
	// record) and EvidenceUploads is its tus server; nil answers 404.
	Evidence        EvidenceDesk
	EvidenceUploads TusHandler
	// Outbox serves /api/v1/outbox/…; OutboxReceipts checks each channel's
	// gateway receipts (a channel without one takes none). Nil: 404.
	Outbox         Outbox
	OutboxReceipts map[outbox.Channel]ReceiptVerifier
	// Enforcement serves /api/v1/enforcement/… (移动执法);
	// EnforcementDocuments the PDF documents of its cases (nil: 404).
	Enforcement          Enforcement
	EnforcementDocuments EnforcementDocuments
	// EnforcementPublications and EnforcementPlaces serve a case's
	// publication and its withdrawal, the reminder registry and the public
	// camera sites; nil answers 404.
	EnforcementPublications EnforcementPublications
	EnforcementPlaces       EnforcementPlaces
	// KPIs is the city's indicator book; nil serves the shipped one.
	KPIs *kpi.Set
	// Inspections serves /api/v1/inspections/… (双随机一公开); nil answers 404.
	Inspections Inspections
	// Analysis serves /api/v1/analysis/… (heat, patterns, targets, forecast).
	Analysis Analysis
	// Bulletins serves /api/v1/bulletins (考核通报); nil answers 404.
	// Schemes are the city's assessment schemes (nil: the shipped ones).
	Bulletins BulletinDesk
	Schemes   *assess.Book
	// Merchants serves /api/v1/merchants (门前五包); nil answers 404.
	Merchants Merchants
	// Permits serves /api/v1/permits; nil answers 404.
	Permits Permits
	// ReadyChecks are /readyz's checks beside Ready (migrations, broker,
	// jobs), added by the parts that own them.
	ReadyChecks []ReadyCheck
	// Metrics serves /metrics (package metrics, which checks the caller);
	// nil answers 404.
	Metrics httpkit.HandlerFunc
	// Council serves /api/v1/volunteers/… and /api/v1/council/… (志愿者,
	// 社区议事会); nil answers 404.
	Council *council.Service
}

// ReadyCheck is one condition of readiness. Check answers a short state
// ("ok", or why the check does not apply here, e.g. "standby") or an error;
// the error goes to the log, only the check's name to the caller.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) (string, error)
}

// readyTimeout bounds each check, so a hung database or broker makes the
// probe answer 503 rather than time out at the load balancer.
const readyTimeout = 3 * time.Second

// handleReady is the readiness probe a load balancer or Kubernetes asks: ok
// only when this node can take work: the database takes a write (Ready),
// and every ReadyCheck passes (migrations current, the broker connected
// when this node subscribes, the jobs runner making its passes).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	checks := append([]ReadyCheck{{"database_write", func(ctx context.Context) (string, error) {
		if s.Ready == nil {
			return "ok", nil
		}
		return "ok", s.Ready(ctx)
	}}}, s.ReadyChecks...)
	states := make(map[string]string, len(checks))
	var failed []string
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		state, err := c.Check(ctx)
		cancel()
		if err != nil {
			slog.Error("readiness check failed", "check", c.Name, "err", err)
			state = "failed"
			failed = append(failed, c.Name)
		}
		states[c.Name] = state
	}
	if len(failed) > 0 {
		return httpkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": states,
			"detail": "此节点暂不接收请求，未通过的检查：" + strings.Join(failed, "、") + " / this node is not ready; failed checks: " + strings.Join(failed, ", ") + " (the causes are in the node's log)"})
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "checks": states})
}

// handleMetrics serves /metrics through package metrics, which lets in
// the scrape token or an administrator.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.Metrics == nil {
		if _, err := s.mustPost(r, org.PostAdmin); err != nil {
			return err
		}
		return errs.NotFound("此节点未提供监控指标 / /metrics is not served on this node")
	}
	return s.Metrics(w, r)
}

// handleHealth is the liveness probe (/healthz, and /livez for older
// configurations): the process answers, whatever the database does
// (restarting a node does not mend its database), with the size of the city
// it has loaded in memory.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	a := s.World.Atlas()
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "regions": a.Len(), "grids": a.Grids()})
}

// actor resolves the bearer token. Anonymous callers get ok=false.
func (s *Server) actor(r *http.Request) (org.Actor, *org.Account, bool, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return org.Actor{}, nil, false, nil
	}
	tok, err := auth.ParseBearer(h)
	if err != nil {
		return org.Actor{}, nil, false, errs.Unauthenticated("the Authorization header must be \"Bearer <token>\" with a token from POST /api/v1/auth/token")
	}
	if strings.HasPrefix(tok, clientKeyPrefix) {
		a, err := s.clientActor(r, tok)
		if err != nil {
			return org.Actor{}, nil, false, err
		}
		return a, nil, true, nil
	}
	hash := auth.HashToken(tok)
	acc, hit := s.tokens.get(hash, s.Now())
	if !hit {
		t, found, err := s.Accounts.FindToken(r.Context(), hash, s.Now())
		if errs.Is(err, errs.KindNotFound) {
			return org.Actor{}, nil, false, errs.Unauthenticated("the token is unknown or expired; get a new one from POST /api/v1/auth/token")
		}
		if err != nil {
			return org.Actor{}, nil, false, err
		}
		s.tokens.put(hash, t, found, s.Now())
		acc = found
	}
	if acc.Disabled {
		return org.Actor{}, nil, false, errs.Unauthenticated("this account is disabled")
	}
	if acc.MustChange && r.URL.Path != "/api/v1/auth/password" && r.URL.Path != "/api/v1/me" {
		return org.Actor{}, nil, false, errs.Forbidden("change your one-time password first: POST /api/v1/auth/password {\"old_password\": …, \"new_password\": …}")
	}
	return org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}, acc, true, nil
}

// CredentialVerifies reports whether r carries an Authorization header
// whose bearer credential verifies: a person's token that is known,
// unexpired and of an enabled account, or a known API client key. The
// anonymous rate limit exempts only such requests, so a junk header buys
// nothing. It takes no client rate-limit token and checks no scope; the
// handler does that.
func (s *Server) CredentialVerifies(r *http.Request) bool {
	tok, err := auth.ParseBearer(r.Header.Get("Authorization"))
	if err != nil {
		return false
	}
	hash := auth.HashToken(tok)
	if strings.HasPrefix(tok, clientKeyPrefix) {
		if s.Clients == nil {
			return false
		}
		_, err := s.Clients.FindClientByKey(r.Context(), hash)
		return err == nil
	}
	acc, hit := s.tokens.get(hash, s.Now())
	if !hit {
		t, found, err := s.Accounts.FindToken(r.Context(), hash, s.Now())
		if err != nil {
			return false
		}
		s.tokens.put(hash, t, found, s.Now())
		acc = found
	}
	return !acc.Disabled
}

// RateCaller tells the anonymous write limit who a request comes from
// (httpkit.Caller). Only a credential that verifies counts: an API token or
// client key exempts the request (the API limits those itself); a web
// session counts under its account, so a team behind one NAT address does
// not share one allowance. A header or cookie that does not verify is
// anonymous and counted per address.
func (s *Server) RateCaller(r *http.Request) (string, bool) {
	if r.Header.Get("Authorization") != "" {
		return "", s.CredentialVerifies(r)
	}
	if s.SessionToken != nil {
		if tok := s.SessionToken(r); tok != "" {
			if _, acc, err := s.Accounts.FindToken(r.Context(), auth.HashToken(tok), s.Now()); err == nil && !acc.Disabled {
				return "account:" + acc.ID, false
			}
		}
	}
	return "", false
}

// ForgetTokens drops this node's cached token checks, at once. Call it
// after changing an account or its tokens elsewhere on this node (the web
// console's password change); other nodes drop theirs within
// tokenCacheTTL.
func (s *Server) ForgetTokens() { s.tokens.forget(nil) }

// mustActor requires a signed-in caller.
func (s *Server) mustActor(r *http.Request) (org.Actor, error) {
	a, _, ok, err := s.actor(r)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, errs.Unauthenticated("请先登录 / sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	return a, nil
}

// mustPost is the API's one authorisation check: a signed-in caller who
// holds one of posts, or, when no posts are given, any staff post (any but
// citizen). Rules finer than a post (jurisdiction, ownership) stay with
// the handler or the domain.
func (s *Server) mustPost(r *http.Request, posts ...org.Post) (org.Actor, error) {
	a, err := s.mustActor(r)
	if err != nil {
		return a, err
	}
	return a, holdsPost(a, posts)
}

// holdsPost is mustPost's check of the posts on a resolved caller.
func holdsPost(a org.Actor, posts []org.Post) error {
	if len(posts) == 0 {
		for _, g := range a.Grants {
			if g.Post != org.PostCitizen {
				return nil
			}
		}
		return errs.Forbidden("此操作需要工作人员岗位 / this needs a staff post")
	}
	for _, p := range posts {
		if _, ok := a.Grant(p); ok {
			return nil
		}
	}
	names := make([]string, len(posts))
	for i, p := range posts {
		names[i] = string(p)
	}
	return errs.Forbidden("此操作需要岗位 %s / this needs the post %s", strings.Join(names, " 或 "), strings.Join(names, " or "))
}

// audit is the API's one audit helper: it records one event of the caller
// in the hash-chained trail (nil detail records {}). Callers that must not
// proceed without a record (personal-data reads, key issuance, sensing
// settings) check the error; changes that a failed record must not undo
// (client keys, hub subscriptions, hotline settings) ignore it.
func (s *Server) audit(r *http.Request, actorID, action, object string, detail map[string]any) error {
	if s.Auditor == nil {
		return nil
	}
	d := "{}"
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		d = string(b)
	}
	if err := s.Auditor.Audit(r.Context(), audit.Record{At: s.Now(), Actor: actorID, Action: action, Object: object,
		Detail: d, Addr: httpkit.ClientAddr(r)}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// auditSettings records a change of settings: detail holds the listed
// fields of v, as v encodes to JSON (settings of this kind hold no
// secrets, and the list keeps it so). The change is already stored: a
// failed record answers 500, so the administrator knows.
func (s *Server) auditSettings(r *http.Request, actor org.Actor, action, object string, v any, fields ...string) error {
	detail := map[string]any{}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		var all map[string]any
		if err := json.Unmarshal(b, &all); err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		for _, f := range fields {
			if x, ok := all[f]; ok {
				detail[f] = x
			}
		}
	}
	return s.audit(r, actor.ID, action, object, detail)
}

// Authenticate resolves the request's bearer token (a person's token or an
// API client key) the way every API endpoint does, for the other HTTP
// adapters (Open311, hub, hotline). ok is false when there is no header.
func (s *Server) Authenticate(r *http.Request) (org.Actor, bool, error) {
	a, _, ok, err := s.actor(r)
	return a, ok, err
}
