package document

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// The cases below are played through enforce.Decide, as the service does,
// so FromCase is tested on what the procedure really leaves behind (the
// approvals live only in the events, the records carry the evidence).

func who(id, name string, p org.Post) org.Actor {
	return org.Actor{ID: id, Name: name, Grants: []org.Grant{{Post: p}}}
}

var (
	dO1       = who("o1", "李明", org.PostEnforcer)
	dO2       = who("o2", "王芳", org.PostEnforcer)
	dDeputy   = who("L1", "陈刚", org.PostLeader)
	dHead     = who("L2", "周伟", org.PostLeader)
	dReviewer = who("R1", "赵静", enforce.PostLegalReviewer)
	dOfficers = []enforce.Officer{{ID: "o1", Name: "李明", Certificate: "32010012345"}, {ID: "o2", Name: "王芳", Certificate: "32010012346"}}
	dPerson   = enforce.PartyDetail{Kind: enforce.Person, Name: "张三丰", IDNumber: "110101199003071234", Phone: "13800138000", Address: "建设路18号"}
	dCompany  = enforce.PartyDetail{Kind: enforce.Organisation, Name: "某某餐饮有限公司", USCC: "91320102MA1XXXXX0A", Representative: "钱多多", Phone: "02584000000"}
)

// play runs a case through commands, an hour apart, keeping its events as
// the store would.
type play struct {
	t      *testing.T
	env    enforce.Env
	c      enforce.Case
	events []enforce.Event
}

func newPlay(t *testing.T, party enforce.PartyDetail, violation string) *play {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := enforce.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC) // Monday 09:00 in Beijing
	c := enforce.Case{ID: "pc1", Code: "ZF2026-00001", District: "320102", Procedure: enforce.Ordinary, Status: enforce.StatusLead,
		Party: enforce.Party{ID: "party-1", Name: party.Name, Kind: party.Kind}, Violation: violation,
		OccurredAt: now.Add(-48 * time.Hour), Summary: "中山路与北京东路交叉口人行道占道经营。", Version: 1, UpdatedAt: now}
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: "o1", Name: "李明", Post: org.PostEnforcer, At: now}
	return &play{t: t, env: enforce.Env{Now: now, Cal: cal, Rulebook: rb, Policy: enforce.DefaultPolicy(), Window: 365 * 24 * time.Hour,
		Exhibits: []enforce.Exhibit{{ID: "s1", Media: enforce.MediaDocument}, {ID: "s2", Media: enforce.MediaAudio},
			{ID: "p1", Media: enforce.MediaPhoto}, {ID: "p2", Media: enforce.MediaPhoto}, {ID: "p3", Media: enforce.MediaPhoto},
			{ID: "v1", Media: enforce.MediaVideo}, {ID: "scene-1", Media: enforce.MediaPhoto}}},
		c: c, events: []enforce.Event{ev}}
}

func (p *play) do(d time.Duration, cmd enforce.Command) *play {
	p.t.Helper()
	p.env.Now = p.env.Now.Add(d)
	next, evs, err := enforce.Decide(p.c, cmd, p.env)
	if err != nil {
		p.t.Fatalf("%s from %s: %v", cmd.Action, p.c.Status, err)
	}
	p.c, p.events = next, append(p.events, evs...)
	return p
}

// benchmark is a penalty inside the benchmark for the case's facts.
func (p *play) benchmark(f enforce.Facts) *enforce.Penalty {
	p.t.Helper()
	f.Party = p.c.Party.Kind
	out, err := enforce.Evaluate(p.env.Rulebook, p.c.Violation, f)
	if err != nil {
		p.t.Fatal(err)
	}
	return &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: out.Amount.Min + (out.Amount.Max-out.Amount.Min)/2}
}

var dFacts = enforce.Facts{Area: 6, Duration: 3, Harm: enforce.HarmSlight}

