package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// The permit pages: the console's review queue (户外广告设置, 临时占道,
// 渣土运输) with grant and refuse, and the citizens' application form with
// the public list of permits in force. Both go through /api/v1/permits in
// process: the console as the signed-in person, the citizen's page as
// anyone.

func (s *Server) permitRoutes(mux *http.ServeMux) {
	if s.API == nil {
		return
	}
	p := s.page
	mux.Handle("GET /console/permits", p(s.handlePermitsPage))
	mux.Handle("POST /console/permits/{id}/{decision}", p(s.handlePermitDecide))
	mux.Handle("GET /citizen/permits", p(s.handleCitizenPermits))
	mux.Handle("POST /citizen/permits", p(s.handleCitizenPermitApply))
}

var permitText = map[string][2]string{
	"title":        {"许可审批", "Permits"},
	"hint":         {"户外广告设置、临时占道、建筑垃圾(渣土)运输网上申请；按工作日计审查时限，绿/黄/红灯同案件。", "Online applications for outdoor advertising, temporary road occupation and construction-waste transport; reviews run on working-day clocks with the cases' green/yellow/red lights."},
	"kind":         {"类型", "Kind"},
	"status":       {"状态", "Status"},
	"any":          {"全部", "Any"},
	"filter":       {"筛选", "Filter"},
	"total":        {"共 %d 件", "%d permits"},
	"applicant":    {"申请人", "Applicant"},
	"place":        {"地点", "Place"},
	"term":         {"期限", "Term"},
	"due":          {"审查时限", "Review due"},
	"number":       {"许可证号", "Number"},
	"approve":      {"准予许可", "Grant"},
	"reject":       {"不予许可", "Refuse"},
	"reason":       {"理由", "Reason"},
	"done":         {"已办理", "Done"},
	"apply_title":  {"网上申请许可", "Apply for a permit"},
	"apply_hint":   {"填写后提交，审查时限按工作日计算；批准后可在下方公示名单中查到许可证号。", "Send the form; the review runs in working days. Once granted, the permit's number appears on the public list below."},
	"phone":        {"联系电话", "Phone"},
	"uscc":         {"统一社会信用代码（单位填写）", "Unified social credit code (companies)"},
	"address":      {"地址", "Address"},
	"details":      {"申请内容（尺寸、位置、车辆、线路等）", "What (size, place, trucks, route …)"},
	"from":         {"起始日期", "From"},
	"to":           {"截止日期", "To"},
	"submit":       {"提交申请", "Apply"},
	"submitted":    {"已受理，审查时限至 %s。请记下受理编号：%s", "Received; the review is due by %s. Keep your reference: %s"},
	"public_title": {"许可公示（有效期内）", "Permits in force (public list)"},
	"none":         {"暂无", "None"},
}

type permitRow struct {
	ID, Kind, Status, Number, Applicant, Address, Details, Reason string
	Light                                                         worktime.Light
	ValidFrom                                                     time.Time `json:"valid_from"`
	ValidTo                                                       time.Time `json:"valid_to"`
	DueAt                                                         time.Time `json:"due_at"`
	KindName, StatusName                                          string
}

type permitsPage struct {
	T               map[string]string
	Items           []permitRow
	Total           string
	Kind, Status    string
	Kinds, Statuses []option
	CanDecide       bool
	Form            map[string]string
	Public          []permitRow
}

var (
	permitKinds    = []struct{ v, zh, en string }{{"outdoor_ad", "户外广告设置", "Outdoor advertising"}, {"road_occupation", "临时占用城市道路", "Temporary road occupation"}, {"muck_transport", "建筑垃圾(渣土)运输", "Construction-waste transport"}}
	permitStatuses = []struct{ v, zh, en string }{{"submitted", "待审查", "Under review"}, {"approved", "已许可", "Granted"}, {"expired", "已过期", "Expired"}, {"rejected", "不予许可", "Refused"}}
)

func permitOptions(l lang, list []struct{ v, zh, en string }, sel string) []option {
	out := make([]option, len(list))
	for i, x := range list {
		out[i] = option{Value: x.v, Label: l.pick([2]string{x.zh, x.en}), Selected: x.v == sel}
	}
	return out
}

func nameOf(l lang, list []struct{ v, zh, en string }, v string) string {
	for _, x := range list {
		if x.v == v {
			return l.pick([2]string{x.zh, x.en})
		}
	}
	return v
}

func (s *Server) name(v *view, rows []permitRow) {
	for i := range rows {
		rows[i].KindName, rows[i].StatusName = nameOf(v.L, permitKinds, rows[i].Kind), nameOf(v.L, permitStatuses, rows[i].Status)
	}
}

