package document

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/disclose"
	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
)

// Case is everything the documents of one penalty case print. It is a
// plain value the caller fills from the enforcement case, its records and
// the unsealed party; templates read it as {{.Party.Name}} and so on. A
// document prints what it needs and leaves blank lines for what is empty,
// so a form can be filled in by hand where the system knows nothing.
type Case struct {
	Bureau   string `json:"bureau"`    // 执法机关, e.g. 某市城市管理综合行政执法局
	CaseCode string `json:"case_code"` // 案件编号
	Cause    string `json:"cause"`     // 案由, e.g. 擅自占用城市道路案
	Source   string `json:"source"`    // 案件来源, e.g. 日常巡查 / 群众举报
	Party    Party  `json:"party"`

	Place      string    `json:"place"`       // 违法地点
	OccurredAt time.Time `json:"occurred_at"` // 违法时间
	Facts      string    `json:"facts"`       // 违法事实
	Evidence   []string  `json:"evidence"`    // 证据, one line each

	Basis      Basis      `json:"basis"`
	Discretion Discretion `json:"discretion"`
	Decision   Decision   `json:"decision"`
	Correction Correction `json:"correction"`

	FiledAt    time.Time `json:"filed_at"`    // 立案日期
	NotifiedAt time.Time `json:"notified_at"` // 告知日期
	DecidedAt  time.Time `json:"decided_at"`  // 决定日期
	ClosedAt   time.Time `json:"closed_at"`   // 结案日期
	// IssuedAt is the date printed under the seal of the document being
	// rendered; zero leaves the date line blank for hand writing.
	IssuedAt time.Time `json:"issued_at"`

	Officers  []Officer  `json:"officers"`  // 执法人员 with 执法证号 (第四十二条)
	Approvals []Approval `json:"approvals"` // 承办人 → 法制机构 → 分管领导 → 主要领导
	Hearing   Hearing    `json:"hearing"`
	Statement Statement  `json:"statement"`
	Inquiry   Inquiry    `json:"inquiry"`
	Inspect   Inspection `json:"inspection"`
	Service   Service    `json:"service"`
	Payment   Payment    `json:"payment"`
	Remedy    Remedy     `json:"remedy"`
	Closing   Closing    `json:"closing"`
}

// Party is the person or organisation a case is against (当事人).
type Party struct {
	Name string            `json:"name"`
	Kind enforce.PartyKind `json:"kind"`
	// IDNumber is the resident ID number of a person or the unified social
	// credit code (统一社会信用代码) of an organisation.
	IDNumber       string `json:"id_number"`
	Representative string `json:"representative,omitempty"` // 法定代表人（负责人）of an organisation
	Address        string `json:"address"`
	Phone          string `json:"phone"`
}

// IsOrganisation reports whether the party is a legal person or other organisation.
func (p Party) IsOrganisation() bool { return p.Kind == enforce.Organisation }

// IDLabel is the label of the party's number: 统一社会信用代码 or 身份证号码.
func (p Party) IDLabel() string {
	if p.IsOrganisation() {
		return "统一社会信用代码"
	}
	return "身份证号码"
}

// KindZh is 公民 or 法人或者其他组织.
func (p Party) KindZh() string {
	if p.IsOrganisation() {
		return "法人或者其他组织"
	}
	return "公民"
}

// Basis is the legal basis: the article the party broke and the article
// that sets the penalty (违法依据与处罚依据).
type Basis struct {
	Prohibition string `json:"prohibition"` // e.g. 《城市道路管理条例》第二十七条第（六）项
	Penalty     string `json:"penalty"`     // e.g. 《城市道路管理条例》第四十二条
}

// Discretion is the benchmark the decision applied (裁量基准, 第三十四条).
type Discretion struct {
	Level  enforce.Level `json:"level"`
	Range  string        `json:"range"`  // e.g. 500元以上2000元以下
	Reason string        `json:"reason"` // why this level, or why outside the benchmark
}

// LevelZh is the level's Chinese name (从轻, 一般 …), or "" when unset.
func (d Discretion) LevelZh() string { return enforce.LevelNames[d.Level].Zh }

// Decision is the penalty decided, or intended in a notice.
type Decision struct {
	Kinds       []enforce.Kind `json:"kinds"`
	Fine        float64        `json:"fine"`        // yuan
	Confiscated float64        `json:"confiscated"` // value of illegal income or property, yuan
	Other       string         `json:"other"`       // any further measure in words
}

// KindsZh joins the names of the kinds with 、 (罚款、没收违法所得).
func (d Decision) KindsZh() string {
	names := make([]string, 0, len(d.Kinds))
	for _, k := range d.Kinds {
		if n := enforce.KindNames[k].Zh; n != "" {
			names = append(names, n)
		} else {
			names = append(names, string(k))
		}
	}
	return strings.Join(names, "、")
}

// HasFine reports whether the decision includes a fine.
func (d Decision) HasFine() bool { return slices.Contains(d.Kinds, enforce.KindFine) && d.Fine > 0 }

