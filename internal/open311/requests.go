package open311

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
	"cityloop/internal/org"
)

// Open311 request states.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// StatusOf maps a loop state onto Open311's two: a case that has left the
// loop (closed 已结案, rejected 不予受理, voided 作废, merged 已合并) is
// closed; everything else, including suspension (挂账), is open.
func StatusOf(s casework.Status) string {
	if s.Terminal() {
		return StatusClosed
	}
	return StatusOpen
}

type postResult struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	Token            string  `json:"token,omitempty" xml:"token,omitempty"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"account_id"`
}

type postResultsXML struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []postResult `xml:"request"`
}

// actorFor resolves the caller: an api_key (form or query) mapped to an
// account, or a bearer token. Anything else is 403, as the specification says.
func (s *Server) actorFor(r *http.Request, key string) (org.Actor, casework.Source, error) {
	if key == "" {
		key = r.URL.Query().Get("api_key")
	}
	if key == "" && s.Bearer != nil && r.Header.Get("Authorization") != "" {
		a, ok, err := s.Bearer(r)
		if err != nil || !ok {
			return org.Actor{}, "", apiError{http.StatusForbidden, "the bearer token is invalid or expired"}
		}
		return a, "", nil
	}
	if key == "" {
		return org.Actor{}, "", apiError{http.StatusForbidden, "api_key was not provided; ask the city for one"}
	}
	k, err := s.Store.FindKey(r.Context(), auth.HashToken(key))
	if errs.Is(err, errs.KindNotFound) {
		return org.Actor{}, "", apiError{http.StatusForbidden, "api_key is invalid or revoked"}
	}
	if err != nil {
		return org.Actor{}, "", err
	}
	acc, err := s.Accounts.FindAccountByID(r.Context(), k.AccountID)
	if err != nil || acc.Disabled {
		return org.Actor{}, "", apiError{http.StatusForbidden, "the account behind this api_key is disabled or gone"}
	}
	// The key's channel was granted by the administrator who issued it.
	return org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants, Sources: []string{string(k.Source)}}, k.Source, nil
}

// readForm reads a POST's form: urlencoded (or multipart) body, else the
// query string.
func readForm(r *http.Request) (url.Values, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") && !strings.HasPrefix(ct, "multipart/form-data") {
		return nil, apiError{http.StatusBadRequest, "send the request as application/x-www-form-urlencoded (got " + ct + ")"}
	}
	if err := r.ParseForm(); err != nil {
		return nil, apiError{http.StatusBadRequest, "cannot read the form: " + err.Error()}
	}
	if len(r.PostForm) == 0 {
		return r.Form, nil
	}
	return r.PostForm, nil
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request, f format) error {
	form, err := readForm(r)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(form.Get("api_key"))
	actor, source, err := s.actorFor(r, key)
	if err != nil {
		return err
	}
	p, err := ParseForm(form)
	if err != nil {
		return err
	}
	sc, err := s.lookupService(p.ServiceCode)
	if err != nil {
		return err
	}
	if err := CheckAttributes(Attributes(sc, false), p.Attributes); err != nil {
		return err
	}
	lng, lat, err := s.locate(p)
	if err != nil {
		return err
	}
	rep := casework.Report{Source: source, Category: sc.Ref.String(), Description: describe(p),
		Address: p.AddressString, Lng: &lng, Lat: &lat, CRS: "wgs84",
		Reporter: strings.TrimSpace(p.FirstName + " " + p.LastName), Phone: p.Phone}
	if rep.Source == "" {
		rep.Source = casework.SourceCitizen
		if _, ok := actor.Grant(org.PostCitizen); !ok && len(actor.Grants) > 0 {
			rep.Source = casework.SourcePartner
		}
	}
	if c := p.Attributes[AttrCondition]; len(c) == 1 {
		fmt.Sscanf(c[0], "%d", &rep.Condition)
	}
	in, err := s.Cases.Report(r.Context(), actor, rep)
	if err != nil {
		return err
	}
	token := newToken()
	if err := s.Store.SaveExtra(r.Context(), georeport.Extra{CaseID: in.Case.ID, Token: token, ServiceCode: sc.Ref.String(),
		MediaURL: p.MediaURL, Attributes: p.Attributes, AccountID: actor.ID, CreatedAt: s.Now()}); err != nil {
		return fmt.Errorf("save open311 extras of case %s: %w", in.Case.Code, err)
	}
	notice := "已受理，案件编号 " + in.Case.Code
	if english(r) {
		notice = "Received as case " + in.Case.Code
	}
	if in.Case.CaseDue != nil {
		notice += "; " + s.w3c(*in.Case.CaseDue)
	}
	res := []postResult{{ServiceRequestID: in.Case.Code, Token: token, ServiceNotice: notice}}
	return write(w, f, http.StatusCreated, res, postResultsXML{Requests: res})
}

