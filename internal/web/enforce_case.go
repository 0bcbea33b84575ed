package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/document"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// enfAction is one action the signed-in post may take now, with the
// fieldsets its command reads.
type enfAction struct {
	Action, Name                    string
	Officers, Violation, Facts      bool
	Penalty, Reason, Number, Record bool
	Complex, Passed, Qualification  bool
	Hearing, Waived, Method, Amount bool
	Days, Exemption, NoteNeed       bool
	Receipt                         bool // 送达回证: the evidence id of the proof of service
}

// noteNeeded are the actions package enforce refuses without a note.
var enfNoteNeeded = []enforce.Action{enforce.ActRefuseFiling, enforce.ActSendBack, enforce.ActStatement,
	enforce.ActHoldHearing, enforce.ActRefer, enforce.ActExtend}

func enfFormFor(l lang, a enforce.Action) enfAction {
	f := enfAction{Action: string(a), Name: l.pick(enforce.ActionNames[a]), NoteNeed: slices.Contains(enfNoteNeeded, a)}
	switch a {
	case enforce.ActProposeFiling:
		f.Officers, f.Violation = true, true
	case enforce.ActRecord:
		f.Record = true
	case enforce.ActConclude:
		f.Violation, f.Facts, f.Penalty, f.Reason = true, true, true, true
	case enforce.ActReview:
		f.Complex, f.Passed = true, true
	case enforce.ActLegalReview:
		f.Passed, f.Qualification = true, true
	case enforce.ActScheduleHearing:
		f.Hearing = true
	case enforce.ActEndStatement:
		f.Waived = true
	case enforce.ActProposeDecision:
		f.Penalty, f.Reason, f.Number = true, true, true
	case enforce.ActServe:
		f.Method, f.Receipt = true, true
	case enforce.ActPay:
		f.Amount = true
	case enforce.ActExtend:
		f.Days = true
	case enforce.ActSummary:
		f.Officers, f.Violation, f.Facts, f.Penalty, f.Number, f.Record = true, true, true, true, true, true
	case enforce.ActExempt:
		f.Officers, f.Violation, f.Facts, f.Exemption, f.Number, f.Record = true, true, true, true, true, true
	}
	return f
}

type enfEvent struct {
	At                      time.Time
	Action, Post, Who, Note string
	From, To                string
	Warn                    bool
}

type enfDoc struct{ Name, URL string }

// enfRecord is one record of the full-process record (全过程记录).
type enfRecord struct {
	At                   time.Time
	Kind, Officers, Note string
	Files                []string
}

// enfService is how the decision was served and its proof (送达回证): the
// evidence ids of the receipt in the vault, none for a summary decision
// handed over on the spot or a service recorded before receipts were kept.
type enfService struct {
	Method string
	At     time.Time
	Files  []string
}

// EvalQ is a value the evaluation form was sent with, to show it again.
func (p *enfCasePage) EvalQ(k string) string { return p.eval.Get(k) }

type enfOutcome struct {
	Violation, Level, Kinds, Amount, Statutory, Prohibition, Penalty, Rulebook, Exempt string
}

type enfPartyView struct {
	Kind, Masked string
	Shown        bool
	Detail       enforce.PartyDetail
}

type enfCasePage struct {
	C                                        *enforce.Case
	Status, Procedure, District, Violation   string
	Light                                    worktime.Light
	LightName                                string
	Party                                    enfPartyView
	Clocks                                   []enfClock
	Missing                                  []string
	Pending                                  string
	Proposal, Decision                       string
	Timeline                                 []enfEvent
	Actions                                  []enfAction
	Outcome                                  *enfOutcome
	EvalViolation                            string
	Docs                                     []enfDoc
	DocsURL                                  string
	Violations, CoOfficers, Chairs, Kinds    []option
	Records, Methods, Educations, Exemptions []option
	Harms                                    []option
	CaseOfficers                             []enforce.Officer
	MyCert                                   string
	LoopURL                                  string
	Brigade                                  string
	RecordRows                               []enfRecord
	Service                                  *enfService
	eval                                     url.Values
	SummaryMax                               float64
}

