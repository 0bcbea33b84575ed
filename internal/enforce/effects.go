package enforce

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
)

func needNote(cmd Command, what string) error {
	if strings.TrimSpace(cmd.Note) == "" {
		return errs.Invalid("%s需要填写说明 / %s needs a note that says why", what, what).WithField("note", "required")
	}
	return nil
}

func data(ev *Event) map[string]any {
	if ev.Data == nil {
		ev.Data = map[string]any{}
	}
	return ev.Data
}

// checkOfficers holds 第四十二条 and 第五十五条: at least two officers, each
// with an enforcement certificate, and the actor among them.
func checkOfficers(os []Officer, actor string) error {
	seen := map[string]bool{}
	for _, o := range os {
		if strings.TrimSpace(o.ID) == "" || strings.TrimSpace(o.Certificate) == "" {
			return errs.Invalid("执法人员 %s 缺少执法证号 / officer %s has no enforcement certificate number", o.Name, o.ID).
				WithField("officers", "certificate required")
		}
		seen[o.ID] = true
	}
	if len(seen) < 2 {
		return errs.Invalid("执法人员不得少于两人（行政处罚法第四十二条）/ at least two officers are required (Art. 42)").
			WithField("officers", "at least two")
	}
	if !seen[actor] {
		return errs.Invalid("提交人必须是承办执法人员之一 / the actor must be one of the officers").WithField("officers", "actor missing")
	}
	return nil
}

// checkLimitation refuses a case past 第三十六条's limitation.
func checkLimitation(c *Case, env Env) error {
	if c.OccurredAt.IsZero() {
		return errs.Invalid("需要违法行为发生（或终了）时间以计算追责时效 / the time of the act is needed for the limitation (Art. 36)").
			WithField("occurred_at", "required")
	}
	if due := LimitationTerm(c.Grave).Due(env.Cal, c.OccurredAt); !env.Now.Before(due) {
		return errs.Unprocessable("违法行为已超过追责时效（行政处罚法第三十六条），不再给予行政处罚 / the act is past the limitation of Art. 36").
			With("limitation_due", due)
	}
	return nil
}

func addRecord(c *Case, r Record, env Env) {
	if r.ID == "" {
		r.ID = fmt.Sprintf("%s-r%d", c.ID, len(c.Records)+1)
	}
	r.At = env.Now
	c.Records = append(c.Records, r)
}

// checkRecord makes sure a record can be kept: a known kind, exhibits of
// the case in the evidence vault for records that are evidence, and for evidence two certified officers of the case
// present (第四十二条、第五十五条).
func checkRecord(c *Case, r Record, ex []Exhibit) error {
	if p := errs.TextProblem(r.Note, true); p != "" {
		return errs.Invalid("记录说明%s / the record note %s", p, p).WithField("record.note", p)
	}
	switch r.Kind {
	case RecInspection, RecInquiry, RecAudioVideo, RecPhoto, RecPreservation, RecPreserveDone, RecDiscussion:
	default:
		return errs.Invalid("不能直接登记 %q 类记录 / records of kind %q are not entered directly", r.Kind, r.Kind).WithField("record.kind", "invalid")
	}
	if r.Kind == RecInspection || r.Kind == RecInquiry || r.Kind == RecPreservation {
		n := 0
		for _, id := range r.Officers {
			if c.isOfficer(id) {
				n++
			}
		}
		if n < 2 {
			return errs.Invalid("取证须有两名以上本案执法人员在场（行政处罚法第四十二条、第五十五条）/ evidence needs two officers of the case present (Arts. 42, 55)").
				WithField("record.officers", "at least two")
		}
	}
	return checkExhibits(r, ex)
}

// startApproval opens an approval along the policy's chain. The case
// officer's own step is signed at once when the chain starts with it.
func startApproval(c *Case, a Approval, cmd Command, env Env, ev *Event) error {
	chain := env.Policy.Chains[a.Kind]
	if len(chain) == 0 {
		return errs.Invalid("审批链 %s 未配置 / approval chain %s is not configured", a.Kind, a.Kind)
	}
	c.Pending = &a
	if _, ok := cmd.Actor.Grant(chain[0].Post); ok && c.isOfficer(cmd.Actor.ID) {
		c.Pending.Signed = append(c.Pending.Signed, Signature{Step: 0, Actor: cmd.Actor.ID, Name: cmd.Actor.Name,
			Post: chain[0].Post, At: env.Now, Note: ev.Note})
	}
	data(ev)["approval"] = string(a.Kind)
	if len(c.Pending.Signed) == len(chain) {
		return finishApproval(c, env, ev)
	}
	return nil
}

