package enforce

import (
	"fmt"
	"time"

	"cityloop/internal/errs"
)

// ExemptionKind is a route to no penalty under 第三十三条.
type ExemptionKind string

const (
	// ExemptMinor is 轻微不罚 (第三十三条第一款第一句): minor, corrected in
	// time, no harm — the law says "不予行政处罚", so it is not optional.
	ExemptMinor ExemptionKind = "minor"
	// ExemptFirst is 首违不罚 (第三十三条第一款第二句): first violation, slight
	// harm, corrected in time — "可以不予行政处罚".
	ExemptFirst ExemptionKind = "first"
)

// ExemptionNames gives the Chinese and English names.
var ExemptionNames = map[ExemptionKind][2]string{
	ExemptMinor: {"轻微不罚", "Minor, not punished"},
	ExemptFirst: {"首违不罚", "First violation, not punished"},
}

// Education is a measure that goes with every exemption (第三十三条第三款:
// "应当对当事人进行教育") and with flexible enforcement (DOMAIN.md §7.4).
type Education string

const (
	EduPersuasion    Education = "persuasion"    // 说服教育
	EduDemonstration Education = "demonstration" // 劝导示范
	EduWarningTalk   Education = "warning_talk"  // 警示告诫
	EduInterview     Education = "interview"     // 约谈
)

// EducationNames gives the Chinese and English names.
var EducationNames = map[Education][2]string{
	EduPersuasion: {"说服教育", "Persuasion"}, EduDemonstration: {"劝导示范", "Demonstration"},
	EduWarningTalk: {"警示告诫", "Warning talk"}, EduInterview: {"约谈", "Interview"},
}

// Exemption records why a case ended without a penalty and the education given.
type Exemption struct {
	Kind      ExemptionKind `json:"kind"`
	Basis     string        `json:"basis"`
	Education []Education   `json:"education"`
	Note      string        `json:"note,omitempty"`
}

// Validate refuses an exemption without education: 第三十三条第三款 makes
// education the price of every exemption, and DOMAIN.md §11 lists "免罚
// without the education record" as a pitfall.
func (e Exemption) Validate() error {
	if _, ok := ExemptionNames[e.Kind]; !ok {
		return errs.Invalid("未知免罚类型 %q / unknown exemption kind %q", e.Kind, e.Kind).WithField("exemption.kind", "unknown")
	}
	if len(e.Education) == 0 {
		return errs.Invalid("免罚必须记录所作的教育（说服教育、警示告诫、约谈等）/ an exemption must record the education given").
			WithField("exemption.education", "required")
	}
	for _, x := range e.Education {
		if _, ok := EducationNames[x]; !ok {
			return errs.Invalid("未知教育方式 %q / unknown education %q", x, x).WithField("exemption.education", "unknown")
		}
	}
	return nil
}

// Violation is one earlier act of a party, as the store keeps it: the first
// violation check needs every earlier act, penalised or exempted alike,
// because an earlier exemption means this one is not the first.
type Violation struct {
	Party     string        `json:"party"`
	Violation string        `json:"violation"` // rulebook item ID
	At        time.Time     `json:"at"`
	Exempted  ExemptionKind `json:"exempted,omitempty"`
}

// Detection is the answer of [DetectExemption].
type Detection struct {
	Kind    ExemptionKind `json:"kind,omitempty"` // "" when no route is open
	Basis   string        `json:"basis,omitempty"`
	Reasons []string      `json:"reasons"` // why, or why not, bilingual
	Earlier []Violation   `json:"earlier,omitempty"`
}

// DetectExemption looks for a route to no penalty for party's act at `at`,
// over the party's history: 轻微不罚 when the act caused no harm and was
// corrected in time, 首违不罚 when additionally there is no earlier act of
// the same violation by the same party within window and the harm was at
// most slight. Only routes the item's exemption list opens are offered (the
// city's 免罚清单). The window is a policy figure (1–2 years is common,
// DOMAIN.md §7.4).
func DetectExemption(item *Item, party string, f Facts, history []Violation, at time.Time, window time.Duration) Detection {
	var d Detection
	var earlier []Violation
	for _, v := range history {
		if v.Party == party && v.Violation == item.ID && v.At.Before(at) && at.Sub(v.At) <= window {
			earlier = append(earlier, v)
		}
	}
	d.Earlier = earlier
	open := func(k ExemptionKind) bool { return containsExemption(item.Exempt, k) }
	if !f.Corrected {
		d.Reasons = append(d.Reasons, "未及时改正 / not corrected in time")
	}
	switch {
	case f.Corrected && f.Harm == HarmNone && len(earlier) == 0 && open(ExemptMinor):
		d.Kind, d.Basis = ExemptMinor, "行政处罚法第三十三条第一款"
		d.Reasons = append(d.Reasons, "违法行为轻微、及时改正、没有造成危害后果 / minor, corrected, no harm")
	case f.Corrected && f.Harm <= HarmSlight && len(earlier) == 0 && open(ExemptFirst):
		d.Kind, d.Basis = ExemptFirst, "行政处罚法第三十三条第一款"
		d.Reasons = append(d.Reasons, "初次违法、危害后果轻微、及时改正 / first violation, slight harm, corrected")
	default:
		if len(earlier) > 0 {
			d.Reasons = append(d.Reasons, fmt.Sprintf("%d 次前违法记录在 %s 窗口内 / %d earlier acts within the window",
				len(earlier), window, len(earlier)))
		}
		if f.Harm > HarmSlight {
			d.Reasons = append(d.Reasons, "危害后果不轻微 / harm more than slight")
		}
		if len(item.Exempt) == 0 {
			d.Reasons = append(d.Reasons, "该违法行为不在免罚清单 / the act is not on the exemption list")
		}
	}
	return d
}

