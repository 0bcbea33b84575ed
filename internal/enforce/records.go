package enforce

import "strings"

// Requirement is a record the law requires at some point of the case: any
// one of Kinds satisfies it.
type Requirement struct {
	Kinds []RecordKind `json:"kinds"`
	Why   string       `json:"why"`
}

var (
	reqEvidence   = Requirement{Kinds: evidenceKinds, Why: "现场检查(勘验)或询问笔录（第五十五条）/ inspection or inquiry record (Art. 55)"}
	reqAudioVideo = Requirement{Kinds: []RecordKind{RecAudioVideo}, Why: "执法全过程音视频记录（第四十七条）/ audio-visual record of the process (Art. 47)"}
	reqScene      = Requirement{Kinds: []RecordKind{RecAudioVideo, RecPhoto}, Why: "现场照片或音视频（第四十七条）/ photo or audio-visual record (Art. 47)"}
)

// RequiredRecords lists the records the law requires of the case as far as
// it has gone. The ordinary procedure needs evidence and the audio-visual
// record (第四十七条、第五十五条), the collective discussion when complex
// (第五十七条), the legal-review opinion when major or outside the benchmark
// (第五十八条), the notice and the statement or waiver before a penalty
// (第四十四条、第四十五条、第六十二条), the hearing notice and minutes when a
// hearing was asked for (第六十四条), then the decision and its service.
func RequiredRecords(c Case) []Requirement {
	one := func(k RecordKind, why string) Requirement { return Requirement{Kinds: []RecordKind{k}, Why: why} }
	var out []Requirement
	exempt := c.Decision != nil && c.Decision.Exemption != nil
	if c.Procedure == Summary {
		out = append(out, reqScene)
		if exempt {
			out = append(out, one(RecEducation, "教育记录（第三十三条第三款）/ education record (Art. 33)"))
		} else if c.Decision != nil {
			out = append(out, one(RecNotice, "当场告知（第五十二条）/ told on the spot (Art. 52)"),
				one(RecService, "当场交付（第五十二条）/ handed over (Art. 52)"))
		}
		if c.Decision != nil {
			out = append(out, one(RecDecision, "行政处罚决定书 / decision"))
		}
		return out
	}
	out = append(out, reqEvidence, reqAudioVideo)
	if p := c.Proposal; p != nil {
		if p.Complex {
			out = append(out, one(RecDiscussion, "集体讨论记录（第五十七条第二款）/ collective discussion (Art. 57)"))
		}
		if len(p.Major) > 0 || p.Outside {
			out = append(out, one(RecLegalReview, "法制审核意见（第五十八条）/ legal review opinion (Art. 58)"))
		}
	}
	if !exempt && (c.NotifiedAt != nil || c.Status == StatusPendingDecision || c.Decision != nil) {
		out = append(out, one(RecNotice, "事先告知书（第四十四条）/ notice (Art. 44)"),
			one(RecStatement, "陈述申辩笔录或放弃记录（第四十五条）/ statement or waiver (Art. 45)"))
	}
	if c.Hearing != nil {
		out = append(out, one(RecHearingNote, "听证通知书（第六十四条）/ hearing notice (Art. 64)"),
			one(RecHearing, "听证笔录（第六十四条）/ hearing minutes (Art. 64)"))
	}
	if c.Decision != nil {
		out = append(out, one(RecDecision, "行政处罚决定书（第五十九条）/ decision (Art. 59)"))
		if exempt {
			out = append(out, one(RecEducation, "教育记录（第三十三条第三款）/ education record (Art. 33)"))
		}
	}
	if c.ServedAt != nil || c.Status == StatusExecuting || c.Status == StatusReferred || c.Status == StatusClosed || c.Status == StatusArchived {
		out = append(out, one(RecService, "送达回证（第六十一条）/ proof of service (Art. 61)"))
	}
	return out
}

// MissingRecords lists the requirements of [RequiredRecords] the case lacks.
func MissingRecords(c Case) []Requirement { return missing(&c, RequiredRecords(c)) }

func missing(c *Case, reqs []Requirement) []Requirement {
	var out []Requirement
	for _, r := range reqs {
		ok := false
		for _, k := range r.Kinds {
			if c.has(k) {
				ok = true
				break
			}
		}
		if !ok {
			out = append(out, r)
		}
	}
	return out
}

func reqNames(rs []Requirement) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.Why
	}
	return strings.Join(s, "；")
}

func reqKinds(rs []Requirement) []RecordKind {
	var out []RecordKind
	for _, r := range rs {
		out = append(out, r.Kinds...)
	}
	return out
}
