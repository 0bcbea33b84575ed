package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/worktime"
)

// Enforcement is what the enforcement pages (执法案件, the field app's
// on-the-spot procedure, the public disclosure page) need of mobile
// enforcement; *enforce.Service implements it. Jurisdiction, the
// procedure's rules and the clocks stay in package enforce: the pages
// decode forms, audit, mask and render.
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
	Disclosures(ctx context.Context, q enforce.DisclosureQuery) ([]enforce.Disclosure, int, error)
	Consistency(ctx context.Context, actor org.Actor, from, to time.Time, violation string) (enforce.ConsistencyReport, error)
}

// enforcePosts see the enforcement pages; enforce.ScopeFor narrows each to
// its jurisdiction (an enforcer his district or brigade).
var enforcePosts = []org.Post{org.PostEnforcer, enforce.PostLegalReviewer, org.PostLeader, org.PostAdmin}

func holdsEnforcePost(a org.Actor) bool {
	for _, p := range enforcePosts {
		if _, ok := a.Grant(p); ok {
			return true
		}
	}
	return false
}

// EnforceNav reports whether the console navigation links the enforcement
// queue: the pages are mounted and the actor holds an enforcement post.
func (v *view) EnforceNav() bool { return v.enforce && v.Actor != nil && holdsEnforcePost(*v.Actor) }

// EnforceField reports whether the field app offers the on-the-spot procedure.
func (v *view) EnforceField() bool { return v.enforce && v.Has(string(org.PostEnforcer)) }

// DisclosureNav reports whether the citizen portal links the published decisions.
func (v *view) DisclosureNav() bool { return v.enforce }

func (s *Server) enforcementRoutes(mux *http.ServeMux) {
	if s.Enforcement == nil {
		return
	}
	p := s.page
	mux.Handle("GET /console/enforcement", p(s.handleEnforceQueue))
	mux.Handle("GET /console/enforcement/consistency", p(s.handleEnforceConsistency))
	mux.Handle("GET /console/enforcement/cases/{id}", p(s.handleEnforceCase))
	mux.Handle("POST /console/enforcement/cases/{id}/act", p(s.handleEnforceAct))
	mux.Handle("POST /console/enforcement/cases/{id}/party", p(s.handleEnforceParty))
	mux.Handle("GET /field/enforcement", p(s.handleFieldEnforce))
	mux.Handle("POST /field/enforcement", p(s.handleFieldEnforceOpen))
	mux.Handle("GET /field/enforcement/cases/{id}", p(s.handleFieldEnforceCase))
	mux.Handle("GET /field/enforcement/cases/{id}/evidence", p(s.handleFieldEvidence))
	mux.Handle("GET /citizen/enforcement", p(s.handleDisclosurePage))
}

// requireEnforcePost is the signed-in actor when he holds an enforcement
// post; anyone else gets a 403 that says which posts open the page.
func requireEnforcePost(r *http.Request) (*session, error) {
	sess, err := requireActor(r)
	if err != nil {
		return nil, err
	}
	if !holdsEnforcePost(sess.actor) {
		return nil, errs.Forbidden("执法案件需要执法队员、法制审核员或领导岗位 / penalty cases need an enforcement officer, legal reviewer or leader post")
	}
	return sess, nil
}

// --- the queue (执法案件) ---

// enfView is one tab of the queue: which cases it lists. A tab with want
// lists the cases on which the actor may act now (the procedure decides
// that, not the page), checked over the most recently changed running
// cases; a tab without want is a plain, paged store query.
type enfView struct {
	Key   string
	Title [2]string
	// officer limits the store query to the actor's own cases (承办).
	officer bool
	// running limits the query to cases not yet ended.
	running bool
	want    func(c *enforce.Case, allowed []enforce.Action) bool
}

// runningStatuses are the statuses of a case still moving.
var runningStatuses = []enforce.Status{enforce.StatusLead, enforce.StatusInvestigating, enforce.StatusReviewing,
	enforce.StatusLegalReview, enforce.StatusPendingNotice, enforce.StatusNotified, enforce.StatusHearing,
	enforce.StatusPendingDecision, enforce.StatusDecided, enforce.StatusExecuting, enforce.StatusReferred, enforce.StatusClosed}

