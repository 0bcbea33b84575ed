package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
)

// Inspections serves /api/v1/inspections/… (双随机一公开); inspect.Service
// is one.
type Inspections interface {
	CreatePlan(ctx context.Context, actor org.Actor, in inspect.PlanInput) (*inspect.Plan, error)
	UpdatePlan(ctx context.Context, actor org.Actor, id string, in inspect.PlanInput) (*inspect.Plan, error)
	FindPlan(ctx context.Context, id string) (*inspect.Plan, error)
	FindPlans(ctx context.Context, f inspect.Filter) ([]*inspect.Plan, int, error)
	Commit(ctx context.Context, actor org.Actor, id string) (*inspect.Plan, error)
	Draw(ctx context.Context, actor org.Actor, id string) (*inspect.Plan, error)
	RecordOutcome(ctx context.Context, actor org.Actor, id string, in inspect.OutcomeInput) (inspect.Outcome, error)
	Public(ctx context.Context, limit, offset int) ([]inspect.PublicPlan, int, error)
	PublicDocument(ctx context.Context, id string) ([]byte, error)
	VerifyStored(ctx context.Context, id string) (inspect.VerifyReport, error)
}

// The posts that run draws: enforcement leaders and administrators; the
// officers record what they found.
var (
	drawPosts    = []org.Post{org.PostLeader, org.PostAdmin}
	outcomePosts = []org.Post{org.PostEnforcer, org.PostLeader, org.PostAdmin}
)

// inspections is the service, or 404 on a node without it. Handlers check
// the caller first, so the routes answer 401/403 as documented on any node.
func (s *Server) inspections() (Inspections, error) {
	if s.Inspections == nil {
		return nil, errs.NotFound("此节点未提供双随机抽查接口 / random inspections are not served on this node")
	}
	return s.Inspections, nil
}

// inspectionView is a plan as staff see it: personal data masked, with its
// hash, the names of its state and, once drawn, how far each result is
// from its publication deadline.
type inspectionView struct {
	*inspect.Plan
	StatusName string `json:"status_name"`
	PlanHash   string `json:"plan_hash"`
	// Pending counts drawn objects without an outcome.
	Pending int `json:"pending"`
}

func inspectionViewOf(p *inspect.Plan, full bool) inspectionView {
	v := inspectionView{Plan: p.Masked(), StatusName: inspect.StatusName(p.Status)}
	if full {
		// A listing has no lists, so no hash of them either.
		v.PlanHash = p.Hash()
	} else if p.Commitment != nil {
		v.PlanHash = p.Commitment.PlanHash
	}
	if p.Draw != nil {
		for _, a := range p.Draw.Assignments {
			if a.Outcome == nil {
				v.Pending++
			}
		}
	}
	return v
}

// inspectionPage reads limit (1–200, default 20) and offset.
func inspectionPage(r *http.Request) (int, int, error) {
	q := r.URL.Query()
	limit, offset := 20, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return 0, 0, errs.Invalid("limit 须为 1–200 / limit must be 1–200").WithField("limit", "1–200")
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return 0, 0, errs.Invalid("offset 须为非负整数 / offset must be a whole number ≥ 0").WithField("offset", "≥ 0")
		}
		offset = n
	}
	return limit, offset, nil
}

// handleInspectionList: GET /api/v1/inspections?status=&limit=&offset= (leaders, administrators).
func (s *Server) handleInspectionList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, drawPosts...); err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	limit, offset, err := inspectionPage(r)
	if err != nil {
		return err
	}
	f := inspect.Filter{Limit: limit, Offset: offset}
	if v := r.URL.Query().Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			switch x := inspect.Status(strings.TrimSpace(st)); x {
			case inspect.StatusDraft, inspect.StatusCommitted, inspect.StatusDrawn:
				f.Statuses = append(f.Statuses, x)
			default:
				return errs.Invalid("status 须为 draft、committed 或 drawn / status must be draft, committed or drawn").WithField("status", "draft|committed|drawn")
			}
		}
	}
	list, total, err := svc.FindPlans(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]inspectionView, 0, len(list))
	for _, p := range list {
		items = append(items, inspectionViewOf(p, false))
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// handleInspectionCreate: POST /api/v1/inspections (leaders, administrators; audited).
func (s *Server) handleInspectionCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, drawPosts...)
	if err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	var in inspect.PlanInput
	if err := httpkit.DecodeJSON(w, r, &in, s.maxInspectionBody()); err != nil {
		return err
	}
	p, err := svc.CreatePlan(r.Context(), actor, in)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "inspection.create", "inspection/"+p.ID, planDetail(p)); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, inspectionViewOf(p, true))
}

// handleInspectionUpdate: PUT /api/v1/inspections/{id} (leaders,
// administrators; audited): replaces a draft, 409 once committed.
func (s *Server) handleInspectionUpdate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, drawPosts...)
	if err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	var in inspect.PlanInput
	if err := httpkit.DecodeJSON(w, r, &in, s.maxInspectionBody()); err != nil {
		return err
	}
	p, err := svc.UpdatePlan(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "inspection.update", "inspection/"+p.ID, planDetail(p)); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, inspectionViewOf(p, true))
}

