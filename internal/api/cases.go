package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/worktime"
)

// caseView is a case as the API shows it: the stored fields plus the point,
// the light at now, the Chinese names and the deadlines.
type caseView struct {
	*casework.Case
	Lng          float64              `json:"lng"`
	Lat          float64              `json:"lat"`
	StatusName   string               `json:"status_name"`
	SourceName   string               `json:"source_name"`
	CategoryName string               `json:"category_name,omitempty"`
	Light        worktime.Light       `json:"light"`
	Deadlines    deadlines            `json:"deadlines"`
	Timeline     []casework.Event     `json:"timeline,omitempty"`
	Allowed      []casework.Action    `json:"allowed_actions,omitempty"`
	Duplicates   []casework.Duplicate `json:"duplicates,omitempty"`
	// DuplicatesTotal is how many candidates intake found; Duplicates
	// lists the nearest few (see createShowsDuplicates).
	DuplicatesTotal int `json:"duplicates_total,omitempty"`
}

type deadlines struct {
	Stage     string     `json:"stage,omitempty"`
	StageName string     `json:"stage_name,omitempty"`
	StageDue  *time.Time `json:"stage_due_at,omitempty"`
	StageWarn *time.Time `json:"stage_warn_at,omitempty"`
	CaseDue   *time.Time `json:"case_due_at,omitempty"`
	Light     string     `json:"light"`
	Overdue   bool       `json:"overdue"`
	Paused    bool       `json:"paused"`
}

func (s *Server) view(c *casework.Case, en bool) caseView {
	now := s.Now()
	if c.Photos == nil {
		c.Photos = []string{}
	}
	if c.AfterPhotos == nil {
		c.AfterPhotos = []string{}
	}
	v := caseView{Case: c, Lng: round6(c.Point.Lng), Lat: round6(c.Point.Lat), Light: c.Light(now)}
	v.StatusName = casework.StatusNames[c.Status][0]
	v.SourceName = casework.SourceNames[c.Source][0]
	if en {
		v.StatusName = casework.StatusNames[c.Status][1]
		v.SourceName = casework.SourceNames[c.Source][1]
	}
	if c.Category != nil {
		if sub, ok := s.World.Dict().Lookup(*c.Category, c.ReportedAt); ok {
			v.CategoryName = sub.Name.Zh
			if en {
				v.CategoryName = sub.Name.En
			}
		}
	}
	v.Deadlines = deadlines{Stage: c.Stage, StageName: casework.StageName(c.Stage), StageDue: c.StageDue, StageWarn: c.StageWarn,
		CaseDue: c.CaseDue, Light: string(v.Light), Overdue: c.Overdue || v.Light == worktime.Red,
		Paused: c.Status == casework.StatusSuspended}
	return v
}