// locate turns the POST's location into WGS84: lat/long as given, or the
// centroid of the unit grid named by address_id. address_string alone is
// refused: the platform has no geocoder, and a case must sit in a grid.
func (s *Server) locate(p PostForm) (float64, float64, error) {
	if p.Lat != nil {
		return *p.Long, *p.Lat, nil
	}
	if p.AddressID != "" {
		if reg, ok := s.Atlas().Region(p.AddressID); ok && len(reg.Shape) > 0 {
			c := reg.Shape.Centroid()
			return c.Lng, c.Lat, nil
		}
		return 0, 0, apiError{http.StatusBadRequest, "address_id " + p.AddressID + " is not a region code of this city; send lat and long"}
	}
	return 0, 0, apiError{http.StatusBadRequest, "address_string cannot be geocoded here; send lat and long (WGS84) or address_id (a unit grid code) with it"}
}

// describe folds the attributes into the case description so that staff
// see them where they work; the raw values are kept with the Open311 extras.
func describe(p PostForm) string {
	var b strings.Builder
	b.WriteString(p.Description)
	codes := make([]string, 0, len(p.Attributes))
	for c := range p.Attributes {
		if c != AttrCondition {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "\n[%s] %s", c, strings.Join(p.Attributes[c], ", "))
	}
	if p.MediaURL != "" {
		fmt.Fprintf(&b, "\n[media_url] %s", p.MediaURL)
	}
	return strings.TrimSpace(b.String())
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// request is one service request in a GET response. The text fields a
// request may lack are optional: null in JSON, as the specification wants
// (a W3C date-time or nothing, never ""), an empty element in XML.
type request struct {
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       optional `json:"status_notes" xml:"status_notes"`
	ServiceName       optional `json:"service_name" xml:"service_name"`
	ServiceCode       optional `json:"service_code" xml:"service_code"`
	Description       optional `json:"description" xml:"description"`
	AgencyResponsible optional `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     optional `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  optional `json:"expected_datetime" xml:"expected_datetime"`
	Address           optional `json:"address" xml:"address"`
	AddressID         optional `json:"address_id" xml:"address_id"`
	Zipcode           optional `json:"zipcode" xml:"zipcode"`
	Lat               float64  `json:"lat" xml:"lat"`
	Long              float64  `json:"long" xml:"long"`
	MediaURL          optional `json:"media_url" xml:"media_url"`
}

// optional is a text that may be absent: JSON null when empty.
type optional string

func (o optional) MarshalJSON() ([]byte, error) {
	if o == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(o))
}

type requestsXML struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []request `xml:"request"`
}

// reader decides what a GET caller sees ([disclose]): the public view for
// anyone, the full one for an api_key holding the detail right or a
// signed-in post that works on every case of the city. A key or token that
// is sent but invalid is refused (403), so a partner notices instead of
// silently reading less.
func (s *Server) reader(r *http.Request) (disclose.Audience, error) {
	key := strings.TrimSpace(r.URL.Query().Get("api_key"))
	if key != "" {
		k, err := s.Store.FindKey(r.Context(), auth.HashToken(key))
		if errs.Is(err, errs.KindNotFound) {
			return disclose.Public, apiError{http.StatusForbidden, "api_key 无效或已吊销 / api_key is invalid or revoked; ask the city for a new one, or leave it out to read the public view"}
		}
		if err != nil {
			return disclose.Public, err
		}
		if acc, err := s.Accounts.FindAccountByID(r.Context(), k.AccountID); err != nil || acc.Disabled {
			return disclose.Public, apiError{http.StatusForbidden, "api_key 所属账号已停用 / the account behind this api_key is disabled or gone"}
		}
		if k.Detail {
			return disclose.Detail, nil
		}
		return disclose.Public, nil
	}
	if s.Bearer == nil || r.Header.Get("Authorization") == "" {
		return disclose.Public, nil
	}
	a, ok, err := s.Bearer(r)
	if err != nil || !ok {
		return disclose.Public, apiError{http.StatusForbidden, "令牌无效或已过期 / the bearer token is invalid or expired; sign in again, or leave it out to read the public view"}
	}
	if s.Cases != nil && s.Cases.ScopeOf(a).All {
		return disclose.Detail, nil
	}
	return disclose.Public, nil
}