func (p *play) investigated() *play {
	h := time.Hour
	return p.do(h, enforce.Command{Action: enforce.ActProposeFiling, Actor: dO1, Officers: dOfficers, Note: "符合立案条件，建议立案。"}).
		do(h, enforce.Command{Action: enforce.ActApprove, Actor: dDeputy, Note: "同意立案，由李明、王芳承办。"}).
		do(h, enforce.Command{Action: enforce.ActRecord, Actor: dO1, Record: &enforce.Record{Kind: enforce.RecInspection, Officers: []string{"o1", "o2"}, Files: []string{"s1"},
			Note: "现场人行道摆放货架两组，占地约6平方米。"}}).
		do(h, enforce.Command{Action: enforce.ActRecord, Actor: dO1, Record: &enforce.Record{Kind: enforce.RecInquiry, Officers: []string{"o1", "o2"}, Files: []string{"s2"},
			Note: "问：货架是谁摆放的？答：是我摆的。问：是否经过批准？答：没有。"}}).
		do(h, enforce.Command{Action: enforce.ActRecord, Actor: dO2, Record: &enforce.Record{Kind: enforce.RecPhoto, Files: []string{"p1", "p2", "p3"}}}).
		do(h, enforce.Command{Action: enforce.ActRecord, Actor: dO2, Record: &enforce.Record{Kind: enforce.RecAudioVideo, Files: []string{"v1"}}})
}

func (p *play) notified() *play {
	h := time.Hour
	return p.investigated().
		do(h, enforce.Command{Action: enforce.ActConclude, Actor: dO1, Facts: &dFacts, Penalty: p.benchmark(dFacts)}).
		do(h, enforce.Command{Action: enforce.ActReview, Actor: dDeputy, Complex: boolPtr(false)}).
		do(h, enforce.Command{Action: enforce.ActNotify, Actor: dO1})
}

func (p *play) decided() *play {
	h := time.Hour
	return p.notified().
		do(h, enforce.Command{Action: enforce.ActEndStatement, Actor: dO1, Waived: true}).
		do(h, enforce.Command{Action: enforce.ActProposeDecision, Actor: dO1, Penalty: p.c.Intended}).
		do(h, enforce.Command{Action: enforce.ActApprove, Actor: dReviewer, Note: "事实清楚，证据确凿，程序合法。"}).
		do(h, enforce.Command{Action: enforce.ActApprove, Actor: dDeputy}).
		do(h, enforce.Command{Action: enforce.ActApprove, Actor: dHead})
}

func (p *play) closed() *play {
	h := time.Hour
	p.decided().do(h, enforce.Command{Action: enforce.ActServe, Actor: dO2, Method: enforce.ServeDirect, Record: &enforce.Record{Files: []string{"s1"}}})
	return p.do(24*h, enforce.Command{Action: enforce.ActPay, Actor: dO1, Amount: p.c.Decision.Penalty.Fine}).
		do(h, enforce.Command{Action: enforce.ActProposeClosing, Actor: dO1}).
		do(h, enforce.Command{Action: enforce.ActApprove, Actor: dDeputy, Note: "同意结案。"}).
		do(h, enforce.Command{Action: enforce.ActArchive, Actor: dO2})
}

func boolPtr(b bool) *bool { return &b }

func (p *play) source(party enforce.PartyDetail) Source {
	return Source{Case: &p.c, Party: party, Events: p.events, Bureau: "示范市城市管理综合行政执法局", Places: []string{"示范市", "玄武区"},
		Rulebook: p.env.Rulebook, Policy: p.env.Policy, Numbers: map[Code]string{PenaltyDecision: "示范城管罚决字〔2026〕第0003号"}}
}

