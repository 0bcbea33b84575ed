package api

import (
	"net/http"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
)

// handleCommunityFigures: GET /api/v1/community/figures?from=&to= (staff)
// — permit turnaround of the decisions in the period (default: this
// year to now) and this year's frontage self-governance, each with its
// formula, for the analytics pages.
func (s *Server) handleCommunityFigures(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	md, err := s.merchantDesk()
	if err != nil {
		return err
	}
	pd, err := s.permitDesk()
	if err != nil {
		return err
	}
	loc := s.Cal.Location()
	now := s.Now().In(loc)
	from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), now
	bad := errs.Invalid("查询参数有误 / the query is not valid")
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.key); v != "" {
			t, err := parseTime(v, loc)
			if err != nil {
				bad.WithField(p.key, "a date, e.g. 2026-01-01")
			}
			*p.dst = t
		}
	}
	if !to.After(from) {
		bad.WithField("to", "after from")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	turn, err := pd.Figures(r.Context(), from, to)
	if err != nil {
		return err
	}
	kept, err := md.KeptIn(r.Context(), now.Year())
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "permit_turnaround": turn, "frontage_kept": kept})
}
