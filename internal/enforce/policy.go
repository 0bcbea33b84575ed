package enforce

import (
	"fmt"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// PostLegalReviewer is the 法制审核 post (第五十八条).
const PostLegalReviewer = org.PostLegalReviewer

// Summary-procedure ceilings of 第五十一条, in yuan. They are the law's, not
// a city's choice, so they are constants rather than policy.
const (
	SummaryMaxPerson       = 200.0
	SummaryMaxOrganisation = 3000.0
)

// ApprovalKind names an approval chain.
type ApprovalKind string

const (
	ApproveFiling   ApprovalKind = "file"   // 立案审批
	ApproveDecision ApprovalKind = "decide" // 行政处罚审批
	ApproveClosing  ApprovalKind = "close"  // 结案审批
	ApproveExtend   ApprovalKind = "extend" // 延长办案期限审批 (第六十条 "另有规定")
)

// Step is one link of an approval chain: 承办人 → 法制机构 → 分管领导 → 主要领导.
type Step struct {
	Name catalog.Text `json:"name"`
	Post org.Post     `json:"post"`
}

// Threshold is a fine amount per kind of party, yuan.
type Threshold struct {
	Person       float64 `json:"person"`
	Organisation float64 `json:"organisation"`
}

func (t Threshold) of(k PartyKind) float64 {
	if k == Organisation {
		return t.Organisation
	}
	return t.Person
}

// Policy is a city's editable procedure data: approval chains and the
// criteria for major decisions and hearings. The law leaves these figures to
// provinces and agencies (DOMAIN.md §7.2 marks them uncertain), so they are
// data, never code.
type Policy struct {
	Chains map[ApprovalKind][]Step `json:"chains"`
	// MajorFine: a fine above it makes the decision major (重大执法决定, 第五十八条).
	MajorFine Threshold `json:"major_fine"`
	// MajorKinds make a decision major whatever the amount.
	MajorKinds []Kind `json:"major_kinds"`
	// HearingFine: a fine at or above it is "较大数额" and gives the party the
	// right to a hearing (第六十三条第一款第一项).
	HearingFine Threshold `json:"hearing_fine"`
	// HearingKinds give the right to a hearing whatever the amount (第六十三条).
	HearingKinds []Kind `json:"hearing_kinds"`
	// ExtendMaxDays caps one approved extension of the 90-day clock
	// (住建部令第55号 practice; uncertain, hence policy).
	ExtendMaxDays int `json:"extend_max_days"`
	// StatementDays is the working-day window for 陈述申辩 after 告知 when no
	// hearing is at stake; the law names no figure, agencies commonly use 3.
	StatementDays int `json:"statement_days"`
}

// DefaultPolicy is a starting point that follows the law and common
// provincial figures; a city edits it.
func DefaultPolicy() Policy {
	handler := Step{Name: catalog.Text{Zh: "承办人", En: "Case officer"}, Post: org.PostEnforcer}
	legal := Step{Name: catalog.Text{Zh: "法制机构", En: "Legal office"}, Post: PostLegalReviewer}
	deputy := Step{Name: catalog.Text{Zh: "分管领导", En: "Deputy head"}, Post: org.PostLeader}
	head := Step{Name: catalog.Text{Zh: "主要领导", En: "Head"}, Post: org.PostLeader}
	return Policy{
		Chains: map[ApprovalKind][]Step{
			ApproveFiling:   {handler, deputy},
			ApproveDecision: {handler, legal, deputy, head},
			ApproveClosing:  {handler, deputy},
			ApproveExtend:   {handler, head},
		},
		MajorFine:     Threshold{Person: 10000, Organisation: 100000},
		MajorKinds:    []Kind{KindRevokeLicence, KindClosure, KindSuspendBusiness, KindDemolish, KindConfiscateProperty},
		HearingFine:   Threshold{Person: 5000, Organisation: 50000},
		HearingKinds:  []Kind{KindRevokeLicence, KindDowngrade, KindClosure, KindSuspendBusiness, KindRestrictPractice, KindConfiscateProperty},
		ExtendMaxDays: 30,
		StatementDays: 3,
	}
}

// Validate refuses a policy that cannot work: a chain without steps, a step
// with an unknown post, thresholds that are not positive.
func (p Policy) Validate() error {
	for _, k := range []ApprovalKind{ApproveFiling, ApproveDecision, ApproveClosing, ApproveExtend} {
		steps := p.Chains[k]
		if len(steps) == 0 {
			return errs.Invalid("审批链 %s 没有环节 / approval chain %s has no steps", k, k).WithField("chains", string(k))
		}
		for i, s := range steps {
			if !s.Post.Valid() {
				return errs.Invalid("审批链 %s 第 %d 环节的岗位 %q 未知 / step %d of chain %s has unknown post %q", k, i+1, s.Post, i+1, k, s.Post).
					WithField("chains", string(k))
			}
		}
	}
	if p.MajorFine.Person <= 0 || p.MajorFine.Organisation <= 0 || p.HearingFine.Person <= 0 || p.HearingFine.Organisation <= 0 {
		return errs.Invalid("重大决定与听证的罚款门槛必须为正数 / major and hearing fine thresholds must be positive")
	}
	if p.ExtendMaxDays < 0 || p.StatementDays <= 0 {
		return errs.Invalid("延期上限不能为负、陈述申辩期必须为正 / extension cap must not be negative and the statement period must be positive")
	}
	return nil
}

// MajorReasons says why a penalty is a major decision needing 法制审核
// (第五十八条第一款): a fine above the threshold, a major kind, a penalty
// outside the benchmark, or a hearing held (第五十八条第一款第二项). Empty
// means not major.
func (p Policy) MajorReasons(party PartyKind, pen Penalty, outside, heard bool) []string {
	var out []string
	if limit := p.MajorFine.of(party); pen.Fine > limit {
		out = append(out, fmt.Sprintf("罚款 %.2f 元超过重大门槛 %.0f 元 / fine above the major threshold", pen.Fine, limit))
	}
	for _, k := range pen.Kinds {
		if containsKind(p.MajorKinds, k) {
			out = append(out, fmt.Sprintf("处罚种类 %s 属重大执法决定 / kind %s is major", KindNames[k].Zh, k))
		}
	}
	if outside {
		out = append(out, "超出裁量基准 / outside the discretion benchmark")
	}
	if heard {
		out = append(out, "经过听证程序 / decided after a hearing")
	}
	return out
}

// HearingRight reports whether the party may ask for a hearing (第六十三条).
func (p Policy) HearingRight(party PartyKind, pen Penalty) bool {
	if pen.Fine >= p.HearingFine.of(party) || pen.Confiscated >= p.HearingFine.of(party) {
		return true
	}
	for _, k := range pen.Kinds {
		if containsKind(p.HearingKinds, k) {
			return true
		}
	}
	return false
}

func containsKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