// allStatuses in procedural order, for the filter and the counts.
var allStatuses = []enforce.Status{enforce.StatusLead, enforce.StatusNotFiled, enforce.StatusInvestigating,
	enforce.StatusReviewing, enforce.StatusLegalReview, enforce.StatusPendingNotice, enforce.StatusNotified,
	enforce.StatusHearing, enforce.StatusPendingDecision, enforce.StatusDecided, enforce.StatusExecuting,
	enforce.StatusReferred, enforce.StatusClosed, enforce.StatusArchived}

// todoScan bounds how many running cases a "to do" tab checks.
const todoScan = 500

// viewsFor lists the tabs of each post the actor holds, the post's own
// work first: an enforcer's cases to act on and his own cases, the legal
// reviewer's 法制审核, a leader's approvals; then the whole jurisdiction.
func viewsFor(a org.Actor) []enfView {
	var vs []enfView
	if _, ok := a.Grant(org.PostEnforcer); ok {
		vs = append(vs, enfView{Key: "todo", Title: [2]string{"待我办理", "To do"}, running: true,
			want: func(c *enforce.Case, al []enforce.Action) bool {
				return len(al) > 0 && (c.Status == enforce.StatusLead || slices.ContainsFunc(c.Officers, func(o enforce.Officer) bool { return o.ID == a.ID }))
			}},
			enfView{Key: "mine", Title: [2]string{"我承办的案件", "My cases"}, officer: true})
	}
	if _, ok := a.Grant(enforce.PostLegalReviewer); ok {
		vs = append(vs, enfView{Key: "legal", Title: [2]string{"待法制审核", "Awaiting legal review"}, running: true,
			want: func(c *enforce.Case, al []enforce.Action) bool {
				return slices.Contains(al, enforce.ActLegalReview) || slices.Contains(al, enforce.ActApprove) || slices.Contains(al, enforce.ActHoldHearing)
			}})
	}
	if _, ok := a.Grant(org.PostLeader); ok {
		vs = append(vs, enfView{Key: "approvals", Title: [2]string{"待我审批", "Approvals awaiting me"}, running: true,
			want: func(c *enforce.Case, al []enforce.Action) bool {
				return slices.Contains(al, enforce.ActApprove) || slices.Contains(al, enforce.ActReview) ||
					slices.Contains(al, enforce.ActScheduleHearing) || slices.Contains(al, enforce.ActHoldHearing)
			}})
	}
	return append(vs, enfView{Key: "all", Title: [2]string{"辖区全部案件", "All cases in my jurisdiction"}})
}

type enfClock struct {
	Name, Article, LightName, Warning string
	Light                             worktime.Light
	Start, Due                        time.Time
}

type enfRow struct {
	ID, Code, Status, Procedure, Violation, Party, District string
	Light                                                   worktime.Light
	LightName                                               string
	Clocks                                                  []enfClock
	Next                                                    []string
	Updated                                                 time.Time
}

type enfTab struct {
	Key, Title, URL string
	Active          bool
}

type enfCount struct {
	Name, URL string
	Count     int
	Active    bool
}

type enfQueuePage struct {
	Tabs                                  []enfTab
	View                                  string
	ViewTitle                             string
	Status, Procedure, Light              string
	StatusOptions, ProcOptions, LightOpts []option
	Counts                                []enfCount
	Rows                                  []enfRow
	Total, From, To                       int
	PrevURL, NextURL                      string
	Scanned                               bool // a "to do" tab: the most recent todoScan running cases were checked
	Field                                 bool // the actor may open cases in the field app
	Consistency                           bool // the actor may read the 同案不同罚 report
}

const enfPage = 20

// enfQuery is the queue's query string, parsed: unknown values are
// refused with a message, never ignored.
type enfQuery struct {
	View      string
	Status    enforce.Status
	Procedure enforce.Procedure
	Light     worktime.Light
	Offset    int
}