func applyApprove(c *Case, cmd Command, env Env, ev *Event) error {
	step, _ := nextStep(c, env.Policy)
	n := len(c.Pending.Signed)
	c.Pending.Signed = append(c.Pending.Signed, Signature{Step: n, Actor: cmd.Actor.ID, Name: cmd.Actor.Name,
		Post: step.Post, At: env.Now, Note: ev.Note})
	d := data(ev)
	d["approval"], d["step"], d["step_name"] = string(c.Pending.Kind), n, step.Name.Zh
	if len(c.Pending.Signed) == len(env.Policy.Chains[c.Pending.Kind]) {
		return finishApproval(c, env, ev)
	}
	return nil
}

func applySendBack(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "审批退回"); err != nil {
		return err
	}
	data(ev)["approval"] = string(c.Pending.Kind)
	c.Pending = nil
	return nil
}

// finishApproval applies what the completed chain approved.
func finishApproval(c *Case, env Env, ev *Event) error {
	a := c.Pending
	c.Pending = nil
	data(ev)["approved"] = string(a.Kind)
	now := env.Now
	switch a.Kind {
	case ApproveFiling:
		c.FiledAt = &now
		c.Status = StatusInvestigating
	case ApproveDecision:
		// The decision is issued now: the records are checked again, so that
		// no chain of approvals outruns a missing one (第四十七条).
		if miss := missingBefore(c, env); len(miss) > 0 {
			return errs.Unprocessable("记录不完整，不能作出决定：%s / records missing, no decision: %s", reqNames(miss), reqNames(miss)).
				With("missing_records", reqKinds(miss))
		}
		pen := Penalty{}
		if a.Penalty != nil {
			pen = *a.Penalty
		}
		c.Decision = &Decision{Number: a.Number, Penalty: pen, Exemption: a.Exemption, At: now}
		addRecord(c, Record{Kind: RecDecision, Note: a.Number}, env)
		if a.Exemption != nil {
			addRecord(c, Record{Kind: RecEducation, Note: educationNote(a.Exemption)}, env)
		}
		c.Status = StatusDecided
	case ApproveClosing:
		c.ClosedAt = &now
		c.Status = StatusClosed
	case ApproveExtend:
		c.ExtendDays += a.Days
	}
	return nil
}

// missingBefore is what the case lacks for the decision about to be
// issued: the records required before it (the decision and the education
// record are written by issuing it).
func missingBefore(c *Case, env Env) []Requirement {
	var out []Requirement
	for _, r := range MissingRecords(*c, env.Exhibits) {
		if !slices.Contains(r.Kinds, RecDecision) && !slices.Contains(r.Kinds, RecEducation) {
			out = append(out, r)
		}
	}
	return out
}

func educationNote(e *Exemption) string {
	s := make([]string, len(e.Education))
	for i, x := range e.Education {
		s[i] = EducationNames[x][0]
	}
	return strings.Join(s, "、")
}

func applyProposeFiling(c *Case, cmd Command, env Env, ev *Event) error {
	if err := checkOfficers(cmd.Officers, cmd.Actor.ID); err != nil {
		return err
	}
	if err := checkLimitation(c, env); err != nil {
		return err
	}
	if v := firstNonEmpty(cmd.Violation, c.Violation); v != "" {
		if _, ok := env.Rulebook.Item(v); !ok {
			return errs.Invalid("裁量基准中没有违法行为 %q / no rulebook item %q", v, v).WithField("violation", "unknown")
		}
		c.Violation = v
	}
	c.Procedure = Ordinary
	c.Officers = append([]Officer(nil), cmd.Officers...)
	return startApproval(c, Approval{Kind: ApproveFiling}, cmd, env, ev)
}

func applyRefuseFiling(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "不予立案"); err != nil {
		return err
	}
	c.Status = StatusNotFiled
	return nil
}

// partyFacts takes the kind of party from the case: the statutory range and
// the summary ceiling depend on it, so the officer's facts cannot differ.
func partyFacts(c *Case, f Facts) Facts {
	if c.Party.Kind != "" {
		f.Party = c.Party.Kind
	}
	return f
}