func containsExemption(ks []ExemptionKind, k ExemptionKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// DecisionRecord is the summary of one decided case that the figures and the
// consistency report read; [RecordOf] derives it from a case.
type DecisionRecord struct {
	CaseID   string `json:"case_id"`
	Code     string `json:"code"` // the case number, for reports that link to the case
	District string `json:"district"`
	Officer  string `json:"officer"` // the 承办人
	// OfficerName is the 承办人's name as recorded on the case.
	OfficerName string        `json:"officer_name,omitempty"`
	Violation   string        `json:"violation"`
	Level       Level         `json:"level"`
	Party       PartyKind     `json:"party"`
	Fine        float64       `json:"fine"`
	Kinds       []Kind        `json:"kinds"`
	Minor       bool          `json:"minor"` // harm at most slight: a 轻微 case
	Exempted    ExemptionKind `json:"exempted,omitempty"`
	Required    int           `json:"required"` // records the law required
	Present     int           `json:"present"`  // of which present
	At          time.Time     `json:"at"`
}

// RecordOf summarises a decided case given its exhibits in the evidence
// vault (the completeness counts use [MissingRecords], the rule that gates
// the decision); ok is false for undecided cases.
func RecordOf(c Case, ex []Exhibit) (DecisionRecord, bool) {
	if c.Decision == nil {
		return DecisionRecord{}, false
	}
	r := DecisionRecord{CaseID: c.ID, Code: c.Code, District: c.District, Violation: c.Violation, Party: c.Party.Kind,
		Fine: c.Decision.Penalty.Fine, Kinds: c.Decision.Penalty.Kinds, At: c.Decision.At}
	if len(c.Officers) > 0 {
		r.Officer, r.OfficerName = c.Officers[0].ID, c.Officers[0].Name
	}
	if c.Proposal != nil {
		r.Level = c.Proposal.Benchmark.Level
		r.Minor = c.Proposal.Facts.Harm <= HarmSlight
	}
	if e := c.Decision.Exemption; e != nil {
		r.Exempted, r.Minor = e.Kind, true
	}
	req := RequiredRecords(c)
	r.Required = len(req)
	r.Present = len(req) - len(MissingRecords(c, ex))
	return r, true
}

// flexible reports whether the outcome used a flexible measure: no penalty,
// or a warning without any fine or heavier kind (DOMAIN.md §7.4; the seed
// plan's 2023 baseline is 23 % warnings and orders against 77 % fines).
func (r DecisionRecord) flexible() bool {
	if r.Exempted != "" {
		return true
	}
	if r.Fine > 0 {
		return false
	}
	for _, k := range r.Kinds {
		switch k {
		case KindWarning, KindOrderCorrect, KindEducation:
		default:
			return false
		}
	}
	return true
}

// Figure is one measured share with its formula beside it (DOMAIN.md §11:
// "show the formula beside each figure").
type Figure struct {
	Name        string  `json:"name"`
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
	Value       float64 `json:"value"` // 0..1; 0 when the denominator is 0
	Target      float64 `json:"target,omitempty"`
	Met         bool    `json:"met"`
	Formula     string  `json:"formula"`
}

func figure(name, formula string, num, den int, target float64) Figure {
	f := Figure{Name: name, Numerator: num, Denominator: den, Target: target, Formula: formula}
	if den > 0 {
		f.Value = float64(num) / float64(den)
	}
	f.Met = den > 0 && f.Value >= target
	return f
}

// Figures are the flexible-enforcement and record figures of the seed plan
// (§3.2: 轻微违法行为免罚率 30 %, 执法过程记录完整率 100 %).
type Figures struct {
	ExemptionRate Figure `json:"exemption_rate"`
	FlexibleShare Figure `json:"flexible_share"`
	Completeness  Figure `json:"record_completeness"`
}

// Measure computes the figures over decision records.
func Measure(rs []DecisionRecord) Figures {
	var minor, exempt, flex, complete int
	for _, r := range rs {
		if r.Minor {
			minor++
			if r.Exempted != "" {
				exempt++
			}
		}
		if r.flexible() {
			flex++
		}
		if r.Present >= r.Required {
			complete++
		}
	}
	return Figures{
		ExemptionRate: figure("轻微违法免罚率 / exemption rate of minor cases",
			"免罚的轻微案件 ÷ 轻微案件（危害后果轻微或无） / exempted minor cases ÷ minor cases", exempt, minor, 0.30),
		FlexibleShare: figure("柔性措施占比 / share of flexible measures",
			"免罚、警告或仅责令改正的案件 ÷ 已决定案件 / exempted, warned or corrected-only cases ÷ decided cases", flex, len(rs), 0),
		Completeness: figure("执法过程记录完整率 / record completeness",
			"应有记录齐全的案件 ÷ 已决定案件 / decided cases with every required record ÷ decided cases", complete, len(rs), 1.0),
	}
}
