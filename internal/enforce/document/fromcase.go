package document

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// Source is a penalty case as the platform keeps it, everything
// [FromCase] reads to fill in one of its documents: the case with its
// records, the unsealed party, the timeline (the approvals are its events,
// since a finished chain leaves no trace on the case itself), the bureau
// and the names of the regions the case lies in.
type Source struct {
	Case   *enforce.Case
	Party  enforce.PartyDetail
	Events []enforce.Event
	Bureau string // 执法机关, e.g. 示范市城市管理综合行政执法局
	// Places are the names of the case's regions from the city down, e.g.
	// 示范市 玄武区: the place of the act as far as the case knows it.
	Places []string
	// Rulebook names the violation and its articles while no proposal
	// (调查终结) holds the benchmark yet; nil leaves them blank.
	Rulebook *enforce.Rulebook
	// Policy names the steps of the approval chains (承办人, 法制机构 …).
	Policy enforce.Policy
	// Remedy is where a party may appeal; blank lines when empty.
	Remedy Remedy
	// Numbers are the numbers already issued to the case's documents, so
	// that a receipt can name the document it proves the service of.
	Numbers map[Code]string
}

// FromCase fills in document code of a penalty case: the party, the
// officers with their certificates, the facts and the evidence from the
// records, the legal basis and the discretion from the benchmark the case
// was concluded on (or the rulebook item while it is not), the penalty
// decided (or, in a notice, the one intended), the dates of the procedure,
// the hearing, the service, the payment and the approvals of the chain the
// document records. What the case does not know stays empty, and the
// templates leave a line to write on.
func FromCase(s Source, code Code) (*Case, error) {
	pc := s.Case
	if pc == nil {
		return nil, errs.Invalid("缺少执法案件 / no penalty case")
	}
	if _, ok := Lookup(code); !ok {
		return nil, errs.NotFound("没有文书 %q / no document %q", code, code)
	}
	names := actorNames(pc, s.Events)
	out := &Case{
		Bureau: strings.TrimSpace(s.Bureau), CaseCode: pc.Code, Source: caseSource(pc, s.Events),
		Party: partyOf(pc, s.Party), Place: strings.Join(s.Places, ""), OccurredAt: pc.OccurredAt,
		Evidence: evidenceLines(pc.Records), Payment: Payment{Days: 15}, Remedy: s.Remedy,
	}
	for _, o := range pc.Officers {
		out.Officers = append(out.Officers, Officer{Name: o.Name, Certificate: o.Certificate})
	}
	out.Cause, out.Basis = causeAndBasis(pc, s.Rulebook)
	out.Facts = factsText(pc)
	if p := pc.Proposal; p != nil {
		out.Discretion = Discretion{Level: p.Benchmark.Level, Range: rangeText(p.Benchmark)}
		if p.Outside && p.Reason != "" {
			out.Discretion.Reason = "超出裁量基准的理由：" + p.Reason
		}
		out.Hearing.Eligible = p.Hearing
	}
	out.FiledAt, out.NotifiedAt, out.ClosedAt = deref(pc.FiledAt), deref(pc.NotifiedAt), deref(pc.ClosedAt)
	if pc.Decision != nil {
		out.DecidedAt = pc.Decision.At
	}
	if h := pc.Hearing; h != nil {
		out.Hearing.At, out.Hearing.Chair = deref(h.At), names[h.Chair]
	}
	out.Statement.Days = statementDays(pc, s.Policy)
	out.Decision = decisionOf(pc, code == PenaltyNotice)
	out.Inspect = inspectionOf(pc.Records, names, out.Party.Name)
	out.Inquiry = inquiryOf(pc.Records, names)
	out.Service = serviceOf(pc, s.Events, names, s.Numbers)
	out.Closing = closingOf(pc, s.Events)
	out.Approvals = approvalsOf(s.Events, s.Policy, chainOf(code))
	out.IssuedAt = issuedAt(code, pc, out)
	return out, nil
}

