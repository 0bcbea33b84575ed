package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/document"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// EnforcementDocuments is what the document routes of penalty cases need
// (执法文书); *document.Desk implements it. The jurisdiction, the numbers
// and the rendering stay there; the handlers decode, audit and send.
type EnforcementDocuments interface {
	List(ctx context.Context, actor org.Actor, id string) (*enforce.Case, []document.Listed, error)
	Render(ctx context.Context, actor org.Actor, id string, code document.Code, masked bool) (*document.Issued, error)
}

// documentName is a document's name in both languages.
type documentName struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// penaltyDocument is one document a case holds, as the list shows it.
type penaltyDocument struct {
	Code   document.Code `json:"code"`
	Name   documentName  `json:"name"`
	Number string        `json:"number"` // 文号; "" until the document is first rendered
	URL    string        `json:"url"`    // answers application/pdf
}

func (s *Server) documents() (EnforcementDocuments, error) {
	if s.EnforcementDocuments == nil {
		return nil, errs.NotFound("此节点未提供执法文书 / enforcement documents are not served on this node")
	}
	return s.EnforcementDocuments, nil
}

func (s *Server) handlePenaltyDocuments(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPostOrSession(r, enforcePosts...)
	if err != nil {
		return err
	}
	docs, err := s.documents()
	if err != nil {
		return err
	}
	c, listed, err := docs.List(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]penaltyDocument, len(listed))
	for i, l := range listed {
		items[i] = penaltyDocument{Code: l.Code, Name: documentName{Zh: l.Zh, En: l.En}, Number: l.Number,
			URL: "/api/v1/enforcement/cases/" + c.ID + "/documents/" + string(l.Code)}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items), "status": c.Status})
}

// ParseMasked reads the masked parameter of a document request: absent or
// false renders the case file's copy, true the published one. It is the
// parser of the route's outside input, hence exported for its fuzz test.
func ParseMasked(q map[string][]string) (bool, error) {
	bad := errs.Invalid("文书查询参数不对 / the document query is not valid")
	for k := range q {
		if k != "masked" && k != "lang" {
			bad.WithField(k, "未知参数；可用 masked / unknown parameter; use masked")
		}
	}
	masked := false
	if vs := q["masked"]; len(vs) > 0 {
		v, err := strconv.ParseBool(strings.TrimSpace(vs[0]))
		if err != nil || len(vs) > 1 {
			bad.WithField("masked", "true（公开版，个人信息已脱敏）或 false（案卷版）/ true (published copy) or false")
		}
		masked = v
	}
	if len(bad.Fields) > 0 {
		return false, bad
	}
	return masked, nil
}

// handlePenaltyDocument sends one document as PDF. The case file's copy
// holds the party's personal data, so the read is on record before a byte
// is sent (fail closed), as for the case view.
func (s *Server) handlePenaltyDocument(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPostOrSession(r, enforcePosts...)
	if err != nil {
		return err
	}
	masked, err := ParseMasked(r.URL.Query())
	if err != nil {
		return err
	}
	docs, err := s.documents()
	if err != nil {
		return err
	}
	out, err := docs.Render(r.Context(), actor, r.PathValue("id"), document.Code(r.PathValue("code")), masked)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "enforce.document", "enforce_case/"+out.Case.ID, map[string]any{"code": out.Case.Code,
		"document": out.Entry.Code, "number": out.Number, "masked": masked, "bytes": len(out.PDF)}); err != nil {
		return err
	}
	name := out.Entry.Zh + "-" + out.Number
	if masked {
		name += "-公开版"
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", contentDisposition(string(out.Entry.Code)+"-"+out.Case.Code+".pdf", name+".pdf"))
	h.Set("Content-Length", strconv.Itoa(len(out.PDF)))
	h.Set("Cache-Control", "private, no-store") // personal data: never kept by a shared cache
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out.PDF)
	return err
}

// contentDisposition names the file for download: an ASCII fallback, and
// the Chinese name as an RFC 6266 / RFC 8187 ext-value (filename* with
// the UTF-8 charset), which every current browser prefers.
func contentDisposition(ascii, name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return `inline; filename="` + ascii + `"; filename*=UTF-8''` + b.String()
}

// isAttrChar is RFC 8187's attr-char: the bytes an ext-value keeps as they are.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