func applyRecord(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Record == nil {
		return errs.Invalid("需要记录内容 / a record is required").WithField("record", "required")
	}
	if err := checkRecord(c, *cmd.Record, env.Exhibits); err != nil {
		return err
	}
	addRecord(c, *cmd.Record, env)
	data(ev)["record"], data(ev)["kind"] = c.Records[len(c.Records)-1].ID, string(cmd.Record.Kind)
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// applyConclude closes the investigation (调查终结). No evidence, no
// proposal: 第四十条 forbids a penalty where the facts are unclear.
func applyConclude(c *Case, cmd Command, env Env, ev *Event) error {
	v := firstNonEmpty(cmd.Violation, c.Violation)
	if v == "" || cmd.Facts == nil || cmd.Penalty == nil {
		return errs.Invalid("调查终结需要违法行为、情节与拟处罚 / concluding needs the violation, the facts and the proposed penalty").
			WithField("facts", "required")
	}
	if err := checkOfficers(c.Officers, cmd.Actor.ID); err != nil {
		return err
	}
	if miss := missing(c, env.Exhibits, []Requirement{reqEvidence, reqAudioVideo}); len(miss) > 0 {
		return errs.Unprocessable("缺少证据记录，不能调查终结：%s / missing evidence records: %s", reqNames(miss), reqNames(miss)).
			With("missing_records", reqKinds(miss))
	}
	if n := len(openPreservations(*c)); n > 0 {
		return errs.Unprocessable("有 %d 项先行登记保存的证据尚未处理（第五十六条）/ %d preserved items await a decision (Art. 56)", n, n)
	}
	f := partyFacts(c, *cmd.Facts)
	out, err := Evaluate(env.Rulebook, v, f)
	if err != nil {
		return err
	}
	pen := *cmd.Penalty
	dev := out.Deviations(pen)
	if len(dev) > 0 && strings.TrimSpace(cmd.Reason) == "" {
		return errs.Invalid("拟处罚超出裁量基准，须书面说明理由：%s / the penalty leaves the benchmark and needs a written reason",
			strings.Join(dev, "；")).WithField("reason", "required").With("benchmark", out)
	}
	c.Violation = v
	c.Proposal = &Proposal{Violation: v, Facts: f, Benchmark: out, Penalty: pen, Outside: len(dev) > 0,
		Reason: strings.TrimSpace(cmd.Reason), Major: env.Policy.MajorReasons(c.Party.Kind, pen, len(dev) > 0, false),
		Hearing: env.Policy.HearingRight(c.Party.Kind, pen)}
	d := data(ev)
	d["level"], d["outside_benchmark"], d["major"], d["fine"] = string(out.Level), len(dev) > 0, len(c.Proposal.Major) > 0, pen.Fine
	c.Status = StatusReviewing
	return nil
}

// applyReview is the head's review (第五十七条): complex or serious cases
// need a collective discussion on record first.
func applyReview(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Passed != nil && !*cmd.Passed {
		if err := needNote(cmd, "退回补充调查"); err != nil {
			return err
		}
		c.Status = StatusInvestigating
		return nil
	}
	if cmd.Complex == nil {
		return errs.Invalid("审查需说明案件是否复杂或重大 (complex) / the review must say whether the case is complex").WithField("complex", "required")
	}
	if *cmd.Complex && !c.has(RecDiscussion) {
		return errs.Unprocessable("情节复杂或重大违法的案件须先集体讨论并记录（第五十七条第二款）/ a complex case needs a recorded collective discussion (Art. 57)").
			With("missing_records", []RecordKind{RecDiscussion})
	}
	c.Proposal.Complex = *cmd.Complex
	data(ev)["complex"] = *cmd.Complex
	if needsLegalReview(c) {
		c.Status = StatusLegalReview
	} else {
		c.Status = StatusPendingNotice
	}
	return nil
}

func needsLegalReview(c *Case) bool {
	p := c.Proposal
	if p == nil || (len(p.Major) == 0 && !p.Outside) {
		return false
	}
	return p.LegalReviewed == nil || !samePenalty(*p.LegalReviewed, p.Penalty)
}

func samePenalty(a, b Penalty) bool {
	if a.Fine != b.Fine || a.Confiscated != b.Confiscated || len(a.Kinds) != len(b.Kinds) {
		return false
	}
	for _, k := range a.Kinds {
		if !b.Has(k) {
			return false
		}
	}
	return true
}

// applyLegalReview is 法制审核 (第五十八条): by a reviewer who did not
// investigate, holding a 法律职业资格 (第五十八条第二款), whose opinion is a record.
func applyLegalReview(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Passed == nil {
		return errs.Invalid("法制审核需给出结论 (passed) / legal review needs a conclusion").WithField("passed", "required")
	}
	if strings.TrimSpace(cmd.Qualification) == "" {
		return errs.Invalid("法制审核人员需登记法律职业资格证书号（第五十八条第二款）/ the reviewer's legal qualification is required (Art. 58)").
			WithField("qualification", "required")
	}
	if c.isOfficer(cmd.Actor.ID) {
		return errs.Forbidden("本案执法人员不能审核本案 / an officer of the case cannot review it")
	}
	addRecord(c, Record{Kind: RecLegalReview, Officers: []string{cmd.Actor.ID}, Note: ev.Note}, env)
	data(ev)["passed"], data(ev)["qualification"] = *cmd.Passed, cmd.Qualification
	if !*cmd.Passed {
		if err := needNote(cmd, "法制审核不通过"); err != nil {
			return err
		}
		c.Status = StatusInvestigating
		if c.NotifiedAt != nil {
			c.Status = StatusPendingDecision
		}
		return nil
	}
	pen := c.Proposal.Penalty
	c.Proposal.LegalReviewed = &pen
	c.Status = StatusPendingNotice
	if c.NotifiedAt != nil { // reviewed again after 告知 or a hearing
		c.Status = StatusPendingDecision
	}
	return nil
}

// applyNotify is 告知 (第四十四条): the intended penalty, facts, reasons,
// basis and the rights to state, argue and, where 第六十三条 applies, ask for
// a hearing. The intended penalty becomes the ceiling (第四十五条).
func applyNotify(c *Case, cmd Command, env Env, ev *Event) error {
	now := env.Now
	c.NotifiedAt = &now
	pen := c.Proposal.Penalty
	c.Intended = &pen
	addRecord(c, Record{Kind: RecNotice, Officers: []string{cmd.Actor.ID}, Note: ev.Note}, env)
	due := statementTerm(*c, env.Policy).Due(env.Cal, now)
	d := data(ev)
	d["hearing_right"], d["statement_due"] = c.Proposal.Hearing, due
	c.Status = StatusNotified
	return nil
}

func applyStatement(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "陈述申辩记录"); err != nil {
		return err
	}
	addRecord(c, Record{Kind: RecStatement, Officers: []string{cmd.Actor.ID}, Note: ev.Note}, env)
	return nil
}

