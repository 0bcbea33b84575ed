package api

import (
	"net/http"

	"cityloop/internal/casework"
	"cityloop/internal/httpkit"
)

// createShowsDuplicates bounds the duplicate candidates a create answer
// (POST /api/v1/cases) carries: the nearest few are what a reporter or a
// device acts on, and listing up to fifty made the answer 2.5–6.5 KB.
// duplicates_total says how many there were; GET
// /api/v1/cases/{id}/duplicates lists them all.
const createShowsDuplicates = 5

// shortDuplicates keeps the nearest createShowsDuplicates candidates
// (dups is nearest first) and returns how many there were.
func shortDuplicates(dups []casework.Duplicate) ([]casework.Duplicate, int) {
	return dups[:min(len(dups), createShowsDuplicates)], len(dups)
}

// handleCaseDuplicates lists the open cases that may be the same problem as
// a case (same sub-class, within its radius and time window), nearest
// first, among the cases the caller may see: the search intake ran, as the
// console shows it. Each is id, code, status and distance, never the case.
func (s *Server) handleCaseDuplicates(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	c, err := s.Cases.FindCase(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	dups, err := s.Cases.Duplicates(r.Context(), actor, c)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": dups, "total": len(dups)})
}