// chainOf is the approval chain a document records, "" for none.
func chainOf(code Code) enforce.ApprovalKind {
	switch code {
	case FilingApproval:
		return enforce.ApproveFiling
	case ClosingRegister:
		return enforce.ApproveClosing
	}
	return ""
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// actorNames maps the account ids seen on the case to names: its
// officers, then whoever acted on its timeline.
func actorNames(c *enforce.Case, events []enforce.Event) map[string]string {
	m := map[string]string{}
	for _, ev := range events {
		if ev.Actor != "" && ev.Name != "" {
			m[ev.Actor] = ev.Name
		}
	}
	for _, o := range c.Officers {
		if o.ID != "" && o.Name != "" {
			m[o.ID] = o.Name
		}
	}
	return m
}

func partyOf(c *enforce.Case, p enforce.PartyDetail) Party {
	out := Party{Name: p.Name, Kind: p.Kind, IDNumber: p.IDNumber, Representative: p.Representative, Address: p.Address, Phone: p.Phone}
	if out.Name == "" {
		out.Name = c.Party.Name
	}
	if out.Kind == "" {
		out.Kind = c.Party.Kind
	}
	if out.Kind == enforce.Organisation {
		out.IDNumber = p.USCC
	}
	return out
}

// caseSource says where the case came from (案件来源): a loop case handed
// over, or the officers' own patrol (an enforcer opened the lead).
func caseSource(c *enforce.Case, events []enforce.Event) string {
	for _, ev := range events {
		if ev.Action == enforce.ActOpen {
			if code, _ := ev.Data["loop_code"].(string); code != "" {
				return "数字城管案件转办（" + code + "）"
			}
		}
	}
	if c.Source != "" {
		return "数字城管案件转办"
	}
	return "执法巡查发现"
}

// causeAndBasis names the case after its violation (案由) and cites the
// articles: from the benchmark the case was concluded on, which is what the
// decision applied even if the rulebook changed since, else from the
// rulebook item.
func causeAndBasis(c *enforce.Case, rb *enforce.Rulebook) (string, Basis) {
	var name string
	var pro, pen enforce.Basis
	switch {
	case c.Proposal != nil && c.Proposal.Benchmark.Violation != "":
		b := c.Proposal.Benchmark
		name, pro, pen = b.Name.Zh, b.Prohibition, b.Penalty
	case rb != nil && c.Violation != "":
		if it, ok := rb.Item(c.Violation); ok {
			name, pro, pen = it.Name.Zh, it.Prohibition, it.Penalty
		}
	}
	cause := ""
	if name != "" {
		cause = name + "案"
	}
	return cause, Basis{Prohibition: cite(pro), Penalty: cite(pen)}
}

// cite writes 《中华人民共和国城乡规划法》第四十条.
func cite(b enforce.Basis) string {
	law := strings.Trim(strings.TrimSpace(b.Law), "《》")
	if law == "" {
		return ""
	}
	return "《" + law + "》" + strings.TrimSpace(b.Article)
}

// factsText is the lead as found, then the circumstances the officer
// established, in words (情节).
func factsText(c *enforce.Case) string {
	s := strings.TrimRight(strings.TrimSpace(c.Summary), "。.；; ")
	if c.Proposal == nil {
		if s == "" {
			return ""
		}
		return s + "。"
	}
	f := c.Proposal.Facts
	var parts []string
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if f.Area > 0 {
		parts = append(parts, "涉及面积约"+num(f.Area)+"平方米")
	}
	if f.Duration > 0 {
		parts = append(parts, "持续约"+num(f.Duration)+"日")
	}
	if f.Quantity > 0 {
		parts = append(parts, "涉及数量"+num(f.Quantity))
	}
	if f.Cost > 0 {
		parts = append(parts, "涉及工程造价（货值）"+FormatAmount(f.Cost)+"元")
	}
	if f.Repeats > 0 {
		parts = append(parts, fmt.Sprintf("此前因同一违法行为受过%d次处罚", f.Repeats))
	}
	parts = append(parts, [...]string{"未造成危害后果", "危害后果轻微", "造成一定危害后果", "造成严重危害后果"}[min(max(int(f.Harm), 0), 3)])
	if f.Corrected {
		parts = append(parts, "已及时改正")
	} else {
		parts = append(parts, "未及时改正")
	}
	out := strings.Join(parts, "，") + "。"
	if s != "" {
		out = s + "。" + out
	}
	return out
}

// evidenceLines lists the records that prove the facts, one line per
// kind in the order first recorded: 现场检查（勘验）笔录2份, 现场照片6张 …
func evidenceLines(recs []enforce.Record) []string {
	type line struct {
		n    int
		unit string
		name string
	}
	byKind := map[enforce.RecordKind]*line{}
	var order []enforce.RecordKind
	for _, r := range recs {
		var name, unit string
		count := 1
		switch r.Kind {
		case enforce.RecInspection:
			name, unit = "现场检查（勘验）笔录", "份"
		case enforce.RecInquiry:
			name, unit = "询问笔录", "份"
		case enforce.RecPreservation:
			name, unit = "证据先行登记保存清单", "份"
		case enforce.RecPhoto:
			name, unit, count = "现场照片", "张", max(len(r.Files), 1)
		case enforce.RecAudioVideo:
			name, unit, count = "执法音视频记录", "段", max(len(r.Files), 1)
		default:
			continue
		}
		l, ok := byKind[r.Kind]
		if !ok {
			l = &line{name: name, unit: unit}
			byKind[r.Kind] = l
			order = append(order, r.Kind)
		}
		l.n += count
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		l := byKind[k]
		out = append(out, l.name+strconv.Itoa(l.n)+l.unit)
	}
	return out
}

// rangeText is the benchmark's amount range in words: 500元以上2000元以下.
func rangeText(o enforce.Outcome) string {
	if o.Level == enforce.LevelExempt {
		return "不予处罚"
	}
	if o.Amount.Max <= 0 {
		names := make([]string, 0, len(o.Kinds))
		for _, k := range o.Kinds {
			names = append(names, enforce.KindNames[k].Zh)
		}
		return strings.Join(names, "、")
	}
	return FormatAmount(o.Amount.Min) + "元以上" + FormatAmount(o.Amount.Max) + "元以下"
}

// statementDays is the working days the notice gives to state and argue:
// five where a hearing may be asked for (第六十四条), else the city's policy.
func statementDays(c *enforce.Case, p enforce.Policy) int {
	if c.Proposal != nil && c.Proposal.Hearing {
		return enforce.TermOf(enforce.ClockHearingRequest).Days
	}
	if p.StatementDays > 0 {
		return p.StatementDays
	}
	return enforce.TermOf(enforce.ClockStatement).Days
}

// decisionOf is the penalty a document states: the one decided, or in a
// notice the one told to the party (the ceiling of 第四十五条); before
// either, the one proposed.
func decisionOf(c *enforce.Case, notice bool) Decision {
	var p *enforce.Penalty
	switch {
	case notice && c.Intended != nil:
		p = c.Intended
	case c.Decision != nil:
		p = &c.Decision.Penalty
	case c.Intended != nil:
		p = c.Intended
	case c.Proposal != nil:
		p = &c.Proposal.Penalty
	}
	var d Decision
	if p != nil {
		d = Decision{Kinds: append([]enforce.Kind(nil), p.Kinds...), Fine: p.Fine, Confiscated: p.Confiscated}
	}
	if c.Decision != nil && c.Decision.Exemption != nil && !notice {
		e := c.Decision.Exemption
		edu := make([]string, len(e.Education))
		for i, x := range e.Education {
			edu[i] = enforce.EducationNames[x][0]
		}
		d.Other = "不予行政处罚（" + enforce.ExemptionNames[e.Kind][0] + "）"
		if e.Basis != "" {
			d.Other = "依据" + e.Basis + "，" + d.Other
		}
		if len(edu) > 0 {
			d.Other += "，并已对当事人进行" + strings.Join(edu, "、")
		}
		d.Other += "。"
	}
	return d
}

func firstRecord(recs []enforce.Record, k enforce.RecordKind) (enforce.Record, bool) {
	for _, r := range recs {
		if r.Kind == k {
			return r, true
		}
	}
	return enforce.Record{}, false
}

func nameOf(names map[string]string, ids []string, i int) string {
	if i < 0 || i >= len(ids) {
		return ""
	}
	return names[ids[i]]
}

// inspectionOf fills the inspection record from the first one on file:
// its time, the officers present and what they found (the record's note).
func inspectionOf(recs []enforce.Record, names map[string]string, party string) Inspection {
	r, ok := firstRecord(recs, enforce.RecInspection)
	if !ok {
		return Inspection{}
	}
	return Inspection{Start: r.At, Present: party, Recorder: nameOf(names, r.Officers, len(r.Officers)-1), Findings: strings.TrimSpace(r.Note)}
}

// inquiryOf fills the inquiry record from the first one on file; its note
// holds the questions and answers as officers type them (问：… 答：…).
func inquiryOf(recs []enforce.Record, names map[string]string) Inquiry {
	r, ok := firstRecord(recs, enforce.RecInquiry)
	if !ok {
		return Inquiry{}
	}
	in := Inquiry{Start: r.At, Inquirer: nameOf(names, r.Officers, 0), QA: ParseQA(r.Note)}
	if len(r.Officers) > 1 {
		in.Recorder = nameOf(names, r.Officers, 1)
	}
	return in
}

// ParseQA splits an inquiry note into questions and answers at the marks
// 问： and 答： (or 问: 答:, Q: A:), as officers write them. Text before the
// first mark, or a note without marks, is kept as an answer with no
// question, so nothing the officer wrote is lost. Bytes that are not
// UTF-8 become U+FFFD first, so that cutting at a mark never joins two
// halves into a character nobody typed.
func ParseQA(note string) []QA {
	note = strings.TrimSpace(strings.ToValidUTF8(note, "\uFFFD"))
	if note == "" {
		return nil
	}
	type mark struct {
		at, size int
		q        bool
	}
	var marks []mark
	for _, m := range []struct {
		s string
		q bool
	}{{"问：", true}, {"问:", true}, {"答：", false}, {"答:", false}, {"Q:", true}, {"A:", false}} {
		for i := 0; ; {
			j := strings.Index(note[i:], m.s)
			if j < 0 {
				break
			}
			marks = append(marks, mark{i + j, len(m.s), m.q})
			i += j + len(m.s)
		}
	}
	if len(marks) == 0 {
		return []QA{{A: note}}
	}
	// sort by position (a handful of marks: insertion sort)
	for i := 1; i < len(marks); i++ {
		for j := i; j > 0 && marks[j].at < marks[j-1].at; j-- {
			marks[j], marks[j-1] = marks[j-1], marks[j]
		}
	}
	var out []QA
	if lead := strings.TrimSpace(note[:marks[0].at]); lead != "" {
		out = append(out, QA{A: lead})
	}
	for i, m := range marks {
		end := len(note)
		if i+1 < len(marks) {
			end = marks[i+1].at
		}
		text := strings.TrimSpace(note[m.at+m.size : end])
		switch {
		case m.q:
			out = append(out, QA{Q: text})
		case len(out) > 0 && out[len(out)-1].A == "" && out[len(out)-1].Q != "":
			out[len(out)-1].A = text
		default:
			out = append(out, QA{A: text})
		}
	}
	return out
}

// serviceMethods are the words of 送达方式 (第六十一条).
var serviceMethods = map[string]string{
	string(enforce.ServeDirect): "直接送达", string(enforce.ServePost): "邮寄送达", string(enforce.ServeLeft): "留置送达",
	string(enforce.ServeElectronic): "电子送达", string(enforce.ServePublic): "公告送达",
}

// serviceOf is the service of the decision once served, else of the
// notice once given: what, how, when and by whom.
func serviceOf(c *enforce.Case, events []enforce.Event, names map[string]string, nums map[Code]string) Service {
	named := func(code Code) string {
		e, _ := Lookup(code)
		if n := nums[code]; n != "" {
			return e.Zh + "（" + n + "）"
		}
		return e.Zh
	}
	switch {
	case c.ServedAt != nil && c.Decision != nil:
		s := Service{Document: named(PenaltyDecision), Method: serviceMethods[c.ServedBy], At: *c.ServedAt}
		if c.Procedure == enforce.Summary {
			s.Method = "当场交付"
		}
		for _, ev := range events {
			if ev.Action == enforce.ActServe || ev.Action == enforce.ActSummary {
				s.Server = officerNames(c, names, ev.Actor)
			}
		}
		return s
	case c.NotifiedAt != nil:
		s := Service{Document: named(PenaltyNotice), At: *c.NotifiedAt}
		for _, ev := range events {
			if ev.Action == enforce.ActNotify {
				s.Server = officerNames(c, names, ev.Actor)
			}
		}
		return s
	}
	return Service{}
}

// officerNames names who served: the acting officer first, then the other
// officers of the case, since service too is done by two (第五十五条).
func officerNames(c *enforce.Case, names map[string]string, actor string) string {
	out := []string{}
	if n := names[actor]; n != "" {
		out = append(out, n)
	}
	for _, o := range c.Officers {
		if o.ID != actor && o.Name != "" && len(out) < 2 {
			out = append(out, o.Name)
		}
	}
	return strings.Join(out, "、")
}

// closingOf says how the case ended, for the closing register.
func closingOf(c *enforce.Case, events []enforce.Event) Closing {
	var cl Closing
	for _, ev := range events {
		if ev.Action == enforce.ActArchive {
			cl.Archivist = ev.Name
		}
	}
	d := c.Decision
	switch {
	case c.Status == enforce.StatusNotFiled:
		cl.Result, cl.Reason = "不予立案。", "不符合立案条件。"
	case d == nil:
	case d.Exemption != nil:
		cl.Result = decisionOf(c, false).Other
		cl.Reason = "依法不予行政处罚，已责令改正并进行教育。"
	case c.PaidAt != nil:
		cl.Result = "当事人已于" + c.PaidAt.In(shanghai).Format("2006年1月2日") + "缴纳罚款" + FormatAmount(c.Paid) + "元"
		if extra := c.Paid - d.Penalty.Fine; extra >= 0.01 {
			cl.Result += "（含加处罚款" + FormatAmount(extra) + "元）"
		}
		cl.Result += "。"
		cl.Reason = "行政处罚决定已执行完毕。"
	case c.Status == enforce.StatusReferred || (c.ClosedAt != nil && d.Penalty.Fine > 0):
		cl.Result, cl.Reason = "当事人逾期未缴纳罚款，已申请人民法院强制执行。", "已依法申请人民法院强制执行。"
	case d.Penalty.Fine <= 0 && c.ServedAt != nil:
		cl.Result, cl.Reason = "行政处罚决定书已送达当事人。", "行政处罚决定已执行完毕。"
	}
	return cl
}

// approvalsOf lists the signatures of the last round of chain kind: the
// officer's proposal when the chain starts with his step, then each
// approval. A send-back ends a round, and the next proposal starts afresh,
// so the form shows the approval that stands.
func approvalsOf(events []enforce.Event, p enforce.Policy, kind enforce.ApprovalKind) []Approval {
	if kind == "" {
		return nil
	}
	chain := p.Chains[kind]
	var out []Approval
	for _, ev := range events {
		if k, _ := ev.Data["approval"].(string); enforce.ApprovalKind(k) != kind {
			continue
		}
		note := strings.TrimSpace(ev.Note)
		switch ev.Action {
		case enforce.ActApprove:
			role, _ := ev.Data["step_name"].(string)
			if role == "" {
				if i, ok := stepOf(ev.Data["step"]); ok && i < len(chain) {
					role = chain[i].Name.Zh
				}
			}
			if note == "" {
				note = "同意。"
			}
			out = append(out, Approval{Kind: kind, Role: role + "意见", Name: ev.Name, Opinion: note, At: ev.At})
		case enforce.ActSendBack:
			out = nil
		default: // a proposal (提请) opens a round, signed at once when the chain starts with the proposer's post
			out = nil
			if len(chain) > 0 && chain[0].Post == ev.Post {
				if note == "" {
					note = enforce.ActionNames[ev.Action][0] + "。"
				}
				out = append(out, Approval{Kind: kind, Role: chain[0].Name.Zh + "意见", Name: ev.Name, Opinion: note, At: ev.At})
			}
		}
	}
	return out
}

// stepOf reads a step index that went through JSON (float64) or not (int).
func stepOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), true
	}
	return 0, false
}

// issuedAt is the date under the seal of document code: the day the step
// that makes it happened, zero (a blank to write on) when it has not.
func issuedAt(code Code, c *enforce.Case, d *Case) time.Time {
	firstEvidence := func() time.Time {
		for _, r := range c.Records {
			switch r.Kind {
			case enforce.RecInspection, enforce.RecInquiry, enforce.RecPhoto, enforce.RecAudioVideo:
				return r.At
			}
		}
		return d.FiledAt
	}
	switch code {
	case FilingApproval:
		return d.FiledAt
	case InspectionRecord:
		return d.Inspect.Start
	case InquiryRecord:
		return d.Inquiry.Start
	case RightsNotice:
		return firstEvidence()
	case RectificationOrder:
		if c.Procedure == enforce.Summary {
			return d.DecidedAt
		}
		return firstEvidence()
	case PenaltyNotice:
		return d.NotifiedAt
	case PenaltyDecision:
		return d.DecidedAt
	case ServiceReceipt:
		return d.Service.At
	case ClosingRegister:
		return d.ClosedAt
	}
	return time.Time{}
}
