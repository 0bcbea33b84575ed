package api

import (
	"net/http"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// mustPostOrSession is mustPost for the routes the web pages call from
// script: a request without an Authorization header may come from a
// signed-in browser instead (Server.Session, which checks the CSRF header
// of a request that changes state). The field app uploads evidence and
// opens a decision's PDF this way, so a bearer token never has to sit in a
// page's script.
func (s *Server) mustPostOrSession(r *http.Request, posts ...org.Post) (org.Actor, error) {
	if r.Header.Get("Authorization") != "" || s.Session == nil {
		return s.mustPost(r, posts...)
	}
	a, ok, err := s.Session(r)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, errs.Unauthenticated("请先登录 / sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	return a, holdsPost(a, posts)
}
