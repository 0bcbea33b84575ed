package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
	"cityloop/internal/permit"
)

// Permits serves /api/v1/permits; permit.Service is one.
type Permits interface {
	Apply(ctx context.Context, a permit.Application) (*permit.Permit, error)
	Decide(ctx context.Context, id, by string, approve bool, reason string) (*permit.Permit, error)
	List(ctx context.Context, f permit.Filter) ([]permit.View, int, error)
	Get(ctx context.Context, id string) (permit.View, error)
	ViewOf(p *permit.Permit) permit.View
	Figures(ctx context.Context, from, to time.Time) (permit.Turnaround, error)
}

func (s *Server) permitDesk() (Permits, error) {
	if s.Permits == nil {
		return nil, errs.NotFound("此节点未提供许可接口 / permits are not served on this node")
	}
	return s.Permits, nil
}

// permitRequest is an application as sent; dates are YYYY-MM-DD in the
// city's zone (or RFC 3339).
type permitRequest struct {
	Kind      string   `json:"kind"`
	Applicant string   `json:"applicant"`
	USCC      string   `json:"uscc"`
	Phone     string   `json:"phone"`
	Address   string   `json:"address"`
	Lng       *float64 `json:"lng"`
	Lat       *float64 `json:"lat"`
	CRS       string   `json:"crs"`
	Details   string   `json:"details"`
	ValidFrom string   `json:"valid_from"`
	ValidTo   string   `json:"valid_to"`
}

// publicPermit is a permit on the public list (公示): no phone.
type publicPermit struct {
	Number    string        `json:"number"`
	Kind      permit.Kind   `json:"kind"`
	KindName  string        `json:"kind_name"`
	Applicant string        `json:"applicant"`
	Address   string        `json:"address"`
	District  string        `json:"district"`
	Details   string        `json:"details"`
	ValidFrom time.Time     `json:"valid_from"`
	ValidTo   time.Time     `json:"valid_to"`
	Status    permit.Status `json:"status"`
}

// permitDecision is the body of a refusal.
type permitDecision struct {
	Reason string `json:"reason"`
}

func (s *Server) parseApplication(req permitRequest) (permit.Application, error) {
	bad := errs.Invalid("申请信息有误 / the application is not valid")
	a := permit.Application{Kind: permit.Kind(req.Kind), Applicant: req.Applicant, Phone: req.Phone, Address: req.Address, Details: req.Details}
	if _, err := permit.ParseKind(req.Kind); err != nil {
		bad.WithField("kind", "outdoor_ad | road_occupation | muck_transport")
	}
	if strings.TrimSpace(req.USCC) != "" {
		c, err := merchant.ParseUSCC(req.USCC)
		if err != nil {
			bad.WithField("uscc", "18 characters with a valid check character (GB 32100-2015), or leave it empty")
		}
		a.USCC = c
	}
	crs, err := geo.ParseCRS(req.CRS)
	if err != nil {
		bad.WithField("crs", "wgs84 | gcj02 | bd09")
	}
	if req.Lng == nil || req.Lat == nil {
		bad.WithField("lng", "required: the place of the sign, the occupation or the site")
	} else {
		a.Point = geo.ToWGS84(geo.Point{Lng: *req.Lng, Lat: *req.Lat}, crs)
	}
	for _, d := range []struct {
		key, v string
		dst    *time.Time
	}{{"valid_from", req.ValidFrom, &a.ValidFrom}, {"valid_to", req.ValidTo, &a.ValidTo}} {
		t, err := parseTime(d.v, s.Cal.Location())
		if err != nil {
			bad.WithField(d.key, "a date, e.g. 2026-07-01")
		}
		*d.dst = t
	}
	if len(bad.Fields) > 0 {
		return a, bad
	}
	return a, nil
}

// handlePermitApply: POST /api/v1/permits (anyone) — file an application.
func (s *Server) handlePermitApply(w http.ResponseWriter, r *http.Request) error {
	d, err := s.permitDesk()
	if err != nil {
		return err
	}
	var req permitRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	a, err := s.parseApplication(req)
	if err != nil {
		return err
	}
	p, err := d.Apply(r.Context(), a)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, d.ViewOf(p))
}

