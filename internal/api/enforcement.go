package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/worktime"
)

// Enforcement is what the /api/v1/enforcement routes need of mobile
// enforcement (移动执法); *enforce.Service implements it. The rules, the
// jurisdiction and the clocks stay in package enforce; the handlers decode,
// audit and mask.
type Enforcement interface {
	Open(ctx context.Context, actor org.Actor, r enforce.OpenRequest) (*enforce.Opened, error)
	Act(ctx context.Context, actor org.Actor, id string, cmd enforce.Command) (*enforce.Opened, error)
	FindCase(ctx context.Context, actor org.Actor, id string) (*enforce.Case, []enforce.Event, error)
	Party(ctx context.Context, actor org.Actor, id string) (*enforce.Case, enforce.PartyDetail, error)
	FindCases(ctx context.Context, actor org.Actor, f enforce.Filter) ([]*enforce.Case, int, error)
	Clocks(c *enforce.Case) []enforce.ClockView
	Allowed(c *enforce.Case, actor org.Actor) []enforce.Action
	// Missing lists the records the case lacks, its evidence read from the vault.
	Missing(ctx context.Context, c *enforce.Case) ([]enforce.Requirement, error)
	Evaluate(violation string, f enforce.Facts) (enforce.Outcome, error)
	Rulebook(t time.Time) (*enforce.Rulebook, error)
	Figures(ctx context.Context, actor org.Actor, from, to time.Time) (enforce.Figures, int, error)
	Consistency(ctx context.Context, actor org.Actor, from, to time.Time, violation string) (enforce.ConsistencyReport, error)
	Disclosures(ctx context.Context, q enforce.DisclosureQuery) ([]enforce.Disclosure, int, error)
}

// enforcePosts may read penalty cases; the service narrows each to its
// jurisdiction (an enforcer his district or brigade).
var enforcePosts = []org.Post{org.PostEnforcer, enforce.PostLegalReviewer, org.PostLeader, org.PostAdmin}

// clockLight is one legal clock as a list shows it.
type clockLight struct {
	Kind  enforce.ClockKind `json:"kind"`
	Name  string            `json:"name"`
	Light worktime.Light    `json:"light"`
	Due   time.Time         `json:"due"`
}

