package enforce

import (
	"time"

	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Procedure is the procedure a penalty case follows.
type Procedure string

const (
	Ordinary Procedure = "ordinary" // 普通程序 (行政处罚法第五章第三节)
	Summary  Procedure = "summary"  // 简易程序, on the spot (第五十一条、第五十二条)
)

// Status is where a penalty case stands in the ordinary procedure.
type Status string

const (
	StatusLead            Status = "lead"             // 线索: a found or reported violation, not yet filed
	StatusNotFiled        Status = "not_filed"        // 不予立案 (terminal)
	StatusInvestigating   Status = "investigating"    // 调查取证 (after 立案, 第五十四条)
	StatusReviewing       Status = "reviewing"        // 审查 by the head of the agency (第五十七条)
	StatusLegalReview     Status = "legal_review"     // 法制审核 (第五十八条)
	StatusPendingNotice   Status = "pending_notice"   // 待告知 (第四十四条)
	StatusNotified        Status = "notified"         // 陈述申辩期 (第四十五条)
	StatusHearing         Status = "hearing"          // 听证 (第六十三条、第六十四条)
	StatusPendingDecision Status = "pending_decision" // 待决定 (第五十七条)
	StatusDecided         Status = "decided"          // 已决定, 待送达 (第五十九条)
	StatusExecuting       Status = "executing"        // 执行 (第六十六条至第七十三条)
	StatusReferred        Status = "referred"         // 申请法院强制执行 (第七十二条第一款第三项)
	StatusClosed          Status = "closed"           // 结案
	StatusArchived        Status = "archived"         // 归档 (terminal)
)

// StatusNames gives the Chinese and English names of each status.
var StatusNames = map[Status][2]string{
	StatusLead: {"线索", "Lead"}, StatusNotFiled: {"不予立案", "Not filed"},
	StatusInvestigating: {"调查取证", "Investigating"}, StatusReviewing: {"审查", "Under review"},
	StatusLegalReview: {"法制审核", "Legal review"}, StatusPendingNotice: {"待告知", "Pending notice"},
	StatusNotified: {"陈述申辩", "Statement period"}, StatusHearing: {"听证", "Hearing"},
	StatusPendingDecision: {"待决定", "Pending decision"}, StatusDecided: {"待送达", "Decided, to serve"},
	StatusExecuting: {"执行", "Executing"}, StatusReferred: {"申请强制执行", "Referred to court"},
	StatusClosed: {"结案", "Closed"}, StatusArchived: {"归档", "Archived"},
}

// Zh is the status's Chinese name.
func (s Status) Zh() string { return StatusNames[s][0] }

// PartyKind is who the party is; the summary procedure's ceiling and the
// statutory fine ranges differ between the two (第五十一条).
type PartyKind string

const (
	Person       PartyKind = "person"       // 公民
	Organisation PartyKind = "organisation" // 法人或者其他组织
)

// Party is the person or organisation the case is against (当事人).
type Party struct {
	ID   string    `json:"id"` // a stable key: ID-card or USCI hash chosen by the store, never shown
	Name string    `json:"name"`
	Kind PartyKind `json:"kind"`
	// EServiceConsent records that the party agreed to electronic service
	// (第六十一条第二款); without it a decision is never served electronically.
	EServiceConsent bool `json:"e_service_consent"`
}

// Officer is an enforcement officer on the case, with the 执法证 number that
// 第四十二条 and 第五十五条 require to be shown.
type Officer struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Certificate string `json:"certificate"`
}

// RecordKind is a kind of written or audio-visual record (全过程记录, 第四十七条).
type RecordKind string

