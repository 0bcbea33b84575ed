package api

import (
	"context"
	"net/http"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/remind"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// EnforcementPublications is the staff side of the publication of penalty
// decisions (第四十八条): a case's publication with its deadline and
// state, and its withdrawal when the decision is changed or revoked;
// *enforce.Publications implements it. Nil answers 404.
type EnforcementPublications interface {
	Find(ctx context.Context, actor org.Actor, id string) (enforce.Publication, error)
	Withdraw(ctx context.Context, actor org.Actor, id string, r enforce.WithdrawRequest) (enforce.Publication, error)
}

// EnforcementPlaces is the registry of the parties AI-camera reminders go
// to, and the published sites of enforcement cameras (第四十一条).
type EnforcementPlaces interface {
	PutPlace(ctx context.Context, p enforce.Place) error
	Sites(ctx context.Context) ([]remind.Site, error)
	Reminders(ctx context.Context, r remind.LookupRequest) ([]enforce.SentReminder, error)
}

func (s *Server) publications() (EnforcementPublications, error) {
	if s.EnforcementPublications == nil {
		return nil, errs.NotFound("此节点未提供处罚决定公开管理 / publication of decisions is not served on this node")
	}
	return s.EnforcementPublications, nil
}

func (s *Server) handlePenaltyPublication(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforcePosts...)
	if err != nil {
		return err
	}
	ps, err := s.publications()
	if err != nil {
		return err
	}
	p, err := ps.Find(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, p)
}

// handlePenaltyWithdraw withdraws a published decision (撤回公开): the
// legal office or a leader, with the kind and a reason; audited, and the
// public listing and the hub lose it (the hub on the next publication run).
func (s *Server) handlePenaltyWithdraw(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforce.PostLegalReviewer, org.PostLeader)
	if err != nil {
		return err
	}
	ps, err := s.publications()
	if err != nil {
		return err
	}
	var req enforce.WithdrawRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	p, err := ps.Withdraw(r.Context(), actor, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	// The withdrawal is stored: a failed audit record must not undo it.
	_ = s.audit(r, actor.ID, "enforce.disclosure_withdraw", "enforce_case/"+p.CaseID, map[string]any{"number": p.Number,
		"code": p.Code, "kind": req.Kind, "reason": p.Withdrawn.Reason, "changed_at": p.Withdrawn.ChangedAt, "late": p.Withdrawn.Late})
	return httpkit.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) places() (EnforcementPlaces, error) {
	if s.EnforcementPlaces == nil {
		return nil, errs.NotFound("此节点未提供执法监控点位 / enforcement camera sites are not served on this node")
	}
	return s.EnforcementPlaces, nil
}

// handleMonitoringSites is the public list of the cameras used for
// enforcement: where they are and what they watch (第四十一条: sites are
// published), never their vendor or stream.
func (s *Server) handleMonitoringSites(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.places()
	if err != nil {
		return err
	}
	sites, err := ps.Sites(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": sites, "total": len(sites)})
}

// handlePlacePut registers the party a camera's reminders go to; the
// contact is personal data, so the write is audited (without it).
func (s *Server) handlePlacePut(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostEnforcer, org.PostAdmin)
	if err != nil {
		return err
	}
	ps, err := s.places()
	if err != nil {
		return err
	}
	var p enforce.Place
	if err := httpkit.DecodeJSON(w, r, &p, s.maxBody()); err != nil {
		return err
	}
	p = p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = s.Now().UTC()
	if err := ps.PutPlace(r.Context(), p); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "pii.write", "enforce_place/"+string(p.Kind), map[string]any{"kind": p.Kind, "channel": contactKind(p)})
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"kind": p.Kind, "registered": true, "updated_at": p.UpdatedAt})
}

func contactKind(p enforce.Place) string {
	if p.Phone != "" {
		return "sms"
	}
	return "email"
}

// handleReminderLookup lets a party learn what AI-camera reminders were
// sent about its place (第四十一条), proving it by the registered contact
// (in the body, never in a URL or a log line).
func (s *Server) handleReminderLookup(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.places()
	if err != nil {
		return err
	}
	var req remind.LookupRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	items, err := ps.Reminders(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}
