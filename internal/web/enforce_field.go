package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/document"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/pii"
)

// The field app's on-the-spot procedure (现场执法): an enforcer records a
// lead (线索登记) or settles a minor case on the spot — a warning or a fine
// within 第五十一条's ceilings (简易程序), or no penalty for a first or minor
// act (首违不罚 / 轻微免罚, 第三十三条) — and shows the decision on screen.

type fieldEnfPage struct {
	Districts, Violations, CoOfficers []option
	Educations, Exemptions, Harms     []option
	Now                               string
	Mine                              []enfRow
	Lead                              string // a lead left by a refused on-the-spot act, to continue from
	Form                              url.Values
}

// Field returns a value the form posted, to fill the form again after a refusal.
func (p *fieldEnfPage) Field(k string) string { return p.Form.Get(k) }

func (s *Server) fieldEnfData(r *http.Request, l lang, a org.Actor) (*fieldEnfPage, error) {
	p := &fieldEnfPage{Now: s.Now().In(s.Cal.Location()).Format("2006-01-02T15:04"), Form: url.Values{}}
	scope := enforce.ScopeFor(a, func(code string) (string, bool, bool) {
		reg, ok := s.World.Atlas().Region(code)
		if !ok {
			return "", false, false
		}
		for reg.Level != org.LevelDistrict && reg.Level != org.LevelCity {
			if reg, ok = s.World.Atlas().Region(reg.Parent); !ok {
				return "", false, false
			}
		}
		return reg.Code, reg.Level == org.LevelCity, true
	})
	for _, reg := range s.World.Atlas().Regions(org.LevelDistrict) {
		if scope.All || slices.Contains(scope.Districts, reg.Code) || len(scope.Brigades) > 0 {
			p.Districts = append(p.Districts, option{Value: reg.Code, Label: reg.Name})
		}
	}
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return nil, err
	}
	for _, it := range rb.Items {
		p.Violations = append(p.Violations, option{Value: it.ID, Label: it.ID + " " + l.pick([2]string{it.Name.Zh, it.Name.En})})
	}
	cp := &enfCasePage{}
	s.enfOptions(r, l, a, &enforce.Case{}, rb, cp)
	p.Educations, p.Exemptions, p.Harms = cp.Educations, cp.Exemptions, cp.Harms
	if accs, err := s.Accounts.FindAccounts(r.Context()); err == nil {
		for _, acc := range accs {
			if acc.Disabled || acc.ID == a.ID {
				continue
			}
			if _, ok := (org.Actor{Grants: acc.Grants}).Grant(org.PostEnforcer); ok {
				p.CoOfficers = append(p.CoOfficers, option{Value: acc.ID, Label: acc.Name + " (" + acc.Username + ")"})
			}
		}
	} else {
		s.Log.Warn("field enforcement: list accounts", "err", err)
	}
	mine, _, err := s.Enforcement.FindCases(r.Context(), a, enforce.Filter{Officer: a.ID, Procedure: enforce.Summary, Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, c := range mine {
		p.Mine = append(p.Mine, s.enfRowOf(l, a, rb, c))
	}
	return p, nil
}

func (s *Server) handleFieldEnforce(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	if _, ok := sess.actor.Grant(org.PostEnforcer); !ok {
		return errs.Forbidden("现场执法需要执法队员岗位 / on-the-spot enforcement needs the enforcement officer post")
	}
	v := s.view(w, r, "field")
	v.Title = v.L.T("enf_field")
	p, err := s.fieldEnfData(r, v.L, sess.actor)
	if err != nil {
		return err
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "enffield", v)
	return nil
}

// openRequestOf reads the lead part of the field form.
func openRequestOf(f url.Values, loc *time.Location) (enforce.OpenRequest, error) {
	req := enforce.OpenRequest{Summary: f.Get("summary"), District: strings.TrimSpace(f.Get("district")),
		Violation: strings.TrimSpace(f.Get("violation")), LoopCase: strings.TrimSpace(f.Get("loop_case")),
		Party: enforce.PartyDetail{Kind: enforce.PartyKind(f.Get("party_kind")), Name: f.Get("party_name"), IDNumber: f.Get("id_number"),
			USCC: f.Get("uscc"), Representative: f.Get("representative"), Phone: f.Get("phone"), Address: f.Get("address"),
			EServiceConsent: f.Get("e_consent") == "on"}}
	if v := strings.TrimSpace(f.Get("occurred_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
		if err != nil {
			return req, errs.Invalid("发生时间格式为 2026-01-02T09:30 / a date and time such as 2026-01-02T09:30").WithField("occurred_at", "invalid")
		}
		t = t.UTC()
		req.OccurredAt = &t
	}
	return req, nil
}

// checkOnSpot refuses, before anything is stored, an on-the-spot penalty
// the summary procedure cannot give (第五十一条), so that the common
// mistakes leave no lead behind; the domain checks everything again.
func checkOnSpot(mode string, kind enforce.PartyKind, cmd enforce.Command) error {
	if mode != "summary" {
		return nil
	}
	if cmd.Penalty == nil || len(cmd.Penalty.Kinds) == 0 {
		return errs.Invalid("请选择警告或罚款 / choose a warning or a fine").WithField("kind", "required")
	}
	ceiling := enforce.SummaryMaxPerson
	if kind == enforce.Organisation {
		ceiling = enforce.SummaryMaxOrganisation
	}
	if cmd.Penalty.Fine > ceiling {
		return errs.Unprocessable("当场罚款上限为 %.0f 元（公民 200 元、法人或其他组织 3000 元，第五十一条），请改为登记线索走普通程序 / the on-the-spot ceiling is %.0f yuan (Art. 51); record a lead for the ordinary procedure",
			ceiling, ceiling).WithField("fine", "above the summary ceiling")
	}
	if cmd.Penalty.Has(enforce.KindFine) && cmd.Penalty.Fine <= 0 {
		return errs.Invalid("罚款金额须大于 0 / the fine must be above 0").WithField("fine", "required")
	}
	return nil
}

func (s *Server) handleFieldEnforceOpen(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	if _, ok := sess.actor.Grant(org.PostEnforcer); !ok {
		return errs.Forbidden("现场执法需要执法队员岗位 / on-the-spot enforcement needs the enforcement officer post")
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	l := s.langOf(w, r)
	mode := r.Form.Get("mode")
	lead := ""
	fail := func(err error) error {
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
			return err
		}
		v := s.view(w, r, "field")
		v.Title = v.L.T("enf_field")
		p, lerr := s.fieldEnfData(r, v.L, sess.actor)
		if lerr != nil {
			return err
		}
		p.Form, p.Lead = r.PostForm, lead
		v.Data, v.Error = p, enfErrorText(l, e)
		s.render(w, r, statusOf(err), "enffield", v)
		return nil
	}
	if mode != "lead" && mode != "summary" && mode != "exempt" {
		return fail(errs.Invalid("请选择处理方式：登记线索、当场处罚或当场不予处罚 / choose: record a lead, a summary penalty or no penalty on the spot").WithField("mode", "required"))
	}
	req, err := openRequestOf(r.PostForm, s.Cal.Location())
	if err != nil {
		return fail(err)
	}
	var ef enforceForm
	if mode != "lead" {
		form := url.Values{}
		for k, vs := range r.PostForm {
			form[k] = vs
		}
		form.Set("action", mode)
		form.Set("party_kind", string(req.Party.Kind))
		if mode == "summary" {
			form.Del("exemption")
		} else {
			form.Del("kind")
			form.Del("fine")
		}
		r.Form = form
		if ef, err = s.commandOf(r, sess.actor); err != nil {
			return fail(err)
		}
		if err := checkOnSpot(mode, req.Party.Kind, ef.Cmd); err != nil {
			return fail(err)
		}
		if ef.Cmd.Record == nil || len(ef.Cmd.Record.Files)+len(ef.photos) == 0 {
			return fail(errs.Invalid("当场处理须拍摄现场照片（第四十七条）/ an on-the-spot act needs a photo (Art. 47)").WithField("photos", "required"))
		}
	}
	opened, err := s.Enforcement.Open(r.Context(), sess.actor, req)
	if err != nil {
		return fail(err)
	}
	c := opened.Case
	_ = s.audit(r, sess.actor.ID, "enforce.open", "enforce_case/"+c.ID, map[string]any{"code": c.Code, "district": c.District, "via": "field"})
	if mode == "lead" {
		http.Redirect(w, r, "/console/enforcement/cases/"+c.ID+"?done=open", http.StatusSeeOther)
		return nil
	}
	err = s.depositPhotos(r, &ef, c.ID, sess.actor)
	var out *enforce.Opened
	if err == nil {
		out, err = s.Enforcement.Act(r.Context(), sess.actor, c.ID, ef.Cmd)
	}
	if err != nil {
		// The lead stays on record (线索登记 is a step of its own): the
		// page says so and links it, so the officer finishes it there.
		lead = "/console/enforcement/cases/" + c.ID
		return fail(err)
	}
	for _, ev := range out.Events {
		_ = s.audit(r, ev.Actor, "enforce."+string(ev.Action), "enforce_case/"+c.ID,
			map[string]any{"code": c.Code, "from": ev.From, "to": ev.To, "post": ev.Post, "via": "field"})
	}
	http.Redirect(w, r, "/field/enforcement/cases/"+c.ID, http.StatusSeeOther)
	return nil
}

type fieldDecision struct {
	C                                    *enforce.Case
	Title, Number, Party, PartyID, Kind  string
	Violation, Prohibition, PenaltyBasis string
	Penalty, Level, Range, Exemption     string
	Education, Decided, PayBy            string
	Officers                             []enforce.Officer
	DocURL                               string
	Fine                                 bool
}

// handleFieldEnforceCase shows an on-the-spot decision on the officer's
// phone, to show the party (第五十二条: the decision is handed over on the
// spot). It names the party, so the read is audited; the identity number
// is masked.
func (s *Server) handleFieldEnforceCase(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireEnforcePost(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "field")
	c, det, err := s.Enforcement.Party(r.Context(), sess.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.Decision == nil || c.Procedure != enforce.Summary {
		return errs.NotFound("案件 %s 没有当场作出的决定 / case %s has no decision made on the spot", c.Code, c.Code)
	}
	if err := s.audit(r, sess.actor.ID, "pii.read", "enforce_case/"+c.ID, map[string]any{"code": c.Code, "via": "field",
		"fields": []string{"party.name"}}); err != nil {
		return fmt.Errorf("audit the read of the party of %s: %w", c.Code, err)
	}
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	l := v.L
	d := &fieldDecision{C: c, Number: orDash(c.Decision.Number), Party: det.Name, Kind: partyKindName(l, c.Party.Kind),
		Violation: violationName(l, rb, c.Violation), Penalty: penaltyText(l, c.Decision.Penalty), Officers: c.Officers,
		Decided: v.Time(c.Decision.At), Fine: c.Decision.Penalty.Fine > 0}
	d.PartyID = pii.MaskIDNumber(det.Identity())
	if it, ok := rb.Item(c.Violation); ok {
		d.Prohibition = strings.TrimSpace(it.Prohibition.Law + it.Prohibition.Article)
		d.PenaltyBasis = strings.TrimSpace(it.Penalty.Law + it.Penalty.Article)
	}
	if pr := c.Proposal; pr != nil && pr.Benchmark.Violation != "" {
		o := outcomeView(l, pr.Benchmark)
		d.Level, d.Range = o.Level, o.Amount
	}
	d.Title = l.T("enf_decision_summary")
	if ex := c.Decision.Exemption; ex != nil {
		d.Title = l.T("enf_decision_exempt")
		d.Exemption = l.pick(enforce.ExemptionNames[ex.Kind])
		var edu []string
		for _, e := range ex.Education {
			edu = append(edu, l.pick(enforce.EducationNames[e]))
		}
		d.Education = strings.Join(edu, "、")
	}
	if d.Fine {
		// 第六十七条第三款: pay within 15 days of receiving the decision.
		d.PayBy = c.Decision.At.In(s.Cal.Location()).AddDate(0, 0, 15).Format("2006-01-02")
	}
	for _, e := range document.ForStatus(c.Status, true) {
		if e.Code == document.PenaltyDecision {
			d.DocURL = "/api/v1/enforcement/cases/" + c.ID + "/documents/" + string(e.Code)
		}
	}
	v.Title, v.Data = d.Title+" "+c.Code, d
	s.render(w, r, http.StatusOK, "enfdecision", v)
	return nil
}