func applyRequestHearing(c *Case, cmd Command, env Env, ev *Event) error {
	if !c.Proposal.Hearing {
		return errs.Unprocessable("拟作出的处罚不属于听证范围（第六十三条）/ the intended penalty carries no hearing right (Art. 63)")
	}
	due := TermOf(ClockHearingRequest).Due(env.Cal, *c.NotifiedAt)
	if !env.Now.Before(due) {
		return errs.Unprocessable("听证申请须在告知后五个工作日内提出，已于 %s 届满（第六十四条第一项）/ the hearing request window ended on %s (Art. 64)",
			due.Add(-time.Second).Format("2006-01-02"), due.Add(-time.Second).Format("2006-01-02")).With("due", due)
	}
	c.Hearing = &Hearing{RequestedAt: env.Now, Public: true}
	c.Status = StatusHearing
	return nil
}

// applyScheduleHearing sends the hearing notice: at least seven working days
// ahead, with a chair who did not investigate (第六十四条第二项、第四项).
func applyScheduleHearing(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.HearingAt == nil || cmd.Chair == "" {
		return errs.Invalid("听证通知需要听证时间和主持人 / the notice needs the hearing time and the chair").WithField("hearing_at", "required")
	}
	if c.isOfficer(cmd.Chair) {
		return errs.Unprocessable("听证主持人不得是本案调查人员（第六十四条第四项）/ the chair must not be an investigator of the case (Art. 64)").
			WithField("chair", "investigator")
	}
	earliest := TermOf(ClockHearingNotice).Due(env.Cal, env.Now)
	if cmd.HearingAt.Before(earliest) {
		return errs.Unprocessable("应在举行听证的七日前通知，最早可于 %s 举行（第六十四条第二项）/ notice must come seven working days ahead; the earliest hearing is %s",
			earliest.Format("2006-01-02"), earliest.Format("2006-01-02")).With("earliest", earliest)
	}
	now, at := env.Now, *cmd.HearingAt
	c.Hearing.NoticeAt, c.Hearing.At, c.Hearing.Chair = &now, &at, cmd.Chair
	addRecord(c, Record{Kind: RecHearingNote, Note: ev.Note}, env)
	data(ev)["hearing_at"], data(ev)["chair"] = at, cmd.Chair
	return nil
}