func TestFromCase(t *testing.T) {
	photo := &enforce.Record{Kind: enforce.RecPhoto, Files: []string{"scene-1"}}
	tests := []struct {
		name  string
		build func(t *testing.T) (*play, enforce.PartyDetail)
		code  Code
		check func(t *testing.T, c *Case, p *play)
	}{
		{"a lead names the violation from the rulebook", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "ROAD-01"), dPerson
		}, FilingApproval, func(t *testing.T, c *Case, p *play) {
			it, _ := p.env.Rulebook.Item("ROAD-01")
			want(t, "cause", c.Cause, it.Name.Zh+"案")
			want(t, "prohibition", c.Basis.Prohibition, "《"+it.Prohibition.Law+"》"+it.Prohibition.Article)
			want(t, "place", c.Place, "示范市玄武区")
			want(t, "source", c.Source, "执法巡查发现")
			if len(c.Approvals) != 0 || !c.FiledAt.IsZero() || !c.IssuedAt.IsZero() || c.Facts != "中山路与北京东路交叉口人行道占道经营。" {
				t.Errorf("a lead has approvals %v, filed %v, issued %v, facts %q", c.Approvals, c.FiledAt, c.IssuedAt, c.Facts)
			}
		}},
		{"filing approval: the officers and the filing chain", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").investigated(), dPerson
		}, FilingApproval, func(t *testing.T, c *Case, p *play) {
			if len(c.Officers) != 2 || c.Officers[0] != (Officer{"李明", "32010012345"}) || c.Officers[1].Certificate != "32010012346" {
				t.Errorf("officers %+v", c.Officers)
			}
			if len(c.Approvals) != 2 || c.Approvals[0].Role != "承办人意见" || c.Approvals[0].Name != "李明" || c.Approvals[0].Opinion != "符合立案条件，建议立案。" ||
				c.Approvals[1].Role != "分管领导意见" || c.Approvals[1].Name != "陈刚" || c.Approvals[1].Opinion != "同意立案，由李明、王芳承办。" ||
				c.Approvals[1].Kind != enforce.ApproveFiling || c.Approvals[1].At.IsZero() {
				t.Errorf("approvals %+v", c.Approvals)
			}
			if c.FiledAt.IsZero() || !c.IssuedAt.Equal(c.FiledAt) || !c.FiledAt.Equal(*p.c.FiledAt) {
				t.Errorf("filed %v issued %v", c.FiledAt, c.IssuedAt)
			}
		}},
		{"records: evidence lines, inspection and inquiry", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").investigated(), dPerson
		}, InquiryRecord, func(t *testing.T, c *Case, p *play) {
			want(t, "evidence", strings.Join(c.Evidence, "|"), "现场检查（勘验）笔录1份|询问笔录1份|现场照片3张|执法音视频记录1段")
			want(t, "findings", c.Inspect.Findings, "现场人行道摆放货架两组，占地约6平方米。")
			want(t, "present", c.Inspect.Present, "张三丰")
			want(t, "recorder", c.Inspect.Recorder, "王芳")
			want(t, "inquirer", c.Inquiry.Inquirer+"/"+c.Inquiry.Recorder, "李明/王芳")
			if len(c.Inquiry.QA) != 2 || c.Inquiry.QA[1] != (QA{"是否经过批准？", "没有。"}) {
				t.Errorf("qa %+v", c.Inquiry.QA)
			}
			if c.IssuedAt.IsZero() || !c.IssuedAt.Equal(c.Inquiry.Start) {
				t.Errorf("issued %v, inquiry %v", c.IssuedAt, c.Inquiry.Start)
			}
			if len(c.Approvals) != 0 {
				t.Errorf("an inquiry record carries approvals %+v", c.Approvals)
			}
		}},
		{"notice: the intended penalty, the benchmark and the statement period", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").notified(), dPerson
		}, PenaltyNotice, func(t *testing.T, c *Case, p *play) {
			b := p.c.Proposal.Benchmark
			if !c.Decision.HasFine() || c.Decision.Fine != p.c.Intended.Fine || c.Discretion.Level != b.Level ||
				c.Discretion.Range != FormatAmount(b.Amount.Min)+"元以上"+FormatAmount(b.Amount.Max)+"元以下" {
				t.Errorf("decision %+v discretion %+v benchmark %+v", c.Decision, c.Discretion, b.Amount)
			}
			if c.Statement.Days != 3 || c.Hearing.Eligible || c.NotifiedAt.IsZero() || !c.IssuedAt.Equal(c.NotifiedAt) {
				t.Errorf("statement %+v hearing %+v notified %v issued %v", c.Statement, c.Hearing, c.NotifiedAt, c.IssuedAt)
			}
			for _, s := range []string{"占道经营。涉及面积", "涉及面积约6平方米", "持续约3日", "危害后果轻微", "未及时改正"} {
				if !strings.Contains(c.Facts, s) {
					t.Errorf("facts %q lack %q", c.Facts, s)
				}
			}
		}},
		{"decision: penalty, dates and basis of the benchmark", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").decided(), dPerson
		}, PenaltyDecision, func(t *testing.T, c *Case, p *play) {
			if c.Decision.Fine != p.c.Decision.Penalty.Fine || c.Decision.KindsZh() != "罚款" || !c.DecidedAt.Equal(p.c.Decision.At) ||
				!c.IssuedAt.Equal(c.DecidedAt) || c.FiledAt.IsZero() || c.NotifiedAt.IsZero() {
				t.Errorf("decision %+v decided %v issued %v", c.Decision, c.DecidedAt, c.IssuedAt)
			}
			want(t, "penalty basis", c.Basis.Penalty, cite(p.c.Proposal.Benchmark.Penalty))
			want(t, "party", c.Party.Name+" "+c.Party.IDNumber+" "+c.Party.Phone, "张三丰 110101199003071234 13800138000")
			if err := c.Validate(); err != nil {
				t.Errorf("the mapped case does not validate: %v", err)
			}
		}},
		{"closing register: service, payment, closing chain and archivist", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").closed(), dPerson
		}, ClosingRegister, func(t *testing.T, c *Case, p *play) {
			if len(c.Approvals) != 2 || c.Approvals[0].Kind != enforce.ApproveClosing || c.Approvals[1].Opinion != "同意结案。" {
				t.Errorf("closing approvals %+v", c.Approvals)
			}
			if !strings.Contains(c.Closing.Result, "缴纳罚款"+FormatAmount(p.c.Decision.Penalty.Fine)+"元") || c.Closing.Reason != "行政处罚决定已执行完毕。" ||
				c.Closing.Archivist != "王芳" || c.ClosedAt.IsZero() || !c.IssuedAt.Equal(c.ClosedAt) {
				t.Errorf("closing %+v closed %v", c.Closing, c.ClosedAt)
			}
		}},
		{"service receipt names the decision and its number", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dPerson, "WASTE-01").closed(), dPerson
		}, ServiceReceipt, func(t *testing.T, c *Case, p *play) {
			want(t, "document", c.Service.Document, "行政处罚决定书（示范城管罚决字〔2026〕第0003号）")
			want(t, "method", c.Service.Method, "直接送达")
			want(t, "server", c.Service.Server, "王芳、李明")
			if !c.Service.At.Equal(*p.c.ServedAt) || !c.IssuedAt.Equal(c.Service.At) {
				t.Errorf("served %v issued %v", c.Service.At, c.IssuedAt)
			}
		}},
		{"a sent-back filing shows only the approval that stands", func(t *testing.T) (*play, enforce.PartyDetail) {
			p := newPlay(t, dPerson, "ROAD-01").
				do(time.Hour, enforce.Command{Action: enforce.ActProposeFiling, Actor: dO1, Officers: dOfficers}).
				do(time.Hour, enforce.Command{Action: enforce.ActSendBack, Actor: dDeputy, Note: "补充当事人信息"}).
				do(time.Hour, enforce.Command{Action: enforce.ActProposeFiling, Actor: dO1, Officers: dOfficers}).
				do(time.Hour, enforce.Command{Action: enforce.ActApprove, Actor: dDeputy})
			return p, dPerson
		}, FilingApproval, func(t *testing.T, c *Case, p *play) {
			if len(c.Approvals) != 2 || c.Approvals[0].Opinion != "提请立案。" || c.Approvals[1].Opinion != "同意。" {
				t.Errorf("approvals %+v", c.Approvals)
			}
		}},
		{"summary procedure: handed over on the spot", func(t *testing.T) (*play, enforce.PartyDetail) {
			p := newPlay(t, dPerson, "WASTE-01")
			return p.do(time.Hour, enforce.Command{Action: enforce.ActSummary, Actor: dO1, Officers: dOfficers,
				Facts:   &enforce.Facts{Party: enforce.Person, Harm: enforce.HarmSlight, Flags: []string{"mitigating"}},
				Penalty: &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 100}, Record: photo}), dPerson
		}, PenaltyDecision, func(t *testing.T, c *Case, p *play) {
			if c.Decision.Fine != 100 || c.Service.Method != "当场交付" || c.DecidedAt.IsZero() || len(c.Evidence) != 1 || c.Evidence[0] != "现场照片1张" {
				t.Errorf("decision %+v service %+v evidence %v", c.Decision, c.Service, c.Evidence)
			}
		}},
		{"exemption on the spot: 首违不罚 with the education", func(t *testing.T) (*play, enforce.PartyDetail) {
			p := newPlay(t, dPerson, "ROAD-01")
			return p.do(time.Hour, enforce.Command{Action: enforce.ActExempt, Actor: dO1, Officers: dOfficers,
				Facts:     &enforce.Facts{Party: enforce.Person, Harm: enforce.HarmSlight, Corrected: true},
				Exemption: &enforce.Exemption{Kind: enforce.ExemptFirst, Education: []enforce.Education{enforce.EduPersuasion, enforce.EduWarningTalk}},
				Record:    photo}), dPerson
		}, ClosingRegister, func(t *testing.T, c *Case, p *play) {
			for _, s := range []string{"不予行政处罚（首违不罚）", "说服教育、警示告诫"} {
				if !strings.Contains(c.Decision.Other, s) || !strings.Contains(c.Closing.Result, s) {
					t.Errorf("decision %q / closing %q lack %q", c.Decision.Other, c.Closing.Result, s)
				}
			}
			if c.Discretion.Range != "不予处罚" && c.Discretion.Level == enforce.LevelExempt {
				t.Errorf("discretion %+v", c.Discretion)
			}
		}},
		{"an organisation is known by its credit code", func(t *testing.T) (*play, enforce.PartyDetail) {
			return newPlay(t, dCompany, "ROAD-01"), dCompany
		}, FilingApproval, func(t *testing.T, c *Case, p *play) {
			want(t, "uscc", c.Party.IDNumber, "91320102MA1XXXXX0A")
			want(t, "representative", c.Party.Representative, "钱多多")
			want(t, "label", c.Party.IDLabel(), "统一社会信用代码")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, party := tt.build(t)
			c, err := FromCase(p.source(party), tt.code)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "bureau", c.Bureau, "示范市城市管理综合行政执法局")
			want(t, "case code", c.CaseCode, "ZF2026-00001")
			tt.check(t, c, p)
		})
	}
}