func parseEnfQuery(q url.Values) (enfQuery, error) {
	out := enfQuery{View: q.Get("view")}
	bad := errs.Invalid("筛选条件不对 / the filter is not valid")
	if v := q.Get("status"); v != "" {
		out.Status = enforce.Status(v)
		if _, ok := enforce.StatusNames[out.Status]; !ok {
			bad.WithField("status", "未知状态 / unknown status")
		}
	}
	if v := q.Get("procedure"); v != "" {
		out.Procedure = enforce.Procedure(v)
		if out.Procedure != enforce.Ordinary && out.Procedure != enforce.Summary {
			bad.WithField("procedure", "ordinary（普通程序）或 summary（简易程序）")
		}
	}
	if v := q.Get("light"); v != "" {
		out.Light = worktime.Light(v)
		if out.Light != worktime.Green && out.Light != worktime.Yellow && out.Light != worktime.Red {
			bad.WithField("light", "green, yellow 或 red")
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			bad.WithField("offset", "0 或以上的整数 / a whole number, 0 or more")
		}
		out.Offset = n
	}
	if len(bad.Fields) > 0 {
		return out, bad
	}
	return out, nil
}

func (q enfQuery) url(view string, status enforce.Status, offset int) string {
	v := url.Values{}
	v.Set("view", view)
	if status != "" {
		v.Set("status", string(status))
	}
	if q.Procedure != "" {
		v.Set("procedure", string(q.Procedure))
	}
	if q.Light != "" {
		v.Set("light", string(q.Light))
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	return "/console/enforcement?" + v.Encode()
}

func (s *Server) handleEnforceQueue(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	q, err := parseEnfQuery(r.URL.Query())
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("enf_queue")
	views := viewsFor(sess.actor)
	cur := views[0]
	for _, vw := range views {
		if vw.Key == q.View {
			cur = vw
		}
	}
	q.View = cur.Key
	p := &enfQueuePage{View: cur.Key, ViewTitle: v.L.pick(cur.Title), Status: string(q.Status), Procedure: string(q.Procedure),
		Light: string(q.Light), Field: v.EnforceField(), Consistency: mayReadConsistency(sess.actor)}
	for _, vw := range views {
		p.Tabs = append(p.Tabs, enfTab{Key: vw.Key, Title: v.L.pick(vw.Title), URL: q.url(vw.Key, "", 0), Active: vw.Key == cur.Key})
	}
	p.StatusOptions = []option{{Value: "", Label: v.L.T("all")}}
	for _, st := range allStatuses {
		p.StatusOptions = append(p.StatusOptions, option{Value: string(st), Label: v.L.pick(enforce.StatusNames[st]), Selected: st == q.Status})
	}
	p.ProcOptions = []option{{Value: "", Label: v.L.T("all")},
		{Value: string(enforce.Ordinary), Label: v.L.T("enf_ordinary"), Selected: q.Procedure == enforce.Ordinary},
		{Value: string(enforce.Summary), Label: v.L.T("enf_summary"), Selected: q.Procedure == enforce.Summary}}
	p.LightOpts = []option{{Value: "", Label: v.L.T("all")}}
	for _, lt := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
		p.LightOpts = append(p.LightOpts, option{Value: string(lt), Label: v.L.T(string(lt)), Selected: lt == q.Light})
	}
	if err := s.loadEnfRows(r.Context(), v.L, sess.actor, cur, q, p); err != nil {
		return err
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "enforcement", v)
	return nil
}