func applyHoldHearing(c *Case, cmd Command, env Env, ev *Event) error {
	if c.Hearing.At == nil {
		return errs.Conflict("听证尚未通知 / the hearing has not been scheduled").With("allowed_actions", []Action{ActScheduleHearing})
	}
	if env.Now.Before(*c.Hearing.At) {
		return errs.Conflict("听证定于 %s，尚未到时间 / the hearing is set for %s", c.Hearing.At.Format("2006-01-02 15:04"), c.Hearing.At.Format(time.RFC3339))
	}
	if err := needNote(cmd, "听证笔录"); err != nil {
		return err
	}
	now := env.Now
	c.Hearing.HeldAt = &now
	addRecord(c, Record{Kind: RecHearing, Officers: []string{cmd.Actor.ID}, Note: ev.Note}, env)
	// 第五十八条第一款第二项: a decision after a hearing on major rights is reviewed.
	c.Proposal.Major = env.Policy.MajorReasons(c.Party.Kind, c.Proposal.Penalty, c.Proposal.Outside, true)
	c.Proposal.LegalReviewed = nil
	c.Status = StatusLegalReview
	return nil
}

func applyEndStatement(c *Case, cmd Command, env Env, ev *Event) error {
	due := statementTerm(*c, env.Policy).Due(env.Cal, *c.NotifiedAt)
	switch {
	case cmd.Waived:
		addRecord(c, Record{Kind: RecStatement, Officers: []string{cmd.Actor.ID}, Note: "当事人书面放弃陈述申辩 / waived in writing. " + ev.Note}, env)
	case env.Now.Before(due):
		return errs.Conflict("陈述申辩期至 %s 届满，当事人未放弃前不能结束 / the statement window runs until %s unless the party waives",
			due.Add(-time.Second).Format("2006-01-02"), due.Add(-time.Second).Format("2006-01-02")).With("due", due)
	case !c.has(RecStatement):
		addRecord(c, Record{Kind: RecStatement, Officers: []string{cmd.Actor.ID}, Note: "期满未陈述申辩 / no statement within the window"}, env)
	}
	c.Status = StatusPendingDecision
	return nil
}

// applyProposeDecision puts the decision to the approval chain. It holds
// 第四十五条 (no heavier penalty than notified), 第六十条 (within 90 days of
// 立案 plus approved extensions), the benchmark (outside → reason and 法制审核)
// and 全过程记录 (no decision while a required record is missing).
func applyProposeDecision(c *Case, cmd Command, env Env, ev *Event) error {
	due := TermOf(ClockDecision)
	due.Days += c.ExtendDays
	if at := due.Due(env.Cal, *c.FiledAt); !env.Now.Before(at) {
		return errs.Unprocessable("已超过立案之日起九十日的办案期限（第六十条）且未获延期 / past the 90-day limit of Art. 60 without an extension").With("due", at)
	}
	if cmd.Exemption != nil {
		return proposeExemption(c, cmd, env, ev)
	}
	if cmd.Penalty == nil {
		return errs.Invalid("需要处罚内容或免罚理由 / a penalty or an exemption is required").WithField("penalty", "required")
	}
	pen := *cmd.Penalty
	if why := heavier(pen, *c.Intended); why != "" {
		return errs.Unprocessable("不得因当事人陈述申辩而给予更重的处罚（第四十五条）：%s / the penalty may not exceed the one notified (Art. 45)", why).
			WithField("penalty", "heavier than notified")
	}
	dev := c.Proposal.Benchmark.Deviations(pen)
	reason := firstNonEmpty(strings.TrimSpace(cmd.Reason), c.Proposal.Reason)
	if len(dev) > 0 && reason == "" {
		return errs.Invalid("处罚超出裁量基准，须书面说明理由 / the penalty leaves the benchmark and needs a written reason").
			WithField("reason", "required")
	}
	c.Proposal.Penalty, c.Proposal.Outside, c.Proposal.Reason = pen, len(dev) > 0, reason
	heard := c.Hearing != nil && c.Hearing.HeldAt != nil
	c.Proposal.Major = env.Policy.MajorReasons(c.Party.Kind, pen, len(dev) > 0, heard)
	if needsLegalReview(c) {
		// A changed penalty that is major or outside the benchmark goes to 法制审核 first.
		c.Status = StatusLegalReview
		data(ev)["routed"] = "legal_review"
		return nil
	}
	if miss := MissingRecords(*c, env.Exhibits); len(miss) > 0 {
		return errs.Unprocessable("记录不完整，不能作出决定：%s / records missing, no decision: %s", reqNames(miss), reqNames(miss)).
			With("missing_records", reqKinds(miss))
	}
	data(ev)["fine"] = pen.Fine
	return startApproval(c, Approval{Kind: ApproveDecision, Penalty: &pen, Number: cmd.Number}, cmd, env, ev)
}