// penaltyItem is a penalty case in a list: no personal data but the
// party's masked name.
type penaltyItem struct {
	ID         string            `json:"id"`
	Code       string            `json:"code"`
	Status     enforce.Status    `json:"status"`
	StatusName string            `json:"status_name"`
	Procedure  enforce.Procedure `json:"procedure"`
	District   string            `json:"district"`
	Brigade    string            `json:"brigade,omitempty"`
	Violation  string            `json:"violation,omitempty"`
	PartyKind  enforce.PartyKind `json:"party_kind"`
	Party      string            `json:"party"` // masked
	Light      worktime.Light    `json:"light"`
	Lights     []clockLight      `json:"lights"`
	LoopCase   string            `json:"loop_case,omitempty"`
	Version    int               `json:"version"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

func (s *Server) penaltyItem(c *enforce.Case, en bool) penaltyItem {
	it := penaltyItem{ID: c.ID, Code: c.Code, Status: c.Status, StatusName: enforce.StatusNames[c.Status][0], Procedure: c.Procedure,
		District: c.District, Brigade: c.Brigade, Violation: c.Violation, PartyKind: c.Party.Kind, Party: maskParty(c.Party),
		LoopCase: c.Source, Version: c.Version, UpdatedAt: c.UpdatedAt, Lights: []clockLight{}}
	if en {
		it.StatusName = enforce.StatusNames[c.Status][1]
	}
	clocks := s.Enforcement.Clocks(c)
	for _, v := range clocks {
		name := v.Term.Name.Zh
		if en {
			name = v.Term.Name.En
		}
		it.Lights = append(it.Lights, clockLight{Kind: v.Term.Kind, Name: name, Light: v.Light, Due: v.Due})
	}
	it.Light = enforce.WorstLight(clocks)
	return it
}

// maskParty hides a person's given name in lists; an organisation's name
// is public by its registration.
func maskParty(p enforce.Party) string {
	if p.Kind == enforce.Organisation {
		return p.Name
	}
	return pii.MaskName(p.Name)
}

// penaltyView is one case with its timeline, clocks and the actions the
// caller may take; Party holds the opened personal data (audited).
type penaltyView struct {
	penaltyItem
	Case           *enforce.Case         `json:"case"`
	PartyDetail    enforce.PartyDetail   `json:"party_detail"`
	Timeline       []enforce.Event       `json:"timeline"`
	Clocks         []enforce.ClockView   `json:"clocks"`
	AllowedActions []enforce.Action      `json:"allowed_actions"`
	MissingRecords []enforce.Requirement `json:"missing_records"`
	Loop           string                `json:"loop,omitempty"`
	// Number is the 文号 an action's answer carries when that action issued
	// the decision (the last approval), so the officer can quote it at once.
	Number string `json:"number,omitempty"`
}

// auditPartyRead records that actor saw a party's sealed data; it must
// succeed before the data is sent (fail closed), as for reporters.
func (s *Server) auditPartyRead(r *http.Request, actor org.Actor, c *enforce.Case) error {
	return s.audit(r, actor.ID, "pii.read", "enforce_case/"+c.ID, map[string]any{"code": c.Code,
		"fields": []string{"party.name", "party.id_number", "party.uscc", "party.representative", "party.phone", "party.address"}})
}

func (s *Server) penaltyView(r *http.Request, actor org.Actor, id string, tl []enforce.Event) (*penaltyView, error) {
	c, p, err := s.Enforcement.Party(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	if tl == nil {
		if _, tl, err = s.Enforcement.FindCase(r.Context(), actor, id); err != nil {
			return nil, err
		}
	}
	if err := s.auditPartyRead(r, actor, c); err != nil {
		return nil, err
	}
	miss, err := s.Enforcement.Missing(r.Context(), c)
	if err != nil {
		return nil, err
	}
	v := &penaltyView{penaltyItem: s.penaltyItem(c, httpkit.English(r)), Case: c, PartyDetail: p, Timeline: tl,
		Clocks: s.Enforcement.Clocks(c), AllowedActions: s.Enforcement.Allowed(c, actor), MissingRecords: miss}
	if v.Clocks == nil {
		v.Clocks = []enforce.ClockView{}
	}
	if v.MissingRecords == nil {
		v.MissingRecords = []enforce.Requirement{}
	}
	return v, nil
}

var penaltyListParams = map[string]bool{"status": true, "procedure": true, "officer": true, "district": true, "brigade": true,
	"violation": true, "light": true, "party": true, "limit": true, "offset": true, "lang": true}

func (s *Server) handlePenaltyList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforcePosts...)
	if err != nil {
		return err
	}
	f, err := parsePenaltyFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if f.Party != "" {
		// A search by identity number looks up personal data: on record
		// first (fail closed), without the number itself.
		if err := s.audit(r, actor.ID, "pii.search", "enforce_cases", map[string]any{"by": "party identity number"}); err != nil {
			return err
		}
	}
	items, total, err := s.Enforcement.FindCases(r.Context(), actor, f)
	if err != nil {
		return err
	}
	out := make([]penaltyItem, len(items))
	for i, c := range items {
		out[i] = s.penaltyItem(c, httpkit.English(r))
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": f.Limit, "offset": f.Offset})
}

func parsePenaltyFilter(q url.Values) (enforce.Filter, error) {
	f := enforce.Filter{Limit: 50}
	bad := errs.Invalid("列表查询参数不对 / the list query is not valid")
	for k := range q {
		if !penaltyListParams[k] {
			bad.WithField(k, "未知参数；可用 status, procedure, officer, district, brigade, violation, light, party, limit, offset / unknown parameter")
		}
	}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			st := enforce.Status(strings.TrimSpace(st))
			if _, ok := enforce.StatusNames[st]; !ok {
				bad.WithField("status", "未知状态 / unknown status "+string(st))
				continue
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("procedure"); v != "" {
		f.Procedure = enforce.Procedure(v)
		if f.Procedure != enforce.Ordinary && f.Procedure != enforce.Summary {
			bad.WithField("procedure", "ordinary（普通程序）或 summary（简易程序）")
		}
	}
	if v := q.Get("light"); v != "" {
		f.Light = worktime.Light(v)
		if f.Light != worktime.Green && f.Light != worktime.Yellow && f.Light != worktime.Red {
			bad.WithField("light", "green, yellow 或 red / must be green, yellow or red")
		}
	}
	f.Officer, f.District, f.Brigade, f.Violation, f.Party = q.Get("officer"), q.Get("district"), q.Get("brigade"), q.Get("violation"), q.Get("party")
	bad.CheckText(false, "officer", f.Officer, "district", f.District, "brigade", f.Brigade, "violation", f.Violation, "party", f.Party)
	f.Limit, f.Offset = pageParams(q, bad, 50, 500)
	if len(bad.Fields) > 0 {
		return f, bad
	}
	return f, nil
}

// pageParams reads limit and offset, reporting bad values on bad.
func pageParams(q url.Values, bad *errs.Error, def, most int) (int, int) {
	limit, offset := def, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			bad.WithField("limit", "1–"+strconv.Itoa(most))
		} else {
			limit = n
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			bad.WithField("offset", "0 或以上 / 0 or more")
		} else {
			offset = n
		}
	}
	return limit, offset
}

func (s *Server) handlePenaltyOpen(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostEnforcer)
	if err != nil {
		return err
	}
	var req enforce.OpenRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	out, err := s.Enforcement.Open(r.Context(), actor, req)
	if err != nil {
		return err
	}
	c := out.Case
	// The state change is stored: a failed audit record must not undo it,
	// but the personal data it echoes is sent only once the read is on record.
	_ = s.audit(r, actor.ID, "enforce.open", "enforce_case/"+c.ID, map[string]any{"code": c.Code, "loop_case": c.Source, "district": c.District})
	v, err := s.penaltyView(r, actor, c.ID, out.Events)
	if err != nil {
		return err
	}
	v.Loop = out.Loop
	w.Header().Set("Location", "/api/v1/enforcement/cases/"+c.ID)
	return httpkit.WriteJSON(w, http.StatusCreated, v)
}

func (s *Server) handlePenaltyView(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforcePosts...)
	if err != nil {
		return err
	}
	v, err := s.penaltyView(r, actor, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

// penaltyActionBody is POST /api/v1/enforcement/cases/{id}/actions; each
// action reads the fields enforce.Command lists for it.
type penaltyActionBody struct {
	Action        enforce.Action        `json:"action"`
	Note          string                `json:"note"`
	Officers      []enforce.Officer     `json:"officers"`
	Record        *enforce.Record       `json:"record"`
	Violation     string                `json:"violation"`
	Facts         *enforce.Facts        `json:"facts"`
	Penalty       *enforce.Penalty      `json:"penalty"`
	Reason        string                `json:"reason"`
	Complex       *bool                 `json:"complex"`
	Passed        *bool                 `json:"passed"`
	Qualification string                `json:"qualification"`
	HearingAt     *time.Time            `json:"hearing_at"`
	Chair         string                `json:"chair"`
	Waived        bool                  `json:"waived"`
	Method        enforce.ServiceMethod `json:"method"`
	Amount        float64               `json:"amount"`
	Days          int                   `json:"days"`
	Exemption     *enforce.Exemption    `json:"exemption"`
	Number        string                `json:"number"`
	// Version, when sent, must be the case's current version (a stale
	// form is refused with 409 instead of acting on a case that moved).
	Version *int `json:"version"`
}

// Command is the domain command of the body, after the checks no rule of
// the domain makes (lengths, text, record ids the platform assigns).
func (b penaltyActionBody) Command() (enforce.Command, error) {
	bad := errs.Invalid("操作内容不对 / the action is not valid")
	if b.Action == "" {
		return enforce.Command{}, bad.WithField("action", "需要 action，例如 {\"action\": \"propose_filing\"} / required")
	}
	for _, f := range []struct {
		name, v string
		most    int
	}{{"note", b.Note, 2000}, {"reason", b.Reason, 2000}, {"violation", b.Violation, 64}, {"qualification", b.Qualification, 64},
		{"chair", b.Chair, 128}, {"number", b.Number, 128}} {
		if len([]rune(f.v)) > f.most {
			bad.WithField(f.name, "最多 "+strconv.Itoa(f.most)+" 个字符 / too long")
		}
	}
	bad.CheckText(false, "violation", b.Violation, "qualification", b.Qualification, "chair", b.Chair, "number", b.Number)
	if len(b.Officers) > 10 {
		bad.WithField("officers", "最多 10 人 / at most 10")
	}
	for _, o := range b.Officers {
		bad.CheckText(false, "officers", o.ID, "officers", o.Name, "officers", o.Certificate)
	}
	if b.Record != nil {
		if len(b.Record.Files) > 50 || len(b.Record.Officers) > 10 || len([]rune(b.Record.Note)) > 2000 {
			bad.WithField("record", "文件最多 50 个、人员最多 10 人、说明最多 2000 字 / too many files, officers or characters")
		}
		for _, f := range b.Record.Files {
			bad.CheckText(false, "record.files", f)
		}
		r := *b.Record
		r.ID, r.At = "", time.Time{} // the platform numbers and times records
		b.Record = &r
	}
	if b.Penalty != nil && (b.Penalty.Fine < 0 || b.Penalty.Fine > 1e9 || b.Penalty.Confiscated < 0 || b.Penalty.Confiscated > 1e10) {
		bad.WithField("penalty", "金额超出范围 / amount out of range")
	}
	if b.Amount < 0 || b.Amount > 1e10 {
		bad.WithField("amount", "金额超出范围 / amount out of range")
	}
	if b.Facts != nil && (b.Facts.Harm < enforce.HarmNone || b.Facts.Harm > enforce.HarmSerious) {
		bad.WithField("facts.harm", "0 无危害、1 轻微、2 一般、3 严重 / 0 none, 1 slight, 2 general, 3 serious")
	}
	if len(bad.Fields) > 0 {
		return enforce.Command{}, bad
	}
	return enforce.Command{Action: b.Action, Note: strings.TrimSpace(b.Note), Officers: b.Officers, Record: b.Record,
		Violation: b.Violation, Facts: b.Facts, Penalty: b.Penalty, Reason: b.Reason, Complex: b.Complex, Passed: b.Passed,
		Qualification: b.Qualification, HearingAt: b.HearingAt, Chair: b.Chair, Waived: b.Waived, Method: b.Method,
		Amount: b.Amount, Days: b.Days, Exemption: b.Exemption, Number: b.Number}, nil
}

func (s *Server) handlePenaltyAction(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostEnforcer, enforce.PostLegalReviewer, org.PostLeader, org.PostSystem)
	if err != nil {
		return err
	}
	var b penaltyActionBody
	if err := httpkit.DecodeJSON(w, r, &b, s.maxBody()); err != nil {
		return err
	}
	cmd, err := b.Command()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if b.Version != nil {
		cur, _, err := s.Enforcement.FindCase(r.Context(), actor, id)
		if err != nil {
			return err
		}
		if cur.Version != *b.Version {
			return errs.Conflict("执法案件 %s 当前版本为 %d，不是 %d：已被他人更新，请刷新 / case %s is at version %d, not %d; reload",
				cur.Code, cur.Version, *b.Version, cur.Code, cur.Version, *b.Version).With("allowed_actions", s.Enforcement.Allowed(cur, actor))
		}
	}
	out, err := s.Enforcement.Act(r.Context(), actor, id, cmd)
	if err != nil {
		return err
	}
	c := out.Case
	for _, ev := range out.Events {
		_ = s.audit(r, ev.Actor, "enforce."+string(ev.Action), "enforce_case/"+c.ID,
			map[string]any{"code": c.Code, "from": ev.From, "to": ev.To, "post": ev.Post, "loop": out.Loop})
	}
	v, err := s.penaltyView(r, actor, c.ID, nil)
	if err != nil {
		return err
	}
	v.Loop, v.Number = out.Loop, out.Number
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

// evaluateBody is POST /api/v1/enforcement/evaluate.
type evaluateBody struct {
	Violation string        `json:"violation"`
	Facts     enforce.Facts `json:"facts"`
}

func (s *Server) handlePenaltyEvaluate(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, enforcePosts...); err != nil {
		return err
	}
	var b evaluateBody
	if err := httpkit.DecodeJSON(w, r, &b, s.maxBody()); err != nil {
		return err
	}
	if b.Violation == "" {
		return errs.Invalid("需要违法行为 violation，见 GET /api/v1/enforcement/rulebook / the violation is required").WithField("violation", "required")
	}
	out, err := s.Enforcement.Evaluate(b.Violation, b.Facts)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handlePenaltyRulebook(w http.ResponseWriter, r *http.Request) error {
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return httpkit.WriteJSON(w, http.StatusOK, rb)
}

func (s *Server) handlePenaltyFigures(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforcePosts...)
	if err != nil {
		return err
	}
	from, to, err := s.period(r)
	if err != nil {
		return err
	}
	fig, n, err := s.Enforcement.Figures(r.Context(), actor, from, to)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "decisions": n, "figures": fig})
}

// period reads from and to (RFC 3339 or a date): by default the last
// twelve months up to and including now (times are stored to the
// microsecond, and the period is half-open).
func (s *Server) period(r *http.Request) (time.Time, time.Time, error) {
	q := r.URL.Query()
	to := s.Now().Add(time.Microsecond)
	from := to.AddDate(-1, 0, 0)
	bad := errs.Invalid("统计区间不对 / the period is not valid")
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, s.calLocation())
			if err != nil {
				bad.WithField(p.key, "RFC 3339 或日期 2026-01-02 / RFC 3339 or a date")
			} else {
				*p.dst = t
			}
		}
	}
	if !from.Before(to) {
		bad.WithField("from", "须早于 to / must be before to")
	}
	if len(bad.Fields) > 0 {
		return time.Time{}, time.Time{}, bad
	}
	return from, to, nil
}

// handlePenaltyConsistency is the 同案不同罚 report: per violation, level
// and kind of party, the spread of the fines decided across districts and
// officers, with the outliers.
func (s *Server) handlePenaltyConsistency(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, enforce.PostLegalReviewer, org.PostLeader, org.PostAdmin)
	if err != nil {
		return err
	}
	if err := unknownParams(r.URL.Query(), map[string]bool{"from": true, "to": true, "violation": true}); err != nil {
		return err
	}
	from, to, err := s.period(r)
	if err != nil {
		return err
	}
	v := strings.TrimSpace(r.URL.Query().Get("violation"))
	if v != "" {
		rb, err := s.Enforcement.Rulebook(s.Now())
		if err != nil {
			return err
		}
		if _, ok := rb.Item(v); !ok {
			return errs.Invalid("裁量基准中没有违法行为 %q，见 GET /api/v1/enforcement/rulebook / no rulebook item %q", v, v).WithField("violation", "unknown")
		}
	}
	rep, err := s.Enforcement.Consistency(r.Context(), actor, from, to, v)
	if err != nil {
		return err
	}
	if rep.Groups == nil {
		rep.Groups = []enforce.Group{}
	}
	return httpkit.WriteJSON(w, http.StatusOK, rep)
}

func (s *Server) calLocation() *time.Location {
	if s.Cal != nil {
		return s.Cal.Location()
	}
	return time.UTC
}

// ParseDisclosureQuery reads the public search's query string. It is the
// one parser of outside input of the public route, hence exported for its
// fuzz test.
func ParseDisclosureQuery(q url.Values, loc *time.Location) (enforce.DisclosureQuery, error) {
	d := enforce.DisclosureQuery{}
	bad := errs.Invalid("查询参数不对 / the query is not valid")
	for k := range q {
		switch k {
		case "q", "district", "from", "to", "limit", "offset", "lang":
		default:
			bad.WithField(k, "未知参数；可用 q, district, from, to, limit, offset / unknown parameter")
		}
	}
	d.Q, d.District = strings.TrimSpace(q.Get("q")), strings.TrimSpace(q.Get("district"))
	if len([]rune(d.Q)) > 100 {
		bad.WithField("q", "最多 100 个字符 / at most 100 characters")
	}
	bad.CheckText(false, "q", d.Q, "district", d.District)
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"from", &d.From}, {"to", &d.To}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, loc)
			if err != nil {
				bad.WithField(p.key, "RFC 3339 或日期 2026-01-02 / RFC 3339 or a date")
			} else {
				*p.dst = &t
			}
		}
	}
	d.Limit, d.Offset = pageParams(q, bad, 20, 200)
	if len(bad.Fields) > 0 {
		return d, bad
	}
	return d, nil
}

// handlePenaltyDisclosures is the public search of published decisions
// (行政处罚决定公开): no sign-in, no personal data (the store publishes the
// party masked through package disclose).
func (s *Server) handlePenaltyDisclosures(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseDisclosureQuery(r.URL.Query(), s.calLocation())
	if err != nil {
		return err
	}
	items, total, err := s.Enforcement.Disclosures(r.Context(), q)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "limit": q.Limit, "offset": q.Offset})
}