const (
	RecInspection   RecordKind = "inspection"     // 现场检查(勘验)笔录
	RecInquiry      RecordKind = "inquiry"        // 询问笔录
	RecAudioVideo   RecordKind = "audio_video"    // 执法音视频记录
	RecPhoto        RecordKind = "photo"          // 现场照片
	RecPreservation RecordKind = "preservation"   // 证据先行登记保存 (第五十六条)
	RecPreserveDone RecordKind = "preserve_done"  // 先行登记保存处理决定 (within 7 working days)
	RecDiscussion   RecordKind = "discussion"     // 集体讨论记录 (第五十七条第二款)
	RecLegalReview  RecordKind = "legal_review"   // 法制审核意见 (第五十八条)
	RecNotice       RecordKind = "notice"         // 行政处罚事先告知书 (第四十四条)
	RecStatement    RecordKind = "statement"      // 陈述申辩笔录, or the party's waiver (第四十五条)
	RecHearingNote  RecordKind = "hearing_notice" // 听证通知书 (第六十四条第二项)
	RecHearing      RecordKind = "hearing"        // 听证笔录 (第六十四条第八项)
	RecDecision     RecordKind = "decision"       // 行政处罚决定书 (第五十九条)
	RecService      RecordKind = "service"        // 送达回证 (第六十一条)
	RecPayment      RecordKind = "payment"        // 缴款凭证
	RecEducation    RecordKind = "education"      // 教育记录 for an exemption (第三十三条第三款)
)

// evidenceKinds are the records that prove facts; a decision needs at least one.
var evidenceKinds = []RecordKind{RecInspection, RecInquiry}

