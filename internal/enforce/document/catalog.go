package document

import (
	"slices"

	"cityloop/internal/enforce"
)

// Code names a kind of enforcement document, in English snake case.
type Code string

const (
	FilingApproval     Code = "filing_approval"     // 立案审批表 (第五十四条)
	InquiryRecord      Code = "inquiry_record"      // 询问笔录 (第五十五条)
	InspectionRecord   Code = "inspection_record"   // 勘验检查笔录 (第五十五条)
	RightsNotice       Code = "rights_notice"       // 权利告知书 (第四十四条、第五十五条)
	RectificationOrder Code = "rectification_order" // 责令限期改正通知书 (第二十八条)
	PenaltyNotice      Code = "penalty_notice"      // 行政处罚告知书 (第四十四条、第六十三条)
	PenaltyDecision    Code = "penalty_decision"    // 行政处罚决定书 (第五十九条)
	ServiceReceipt     Code = "service_receipt"     // 送达回证 (第六十一条)
	ClosingRegister    Code = "closing_register"    // 结案登记表
)

// Entry describes one kind of document: its names, the word of its number
// (文号中的文书代字) and the case statuses in which it is part of the case
// file, so an endpoint can list a case's documents from its status alone.
type Entry struct {
	Code Code   `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
	// Word follows the agency's abbreviation in the number: 某城管 + 罚决字.
	Word string `json:"word"`
	// Statuses are the statuses of a penalty case (ordinary procedure) in
	// which the document exists: from the step that makes it to 归档.
	Statuses []enforce.Status `json:"statuses"`
	// Summary says the document also belongs to a case decided on the spot
	// (简易程序, 第五十一条、第五十二条), whose file holds the decision and its
	// receipt but none of the investigation's papers.
	Summary bool `json:"summary"`
}

// afterFiling are the statuses of a filed case, in procedural order.
var afterFiling = []enforce.Status{
	enforce.StatusInvestigating, enforce.StatusReviewing, enforce.StatusLegalReview,
	enforce.StatusPendingNotice, enforce.StatusNotified, enforce.StatusHearing,
	enforce.StatusPendingDecision, enforce.StatusDecided, enforce.StatusExecuting,
	enforce.StatusReferred, enforce.StatusClosed, enforce.StatusArchived,
}

// from returns the statuses of afterFiling from s on.
func from(s enforce.Status) []enforce.Status {
	i := slices.Index(afterFiling, s)
	return slices.Clone(afterFiling[i:])
}

// catalog is the fixed list of documents in the order a case file holds
// them. It is data, never changed after start; Catalog hands out copies.
var catalog = []Entry{
	{FilingApproval, "立案审批表", "Filing approval form", "立审字",
		append([]enforce.Status{enforce.StatusLead, enforce.StatusNotFiled}, afterFiling...), false},
	{InspectionRecord, "勘验检查笔录", "Inspection record", "勘字", from(enforce.StatusInvestigating), false},
	{InquiryRecord, "询问笔录", "Inquiry record", "询字", from(enforce.StatusInvestigating), false},
	{RightsNotice, "权利告知书", "Notice of rights", "权告字", from(enforce.StatusInvestigating), false},
	{RectificationOrder, "责令限期改正通知书", "Order to correct within a time limit", "责改字", from(enforce.StatusInvestigating), true},
	{PenaltyNotice, "行政处罚告知书", "Notice of intended penalty", "罚告字", from(enforce.StatusPendingNotice), false},
	{PenaltyDecision, "行政处罚决定书", "Penalty decision", "罚决字", from(enforce.StatusDecided), true},
	{ServiceReceipt, "送达回证", "Proof of service", "送字", from(enforce.StatusPendingNotice), true},
	{ClosingRegister, "结案登记表", "Case closing register", "结字", from(enforce.StatusClosed), true},
}

// Catalog lists every document kind with its Chinese and English names and
// the statuses it belongs to, in case-file order. The result is a copy.
func Catalog() []Entry {
	out := make([]Entry, len(catalog))
	for i, e := range catalog {
		e.Statuses = slices.Clone(e.Statuses)
		out[i] = e
	}
	return out
}

// Lookup finds the entry of code.
func Lookup(code Code) (Entry, bool) {
	for _, e := range catalog {
		if e.Code == code {
			e.Statuses = slices.Clone(e.Statuses)
			return e, true
		}
	}
	return Entry{}, false
}

// ForStatus lists the documents a case in status st holds, in case-file
// order; for a case decided on the spot (summary true) only those of the
// summary procedure, once it has a decision.
func ForStatus(st enforce.Status, summary bool) []Entry {
	var out []Entry
	for _, e := range Catalog() {
		if summary && !e.Summary {
			continue
		}
		if slices.Contains(e.Statuses, st) {
			out = append(out, e)
		}
	}
	return out
}