// auditRead records that actor saw the unmasked contact details of cases;
// it must succeed before the data is sent (fail closed).
func (s *Server) auditRead(r *http.Request, actor org.Actor, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.audit(r, actor.ID, "pii.read", "cases", map[string]any{"cases": ids, "fields": []string{"reporter_name", "reporter_phone"}}); err != nil {
		return fmt.Errorf("audit personal data read: %w", err)
	}
	return nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

const maxJSON = 64 << 10

func (s *Server) handleCaseCreate(w http.ResponseWriter, r *http.Request) error {
	actor, _, signed, err := s.actor(r)
	if err != nil {
		return err
	}
	var rep casework.Report
	if err := httpkit.DecodeJSON(w, r, &rep, s.maxBody()); err != nil {
		return err
	}
	if signed && strings.HasPrefix(actor.ID, "client:") {
		c, err := s.Clients.FindClientByKey(r.Context(), auth.HashToken(bearer(r)))
		if err != nil {
			return err
		}
		if err := clientMayReport(c, rep.Category); err != nil {
			return err
		}
		if rep.Source == "" || rep.Source == casework.SourceCitizen || rep.Source == casework.SourcePatrol {
			rep.Source = casework.SourcePartner
		}
		if rep.SelfHandled {
			return errs.Forbidden("API clients cannot self-handle")
		}
		if len(c.Regions) > 0 && rep.Lng != nil && rep.Lat != nil {
			crs, err := geo.ParseCRS(rep.CRS)
			if err != nil {
				return err
			}
			loc, err := s.World.Atlas().Locate(geo.ToWGS84(geo.Point{Lng: *rep.Lng, Lat: *rep.Lat}, crs))
			if err != nil {
				return err
			}
			in := false
			for _, code := range c.Regions {
				in = in || s.World.Atlas().Within(loc.Grid, code)
			}
			if !in {
				return errs.Forbidden("this API key reports only inside %s", strings.Join(c.Regions, ", "))
			}
		}
	}
	if !signed {
		// Citizens report without registering (随手拍); they can only report as citizens.
		actor = org.Actor{ID: "", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}
		if rep.Source != "" && rep.Source != casework.SourceCitizen {
			return errs.Unauthenticated("only signed-in posts or API clients may report as %q; citizens report with source \"citizen\"", rep.Source)
		}
		if rep.SelfHandled {
			return errs.Unauthenticated("self-handling needs a signed-in supervisor")
		}
		rep.Source = casework.SourceCitizen
	}
	if err := s.checkPhotos(r, append(append([]string{}, rep.Photos...), rep.AfterPhotos...)); err != nil {
		return err
	}
	in, err := s.Cases.Report(r.Context(), actor, rep)
	if err != nil {
		return err
	}
	v := s.view(in.Case, httpkit.English(r))
	v.Duplicates, v.DuplicatesTotal = shortDuplicates(in.Duplicates)
	w.Header().Set("Location", "/api/v1/cases/"+in.Case.ID)
	return httpkit.WriteJSON(w, http.StatusCreated, v)
}

func (s *Server) checkPhotos(r *http.Request, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	missing, err := s.Photos.MissingPhotos(r.Context(), ids)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return errs.Invalid("photo %s was not uploaded; upload photos with POST /api/v1/photos first and send the ids it returns", missing[0]).
			WithField("photos", "unknown photo id")
	}
	return nil
}

func (s *Server) maxBody() int64 {
	if s.MaxBody > 0 {
		return s.MaxBody
	}
	return maxJSON
}

// maxSearch bounds q=: an address or a code is shorter.
const maxSearch = 64

// listParams are the query parameters GET /api/v1/cases understands.
var listParams = map[string]bool{"format": true, "status": true, "category": true, "region": true, "source": true, "light": true,
	"from": true, "to": true, "department": true, "reporter": true, "overdue": true, "is": true, "limit": true, "offset": true, "lang": true, "q": true}

func (s *Server) handleCaseList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustActor(r)
	if err != nil {
		return err
	}
	f, err := s.parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if format := r.URL.Query().Get("format"); format != "" && format != "json" {
		if format != "csv" && format != "xlsx" {
			return errs.Invalid("导出格式须为 csv 或 xlsx / format must be csv or xlsx").WithField("format", "json (default), csv or xlsx")
		}
		return s.exportCases(w, r, actor, f, format) // cases_export.go
	}
	if _, isPhone := pii.PhoneQuery(f.Text); isPhone && casework.SeesContact(actor) {
		// Looking up who reported from a number is a read of personal data.
		if err := s.audit(r, actor.ID, "pii.search", "cases", map[string]any{"by": "reporter_phone", "phone": pii.MaskPhone(f.Text)}); err != nil {
			return fmt.Errorf("audit a search by phone: %w", err)
		}
	}
	items, total, err := s.Cases.FindCases(r.Context(), actor, f)
	if err != nil {
		return err
	}
	en := httpkit.English(r)
	out := make([]caseView, len(items))
	var read []string
	for i, c := range items {
		if casework.MaskContact(actor, c) {
			read = append(read, c.ID)
		}
		out[i] = s.view(c, en)
	}
	if err := s.auditRead(r, actor, read); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": f.Limit, "offset": f.Offset})
}