// Correction is an order to correct (责令改正, 第二十八条).
type Correction struct {
	Requirement string    `json:"requirement"` // what to do, e.g. 清除占道堆放物
	Deadline    time.Time `json:"deadline"`
}

// Officer is an enforcement officer with his certificate (执法证号).
type Officer struct {
	Name        string `json:"name"`
	Certificate string `json:"certificate"`
}

// Approval is one signature in an approval chain.
type Approval struct {
	// Kind is the chain the signature belongs to (立案, 处罚决定, 结案 …);
	// empty for a hand-made case.
	Kind    enforce.ApprovalKind `json:"kind,omitempty"`
	Role    string               `json:"role"` // 承办人意见, 法制审核意见, 分管领导意见, 主要领导意见
	Name    string               `json:"name"`
	Opinion string               `json:"opinion"`
	At      time.Time            `json:"at"`
}

// Hearing says whether the intended penalty gives a right to a hearing
// (第六十三条) and, once held or scheduled, when and who chairs it.
type Hearing struct {
	Eligible bool      `json:"eligible"`
	At       time.Time `json:"at"`
	Place    string    `json:"place"`
	Chair    string    `json:"chair"`
}

// Statement is where and until when the party may state and argue (陈述申辩).
type Statement struct {
	Days    int    `json:"days"`    // working days from service; 0 prints 5
	Contact string `json:"contact"` // 联系人及电话 of the bureau
	Address string `json:"address"` // where to come or write
}

// Inquiry is what an inquiry record holds (询问笔录).
type Inquiry struct {
	Start, End time.Time
	Place      string
	Inquirer   string // 询问人
	Recorder   string // 记录人
	Subject    string // 被询问人 when not the party, else the party is meant
	QA         []QA
}

// QA is one question and answer of an inquiry.
type QA struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// Inspection is what an inspection record holds (勘验检查笔录).
type Inspection struct {
	Start, End time.Time
	Place      string
	Present    string // 当事人或见证人
	Recorder   string
	Findings   string // 勘验检查情况
}

// Service is how a document was served (送达, 第六十一条).
type Service struct {
	Document  string    `json:"document"` // name and number of what was served
	Method    string    `json:"method"`   // 直接送达, 留置送达, 邮寄送达, 电子送达 …
	Place     string    `json:"place"`
	Recipient string    `json:"recipient"`
	At        time.Time `json:"at"`
	Server    string    `json:"server"` // 送达人
	Note      string    `json:"note"`   // 备注, e.g. the witnesses of 留置送达
}

// Payment is where a fine is paid (第六十七条: never to the officers).
type Payment struct {
	Bank    string `json:"bank"`
	Account string `json:"account"`
	Payee   string `json:"payee"`
	Days    int    `json:"days"` // 0 prints 15 (第六十六条)
}

// Remedy names where the party may appeal (复议与诉讼, 第五十九条第一款第五项).
type Remedy struct {
	ReviewOrgan string `json:"review_organ"` // 行政复议机关
	Court       string `json:"court"`        // 人民法院
}

// Closing is what the closing register records (结案登记表).
type Closing struct {
	Result    string `json:"result"`    // 执行情况
	Reason    string `json:"reason"`    // 结案理由
	Archivist string `json:"archivist"` // 归档人
}