// handlePermitsPage: GET /console/permits — the review queue and archive.
func (s *Server) handlePermitsPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	q := r.URL.Query()
	p := &permitsPage{T: words(v, permitText), Kind: q.Get("kind"), Status: q.Get("status")}
	if p.Status == "" && !q.Has("status") {
		p.Status = "submitted" // the queue first
	}
	p.Kinds, p.Statuses = permitOptions(v.L, permitKinds, p.Kind), permitOptions(v.L, permitStatuses, p.Status)
	for _, g := range sess.actor.Grants {
		p.CanDecide = p.CanDecide || g.Post == "shift_lead" || g.Post == "leader" || g.Post == "admin"
	}
	api := url.Values{"limit": {"100"}}
	for k, x := range map[string]string{"kind": p.Kind, "status": p.Status} {
		if x != "" {
			api.Set(k, x)
		}
	}
	var out struct {
		Items []permitRow
		Total int
	}
	if err := s.apiCall(r, "GET", "/api/v1/permits?"+api.Encode(), nil, &out); err != nil {
		if !errs.Is(err, errs.KindInvalid) {
			return err
		}
		v.Error = err.Error()
	}
	s.name(v, out.Items)
	p.Items, p.Total = out.Items, fmt.Sprintf(p.T["total"], out.Total)
	v.Title, v.Data = p.T["title"], p
	s.render(w, r, http.StatusOK, "permits", v)
	return nil
}

// handlePermitDecide: POST /console/permits/{id}/approve|reject.
func (s *Server) handlePermitDecide(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	d := r.PathValue("decision")
	if d != "approve" && d != "reject" {
		return errs.NotFound("no such decision %q", d)
	}
	var body any
	if d == "reject" {
		body = map[string]string{"reason": r.FormValue("reason")}
	}
	if err := s.apiCall(r, "POST", "/api/v1/permits/"+url.PathEscape(r.PathValue("id"))+"/"+d, body, nil); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/permits?status=submitted", http.StatusSeeOther)
	return nil
}

// handleCitizenPermits: GET /citizen/permits — the application form and
// the public list.
func (s *Server) handleCitizenPermits(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	return s.renderCitizenPermits(w, r, http.StatusOK, map[string]string{"kind": r.URL.Query().Get("kind")}, "")
}

func (s *Server) renderCitizenPermits(w http.ResponseWriter, r *http.Request, status int, form map[string]string, flash string) error {
	v := s.view(w, r, "citizen")
	p := &permitsPage{T: words(v, permitText), Form: form, Kinds: permitOptions(v.L, permitKinds, form["kind"])}
	var pub struct{ Items []permitRow }
	if err := s.publicCall(r, "GET", "/api/v1/permits/public?limit=50", nil, &pub); err != nil {
		return err
	}
	s.name(v, pub.Items)
	p.Public = pub.Items
	v.Title, v.Data, v.Flash = p.T["apply_title"], p, flash
	if form["error"] != "" {
		v.Error = form["error"]
	}
	s.render(w, r, status, "citizenpermits", v)
	return nil
}

// handleCitizenPermitApply: POST /citizen/permits — file the application.
func (s *Server) handleCitizenPermitApply(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	form := map[string]string{}
	for _, k := range []string{"kind", "applicant", "uscc", "phone", "address", "lng", "lat", "details", "valid_from", "valid_to"} {
		form[k] = strings.TrimSpace(r.FormValue(k))
	}
	body := map[string]any{}
	for k, x := range form {
		body[k] = x
	}
	for _, k := range []string{"lng", "lat"} {
		if f, err := strconv.ParseFloat(form[k], 64); err == nil {
			body[k] = f
		} else {
			delete(body, k)
		}
	}
	var out struct {
		ID    string
		DueAt time.Time `json:"due_at"`
	}
	if err := s.publicCall(r, "POST", "/api/v1/permits", body, &out); err != nil {
		if errs.Is(err, errs.KindInvalid) || errs.Is(err, errs.KindUnprocessable) {
			form["error"] = err.Error()
			return s.renderCitizenPermits(w, r, http.StatusUnprocessableEntity, form, "")
		}
		return err
	}
	v := s.view(w, r, "citizen")
	msg := fmt.Sprintf(v.L.pick(permitText["submitted"]), v.Time(out.DueAt), out.ID)
	return s.renderCitizenPermits(w, r, http.StatusOK, map[string]string{}, msg)
}

// publicCall runs a public API route in process, without anyone's token,
// with a JSON body (nil for none).
func (s *Server) publicCall(r *http.Request, method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, rd)
	if err != nil {
		return fmt.Errorf("api request %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = r.RemoteAddr
	return s.serveAPI(req, out)
}