func (s *Server) parseFilter(q url.Values) (casework.Filter, error) {
	f := casework.Filter{Now: s.Now(), Limit: 50}
	bad := errs.Invalid("the list query is not valid")
	for k := range q {
		if !listParams[k] {
			bad.WithField(k, "unknown parameter; use q, status, category, region, source, light, from, to, department, reporter, overdue, is, limit, offset, format")
		}
	}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			st := casework.Status(strings.TrimSpace(st))
			if !st.Valid() {
				bad.WithField("status", "unknown status "+string(st))
				continue
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("category"); v != "" {
		ref, err := catalog.ParseRef(v)
		if err != nil {
			bad.WithField("category", errMsg(err))
		} else {
			f.Category = &ref
		}
	}
	if v := q.Get("region"); v != "" {
		reg, ok := s.World.Atlas().Region(v)
		if !ok {
			bad.WithField("region", "no region with code "+v)
		} else {
			f.Region, f.RegionLevel = reg.Code, reg.Level
		}
	}
	if v := q.Get("source"); v != "" {
		f.Source = casework.Source(v)
		if !f.Source.Valid() {
			bad.WithField("source", "unknown source "+v)
		}
	}
	if v := q.Get("light"); v != "" {
		f.Light = worktime.Light(v)
		if f.Light != worktime.Green && f.Light != worktime.Yellow && f.Light != worktime.Red {
			bad.WithField("light", "must be green, yellow or red")
		}
	}
	// q is the search box: a case code (whole or its beginning), part of an
	// address, or a reporter's phone for the posts that see phones.
	f.Text = strings.TrimSpace(q.Get("q"))
	if n := utf8.RuneCountInString(f.Text); n > maxSearch {
		bad.WithField("q", fmt.Sprintf("搜索内容最多 %d 个字 / at most %d characters: a case code, part of an address or a phone number", maxSearch, maxSearch))
	}
	f.Department = q.Get("department")
	// reporter is one account's reports: a supervisor's figures open into them.
	f.ReporterID = q.Get("reporter")
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad.WithField("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	if v := q.Get("is"); v != "" {
		p, err := casework.ParsePredicate(v)
		if err != nil {
			bad.WithField("is", errMsg(err))
		}
		f.Is = p
	}
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, s.Cal.Location())
			if err != nil {
				bad.WithField(p.key, "use RFC 3339 (2026-01-02T15:04:05+08:00) or a date (2026-01-02)")
			} else {
				*p.dst = &t
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			bad.WithField("limit", "must be 1–500")
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad.WithField("offset", "must be 0 or more")
		}
		f.Offset = n
	}
	if len(bad.Fields) > 0 {
		return f, bad
	}
	return f, nil
}

func parseTime(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", v, loc)
}