func parsePermitFilter(q url.Values) (permit.Filter, error) {
	bad := errs.Invalid("查询参数有误 / the query is not valid")
	f := permit.Filter{Limit: 50}
	for k := range q {
		switch k {
		case "kind", "status", "limit", "offset":
		default:
			bad.WithField(k, "unknown parameter; use kind, status, limit, offset")
		}
	}
	if v := q.Get("kind"); v != "" {
		k, err := permit.ParseKind(v)
		if err != nil {
			bad.WithField("kind", "outdoor_ad | road_occupation | muck_transport")
		}
		f.Kind = k
	}
	if v := permit.Status(q.Get("status")); v != "" {
		if _, ok := permit.StatusNames[v]; !ok {
			bad.WithField("status", "submitted | approved | rejected | expired")
		}
		f.Status = v
	}
	f.Limit, f.Offset = parsePage(q, bad, f.Limit)
	if len(bad.Fields) > 0 {
		return f, bad
	}
	return f, nil
}

// handlePermitList: GET /api/v1/permits (staff) — applications and
// permits of a kind and status, newest first, with review lights; the
// applicants' phones only on one permit.
func (s *Server) handlePermitList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	d, err := s.permitDesk()
	if err != nil {
		return err
	}
	f, err := parsePermitFilter(r.URL.Query())
	if err != nil {
		return err
	}
	vs, total, err := d.List(r.Context(), f)
	if err != nil {
		return err
	}
	for i := range vs {
		c := *vs[i].Permit
		c.Phone = ""
		vs[i].Permit = &c
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": vs, "total": total, "limit": f.Limit, "offset": f.Offset})
}

// handlePermitPublic: GET /api/v1/permits/public (anyone) — the permits
// in force (公示), without phones.
func (s *Server) handlePermitPublic(w http.ResponseWriter, r *http.Request) error {
	d, err := s.permitDesk()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("status") != "" {
		return errs.Invalid("公示名单只含有效许可 / the public list holds the permits in force; leave out status").WithField("status", "not allowed here")
	}
	q.Set("status", string(permit.StatusApproved))
	f, err := parsePermitFilter(q)
	if err != nil {
		return err
	}
	vs, total, err := d.List(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]publicPermit, len(vs))
	for i, v := range vs {
		items[i] = publicPermit{Number: v.Number, Kind: v.Kind, KindName: permit.KindName(v.Kind)[0], Applicant: v.Applicant, Address: v.Address,
			District: v.District, Details: v.Details, ValidFrom: v.ValidFrom, ValidTo: v.ValidTo, Status: v.Status}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "limit": f.Limit, "offset": f.Offset})
}

// handlePermitGet: GET /api/v1/permits/{id} (staff) — one application
// with the applicant's phone; the view audited.
func (s *Server) handlePermitGet(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	d, err := s.permitDesk()
	if err != nil {
		return err
	}
	v, err := d.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "permit.view", "permit/"+v.ID, map[string]any{"kind": v.Kind})
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

// handlePermitApprove: POST /api/v1/permits/{id}/approve — grant it
// (shift lead, leader or administrator; audited).
func (s *Server) handlePermitApprove(w http.ResponseWriter, r *http.Request) error {
	return s.permitDecide(w, r, true)
}

// handlePermitReject: POST /api/v1/permits/{id}/reject — refuse it with
// a reason (shift lead, leader or administrator; audited).
func (s *Server) handlePermitReject(w http.ResponseWriter, r *http.Request) error {
	return s.permitDecide(w, r, false)
}

func (s *Server) permitDecide(w http.ResponseWriter, r *http.Request, approve bool) error {
	actor, err := s.mustPost(r, org.PostShiftLead, org.PostLeader, org.PostAdmin)
	if err != nil {
		return err
	}
	d, err := s.permitDesk()
	if err != nil {
		return err
	}
	var req permitDecision
	if !approve {
		if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
			return err
		}
	}
	p, err := d.Decide(r.Context(), r.PathValue("id"), actor.ID, approve, req.Reason)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "permit."+string(p.Status), "permit/"+p.ID, map[string]any{"kind": p.Kind, "number": p.Number, "reason": p.Reason})
	return httpkit.WriteJSON(w, http.StatusOK, d.ViewOf(p))
}