func (s *Server) loadEnfCase(r *http.Request, l lang, a org.Actor, id string, showParty bool) (*enfCasePage, error) {
	ctx := r.Context()
	c, tl, err := s.Enforcement.FindCase(ctx, a, id)
	if err != nil {
		return nil, err
	}
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return nil, err
	}
	clocks := s.Enforcement.Clocks(c)
	lt := enforce.WorstLight(clocks)
	if len(clocks) == 0 {
		lt = ""
	}
	p := &enfCasePage{C: c, Status: l.pick(enforce.StatusNames[c.Status]), Procedure: procName(l, c.Procedure),
		District: s.regionName(c.District), Violation: violationName(l, rb, c.Violation), Light: lt, LightName: lightName(l, lt),
		Clocks: clockRows(l, clocks), CaseOfficers: c.Officers, DocsURL: "/api/v1/enforcement/cases/" + c.ID + "/documents",
		Party: enfPartyView{Kind: partyKindName(l, c.Party.Kind), Masked: maskedParty(c.Party)}}
	if c.Source != "" {
		p.LoopURL = "/console/cases/" + c.Source
	}
	if c.Brigade != "" {
		p.Brigade = s.deptName(l, c.Brigade)
	}
	names := map[string]string{}
	for _, o := range c.Officers {
		names[o.ID] = o.Name
	}
	for _, rec := range c.Records {
		var who []string
		for _, id := range rec.Officers {
			who = append(who, orDash(names[id]))
		}
		kind := string(rec.Kind)
		if n, ok := recordNames[rec.Kind]; ok {
			kind = l.pick(n)
		}
		p.RecordRows = append(p.RecordRows, enfRecord{At: rec.At, Kind: kind, Officers: orDash(strings.Join(who, "、")), Note: rec.Note, Files: rec.Files})
		if rec.Kind == enforce.RecService && c.ServedAt != nil {
			p.Service = &enfService{Method: l.pick(serviceNames[enforce.ServiceMethod(c.ServedBy)]), At: *c.ServedAt, Files: rec.Files}
		}
	}
	p.SummaryMax = enforce.SummaryMaxPerson
	if c.Party.Kind == enforce.Organisation {
		p.SummaryMax = enforce.SummaryMaxOrganisation
	}
	if showParty {
		// The page shows the sealed details: on the audit trail first, as
		// the API records it (fail closed).
		_, det, err := s.Enforcement.Party(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if err := s.audit(r, a.ID, "pii.read", "enforce_case/"+c.ID, map[string]any{"code": c.Code, "via": "web",
			"fields": []string{"party.name", "party.id_number", "party.uscc", "party.representative", "party.phone", "party.address"}}); err != nil {
			return nil, fmt.Errorf("audit the read of the party of %s: %w", c.Code, err)
		}
		p.Party.Shown, p.Party.Detail = true, det
	}
	miss, err := s.Enforcement.Missing(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, m := range miss {
		p.Missing = append(p.Missing, m.Why)
	}
	if c.Pending != nil {
		var signed []string
		for _, sg := range c.Pending.Signed {
			signed = append(signed, sg.Name+"（"+l.pick(org.PostNames[sg.Post])+"）")
		}
		p.Pending = approvalName(l, c.Pending.Kind) + " · " + l.T("enf_signed") + "：" + orDash(strings.Join(signed, "、"))
	}
	if pr := c.Proposal; pr != nil {
		p.Proposal = fmt.Sprintf("%s · %s：%s", l.pick([2]string{enforce.LevelNames[pr.Benchmark.Level].Zh, enforce.LevelNames[pr.Benchmark.Level].En}),
			l.T("enf_penalty"), penaltyText(l, pr.Penalty))
		if pr.Outside {
			p.Proposal += " · " + l.T("enf_outside") + "：" + pr.Reason
		}
		if len(pr.Major) > 0 {
			p.Proposal += " · " + l.T("enf_major") + "：" + strings.Join(pr.Major, "；")
		}
	}
	if d := c.Decision; d != nil {
		p.Decision = orDash(d.Number) + " · " + penaltyText(l, d.Penalty)
		if d.Exemption != nil {
			p.Decision += " · " + l.pick(enforce.ExemptionNames[d.Exemption.Kind])
		}
	}
	for _, e := range tl {
		ev := enfEvent{At: e.At, Action: l.pick(enforce.ActionNames[e.Action]), Post: l.pick(org.PostNames[e.Post]), Who: e.Name,
			Note: e.Note, To: l.pick(enforce.StatusNames[e.To]), Warn: e.Action == enforce.ActClockWarning}
		if e.From != "" {
			ev.From = l.pick(enforce.StatusNames[e.From])
		}
		p.Timeline = append(p.Timeline, ev)
	}
	for _, e := range document.ForStatus(c.Status, c.Procedure == enforce.Summary) {
		p.Docs = append(p.Docs, enfDoc{Name: l.pick([2]string{e.Zh, e.En}), URL: p.DocsURL + "/" + string(e.Code)})
	}
	for _, act := range s.Enforcement.Allowed(c, a) {
		p.Actions = append(p.Actions, enfFormFor(l, act))
	}
	// The rulebook evaluation: the facts on the query (the evaluate form),
	// else the benchmark the proposal recorded.
	q := r.URL.Query()
	p.eval = q
	p.EvalViolation = c.Violation
	if q.Get("eval") != "" {
		bad := errs.Invalid("情节不对 / the facts are not valid")
		q.Set("party_kind", string(c.Party.Kind))
		f := parseFacts(q, bad)
		if v := strings.TrimSpace(q.Get("violation")); v != "" {
			p.EvalViolation = v
		}
		if len(bad.Fields) > 0 {
			return nil, bad
		}
		out, err := s.Enforcement.Evaluate(p.EvalViolation, *f)
		if err != nil {
			return nil, err
		}
		p.Outcome = outcomeView(l, out)
	} else if c.Proposal != nil && c.Proposal.Benchmark.Violation != "" {
		p.Outcome = outcomeView(l, c.Proposal.Benchmark)
	}
	s.enfOptions(r, l, a, c, rb, p)
	return p, nil
}

func (s *Server) enfOptions(r *http.Request, l lang, a org.Actor, c *enforce.Case, rb *enforce.Rulebook, p *enfCasePage) {
	for _, it := range rb.Items {
		p.Violations = append(p.Violations, option{Value: it.ID, Label: it.ID + " " + l.pick([2]string{it.Name.Zh, it.Name.En}), Selected: it.ID == p.EvalViolation})
	}
	for _, k := range []enforce.Kind{enforce.KindWarning, enforce.KindFine, enforce.KindConfiscateIncome, enforce.KindConfiscateProperty,
		enforce.KindSuspendBusiness, enforce.KindRevokeLicence, enforce.KindClosure, enforce.KindDemolish, enforce.KindOrderCorrect} {
		p.Kinds = append(p.Kinds, option{Value: string(k), Label: l.pick([2]string{enforce.KindNames[k].Zh, enforce.KindNames[k].En})})
	}
	for _, k := range []enforce.RecordKind{enforce.RecInspection, enforce.RecInquiry, enforce.RecAudioVideo, enforce.RecPhoto,
		enforce.RecPreservation, enforce.RecPreserveDone, enforce.RecDiscussion} {
		p.Records = append(p.Records, option{Value: string(k), Label: l.pick(recordNames[k])})
	}
	for _, m := range []enforce.ServiceMethod{enforce.ServeDirect, enforce.ServePost, enforce.ServeLeft, enforce.ServeElectronic, enforce.ServePublic} {
		p.Methods = append(p.Methods, option{Value: string(m), Label: l.pick(serviceNames[m])})
	}
	for _, e := range []enforce.Education{enforce.EduPersuasion, enforce.EduDemonstration, enforce.EduWarningTalk, enforce.EduInterview} {
		p.Educations = append(p.Educations, option{Value: string(e), Label: l.pick(enforce.EducationNames[e])})
	}
	for _, e := range []enforce.ExemptionKind{enforce.ExemptFirst, enforce.ExemptMinor} {
		p.Exemptions = append(p.Exemptions, option{Value: string(e), Label: l.pick(enforce.ExemptionNames[e])})
	}
	for i, h := range []string{"enf_harm0", "enf_harm1", "enf_harm2", "enf_harm3"} {
		p.Harms = append(p.Harms, option{Value: strconv.Itoa(i), Label: l.T(h)})
	}
	if len(p.Actions) == 0 {
		return
	}
	// The second officer and the hearing chair are picked among the
	// accounts; a failed read leaves the lists empty and the form says so.
	accs, err := s.Accounts.FindAccounts(r.Context())
	if err != nil {
		s.Log.Warn("enforcement page: list accounts", "err", err)
		return
	}
	for _, acc := range accs {
		if acc.Disabled || acc.ID == a.ID {
			continue
		}
		act := org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}
		if _, ok := act.Grant(org.PostEnforcer); ok {
			p.CoOfficers = append(p.CoOfficers, option{Value: acc.ID, Label: acc.Name + " (" + acc.Username + ")"})
		}
		_, lr := act.Grant(enforce.PostLegalReviewer)
		_, ld := act.Grant(org.PostLeader)
		if (lr || ld) && !slices.ContainsFunc(c.Officers, func(o enforce.Officer) bool { return o.ID == acc.ID }) {
			p.Chairs = append(p.Chairs, option{Value: acc.ID, Label: acc.Name + " (" + acc.Username + ")"})
		}
	}
	for _, o := range c.Officers {
		if o.ID == a.ID {
			p.MyCert = o.Certificate
		}
	}
}