// Record is one record bound to the case. Files are blob keys; the store
// keeps them tamper-evident, the domain only needs to know they exist.
type Record struct {
	ID       string     `json:"id"`
	Kind     RecordKind `json:"kind"`
	At       time.Time  `json:"at"`
	Officers []string   `json:"officers,omitempty"` // officer IDs present
	Files    []string   `json:"files,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// Penalty is what a decision imposes (or a proposal intends to impose).
type Penalty struct {
	Kinds []Kind  `json:"kinds"`
	Fine  float64 `json:"fine"` // yuan, to the cent
	// Confiscated is the value of illegal income or property confiscated, yuan.
	Confiscated float64 `json:"confiscated,omitempty"`
}

// Has reports whether the penalty includes kind k.
func (p Penalty) Has(k Kind) bool {
	for _, x := range p.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Proposal is the investigator's conclusion (调查终结报告): the violation,
// the facts, what the rulebook allows for them and the penalty proposed.
type Proposal struct {
	Violation string   `json:"violation"`
	Facts     Facts    `json:"facts"`
	Benchmark Outcome  `json:"benchmark"`
	Penalty   Penalty  `json:"penalty"`
	Outside   bool     `json:"outside_benchmark"` // the penalty leaves the benchmark: a written reason and legal review
	Reason    string   `json:"reason,omitempty"`
	Major     []string `json:"major,omitempty"`   // why the decision is major (第五十八条), empty if it is not
	Hearing   bool     `json:"hearing_right"`     // the party may ask for a hearing (第六十三条)
	Complex   bool     `json:"complex,omitempty"` // set at 审查: needs collective discussion
	// LegalReviewed is the penalty 法制审核 last passed; a changed penalty
	// that is major or outside the benchmark goes back to review.
	LegalReviewed *Penalty `json:"legal_reviewed,omitempty"`
}

// Hearing is a requested hearing (第六十四条).
type Hearing struct {
	RequestedAt time.Time  `json:"requested_at"`
	NoticeAt    *time.Time `json:"notice_at,omitempty"`
	At          *time.Time `json:"at,omitempty"`
	Chair       string     `json:"chair,omitempty"` // actor ID; never an investigator of the case
	Public      bool       `json:"public"`
	HeldAt      *time.Time `json:"held_at,omitempty"`
}

// Decision is the issued decision (行政处罚决定书) or an exemption.
type Decision struct {
	Number    string     `json:"number,omitempty"`
	Penalty   Penalty    `json:"penalty"`
	Exemption *Exemption `json:"exemption,omitempty"`
	At        time.Time  `json:"at"`
}

// Signature is one signed step of an approval chain.
type Signature struct {
	Step  int       `json:"step"`
	Actor string    `json:"actor_id"`
	Name  string    `json:"actor_name"`
	Post  org.Post  `json:"post"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

// Approval is an approval in progress along a chain of the policy.
type Approval struct {
	Kind      ApprovalKind `json:"kind"`
	Signed    []Signature  `json:"signed"`
	Penalty   *Penalty     `json:"penalty,omitempty"`   // decide: the decision being approved
	Exemption *Exemption   `json:"exemption,omitempty"` // decide: a 不予处罚 decision
	Number    string       `json:"number,omitempty"`    // decide: 决定书文号
	Days      int          `json:"days,omitempty"`      // extend: calendar days asked for
}

// Case is a penalty case (行政处罚案件). It is a value: Decide returns a new
// one and never changes the one it was given.
type Case struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	District  string    `json:"district"`
	Procedure Procedure `json:"procedure"`
	Status    Status    `json:"status"`
	Party     Party     `json:"party"`
	Violation string    `json:"violation,omitempty"` // rulebook item ID
	// OccurredAt is when the act happened or, for a continuing act, ended:
	// the start of the limitation period (第三十六条).
	OccurredAt time.Time `json:"occurred_at"`
	// Grave marks an act endangering life, health or financial safety with
	// harm, whose limitation is five years instead of two (第三十六条).
	Grave  bool   `json:"grave,omitempty"`
	Source string `json:"source,omitempty"` // a casework case or sensor event this case came from
	// Summary is the lead as found or reported (案源摘要); Brigade is the
	// enforcement brigade (department code) that holds the case, for
	// jurisdiction beside District.
	Summary  string    `json:"summary,omitempty"`
	Brigade  string    `json:"brigade,omitempty"`
	Officers []Officer `json:"officers,omitempty"`
	Records  []Record  `json:"records,omitempty"`

	FiledAt    *time.Time `json:"filed_at,omitempty"`
	ExtendDays int        `json:"extend_days,omitempty"` // approved extensions of the 90-day clock
	Proposal   *Proposal  `json:"proposal,omitempty"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	Intended   *Penalty   `json:"intended,omitempty"` // as told at 告知: the ceiling after 陈述申辩 (第四十五条)
	Hearing    *Hearing   `json:"hearing,omitempty"`
	Decision   *Decision  `json:"decision,omitempty"`
	ServedAt   *time.Time `json:"served_at,omitempty"`
	ServedBy   string     `json:"served_by,omitempty"` // service method
	Paid       float64    `json:"paid,omitempty"`      // fine and surcharge paid, yuan
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Pending    *Approval  `json:"pending,omitempty"`
	// Lights are the lights of the legal clocks the last sweep warned about
	// ([Sweep]), so that a clock warns once per light, not on every pass.
	Lights map[ClockKind]worktime.Light `json:"lights,omitempty"`
	// NextDue is when the next clock warning falls due ([NextSweep]), kept
	// up to date by [Decide] and [Sweep]; nil when no clock will warn.
	NextDue   *time.Time `json:"next_due,omitempty"`
	Version   int        `json:"version"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Event is one immutable entry of the case timeline.
type Event struct {
	CaseID string         `json:"case_id"`
	Seq    int            `json:"seq"`
	Action Action         `json:"action"`
	From   Status         `json:"from"`
	To     Status         `json:"to"`
	Actor  string         `json:"actor_id"`
	Name   string         `json:"actor_name"`
	Post   org.Post       `json:"post"`
	At     time.Time      `json:"at"`
	Note   string         `json:"note,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
}

// clone copies the slices and pointers Decide may change, so the caller's
// case stays as it was.
func (c Case) clone() Case {
	n := c
	n.Officers = append([]Officer(nil), c.Officers...)
	n.Records = append([]Record(nil), c.Records...)
	if c.Proposal != nil {
		p := *c.Proposal
		n.Proposal = &p
	}
	if c.Hearing != nil {
		h := *c.Hearing
		n.Hearing = &h
	}
	if c.Pending != nil {
		a := *c.Pending
		a.Signed = append([]Signature(nil), c.Pending.Signed...)
		n.Pending = &a
	}
	return n
}

// isOfficer reports whether id is an officer on the case.
func (c *Case) isOfficer(id string) bool {
	for _, o := range c.Officers {
		if o.ID == id {
			return true
		}
	}
	return false
}

// has reports whether the case holds a record of kind k, backed or not:
// for steps whose record is not evidence.
func (c *Case) has(k RecordKind) bool {
	for _, r := range c.Records {
		if r.Kind == k {
			return true
		}
	}
	return false
}

// holds reports whether the case holds a record of kind k that counts: one
// backed by an exhibit in the vault when k is an evidence kind.
func (c *Case) holds(k RecordKind, ex []Exhibit) bool {
	for _, r := range c.Records {
		if r.Kind == k && backed(r, ex) {
			return true
		}
	}
	return false
}