func errMsg(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

func (s *Server) handleCaseView(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustActor(r)
	if err != nil {
		return err
	}
	c, tl, err := s.Cases.FindCaseWithTimeline(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if casework.MaskContact(actor, c) {
		if err := s.auditRead(r, actor, []string{c.ID}); err != nil {
			return err
		}
	}
	v := s.view(c, httpkit.English(r))
	v.Timeline = tl
	v.Allowed = casework.Allowed(c, actor)
	if v.Allowed == nil {
		v.Allowed = []casework.Action{}
	}
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

// actionBody is POST /api/v1/cases/{id}/actions.
type actionBody struct {
	Action       casework.Action `json:"action"`
	Note         string          `json:"note"`
	Photos       []string        `json:"photos"`
	Lng          *float64        `json:"lng"`
	Lat          *float64        `json:"lat"`
	CRS          string          `json:"crs"`
	Department   string          `json:"department"`
	Category     string          `json:"category"`
	Condition    int             `json:"condition"`
	Valid        *bool           `json:"valid"`
	Passed       *bool           `json:"passed"`
	Into         string          `json:"into"`
	Extra        *worktime.Limit `json:"extra"`
	Satisfaction string          `json:"satisfaction"`
	Version      *int            `json:"version"`
}

func (s *Server) handleCaseAction(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustActor(r)
	if err != nil {
		return err
	}
	var b actionBody
	if err := httpkit.DecodeJSON(w, r, &b, s.maxBody()); err != nil {
		return err
	}
	if b.Action == "" {
		return errs.Invalid("the body needs \"action\", e.g. {\"action\": \"accept\"}").WithField("action", "required")
	}
	if b.Action == casework.ActOverdue || b.Action == casework.ActReport {
		return errs.Invalid("%q is recorded by the platform, not requested", b.Action).WithField("action", "not allowed")
	}
	cmd := casework.Command{Action: b.Action, Actor: actor, Note: strings.TrimSpace(b.Note), Photos: b.Photos,
		Department: b.Department, Condition: b.Condition, Valid: b.Valid, Passed: b.Passed, Into: b.Into,
		Extra: b.Extra, Satisfaction: b.Satisfaction}
	if len(cmd.Note) > 2000 {
		return errs.Invalid("the note is longer than 2000 characters").WithField("note", "too long")
	}
	if b.Category != "" {
		ref, err := catalog.ParseRef(b.Category)
		if err != nil {
			return err
		}
		cmd.Category = &ref
	}
	if (b.Lng == nil) != (b.Lat == nil) {
		return errs.Invalid("send both lng and lat, or neither").WithField("lng", "incomplete")
	}
	if b.Lng != nil {
		crs, err := geo.ParseCRS(b.CRS)
		if err != nil {
			return err
		}
		p := geo.ToWGS84(geo.Point{Lng: *b.Lng, Lat: *b.Lat}, crs)
		if !p.Valid() {
			return errs.Invalid("lng/lat are not valid coordinates").WithField("lng", "invalid")
		}
		cmd.Point = &p
	}
	if err := s.checkPhotos(r, b.Photos); err != nil {
		return err
	}
	if b.Version != nil {
		cur, err := s.Cases.FindCase(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		if cur.Version != *b.Version {
			return errs.Conflict("case %s is at version %d, not %d: someone changed it; reload and try again", cur.Code, cur.Version, *b.Version)
		}
	}
	c, events, err := s.Cases.Act(r.Context(), r.PathValue("id"), cmd)
	if err != nil {
		return err
	}
	for _, ev := range events {
		_ = s.audit(r, ev.Actor, "case."+string(ev.Action), "case/"+c.ID,
			map[string]any{"code": c.Code, "from": ev.From, "to": ev.To, "post": ev.Post})
	}
	casework.MaskContact(actor, c)
	v := s.view(c, httpkit.English(r))
	v.Timeline = events
	v.Allowed = casework.Allowed(c, actor)
	if v.Allowed == nil {
		v.Allowed = []casework.Action{}
	}
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lng, err1 := strconv.ParseFloat(q.Get("lng"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	if err1 != nil || err2 != nil {
		return errs.Invalid("lng and lat are required numbers, e.g. ?lng=118.78&lat=32.04").WithField("lng", "required")
	}
	crs, err := geo.ParseCRS(q.Get("crs"))
	if err != nil {
		return err
	}
	p := geo.ToWGS84(geo.Point{Lng: lng, Lat: lat}, crs)
	loc, err := s.World.Atlas().Locate(p)
	if err != nil {
		return err
	}
	ans := locateAnswer{WGS84: map[string]float64{"lng": round6(p.Lng), "lat": round6(p.Lat)}, Location: loc}
	if s.Cases != nil && s.Cases.Addresses != nil {
		ans.Address = casework.DescribeAt(s.Cases.Addresses(), p, loc)
	}
	return httpkit.WriteJSON(w, http.StatusOK, ans)
}

// locateAnswer is GET /api/v1/locate's answer: the point in WGS-84, its
// regions and the readable address an intake there would write.
type locateAnswer struct {
	WGS84 map[string]float64 `json:"wgs84"`
	org.Location
	Address string `json:"address"`
}

func bearer(r *http.Request) string {
	tok, _ := auth.ParseBearer(r.Header.Get("Authorization"))
	return tok
}