func proposeExemption(c *Case, cmd Command, env Env, ev *Event) error {
	e := *cmd.Exemption
	if err := e.Validate(); err != nil {
		return err
	}
	it, _ := env.Rulebook.Item(c.Violation)
	if it == nil {
		return errs.Invalid("免罚需要违法行为 / an exemption needs the violation").WithField("violation", "required")
	}
	det := DetectExemption(it, c.Party.ID, c.Proposal.Facts, env.History, env.Now, env.Window)
	if !exemptionFits(e.Kind, det.Kind) {
		return errs.Unprocessable("不符合%s条件：%s / the conditions of %s are not met", ExemptionNames[e.Kind][0], strings.Join(det.Reasons, "；"), e.Kind).
			With("detection", det)
	}
	e.Basis = det.Basis
	if miss := missing(c, env.Exhibits, []Requirement{reqEvidence, reqAudioVideo}); len(miss) > 0 {
		return errs.Unprocessable("记录不完整：%s / records missing: %s", reqNames(miss), reqNames(miss)).With("missing_records", reqKinds(miss))
	}
	pen := Penalty{Kinds: []Kind{KindOrderCorrect, KindEducation}}
	data(ev)["exemption"] = string(e.Kind)
	return startApproval(c, Approval{Kind: ApproveDecision, Penalty: &pen, Exemption: &e, Number: cmd.Number}, cmd, env, ev)
}

// exemptionFits: an act that qualifies as 轻微不罚 also qualifies as 首违不罚.
func exemptionFits(claimed, detected ExemptionKind) bool {
	return detected != "" && (claimed == detected || claimed == ExemptFirst && detected == ExemptMinor)
}

// heavier says how p exceeds the notified penalty, or "".
func heavier(p, notified Penalty) string {
	if p.Fine > notified.Fine+0.005 {
		return fmt.Sprintf("罚款 %.2f > 告知的 %.2f / fine above the notified one", p.Fine, notified.Fine)
	}
	if p.Confiscated > notified.Confiscated+0.005 {
		return "没收金额高于告知 / confiscation above the notified one"
	}
	for _, k := range p.Kinds {
		if k != KindOrderCorrect && k != KindEducation && !notified.Has(k) {
			return fmt.Sprintf("增加了告知时没有的处罚种类 %s / adds kind %s", KindNames[k].Zh, k)
		}
	}
	return ""
}

// applyServe is 送达 (第六十一条). Electronic service needs the party's
// consent; service after seven working days is still service, but the
// event says it was late so the record shows the breach.
func applyServe(c *Case, cmd Command, env Env, ev *Event) error {
	switch cmd.Method {
	case ServeDirect, ServePost, ServeLeft, ServePublic:
	case ServeElectronic:
		if !c.Party.EServiceConsent {
			return errs.Unprocessable("当事人未同意电子送达（第六十一条第二款）/ the party has not consented to electronic service (Art. 61)").
				WithField("method", "no consent")
		}
	default:
		return errs.Invalid("未知送达方式 %q / unknown service method %q", cmd.Method, cmd.Method).WithField("method", "unknown")
	}
	if err := checkReceipt(cmd.Record, cmd.Method, env.Exhibits); err != nil {
		return err
	}
	due := TermOf(ClockService).Due(env.Cal, c.Decision.At)
	now := env.Now
	c.ServedAt, c.ServedBy = &now, string(cmd.Method)
	note := string(cmd.Method)
	if n := strings.TrimSpace(cmd.Record.Note); n != "" {
		note += "：" + n
	}
	addRecord(c, Record{Kind: RecService, Officers: []string{cmd.Actor.ID}, Files: slices.Clone(cmd.Record.Files), Note: note}, env)
	data(ev)["method"], data(ev)["late"] = string(cmd.Method), !now.Before(due)
	c.Status = StatusExecuting
	return nil
}

// AmountDue is what the party owes at now: the fine plus the surcharge of
// 第七十二条 once the fifteen days from service have passed.
func AmountDue(c Case, env Env) float64 {
	if c.Decision == nil || c.ServedAt == nil || c.Decision.Penalty.Fine <= 0 {
		return 0
	}
	fine := c.Decision.Penalty.Fine
	due := TermOf(ClockPayment).Due(env.Cal, *c.ServedAt)
	return cents(fine + Surcharge(env.Cal, fine, due, env.Now))
}