func (s *Server) loadEnfRows(ctx context.Context, l lang, a org.Actor, vw enfView, q enfQuery, p *enfQueuePage) error {
	f := enforce.Filter{Procedure: q.Procedure}
	if vw.officer {
		f.Officer = a.ID
	}
	var page []*enforce.Case
	counts := map[enforce.Status]int{}
	if vw.want != nil {
		// The procedure, not a column, says who acts next: check the
		// running cases and keep those the actor may act on now.
		f.Statuses, f.Limit = runningStatuses, todoScan
		cases, _, err := s.Enforcement.FindCases(ctx, a, f)
		if err != nil {
			return err
		}
		p.Scanned = true
		var keep []*enforce.Case
		for _, c := range cases {
			if !vw.want(c, s.Enforcement.Allowed(c, a)) {
				continue
			}
			if q.Light != "" && enforce.WorstLight(s.Enforcement.Clocks(c)) != q.Light {
				continue
			}
			counts[c.Status]++
			if q.Status == "" || c.Status == q.Status {
				keep = append(keep, c)
			}
		}
		p.Total = len(keep)
		page = keep[min(q.Offset, len(keep)):min(q.Offset+enfPage, len(keep))]
	} else {
		f.Light = q.Light
		if q.Status != "" {
			f.Statuses = []enforce.Status{q.Status}
		}
		f.Limit, f.Offset = enfPage, q.Offset
		cases, total, err := s.Enforcement.FindCases(ctx, a, f)
		if err != nil {
			return err
		}
		page, p.Total = cases, total
		// The counts by status of this tab (without the status filter).
		for _, st := range allStatuses {
			cf := f
			cf.Statuses, cf.Limit, cf.Offset = []enforce.Status{st}, 1, 0
			_, n, err := s.Enforcement.FindCases(ctx, a, cf)
			if err != nil {
				return err
			}
			counts[st] = n
		}
	}
	p.Counts = append(p.Counts, enfCount{Name: l.T("all"), URL: q.url(vw.Key, "", 0), Active: q.Status == ""})
	for _, st := range allStatuses {
		if n := counts[st]; n > 0 || st == q.Status {
			p.Counts = append(p.Counts, enfCount{Name: l.pick(enforce.StatusNames[st]), Count: n, URL: q.url(vw.Key, st, 0), Active: st == q.Status})
		}
	}
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	for _, c := range page {
		p.Rows = append(p.Rows, s.enfRowOf(l, a, rb, c))
	}
	if len(page) > 0 {
		p.From, p.To = q.Offset+1, q.Offset+len(page)
	}
	if q.Offset > 0 {
		p.PrevURL = q.url(vw.Key, q.Status, max(0, q.Offset-enfPage))
	}
	if q.Offset+len(page) < p.Total {
		p.NextURL = q.url(vw.Key, q.Status, q.Offset+enfPage)
	}
	return nil
}

func (s *Server) enfRowOf(l lang, a org.Actor, rb *enforce.Rulebook, c *enforce.Case) enfRow {
	clocks := s.Enforcement.Clocks(c)
	lt := enforce.WorstLight(clocks)
	if len(clocks) == 0 {
		lt = ""
	}
	row := enfRow{ID: c.ID, Code: c.Code, Status: l.pick(enforce.StatusNames[c.Status]), Procedure: procName(l, c.Procedure),
		Violation: violationName(l, rb, c.Violation), Party: maskedParty(c.Party), District: s.regionName(c.District),
		Light: lt, LightName: lightName(l, lt), Clocks: clockRows(l, clocks), Updated: c.UpdatedAt}
	for _, act := range s.Enforcement.Allowed(c, a) {
		row.Next = append(row.Next, l.pick(enforce.ActionNames[act]))
	}
	return row
}

func clockRows(l lang, clocks []enforce.ClockView) []enfClock {
	out := make([]enfClock, 0, len(clocks))
	for _, v := range clocks {
		out = append(out, enfClock{Name: l.pick([2]string{v.Term.Name.Zh, v.Term.Name.En}), Article: v.Term.Article, Light: v.Light,
			LightName: lightName(l, v.Light), Warning: v.Warning, Start: v.Start, Due: v.Due})
	}
	return out
}

func procName(l lang, p enforce.Procedure) string {
	if p == enforce.Summary {
		return l.T("enf_summary")
	}
	return l.T("enf_ordinary")
}

func violationName(l lang, rb *enforce.Rulebook, id string) string {
	if id == "" {
		return "—"
	}
	if it, ok := rb.Item(id); ok {
		return id + " " + l.pick([2]string{it.Name.Zh, it.Name.En})
	}
	return id
}

// maskedParty is the party as lists and the case page show it before the
// officer asks to see it: a person's given name masked, as the API's
// lists; an organisation's registered name is public.
func maskedParty(p enforce.Party) string {
	if p.Kind == enforce.Organisation {
		return p.Name
	}
	return pii.MaskName(p.Name)
}

func (s *Server) regionName(code string) string {
	if reg, ok := s.World.Atlas().Region(code); ok {
		return reg.Name
	}
	return code
}

// landsOnEnforcement reports whether the workbench sends the actor on to
// the enforcement queue: an enforcer or legal reviewer with no queue of
// the loop. Field posts of the loop land on their workbench queues too,
// and the field app is one link away.
func (s *Server) landsOnEnforcement(a org.Actor) bool {
	if s.Enforcement == nil || len(queuesFor(a)) > 0 {
		return false
	}
	_, enf := a.Grant(org.PostEnforcer)
	_, legal := a.Grant(enforce.PostLegalReviewer)
	return enf || legal
}