var recordNames = map[enforce.RecordKind][2]string{
	enforce.RecInspection: {"现场检查（勘验）笔录", "Inspection record"}, enforce.RecInquiry: {"询问笔录", "Inquiry record"},
	enforce.RecAudioVideo: {"执法音视频记录", "Audio-visual record"}, enforce.RecPhoto: {"现场照片", "Photos"},
	enforce.RecPreservation: {"证据先行登记保存", "Evidence preservation"}, enforce.RecPreserveDone: {"先行登记保存处理决定", "Preservation decided"},
	enforce.RecDiscussion: {"集体讨论记录", "Collective discussion"}, enforce.RecLegalReview: {"法制审核意见", "Legal review opinion"},
	enforce.RecNotice: {"行政处罚事先告知书", "Notice of intended penalty"}, enforce.RecStatement: {"陈述申辩笔录", "Statement"},
	enforce.RecHearingNote: {"听证通知书", "Hearing notice"}, enforce.RecHearing: {"听证笔录", "Hearing record"},
	enforce.RecDecision: {"行政处罚决定书", "Decision"}, enforce.RecService: {"送达回证", "Proof of service"},
	enforce.RecPayment: {"缴款凭证", "Payment receipt"}, enforce.RecEducation: {"教育记录", "Education record"},
}

