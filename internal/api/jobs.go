package api

import (
	"context"
	"net/http"
	"strconv"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/jobs"
	"cityloop/internal/org"
)

// JobBoard shows the background jobs; *jobs.Runner implements it.
type JobBoard interface {
	Status(ctx context.Context) ([]jobs.Status, error)
	Runs(ctx context.Context, name string, limit int) ([]jobs.RunRecord, error)
}

// handleJobList lists every scheduled job: schedule, the node holding it,
// last and next run, last duration and error (administrator).
func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	if s.Jobs == nil {
		return errs.NotFound("此节点未运行后台任务 / the jobs runner is not available on this node")
	}
	items, err := s.Jobs.Status(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

// handleJobRuns lists a job's recent runs, newest first (administrator).
func (s *Server) handleJobRuns(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	if s.Jobs == nil {
		return errs.NotFound("此节点未运行后台任务 / the jobs runner is not available on this node")
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > jobs.DefaultKeep {
			return errs.Invalid("limit 须在 1–%d 之间 / limit must be 1–%d", jobs.DefaultKeep, jobs.DefaultKeep).WithField("limit", "out of range")
		}
		limit = n
	}
	items, err := s.Jobs.Runs(r.Context(), r.PathValue("name"), limit)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}
