package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"cityloop/internal/errs"
)

// The console's assessment pages (指标, 考核排名, 通报, 分析, the case list)
// show what the API answers, read in process as the signed-in person: a
// console session token is a token of his account, so the pages apply
// the API's own jurisdiction, audit and checks, and a figure on a page is
// the figure of GET /api/v1/kpis, never a second computation of it.

// apiRequest is a request of the API on behalf of the session of r.
func (s *Server) apiRequest(r *http.Request, method, path string, body io.Reader) (*http.Request, error) {
	if _, err := requireActor(r); err != nil {
		return nil, err
	}
	tok := SessionToken(r)
	if tok == "" {
		return nil, errs.Unauthenticated("请先登录 / sign in first")
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, body)
	if err != nil {
		return nil, fmt.Errorf("api request %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// The audit trail records where the person sat, not this process.
	req.RemoteAddr = r.RemoteAddr
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "User-Agent", "X-Request-Id"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	return req, nil
}

// recorder keeps an API answer in memory.
type recorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.h }
func (c *recorder) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *recorder) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(b)
}

// apiCall runs method path with a JSON body (nil for none) and decodes a
// 2xx answer into out; a problem answer becomes the same kind of error,
// with the API's message, so the page says what the API would.
func (s *Server) apiCall(r *http.Request, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := s.apiRequest(r, method, path, rd)
	if err != nil {
		return err
	}
	return s.serveAPI(req, out)
}

// serveAPI runs req on the node's API and decodes a 2xx answer into out
// (nil: ignore it); a problem answer becomes the same kind of error.
func (s *Server) serveAPI(req *http.Request, out any) error {
	rec := &recorder{h: http.Header{}}
	s.API.ServeHTTP(rec, req)
	if rec.status >= 300 {
		return problemError(rec.status, rec.buf.Bytes())
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.buf.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s: %w", req.URL.Path, err)
	}
	return nil
}

// problemError turns an API problem (RFC 9457) back into an error of its kind.
func problemError(status int, body []byte) error {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []errs.FieldError
	}
	_ = json.Unmarshal(body, &p)
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	for _, f := range p.Errors {
		msg += "；" + f.Field + ": " + f.Message
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.Invalid("%s", msg)
	case http.StatusUnauthorized:
		return errs.Unauthenticated("%s", msg)
	case http.StatusForbidden:
		return errs.Forbidden("%s", msg)
	case http.StatusNotFound:
		return errs.NotFound("%s", msg)
	case http.StatusConflict:
		return errs.Conflict("%s", msg)
	}
	return fmt.Errorf("the API answered %d: %s", status, msg)
}

// passThrough streams a 2xx API answer (a download) to the browser and
// keeps a problem back, so that the page can render it as a page.
type passThrough struct {
	w       http.ResponseWriter
	h       http.Header
	status  int
	problem bytes.Buffer
}

func (p *passThrough) Header() http.Header { return p.h }
func (p *passThrough) WriteHeader(code int) {
	if p.status != 0 {
		return
	}
	p.status = code
	if code < 300 {
		for k, v := range p.h {
			p.w.Header()[k] = v
		}
		p.w.WriteHeader(code)
	}
}
func (p *passThrough) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if p.status >= 300 {
		return p.problem.Write(b)
	}
	return p.w.Write(b)
}

// apiDownload serves GET path of the API (a bulletin file, a case export)
// as the browser's download; a refusal renders as the console's error page.
func (s *Server) apiDownload(w http.ResponseWriter, r *http.Request, path string) error {
	req, err := s.apiRequest(r, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	pt := &passThrough{w: w, h: http.Header{}}
	s.API.ServeHTTP(pt, req)
	if pt.status >= 300 {
		return problemError(pt.status, pt.problem.Bytes())
	}
	return nil
}

// consoleCases turns a case list link of the API (/api/v1/cases?…) into
// the console's list of the same cases.
func consoleCases(apiURL *string) string {
	if apiURL == nil {
		return ""
	}
	_, q, _ := strings.Cut(*apiURL, "?")
	return "/console/cases?" + q
}