// view is one request as aud may see it. The public view follows
// [disclose]: a rounded point and no address, the description masked (the
// category for a hotline case), and a photo link only to the reporter's
// photo of a case whose photos are public.
func (s *Server) view(q Request, aud disclose.Audience, en bool) request {
	out := request{ServiceRequestID: q.Code, Status: StatusOf(q.Status), StatusNotes: optional(casework.StatusNames[q.Status][0]),
		ServiceCode: optional(q.Category), RequestedDatetime: s.w3c(q.ReportedAt), UpdatedDatetime: s.w3c(q.UpdatedAt)}
	if en {
		out.StatusNotes = optional(casework.StatusNames[q.Status][1])
	}
	d := s.Dict()
	if ref, err := parseRef(q.Category); err == nil {
		if sc, ok := d.Lookup(ref, q.ReportedAt); ok {
			out.ServiceName = optional(pick(sc.Name, en))
		}
	}
	dept := q.Department
	if dept == "" {
		dept = q.Suggested
	}
	if dep, ok := d.Department(dept); ok {
		out.AgencyResponsible = optional(pick(dep.Name, en))
	} else {
		out.AgencyResponsible = optional(dept)
	}
	if q.CaseDue != nil {
		out.ExpectedDatetime = optional(s.w3c(*q.CaseDue))
	}
	if aud == disclose.Detail {
		out.Description, out.Address, out.Lat, out.Long = optional(q.Description), optional(q.Address), round6(q.Lat), round6(q.Lng)
		out.MediaURL = optional(q.MediaURL)
		if out.MediaURL == "" && len(q.Photos) > 0 {
			out.MediaURL = optional(s.base() + "/api/v1/photos/" + q.Photos[0])
		}
		return out
	}
	out.Long, out.Lat = disclose.Location(q.Lng, q.Lat)
	out.Description = optional(disclose.Description(q.Source, q.Status, q.Description, string(out.ServiceName)))
	if disclose.ReporterPhotosPublic(q.Source, q.Status) {
		out.MediaURL = optional(q.MediaURL)
		if out.MediaURL == "" && len(q.Photos) > 0 {
			out.MediaURL = optional(s.base() + "/api/v1/photos/" + q.Photos[0])
		}
	}
	return out
}

func round6(x float64) float64 {
	if x < 0 {
		return float64(int64(x*1e6-0.5)) / 1e6
	}
	return float64(int64(x*1e6+0.5)) / 1e6
}

func (s *Server) writeRequests(w http.ResponseWriter, r *http.Request, f format, list []Request) error {
	aud, err := s.reader(r)
	if err != nil {
		return err
	}
	en := english(r)
	out := make([]request, len(list))
	for i, q := range list {
		out[i] = s.view(q, aud, en)
	}
	return write(w, f, http.StatusOK, out, requestsXML{Requests: out})
}

// ParseQuery reads the GET requests parameters. With service_request_id the
// other filters are ignored, as the specification says; without dates the
// window is the last 90 days, and no window may be longer.
func ParseQuery(get func(string) string, now time.Time) (Query, error) {
	q := Query{Limit: MaxRequests}
	if ids := splitList(get("service_request_id")); len(ids) > 0 {
		if len(ids) > MaxRequests {
			return q, apiError{http.StatusBadRequest, fmt.Sprintf("at most %d service_request_id values", MaxRequests)}
		}
		q.Codes = ids
		return q, nil
	}
	q.Categories = splitList(get("service_code"))
	for _, st := range splitList(get("status")) {
		switch strings.ToLower(st) {
		case StatusOpen:
			q.Open = boolPtr(true, q.Open)
		case StatusClosed:
			q.Open = boolPtr(false, q.Open)
		default:
			return q, apiError{http.StatusBadRequest, "status must be open, closed or both (comma-separated), not " + st}
		}
	}
	var err error
	q.To, q.From = now, time.Time{}
	if v := get("end_date"); v != "" {
		if q.To, err = parseW3C(v); err != nil {
			return q, apiError{http.StatusBadRequest, "end_date must be a W3C date-time with a zone, e.g. 2026-03-31T23:59:59+08:00"}
		}
	}
	if v := get("start_date"); v != "" {
		if q.From, err = parseW3C(v); err != nil {
			return q, apiError{http.StatusBadRequest, "start_date must be a W3C date-time with a zone, e.g. 2026-03-01T00:00:00+08:00"}
		}
		if get("end_date") == "" && q.From.Add(DefaultWindow).Before(now) {
			q.To = q.From.Add(DefaultWindow)
		}
	} else {
		q.From = q.To.Add(-DefaultWindow)
	}
	if !q.From.Before(q.To) {
		return q, apiError{http.StatusBadRequest, "start_date must be before end_date"}
	}
	if q.To.Sub(q.From) > DefaultWindow {
		return q, apiError{http.StatusBadRequest, "the window between start_date and end_date is at most 90 days"}
	}
	return q, nil
}