// TestFromCase_MaskedHidesTheParty: the published copy of every document
// of a closed case holds neither the party's full name, nor its ID number,
// nor its phone, nor its address.
func TestFromCase_MaskedHidesTheParty(t *testing.T) {
	p := newPlay(t, dPerson, "WASTE-01").closed()
	for _, e := range Catalog() {
		t.Run(string(e.Code), func(t *testing.T) {
			c, err := FromCase(p.source(dPerson), e.Code)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(c.Masked())
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{dPerson.Name, dPerson.IDNumber, dPerson.Phone, dPerson.Address} {
				if strings.Contains(string(b), secret) {
					t.Errorf("the masked %s shows %q", e.Code, secret)
				}
			}
		})
	}
}

func TestFromCase_Refuses(t *testing.T) {
	if _, err := FromCase(Source{}, PenaltyDecision); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("no case: %v", err)
	}
	p := newPlay(t, dPerson, "ROAD-01")
	if _, err := FromCase(p.source(dPerson), "nope"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}

func want(t *testing.T, what, got, exp string) {
	t.Helper()
	if got != exp {
		t.Errorf("%s = %q, want %q", what, got, exp)
	}
}

func TestParseQA(t *testing.T) {
	tests := []struct {
		note string
		want []QA
	}{
		{"", nil},
		{"当事人称不知道需要审批", []QA{{A: "当事人称不知道需要审批"}}},
		{"问：你叫什么？答：张三。问：住哪里？答：建设路。", []QA{{"你叫什么？", "张三。"}, {"住哪里？", "建设路。"}}},
		{"询问开始。问:是你的吗?答:是。", []QA{{A: "询问开始。"}, {"是你的吗?", "是。"}}},
		{"答：先答后问。问：没有答？", []QA{{A: "先答后问。"}, {Q: "没有答？"}}},
		{"Q: who? A: me", []QA{{"who?", "me"}}},
	}
	for _, tt := range tests {
		got := ParseQA(tt.note)
		if len(got) != len(tt.want) {
			t.Errorf("ParseQA(%q) = %+v, want %+v", tt.note, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseQA(%q)[%d] = %+v, want %+v", tt.note, i, got[i], tt.want[i])
			}
		}
	}
}

// FuzzParseQA: an inquiry note an officer typed never panics, and nothing
// of it but the marks and white space is lost or invented.
func FuzzParseQA(f *testing.F) {
	for _, s := range []string{"问：a答：b", "问:问:答:答:", "Q: x A: y 问：z", "答：", "\xff问：\x00", "前言 问：甲 答：乙"} {
		f.Add(s)
	}
	marks := strings.NewReplacer("问：", "", "问:", "", "答：", "", "答:", "", "Q:", "", "A:", "")
	squeeze := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	f.Fuzz(func(t *testing.T, note string) {
		var b strings.Builder
		for _, qa := range ParseQA(note) {
			b.WriteString(qa.Q)
			b.WriteString(qa.A)
		}
		if got, want := squeeze(b.String()), squeeze(marks.Replace(strings.ToValidUTF8(note, "\uFFFD"))); got != want {
			t.Fatalf("ParseQA(%q) kept %q, want %q", note, got, want)
		}
	})
}
