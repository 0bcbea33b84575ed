package web

import (
	"net/http"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// The field app's evidence page (现场取证, 全过程记录): an officer takes
// photos, video or sound on the spot for a penalty case; field.js keeps
// each file on the phone (IndexedDB) until the tus upload to
// /api/v1/enforcement/evidence has finished, so a lost network loses
// nothing. The page names the case and nothing of the party, so that the
// service worker may keep it for opening offline.

type fieldEvidencePage struct {
	C         *enforce.Case
	Violation string
	Status    string
	Decision  bool // a summary decision exists: link it
}

// handleFieldEvidence shows the capture form and the case's evidence. The
// case is read through the enforcement service, so an officer reaches only
// the cases of his jurisdiction.
func (s *Server) handleFieldEvidence(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	c, _, err := s.Enforcement.FindCase(r.Context(), sess.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c == nil {
		return errs.NotFound("没有这个执法案件 / no such penalty case")
	}
	v := s.view(w, r, "field")
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	p := &fieldEvidencePage{C: c, Violation: violationName(v.L, rb, c.Violation), Status: v.L.pick(enforce.StatusNames[c.Status]),
		Decision: c.Decision != nil && c.Procedure == enforce.Summary}
	v.Title, v.Data = v.L.T("ev_title")+" "+c.Code, p
	s.render(w, r, http.StatusOK, "enfevidence", v)
	return nil
}
