package enforce

import (
	"errors"
	"slices"
	"strings"

	"cityloop/internal/errs"
)

// Media is what a piece of evidence in the vault is: the values of
// evidence.Kind, repeated here because enforce imports no adapter.
type Media string

// The media of vault evidence.
const (
	MediaPhoto    Media = "photo"
	MediaVideo    Media = "video"
	MediaAudio    Media = "audio"
	MediaDocument Media = "document"
)

// Exhibit is one piece of evidence uploaded through the evidence vault for
// the case (tus, SHA-256, chain of custody): what the store of evidence
// holds under the case's id. The layers above read a case's exhibits into
// [Env].Exhibits and pass them to [MissingRecords]; the domain never trusts
// a file name it cannot find among them.
type Exhibit struct {
	ID    string `json:"id"`
	Media Media  `json:"media"`
}

// vaultMedia are the record kinds that are themselves evidence (全过程记录,
// 第四十七条; 调查取证 and 勘验, 第五十五条) with the media that may back them.
// Such a record counts only with at least one exhibit of the case in its
// Files, and it cannot be entered naming a file the vault does not hold
// for the case: a photo of the scene is a photo in the vault, a 勘验 record
// is its signed scan, its photos or its video, an inquiry its signed scan or
// its recording.
var vaultMedia = map[RecordKind][]Media{
	RecAudioVideo: {MediaVideo, MediaAudio},
	RecPhoto:      {MediaPhoto},
	RecInspection: {MediaDocument, MediaPhoto, MediaVideo},
	RecInquiry:    {MediaDocument, MediaAudio, MediaVideo},
}

// backed reports whether r is backed by an exhibit of ex: always for a
// record that is not itself evidence, else when one of its files is an
// exhibit of a fitting medium.
func backed(r Record, ex []Exhibit) bool {
	media, ok := vaultMedia[r.Kind]
	if !ok {
		return true
	}
	for _, f := range r.Files {
		for _, e := range ex {
			if e.ID == f && slices.Contains(media, e.Media) {
				return true
			}
		}
	}
	return false
}

// checkExhibits refuses a record of an evidence kind whose files are not
// exhibits of the case in the vault, naming the files and the media
// expected, so the officer knows to upload first (422 with
// missing_records).
func checkExhibits(r Record, ex []Exhibit) error {
	media, ok := vaultMedia[r.Kind]
	if !ok {
		return nil
	}
	return checkMedia(r, media, ex)
}

// receiptMedia may back a 送达回证: the signed receipt scanned or
// photographed, or the electronic-service system's receipt (第六十一条).
var receiptMedia = []Media{MediaDocument, MediaPhoto}

// checkReceipt refuses a service without its proof in the vault: the
// signed 送达回证, or for electronic service (with the party's consent)
// the system's receipt of delivery, as exhibits of the case.
func checkReceipt(r *Record, method ServiceMethod, ex []Exhibit) error {
	if r == nil || len(r.Files) == 0 {
		zh, en := "签收的送达回证（扫描件或照片）", "the signed proof of service (a scan or photo)"
		if method == ServeElectronic {
			zh, en = "电子送达系统的送达回执", "the electronic-service system's receipt of delivery"
		}
		return errs.Unprocessable("送达须附送达回证（第六十一条）：请先将%s上传至本案证据库，再在“送达回证”中填写其证据编号 / service needs its proof (Art. 61): upload %s to this case's evidence vault first and give its evidence id",
			zh, en).
			With("missing_records", []RecordKind{RecService}).WithField("record.files", "proof of service required")
	}
	err := checkMedia(Record{Kind: RecService, Files: r.Files}, receiptMedia, ex)
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	bad, _ := e.Details["unknown_evidence"].([]string)
	return errs.Unprocessable("送达回证 %s 不在本案证据库中，或不是扫描件、照片：请先上传 / the proof of service %s is not in this case's vault or is not a scan or photo: upload it through /api/v1/enforcement/evidence-uploads/ first",
		strings.Join(bad, "、"), strings.Join(bad, ", ")).
		With("missing_records", []RecordKind{RecService}).With("unknown_evidence", bad).WithField("record.files", "not in the evidence vault")
}

// checkMedia refuses r unless every file is an exhibit of the case of
// one of media.
func checkMedia(r Record, media []Media, ex []Exhibit) error {
	var bad []string
	for _, f := range r.Files {
		found := false
		for _, e := range ex {
			if e.ID == f && slices.Contains(media, e.Media) {
				found = true
				break
			}
		}
		if !found {
			bad = append(bad, f)
		}
	}
	names := make([]string, len(media))
	for i, m := range media {
		names[i] = string(m)
	}
	switch {
	case len(r.Files) == 0:
		return errs.Unprocessable("%s记录须附本案证据库中的证据（%s），请先上传 / a %s record needs evidence of this case from the evidence vault (%s): upload it first",
			r.Kind, strings.Join(names, "、"), r.Kind, strings.Join(names, ", ")).
			With("missing_records", []RecordKind{r.Kind}).WithField("record.files", "required")
	case len(bad) > 0:
		return errs.Unprocessable("证据 %s 不在本案证据库中或类型不符（%s 记录需要 %s），请先通过证据上传 / evidence %s is not in this case's vault or is not %s: upload it through /api/v1/enforcement/evidence-uploads/ first",
			strings.Join(bad, "、"), r.Kind, strings.Join(names, "、"), strings.Join(bad, ", "), strings.Join(names, " or ")).
			With("missing_records", []RecordKind{r.Kind}).With("unknown_evidence", bad).WithField("record.files", "not in the evidence vault")
	}
	return nil
}

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

// MissingRecords lists the requirements of [RequiredRecords] the case
// lacks, given its exhibits in the evidence vault: a record of an evidence
// kind ([NeedsExhibit]) counts only when backed by one of them. The
// decision, archiving and the 记录完整率 figure all ask this one function.
func MissingRecords(c Case, ex []Exhibit) []Requirement { return missing(&c, ex, RequiredRecords(c)) }

func missing(c *Case, ex []Exhibit, reqs []Requirement) []Requirement {
	var out []Requirement
	for _, r := range reqs {
		ok := false
		for _, k := range r.Kinds {
			if c.holds(k, ex) {
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