func applyPay(c *Case, cmd Command, env Env, ev *Event) error {
	if c.PaidAt != nil {
		return errs.Conflict("罚款已缴清 / the fine is already paid").With("allowed_actions", []Action{ActProposeClosing})
	}
	owed := AmountDue(*c, env)
	if owed <= 0 {
		return errs.Unprocessable("本决定没有罚款 / the decision imposes no fine")
	}
	if cmd.Amount+0.005 < owed {
		return errs.Unprocessable("应缴 %.2f 元（含加处罚款），实缴 %.2f 元 / %.2f yuan is owed including the surcharge, %.2f paid",
			owed, cmd.Amount, owed, cmd.Amount).With("owed", owed)
	}
	now := env.Now
	c.Paid, c.PaidAt = cmd.Amount, &now
	addRecord(c, Record{Kind: RecPayment, Note: fmt.Sprintf("%.2f", cmd.Amount)}, env)
	data(ev)["amount"], data(ev)["surcharge"] = cmd.Amount, cents(owed-c.Decision.Penalty.Fine)
	return nil
}

func applyRefer(c *Case, cmd Command, env Env, ev *Event) error {
	if c.PaidAt != nil || c.Decision.Penalty.Fine <= 0 {
		return errs.Conflict("无未缴罚款，不需强制执行 / nothing is unpaid")
	}
	if due := TermOf(ClockPayment).Due(env.Cal, *c.ServedAt); env.Now.Before(due) {
		return errs.Conflict("缴款期限尚未届满 / the payment period has not ended").With("due", due)
	}
	if err := needNote(cmd, "申请强制执行"); err != nil {
		return err
	}
	data(ev)["owed"] = AmountDue(*c, env)
	c.Status = StatusReferred
	return nil
}

func applyProposeClosing(c *Case, cmd Command, env Env, ev *Event) error {
	unpaid := c.Decision.Penalty.Fine > 0 && c.PaidAt == nil
	if unpaid && c.Status != StatusReferred {
		return errs.Conflict("罚款未缴清，不能结案 / the fine is unpaid").With("allowed_actions", []Action{ActPay, ActRefer})
	}
	if unpaid {
		if err := needNote(cmd, "强制执行后结案"); err != nil {
			return err
		}
	}
	return startApproval(c, Approval{Kind: ApproveClosing}, cmd, env, ev)
}

func applyArchive(c *Case, cmd Command, env Env, ev *Event) error {
	if miss := MissingRecords(*c, env.Exhibits); len(miss) > 0 {
		return errs.Unprocessable("案卷记录不完整，不能归档：%s / the file is incomplete: %s", reqNames(miss), reqNames(miss)).
			With("missing_records", reqKinds(miss))
	}
	c.Status = StatusArchived
	return nil
}

func applyExtend(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Days <= 0 || cmd.Days > env.Policy.ExtendMaxDays {
		return errs.Invalid("延长天数须在 1–%d 天之间 / an extension is 1–%d days", env.Policy.ExtendMaxDays, env.Policy.ExtendMaxDays).
			WithField("days", "out of range")
	}
	if err := needNote(cmd, "延长办案期限"); err != nil {
		return err
	}
	t := TermOf(ClockDecision)
	t.Days += c.ExtendDays
	if due := t.Due(env.Cal, *c.FiledAt); !env.Now.Before(due) {
		return errs.Unprocessable("办案期限已届满，不能再延长 / the limit has already passed").With("due", due)
	}
	data(ev)["days"] = cmd.Days
	return startApproval(c, Approval{Kind: ApproveExtend, Days: cmd.Days}, cmd, env, ev)
}

// onSpot holds what the summary procedure and an exemption on the spot
// share: two certified officers, the limitation, a known violation, facts,
// and an audio-visual or photo record of the scene (第四十七条).
func onSpot(c *Case, cmd Command, env Env) (*Item, Facts, error) {
	if err := checkOfficers(cmd.Officers, cmd.Actor.ID); err != nil {
		return nil, Facts{}, err
	}
	if err := checkLimitation(c, env); err != nil {
		return nil, Facts{}, err
	}
	it, ok := env.Rulebook.Item(firstNonEmpty(cmd.Violation, c.Violation))
	if !ok || cmd.Facts == nil {
		return nil, Facts{}, errs.Invalid("需要违法行为与情节 / the violation and the facts are required").WithField("violation", "required")
	}
	if cmd.Record == nil || (cmd.Record.Kind != RecAudioVideo && cmd.Record.Kind != RecPhoto) || len(cmd.Record.Files) == 0 {
		return nil, Facts{}, errs.Invalid("当场处理须有现场照片或音视频记录（第四十七条）/ an on-the-spot act needs a photo or audio-visual record (Art. 47)").
			WithField("record", "required")
	}
	if err := checkExhibits(*cmd.Record, env.Exhibits); err != nil {
		return nil, Facts{}, err
	}
	f := partyFacts(c, *cmd.Facts)
	c.Violation, c.Officers = it.ID, append([]Officer(nil), cmd.Officers...)
	return it, f, nil
}