// boolPtr sets the open filter; asking for both states means no filter.
func boolPtr(v bool, prev *bool) *bool {
	if prev != nil && *prev != v {
		return nil
	}
	return &v
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request, f format) error {
	q, err := ParseQuery(r.URL.Query().Get, s.Now())
	if err != nil {
		return err
	}
	for _, c := range q.Categories {
		if _, err := s.lookupService(c); err != nil {
			return err
		}
	}
	list, err := s.findRequests(r.Context(), q)
	if err != nil {
		return err
	}
	return s.writeRequests(w, r, f, list)
}

func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request, f format) error {
	id, _, _ := splitFormat(r.PathValue("file"))
	list, err := s.findRequests(r.Context(), Query{Codes: []string{id}, Limit: 1})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return apiError{http.StatusNotFound, "service_request_id " + id + " was not found"}
	}
	return s.writeRequests(w, r, f, list)
}

type tokenResult struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

type tokenResultsXML struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []tokenResult `xml:"request"`
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, f format) error {
	tok, _, _ := splitFormat(r.PathValue("file"))
	code, err := s.findCodeByToken(r.Context(), tok)
	if errs.Is(err, errs.KindNotFound) {
		return apiError{http.StatusNotFound, "token " + tok + " was not found"}
	}
	if err != nil {
		return err
	}
	res := []tokenResult{{ServiceRequestID: code, Token: tok}}
	return write(w, f, http.StatusOK, res, tokenResultsXML{Requests: res})
}

// The updates extension.

type requestUpdate struct {
	UpdateID         string   `json:"update_id" xml:"update_id"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Status           string   `json:"status" xml:"status"`
	UpdatedDatetime  string   `json:"updated_datetime" xml:"updated_datetime"`
	Description      optional `json:"description" xml:"description"`
	MediaURL         optional `json:"media_url" xml:"media_url"`
}

type updatesXML struct {
	XMLName xml.Name        `xml:"service_request_updates"`
	Updates []requestUpdate `xml:"request_update"`
}

// handleUpdates serves GET servicerequestupdates: the timeline events of
// every request within [start_date, end_date) (default: the last 24 hours,
// at most 90 days), oldest first, at most 1000; a client pages by moving
// start_date to the last updated_datetime it saw.
func (s *Server) handleUpdates(w http.ResponseWriter, r *http.Request, f format) error {
	get := r.URL.Query().Get
	now := s.Now()
	to, from := now, now.Add(-24*time.Hour)
	var err error
	if v := get("end_date"); v != "" {
		if to, err = parseW3C(v); err != nil {
			return apiError{http.StatusBadRequest, "end_date must be a W3C date-time with a zone"}
		}
		if get("start_date") == "" {
			from = to.Add(-24 * time.Hour)
		}
	}
	if v := get("start_date"); v != "" {
		if from, err = parseW3C(v); err != nil {
			return apiError{http.StatusBadRequest, "start_date must be a W3C date-time with a zone"}
		}
	}
	if !from.Before(to) || to.Sub(from) > DefaultWindow {
		return apiError{http.StatusBadRequest, "start_date must be before end_date, at most 90 days apart"}
	}
	aud, err := s.reader(r)
	if err != nil {
		return err
	}
	list, err := s.findUpdates(r.Context(), from, to, MaxRequests)
	if err != nil {
		return err
	}
	en := english(r)
	out := make([]requestUpdate, 0, len(list))
	for _, u := range list {
		up := requestUpdate{UpdateID: u.ID, ServiceRequestID: u.RequestCode, Status: StatusOf(u.Status), UpdatedDatetime: s.w3c(u.At)}
		if aud == disclose.Detail {
			desc := casework.ActionNames[u.Action][0]
			if en {
				desc = casework.ActionNames[u.Action][1]
			}
			if u.Note != "" {
				desc += "：" + u.Note
			}
			up.Description = optional(desc)
			if len(u.Photos) > 0 {
				up.MediaURL = optional(s.base() + "/api/v1/photos/" + u.Photos[0])
			}
			out = append(out, up)
			continue
		}
		// The public sees what the citizen's tracking page shows: the
		// standard text of each step, never a staff note or a staff photo,
		// and no internal supervision.
		if !disclose.EventPublic(u.Action) {
			continue
		}
		up.Description = optional(disclose.Note(u.Action, en))
		if u.Action == casework.ActReport && len(u.Photos) > 0 && disclose.ReporterPhotosPublic(u.Source, u.CaseStatus) {
			up.MediaURL = optional(s.base() + "/api/v1/photos/" + u.Photos[0])
		}
		out = append(out, up)
	}
	return write(w, f, http.StatusOK, out, updatesXML{Updates: out})
}