// planDetail is what the audit trail keeps of a plan: its shape and hash,
// never its personal data.
func planDetail(p *inspect.Plan) map[string]any {
	return map[string]any{"name": p.Name, "period": p.Period, "district": p.District, "count": p.Count, "per_object": p.PerObject,
		"objects": len(p.Objects), "inspectors": len(p.Inspectors), "conflicts": len(p.Conflicts), "plan_hash": p.Hash()}
}

// maxInspectionBody bounds a plan: its lists may hold thousands of rows,
// more than the default JSON limit.
func (s *Server) maxInspectionBody() int64 { return max(s.maxBody(), 8<<20) }

// handleInspectionView: GET /api/v1/inspections/{id} (staff).
func (s *Server) handleInspectionView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	p, err := svc.FindPlan(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, inspectionViewOf(p, true))
}

// handleInspectionCommit: POST /api/v1/inspections/{id}/commit (leaders,
// administrators; audited): makes the secret seed and publishes its hash.
func (s *Server) handleInspectionCommit(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, drawPosts...)
	if err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	p, err := svc.Commit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The commitment is public and already stored; the record says who
	// made it. A failed record answers 500, so the leader knows.
	if err := s.audit(r, actor.ID, "inspection.commit", "inspection/"+p.ID,
		map[string]any{"plan_hash": p.Commitment.PlanHash, "commitment": p.Commitment.SeedHash}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, inspectionViewOf(p, true))
}

// handleInspectionDraw: POST /api/v1/inspections/{id}/draw (leaders,
// administrators; audited): reveals the seed and stores the result.
func (s *Server) handleInspectionDraw(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, drawPosts...)
	if err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	p, err := svc.Draw(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	drawn := make([]string, 0, len(p.Draw.Assignments))
	for _, a := range p.Draw.Assignments {
		drawn = append(drawn, a.Object.ID)
	}
	if err := s.audit(r, actor.ID, "inspection.draw", "inspection/"+p.ID,
		map[string]any{"plan_hash": p.Draw.PlanHash, "seed": p.Draw.Seed, "objects": drawn}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, inspectionViewOf(p, true))
}

// inspectionOutcomeRecorded answers a recorded outcome.
type inspectionOutcomeRecorded struct {
	Outcome     inspect.Outcome `json:"outcome"`
	OutcomeName string          `json:"outcome_name"`
	OnTime      bool            `json:"on_time"`
}

type outcomeRequest struct {
	ObjectID    string `json:"object_id"`
	Outcome     string `json:"outcome"`
	Note        string `json:"note"`
	InspectedAt string `json:"inspected_at"`
}

// handleInspectionOutcome: POST /api/v1/inspections/{id}/outcomes
// (enforcers, leaders, administrators; audited).
func (s *Server) handleInspectionOutcome(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, outcomePosts...)
	if err != nil {
		return err
	}
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	var req outcomeRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	in := inspect.OutcomeInput{Object: req.ObjectID, Kind: inspect.OutcomeKind(strings.TrimSpace(req.Outcome)), Note: req.Note}
	if req.InspectedAt != "" {
		at, err := time.Parse(time.RFC3339, req.InspectedAt)
		if err != nil {
			return errs.Invalid("inspected_at 须为 RFC 3339 时间，如 2026-09-02T10:00:00+08:00 / inspected_at must be an RFC 3339 time").
				WithField("inspected_at", "RFC 3339")
		}
		in.InspectedAt = at
	}
	id := r.PathValue("id")
	o, err := svc.RecordOutcome(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "inspection.outcome", "inspection/"+id+"/"+o.Object,
		map[string]any{"outcome": o.Kind, "inspected_at": o.InspectedAt, "publish_by": o.PublishBy}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, inspectionOutcomeRecorded{Outcome: o, OutcomeName: inspect.OutcomeName(o.Kind), OnTime: o.OnTime()})
}

// handleInspectionPublic: GET /api/v1/inspections/public (anyone): the
// commitments, revealed seeds, results and outcomes, masked.
func (s *Server) handleInspectionPublic(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	limit, offset, err := inspectionPage(r)
	if err != nil {
		return err
	}
	// A public page carries every drawn object of its plans: keep it short.
	if limit > 50 {
		return errs.Invalid("公开列表每页最多 50 个计划 / at most 50 plans a page").WithField("limit", "1–50")
	}
	list, total, err := svc.Public(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

// handleInspectionPublicPlan: GET /api/v1/inspections/public/{id}/plan
// (anyone): the plan's canonical document, byte for byte, so that its
// SHA-256 can be checked against the commitment's plan_hash.
func (s *Server) handleInspectionPublicPlan(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	doc, err := svc.PublicDocument(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(doc)
	return err
}

// handleInspectionVerify: GET /api/v1/inspections/public/{id}/verify
// (anyone): the server re-runs the draw and says whether it matches.
func (s *Server) handleInspectionVerify(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.inspections()
	if err != nil {
		return err
	}
	rep, err := svc.VerifyStored(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, rep)
}
