package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// AuditSearcher searches the audit trail.
type AuditSearcher interface {
	FindAudit(ctx context.Context, f AuditQuery) ([]audit.Record, int, error)
}

// AuditQuery is the audit search (audit.Filter).
type AuditQuery = audit.Filter

func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAuditor)
	if err != nil {
		return err
	}
	if s.AuditSearch == nil {
		return errs.NotFound("the audit trail is not available on this node")
	}
	q := r.URL.Query()
	f := AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), Limit: 50}
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, s.Cal.Location())
			if err != nil {
				return errs.Invalid("%s must be RFC 3339 or a date", p.key).WithField(p.key, "invalid")
			}
			*p.dst = &t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errs.Invalid("limit must be 1–500").WithField("limit", "out of range")
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errs.Invalid("offset must be 0 or more").WithField("offset", "out of range")
		}
		f.Offset = n
	}
	items, total, err := s.AuditSearch.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "audit.search", "audit", map[string]any{"actor": f.Actor, "action": f.Action, "object": f.Object})
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}