// applySummary is the summary procedure (第五十一条、第五十二条): a warning
// or a fine of at most 200 yuan for a person or 3,000 yuan for an
// organisation, within the benchmark, decided and handed over on the spot.
func applySummary(c *Case, cmd Command, env Env, ev *Event) error {
	it, f, err := onSpot(c, cmd, env)
	if err != nil {
		return err
	}
	if cmd.Penalty == nil {
		return errs.Invalid("需要处罚内容 / a penalty is required").WithField("penalty", "required")
	}
	pen := *cmd.Penalty
	ceiling := SummaryMaxPerson
	if c.Party.Kind == Organisation {
		ceiling = SummaryMaxOrganisation
	}
	for _, k := range pen.Kinds {
		if k != KindWarning && k != KindFine && k != KindOrderCorrect && k != KindEducation {
			return errs.Unprocessable("简易程序只能给予警告或罚款（第五十一条）/ the summary procedure gives only a warning or a fine (Art. 51)").
				WithField("penalty", "kind")
		}
	}
	if pen.Fine > ceiling {
		return errs.Unprocessable("当场罚款上限为%s %.0f 元（第五十一条），应适用普通程序 / the on-the-spot ceiling is %.0f yuan (Art. 51); use the ordinary procedure",
			partyZh(c.Party.Kind), ceiling, ceiling).WithField("penalty", "above summary ceiling")
	}
	out, err := Evaluate(env.Rulebook, it.ID, f)
	if err != nil {
		return err
	}
	if dev := out.Deviations(pen); len(dev) > 0 {
		return errs.Unprocessable("当场处罚不能超出裁量基准（需法制审核的应适用普通程序）：%s / a summary penalty must stay within the benchmark",
			strings.Join(dev, "；")).With("benchmark", out)
	}
	now := env.Now
	addRecord(c, *cmd.Record, env)
	addRecord(c, Record{Kind: RecNotice, Officers: []string{cmd.Actor.ID}, Note: "当场告知 / told on the spot"}, env)
	addRecord(c, Record{Kind: RecDecision, Note: cmd.Number}, env)
	addRecord(c, Record{Kind: RecService, Note: string(ServeDirect)}, env)
	c.Procedure = Summary
	c.Proposal = &Proposal{Violation: it.ID, Facts: f, Benchmark: out, Penalty: pen}
	c.Decision = &Decision{Number: cmd.Number, Penalty: pen, At: now}
	c.ServedAt, c.ServedBy = &now, string(ServeDirect)
	d := data(ev)
	d["fine"], d["level"] = pen.Fine, string(out.Level)
	c.Status = StatusExecuting
	if pen.Fine == 0 {
		c.ClosedAt = &now
		c.Status = StatusClosed
	}
	return nil
}

// applyExempt ends a lead without a penalty on the spot (第三十三条) after
// the first-violation check over the party's history, with the education
// given on record.
func applyExempt(c *Case, cmd Command, env Env, ev *Event) error {
	it, f, err := onSpot(c, cmd, env)
	if err != nil {
		return err
	}
	if cmd.Exemption == nil {
		return errs.Invalid("需要免罚类型与所作教育 / the exemption and the education given are required").WithField("exemption", "required")
	}
	e := *cmd.Exemption
	if err := e.Validate(); err != nil {
		return err
	}
	det := DetectExemption(it, c.Party.ID, f, env.History, env.Now, env.Window)
	if !exemptionFits(e.Kind, det.Kind) {
		return errs.Unprocessable("不符合%s条件：%s / the conditions of %s are not met", ExemptionNames[e.Kind][0], strings.Join(det.Reasons, "；"), e.Kind).
			With("detection", det)
	}
	e.Basis = det.Basis
	out, err := Evaluate(env.Rulebook, it.ID, f)
	if err != nil {
		return err
	}
	now := env.Now
	addRecord(c, *cmd.Record, env)
	addRecord(c, Record{Kind: RecEducation, Officers: []string{cmd.Actor.ID}, Note: educationNote(&e)}, env)
	addRecord(c, Record{Kind: RecDecision, Note: cmd.Number}, env)
	c.Procedure = Summary
	c.Proposal = &Proposal{Violation: it.ID, Facts: f, Benchmark: out, Penalty: Penalty{Kinds: []Kind{KindOrderCorrect, KindEducation}}}
	c.Decision = &Decision{Number: cmd.Number, Penalty: c.Proposal.Penalty, Exemption: &e, At: now}
	c.ClosedAt = &now
	data(ev)["exemption"], data(ev)["education"] = string(e.Kind), e.Education
	c.Status = StatusClosed
	return nil
}