// Validate checks what every document needs and what no PDF may carry:
// the bureau and the party's name, and text a person typed that is not
// valid UTF-8 or holds control characters.
func (c *Case) Validate() error {
	e := errs.Invalid("文书数据不完整或含有无效字符 / the document data is incomplete or holds invalid characters")
	if strings.TrimSpace(c.Bureau) == "" {
		e.WithField("bureau", "执法机关名称必填 / the bureau's name is required")
	}
	if strings.TrimSpace(c.Party.Name) == "" {
		e.WithField("party.name", "当事人名称必填 / the party's name is required")
	}
	if c.Party.Kind != "" && c.Party.Kind != enforce.Person && c.Party.Kind != enforce.Organisation {
		e.WithField("party.kind", "当事人类型应为 person 或 organisation / kind must be person or organisation")
	}
	c.eachText(func(field, s string, multiline bool) {
		if p := errs.TextProblem(s, multiline); p != "" {
			e.WithField(field, p)
		}
	})
	if c.Decision.Fine < 0 || c.Decision.Confiscated < 0 || c.Decision.Fine > MaxAmount || c.Decision.Confiscated > MaxAmount {
		e.WithField("decision.fine", fmt.Sprintf("金额应为 0 至 %.2f 元 / amounts must be 0 to %.2f yuan", MaxAmount, MaxAmount))
	}
	if len(e.Fields) > 0 {
		slices.SortFunc(e.Fields, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return e
	}
	return nil
}

// eachText calls f on every text field with its name.
func (c *Case) eachText(f func(field, s string, multiline bool)) {
	one := map[string]string{
		"bureau": c.Bureau, "case_code": c.CaseCode, "cause": c.Cause, "source": c.Source,
		"party.name": c.Party.Name, "party.id_number": c.Party.IDNumber, "party.representative": c.Party.Representative,
		"party.address": c.Party.Address, "party.phone": c.Party.Phone, "place": c.Place,
		"basis.prohibition": c.Basis.Prohibition, "basis.penalty": c.Basis.Penalty, "discretion.range": c.Discretion.Range,
		"hearing.place": c.Hearing.Place, "hearing.chair": c.Hearing.Chair, "statement.contact": c.Statement.Contact,
		"statement.address": c.Statement.Address, "inquiry.place": c.Inquiry.Place, "inquiry.inquirer": c.Inquiry.Inquirer,
		"inquiry.recorder": c.Inquiry.Recorder, "inquiry.subject": c.Inquiry.Subject, "inspection.place": c.Inspect.Place,
		"inspection.present": c.Inspect.Present, "inspection.recorder": c.Inspect.Recorder,
		"service.document": c.Service.Document, "service.method": c.Service.Method, "service.place": c.Service.Place,
		"service.recipient": c.Service.Recipient, "service.server": c.Service.Server, "payment.bank": c.Payment.Bank,
		"payment.account": c.Payment.Account, "payment.payee": c.Payment.Payee, "remedy.review_organ": c.Remedy.ReviewOrgan,
		"remedy.court": c.Remedy.Court, "closing.archivist": c.Closing.Archivist,
	}
	for k, v := range one {
		f(k, v, false)
	}
	multi := map[string]string{
		"facts": c.Facts, "discretion.reason": c.Discretion.Reason, "decision.other": c.Decision.Other,
		"correction.requirement": c.Correction.Requirement, "inspection.findings": c.Inspect.Findings,
		"service.note": c.Service.Note, "closing.result": c.Closing.Result, "closing.reason": c.Closing.Reason,
	}
	for k, v := range multi {
		f(k, v, true)
	}
	for i, s := range c.Evidence {
		f(fmt.Sprintf("evidence[%d]", i), s, false)
	}
	for i, o := range c.Officers {
		f(fmt.Sprintf("officers[%d].name", i), o.Name, false)
		f(fmt.Sprintf("officers[%d].certificate", i), o.Certificate, false)
	}
	for i, a := range c.Approvals {
		f(fmt.Sprintf("approvals[%d].role", i), a.Role, false)
		f(fmt.Sprintf("approvals[%d].name", i), a.Name, false)
		f(fmt.Sprintf("approvals[%d].opinion", i), a.Opinion, true)
	}
	for i, qa := range c.Inquiry.QA {
		f(fmt.Sprintf("inquiry.qa[%d].q", i), qa.Q, true)
		f(fmt.Sprintf("inquiry.qa[%d].a", i), qa.A, true)
	}
}

// Masked returns the copy of c that may be published (行政处罚决定公开,
// 第四十八条): a person's name keeps the family name wherever it appears,
// ID numbers and phones keep only their ends, a person's address goes, and
// free text loses digit runs as on the public case pages (package
// disclose). An organisation's name, credit code and address stay, being
// public register data, but its representative is a person and is masked.
// Inquiry answers are never published. The original is not changed.
func (c Case) Masked() Case {
	m := c
	var names []string // full names to replace in free text, with their masks
	if !c.Party.IsOrganisation() {
		m.Party.Name = pii.MaskName(c.Party.Name)
		m.Party.IDNumber = pii.MaskIDNumber(c.Party.IDNumber)
		m.Party.Address = ""
		names = append(names, strings.TrimSpace(c.Party.Name), m.Party.Name)
	}
	if r := strings.TrimSpace(c.Party.Representative); r != "" {
		m.Party.Representative = pii.MaskName(r)
		names = append(names, r, m.Party.Representative)
	}
	if c.Party.Phone != "" {
		m.Party.Phone = pii.MaskPhone(c.Party.Phone)
	}
	text := func(s string) string {
		for i := 0; i+1 < len(names); i += 2 {
			if names[i] != "" {
				s = strings.ReplaceAll(s, names[i], names[i+1])
			}
		}
		return disclose.MaskText(s)
	}
	m.Place = text(c.Place)
	m.Facts = text(c.Facts)
	m.Evidence = make([]string, len(c.Evidence))
	for i, s := range c.Evidence {
		m.Evidence[i] = text(s)
	}
	m.Discretion.Reason = text(c.Discretion.Reason)
	m.Correction.Requirement = text(c.Correction.Requirement)
	m.Inspect.Findings = text(c.Inspect.Findings)
	m.Inspect.Present = text(c.Inspect.Present) // the party, when it attended
	m.Inquiry.Subject = text(c.Inquiry.Subject)
	m.Inquiry.QA = nil
	m.Service.Recipient = text(c.Service.Recipient)
	m.Service.Note = text(c.Service.Note)
	m.Closing.Result = text(c.Closing.Result)
	return m
}