var serviceNames = map[enforce.ServiceMethod][2]string{
	enforce.ServeDirect: {"直接送达", "In person"}, enforce.ServePost: {"邮寄送达", "By post"}, enforce.ServeLeft: {"留置送达", "Left at the address"},
	enforce.ServeElectronic: {"电子送达（须当事人同意）", "Electronic (with consent)"}, enforce.ServePublic: {"公告送达", "By public notice"},
}

var approvalNames = map[enforce.ApprovalKind][2]string{
	enforce.ApproveFiling: {"立案审批", "Filing approval"}, enforce.ApproveDecision: {"行政处罚审批", "Decision approval"},
	enforce.ApproveClosing: {"结案审批", "Closing approval"}, enforce.ApproveExtend: {"延长办案期限审批", "Extension approval"},
}

func approvalName(l lang, k enforce.ApprovalKind) string {
	if n, ok := approvalNames[k]; ok {
		return l.pick(n)
	}
	return string(k)
}

func partyKindName(l lang, k enforce.PartyKind) string {
	if k == enforce.Organisation {
		return l.T("enf_org")
	}
	return l.T("enf_person")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func penaltyText(l lang, p enforce.Penalty) string {
	var parts []string
	for _, k := range p.Kinds {
		n := l.pick([2]string{enforce.KindNames[k].Zh, enforce.KindNames[k].En})
		if k == enforce.KindFine {
			n += " " + yuan(l, p.Fine)
		}
		parts = append(parts, n)
	}
	if p.Confiscated > 0 {
		parts = append(parts, l.T("enf_confiscated")+" "+yuan(l, p.Confiscated))
	}
	return orDash(strings.Join(parts, "、"))
}

func yuan(l lang, x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if l.en {
		return s + " yuan"
	}
	return s + " 元"
}

func outcomeView(l lang, o enforce.Outcome) *enfOutcome {
	var kinds []string
	for _, k := range o.Kinds {
		kinds = append(kinds, l.pick([2]string{enforce.KindNames[k].Zh, enforce.KindNames[k].En}))
	}
	var ex []string
	for _, e := range o.Exempt {
		ex = append(ex, l.pick(enforce.ExemptionNames[e]))
	}
	return &enfOutcome{Violation: o.Violation + " " + l.pick([2]string{o.Name.Zh, o.Name.En}),
		Level: l.pick([2]string{enforce.LevelNames[o.Level].Zh, enforce.LevelNames[o.Level].En}), Kinds: orDash(strings.Join(kinds, "、")),
		Amount: yuan(l, o.Amount.Min) + " – " + yuan(l, o.Amount.Max), Statutory: yuan(l, o.Statutory.Min) + " – " + yuan(l, o.Statutory.Max),
		Prohibition: strings.TrimSpace(o.Prohibition.Law + o.Prohibition.Article), Penalty: strings.TrimSpace(o.Penalty.Law + o.Penalty.Article),
		Rulebook: o.Rulebook, Exempt: orDash(strings.Join(ex, "、"))}
}

func (s *Server) handleEnforceCase(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	p, err := s.loadEnfCase(r, v.L, sess.actor, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	v.Title, v.Data = p.C.Code, p
	if d := r.URL.Query().Get("done"); d != "" {
		v.Flash = v.L.T("done") + "：" + v.L.pick(enforce.ActionNames[enforce.Action(d)])
	}
	s.render(w, r, http.StatusOK, "enfcase", v)
	return nil
}

// handleEnforceParty shows the case page with the party's sealed details:
// a POST (with the CSRF token) so that no link, prefetch or crawler opens
// personal data, and audited before it is shown.
func (s *Server) handleEnforceParty(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	p, err := s.loadEnfCase(r, v.L, sess.actor, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	v.Title, v.Data = p.C.Code, p
	s.render(w, r, http.StatusOK, "enfcase", v)
	return nil
}

// officersOf builds the two officers of a filing or an on-the-spot act:
// the signed-in enforcer and the colleague he picked, each with the
// certificate number the form gives (第四十二条). The colleague must be an
// enforcement officer's account.
func (s *Server) officersOf(r *http.Request, a org.Actor, ef enforceForm) ([]enforce.Officer, error) {
	os := []enforce.Officer{{ID: a.ID, Name: a.Name, Certificate: ef.Cert}}
	if ef.Officer2 == "" {
		return os, nil // the domain answers "at least two officers"
	}
	acc, err := s.Accounts.FindAccountByID(r.Context(), ef.Officer2)
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.Invalid("第二名执法人员不存在 / the second officer does not exist").WithField("officer2", "unknown")
	}
	if err != nil {
		return nil, fmt.Errorf("find the second officer: %w", err)
	}
	if _, ok := (org.Actor{ID: acc.ID, Grants: acc.Grants}).Grant(org.PostEnforcer); !ok || acc.Disabled {
		return nil, errs.Invalid("%s 不是执法队员 / %s is not an enforcement officer", acc.Name, acc.Name).WithField("officer2", "not an enforcer")
	}
	return append(os, enforce.Officer{ID: acc.ID, Name: acc.Name, Certificate: ef.Cert2}), nil
}

// commandOf reads an enforcement form into the command, with the officers
// resolved and the uploaded photos read for [Server.depositPhotos], which
// keeps them in the evidence vault once the case is known.
func (s *Server) commandOf(r *http.Request, a org.Actor) (enforceForm, error) {
	ef, err := parseEnforceForm(r.Form, s.Cal.Location())
	if err != nil {
		return ef, err
	}
	switch ef.Cmd.Action {
	case enforce.ActProposeFiling, enforce.ActSummary, enforce.ActExempt:
		if ef.Cmd.Officers, err = s.officersOf(r, a, ef); err != nil {
			return ef, err
		}
	}
	if ef.photos, err = s.readPhotos(r, "photos"); err != nil {
		return ef, err
	}
	if len(ef.photos) > 0 && ef.Cmd.Record == nil {
		ef.Cmd.Record = &enforce.Record{Kind: enforce.RecPhoto}
	}
	if ef.Cmd.Record != nil && len(ef.Cmd.Record.Officers) == 0 && (ef.Cmd.Action == enforce.ActSummary || ef.Cmd.Action == enforce.ActExempt) {
		for _, o := range ef.Cmd.Officers {
			ef.Cmd.Record.Officers = append(ef.Cmd.Record.Officers, o.ID)
		}
	}
	return ef, nil
}

// actionsText names actions in the page's language, for a 409's message.
func actionsText(l lang, as []enforce.Action) string {
	var names []string
	for _, a := range as {
		names = append(names, l.pick(enforce.ActionNames[a]))
	}
	if len(names) == 0 {
		return l.T("enf_none")
	}
	return strings.Join(names, "、")
}

// enfErrorText is the message of a refused action: the domain's words,
// the fields at fault, and for a 409 the actions the post may take now.
func enfErrorText(l lang, e *errs.Error) string {
	msg := errorText(e)
	if e.Kind == errs.KindConflict {
		if as, ok := e.Details["allowed_actions"].([]enforce.Action); ok {
			msg += " " + l.T("enf_allowed_now") + "：" + actionsText(l, as)
		}
	}
	return msg
}

func (s *Server) handleEnforceAct(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	l := s.langOf(w, r)
	ef, err := s.commandOf(r, sess.actor)
	if err == nil && ef.Version > 0 {
		cur, _, ferr := s.Enforcement.FindCase(r.Context(), sess.actor, id)
		if ferr != nil {
			return ferr
		}
		if cur.Version != ef.Version {
			err = errs.Conflict("执法案件 %s 已被他人更新，请查看最新状态 / case %s was changed by someone else; see its current state", cur.Code, cur.Code).
				With("allowed_actions", s.Enforcement.Allowed(cur, sess.actor))
		}
	}
	var out *enforce.Opened
	if err == nil {
		err = s.depositPhotos(r, &ef, id, sess.actor)
	}
	if err == nil {
		out, err = s.Enforcement.Act(r.Context(), sess.actor, id, ef.Cmd)
	}
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindNotFound || e.Kind == errs.KindUnauthenticated {
			return err
		}
		// Show the case again with the message, so the person can fix the form.
		v := s.view(w, r, "console")
		p, lerr := s.loadEnfCase(r, v.L, sess.actor, id, false)
		if lerr != nil {
			return err
		}
		v.Title, v.Data, v.Error = p.C.Code, p, enfErrorText(l, e)
		s.render(w, r, statusOf(err), "enfcase", v)
		return nil
	}
	c := out.Case
	for _, ev := range out.Events {
		_ = s.audit(r, ev.Actor, "enforce."+string(ev.Action), "enforce_case/"+c.ID,
			map[string]any{"code": c.Code, "from": ev.From, "to": ev.To, "post": ev.Post, "loop": out.Loop, "via": "web"})
	}
	next := "/console/enforcement/cases/" + c.ID + "?done=" + url.QueryEscape(string(ef.Cmd.Action))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
