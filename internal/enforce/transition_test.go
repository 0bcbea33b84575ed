package enforce

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

func actor(id string, p org.Post) org.Actor {
	return org.Actor{ID: id, Name: id, Grants: []org.Grant{{Post: p}}}
}

var (
	o1, o2, o3 = actor("o1", org.PostEnforcer), actor("o2", org.PostEnforcer), actor("o3", org.PostEnforcer)
	deputy     = actor("L1", org.PostLeader) // 分管领导
	head       = actor("L2", org.PostLeader) // 主要领导
	reviewer   = actor("R1", PostLegalReviewer)
	chair      = actor("H1", PostLegalReviewer)
	officers   = []Officer{{ID: "o1", Name: "张三", Certificate: "32010001"}, {ID: "o2", Name: "李四", Certificate: "32010002"}}
)

func testEnv(t testing.TB, now time.Time) Env {
	t.Helper()
	return Env{Now: now, Cal: mustCal(t), Rulebook: mustRulebook(t), Policy: DefaultPolicy(), Window: 365 * 24 * time.Hour,
		Exhibits: vault}
}

// vault is the evidence the tests' cases hold in the evidence vault.
var vault = []Exhibit{{ID: "blob/insp.pdf", Media: MediaDocument}, {ID: "blob/cam1.mp4", Media: MediaVideo},
	{ID: "blob/p.jpg", Media: MediaPhoto}, {ID: "blob/scene.jpg", Media: MediaPhoto}, {ID: "blob/cam.mp4", Media: MediaVideo},
	{ID: "blob/receipt.pdf", Media: MediaDocument}}

// receipt is the signed 送达回证 in the vault.
var receipt = &Record{Kind: RecService, Files: []string{"blob/receipt.pdf"}}

func lead(kind PartyKind, occurred time.Time) Case {
	return Case{ID: "p1", Code: "ZF2025001", District: "320102", Status: StatusLead,
		Party: Party{ID: "party-1", Name: "某餐馆", Kind: kind}, OccurredAt: occurred}
}

func boolp(b bool) *bool { return &b }

// step runs one command d after the previous one and fails on error.
func step(t *testing.T, c Case, env *Env, d time.Duration, cmd Command) Case {
	t.Helper()
	env.Now = env.Now.Add(d)
	next, evs, err := Decide(c, cmd, *env)
	if err != nil {
		t.Fatalf("%s from %s: %v", cmd.Action, c.Status, err)
	}
	if len(evs) != 1 || evs[0].Action != cmd.Action || evs[0].From != c.Status || evs[0].To != next.Status || evs[0].Seq != next.Version {
		t.Fatalf("%s: bad event %+v", cmd.Action, evs)
	}
	return next
}

var (
	inspection = &Record{Kind: RecInspection, Officers: []string{"o1", "o2"}, Files: []string{"blob/insp.pdf"}}
	video      = &Record{Kind: RecAudioVideo, Officers: []string{"o1"}, Files: []string{"blob/cam1.mp4"}}
	// severe fumes: third time in the window, a restaurant.
	severeFacts = &Facts{Party: Organisation, Harm: HarmGeneral, Repeats: 2}
	severeFine  = &Penalty{Kinds: []Kind{KindFine, KindSuspendBusiness, KindOrderCorrect}, Fine: 45000}
)

// investigated files the lead and collects the evidence: the case is then
// investigating, with an inspection record and a video.
func investigated(t *testing.T, env *Env) Case {
	t.Helper()
	c := lead(Organisation, env.Now.Add(-72*time.Hour))
	c = step(t, c, env, time.Hour, Command{Action: ActProposeFiling, Actor: o1, Officers: officers, Violation: "AIR-01"})
	c = step(t, c, env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	c = step(t, c, env, time.Hour, Command{Action: ActRecord, Actor: o1, Record: inspection})
	return step(t, c, env, time.Hour, Command{Action: ActRecord, Actor: o2, Record: video})
}

// notified runs the ordinary procedure to 告知 of a major penalty.
func notified(t *testing.T, env *Env) Case {
	t.Helper()
	c := investigated(t, env)
	c = step(t, c, env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
	c = step(t, c, env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
	c = step(t, c, env, time.Hour, Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true), Qualification: "A20193201000001"})
	return step(t, c, env, time.Hour, Command{Action: ActNotify, Actor: o1})
}

func TestDecide_OrdinaryProcedureWithHearing(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0)) // a Monday
	c := investigated(t, &env)
	if c.Status != StatusInvestigating || c.FiledAt == nil || len(c.Records) != 2 {
		t.Fatalf("after filing and evidence: %s filed=%v records=%d", c.Status, c.FiledAt, len(c.Records))
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
	if p := c.Proposal; p.Benchmark.Level != LevelSevere || p.Outside || len(p.Major) == 0 || !p.Hearing {
		t.Fatalf("proposal %+v: want severe, inside, major (suspension), hearing right", p)
	}
	// A complex case cannot pass review without a collective discussion on record (Art. 57).
	if _, _, err := Decide(c, Command{Action: ActReview, Actor: deputy, Complex: boolp(true)}, env); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("complex review without discussion: %v", err)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecDiscussion, Note: "局务会集体讨论"}})
	c = step(t, c, &env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(true)})
	if c.Status != StatusLegalReview {
		t.Fatalf("a major decision goes to legal review, got %s", c.Status)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true), Qualification: "A20193201000001"})
	c = step(t, c, &env, time.Hour, Command{Action: ActNotify, Actor: o1})
	c = step(t, c, &env, 24*time.Hour, Command{Action: ActStatement, Actor: o1, Note: "当事人称已安装净化设施"})
	c = step(t, c, &env, time.Hour, Command{Action: ActRequestHearing, Actor: o1, Note: "当事人书面申请听证"})
	// The hearing: notice 7 working days ahead, a chair who did not investigate.
	hearingAt := TermOf(ClockHearingNotice).Due(env.Cal, env.Now.Add(time.Hour)).Add(9 * time.Hour)
	if _, _, err := Decide(c, Command{Action: ActScheduleHearing, Actor: deputy, HearingAt: &hearingAt, Chair: "o2"}, env); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("an investigator as chair: %v", err)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActScheduleHearing, Actor: deputy, HearingAt: &hearingAt, Chair: "H1"})
	env.Now = hearingAt
	if _, _, err := Decide(c, Command{Action: ActHoldHearing, Actor: reviewer, Note: "笔录"}, env); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("a reviewer who is not the chair held the hearing: %v", err)
	}
	c = step(t, c, &env, 0, Command{Action: ActHoldHearing, Actor: chair, Note: "听证笔录：当事人陈述、质证"})
	// After a hearing the decision is reviewed again (Art. 58(1)(2)).
	if c.Status != StatusLegalReview {
		t.Fatalf("after the hearing: %s, want legal_review", c.Status)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true), Qualification: "A20193201000001"})
	if c.Status != StatusPendingDecision {
		t.Fatalf("after the second review: %s", c.Status)
	}
	// Arguing never raises the penalty (Art. 45).
	heavier := Penalty{Kinds: []Kind{KindFine, KindSuspendBusiness}, Fine: 48000}
	if _, _, err := Decide(c, Command{Action: ActProposeDecision, Actor: o1, Penalty: &heavier}, env); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("a heavier penalty after the statement: %v", err)
	}
	// A lighter, changed major penalty goes back to legal review first.
	lighter := Penalty{Kinds: []Kind{KindFine, KindSuspendBusiness}, Fine: 42000}
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeDecision, Actor: o1, Penalty: &lighter})
	if c.Status != StatusLegalReview {
		t.Fatalf("a changed major penalty: %s, want legal_review", c.Status)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true), Qualification: "A20193201000001"})
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeDecision, Actor: o1, Penalty: &lighter, Number: "宁城管罚决字〔2025〕1号"})
	if c.Pending == nil || c.Pending.Kind != ApproveDecision || len(c.Pending.Signed) != 1 {
		t.Fatalf("decision approval: %+v", c.Pending)
	}
	// 承办人 → 法制机构 → 分管领导 → 主要领导; nobody signs twice, nobody skips a step.
	if _, _, err := Decide(c, Command{Action: ActApprove, Actor: deputy}, env); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("the deputy signed before the legal office: %v", err)
	}
	if _, _, err := Decide(c, Command{Action: ActNotify, Actor: o1}, env); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("another action while the decision waits for approval: %v", err)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: reviewer})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	if _, _, err := Decide(c, Command{Action: ActApprove, Actor: deputy}, env); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("the deputy signed twice: %v", err)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: head})
	if c.Status != StatusDecided || c.Decision == nil || c.Decision.Penalty.Fine != 42000 || !c.has(RecDecision) {
		t.Fatalf("after approval: %s %+v", c.Status, c.Decision)
	}
	// Electronic service needs consent (Art. 61).
	if _, _, err := Decide(c, Command{Action: ActServe, Actor: o1, Method: ServeElectronic, Record: receipt}, env); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("electronic service without consent: %v", err)
	}
	// No service without its proof in the vault (送达回证, 第六十一条).
	for _, tc := range []struct {
		name   string
		method ServiceMethod
		rec    *Record
	}{
		{"no record", ServeDirect, nil},
		{"a record without files", ServePost, &Record{Kind: RecService}},
		{"a file the vault does not hold", ServeLeft, &Record{Files: []string{"blob/forged.pdf"}}},
		{"a file of another case's kind: a video", ServeDirect, &Record{Files: []string{"blob/cam1.mp4"}}},
		{"one good file and one unknown", ServePublic, &Record{Files: []string{"blob/receipt.pdf", "../../etc/passwd"}}},
	} {
		_, _, err := Decide(c, Command{Action: ActServe, Actor: o1, Method: tc.method, Record: tc.rec}, env)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.KindUnprocessable || !strings.Contains(e.Error(), "送达") && !strings.Contains(e.Error(), "service") {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m, _ := e.Details["missing_records"].([]RecordKind); len(m) != 1 || m[0] != RecService {
			t.Fatalf("%s: missing_records %v", tc.name, e.Details["missing_records"])
		}
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActServe, Actor: o1, Method: ServeDirect,
		Record: &Record{Kind: RecPhoto /* the kind is the action's */, Files: []string{"blob/receipt.pdf"}, Note: "当事人签收"}})
	if r := c.Records[len(c.Records)-1]; r.Kind != RecService || len(r.Files) != 1 || r.Files[0] != "blob/receipt.pdf" || r.Note != "direct：当事人签收" {
		t.Fatalf("the service record %+v", r)
	}
	// Paid three days late: 3 % a day on top (Art. 72).
	env.Now = TermOf(ClockPayment).Due(env.Cal, *c.ServedAt).Add(2*24*time.Hour + 10*time.Hour)
	if owed := AmountDue(c, env); owed != 42000+3*1260 {
		t.Fatalf("owed %.2f, want %.2f", owed, 42000.0+3*1260)
	}
	if _, _, err := Decide(c, Command{Action: ActPay, Actor: o1, Amount: 42000}, env); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("paying only the fine when late: %v", err)
	}
	c = step(t, c, &env, 0, Command{Action: ActPay, Actor: o1, Amount: 45780})
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeClosing, Actor: o1})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	if c.Status != StatusClosed {
		t.Fatalf("after closing approval: %s", c.Status)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActArchive, Actor: o1})
	if c.Status != StatusArchived || len(MissingRecords(c, env.Exhibits)) != 0 {
		t.Fatalf("archived %s with missing %v", c.Status, MissingRecords(c, env.Exhibits))
	}
	r, ok := RecordOf(c, env.Exhibits)
	if !ok || r.Required == 0 || r.Present != r.Required || r.Level != LevelSevere {
		t.Errorf("record %+v", r)
	}
}

func TestDecide_Errors(t *testing.T) {
	base := at(2025, 9, 1, 9, 0)
	tests := []struct {
		name  string
		setup func(t *testing.T, env *Env) Case
		cmd   Command
		kind  errs.Kind
	}{
		{"wrong action for the state: 409 with allowed actions",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: ActNotify, Actor: o1}, errs.KindConflict},
		{"wrong post: 403",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: ActProposeFiling, Actor: deputy, Officers: officers}, errs.KindForbidden},
		{"unknown action",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: "fly", Actor: o1}, errs.KindInvalid},
		{"filing with one officer (Art. 42)",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: ActProposeFiling, Actor: o1, Officers: officers[:1]}, errs.KindInvalid},
		{"filing with an officer without a certificate",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: ActProposeFiling, Actor: o1, Officers: []Officer{officers[0], {ID: "o2", Name: "李四"}}}, errs.KindInvalid},
		{"filing past the two-year limitation (Art. 36)",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now.AddDate(-2, 0, -5)) },
			Command{Action: ActProposeFiling, Actor: o1, Officers: officers}, errs.KindUnprocessable},
		{"refusing to file without a reason",
			func(t *testing.T, env *Env) Case { return lead(Person, env.Now) },
			Command{Action: ActRefuseFiling, Actor: deputy}, errs.KindInvalid},
		{"an enforcer who is not on the case records evidence",
			investigated, Command{Action: ActRecord, Actor: o3, Record: inspection}, errs.KindForbidden},
		{"evidence with one officer present (Arts. 42, 55)",
			investigated, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecInquiry, Officers: []string{"o1"}}}, errs.KindInvalid},
		{"video without files: upload it to the vault first",
			investigated, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecAudioVideo}}, errs.KindUnprocessable},
		{"a video the vault does not hold for the case",
			investigated, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecAudioVideo, Files: []string{"blob/elsewhere.mp4"}}}, errs.KindUnprocessable},
		{"a photo named as the audio-visual record",
			investigated, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecAudioVideo, Files: []string{"blob/p.jpg"}}}, errs.KindUnprocessable},
		{"an inspection record with no evidence in the vault (勘验)",
			investigated, Command{Action: ActRecord, Actor: o1, Record: &Record{Kind: RecInspection, Officers: []string{"o1", "o2"}}}, errs.KindUnprocessable},
		{"no decision without evidence: concluding with no inspection or inquiry",
			func(t *testing.T, env *Env) Case {
				c := lead(Organisation, env.Now)
				c = step(t, c, env, time.Hour, Command{Action: ActProposeFiling, Actor: o1, Officers: officers})
				c = step(t, c, env, time.Hour, Command{Action: ActApprove, Actor: deputy})
				return step(t, c, env, time.Hour, Command{Action: ActRecord, Actor: o1, Record: video})
			},
			Command{Action: ActConclude, Actor: o1, Violation: "AIR-01", Facts: severeFacts, Penalty: severeFine}, errs.KindUnprocessable},
		{"preserved evidence not yet dealt with (Art. 56)",
			func(t *testing.T, env *Env) Case {
				c := investigated(t, env)
				return step(t, c, env, time.Hour, Command{Action: ActRecord, Actor: o1,
					Record: &Record{Kind: RecPreservation, Officers: []string{"o1", "o2"}}})
			},
			Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine}, errs.KindUnprocessable},
		{"a penalty outside the benchmark without a written reason",
			investigated, Command{Action: ActConclude, Actor: o1, Facts: severeFacts,
				Penalty: &Penalty{Kinds: []Kind{KindFine}, Fine: 6000}}, errs.KindInvalid},
		{"legal review without the reviewer's qualification (Art. 58)",
			func(t *testing.T, env *Env) Case {
				c := investigated(t, env)
				c = step(t, c, env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
				return step(t, c, env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
			},
			Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true)}, errs.KindInvalid},
		{"hearing requested after five working days (Art. 64)",
			func(t *testing.T, env *Env) Case {
				c := notified(t, env)
				env.Now = TermOf(ClockHearingRequest).Due(env.Cal, *c.NotifiedAt)
				return c
			},
			Command{Action: ActRequestHearing, Actor: o1}, errs.KindUnprocessable},
		{"hearing notice less than seven working days ahead",
			func(t *testing.T, env *Env) Case {
				c := notified(t, env)
				return step(t, c, env, time.Hour, Command{Action: ActRequestHearing, Actor: o1})
			},
			Command{Action: ActScheduleHearing, Actor: deputy, HearingAt: ptr(at(2025, 9, 8, 9, 0)), Chair: "H1"}, errs.KindUnprocessable},
		{"ending the statement window early without a waiver",
			notified, Command{Action: ActEndStatement, Actor: o1}, errs.KindConflict},
		{"a decision after 90 days without extension (Art. 60)",
			func(t *testing.T, env *Env) Case {
				c := notified(t, env)
				c = step(t, c, env, time.Hour, Command{Action: ActEndStatement, Actor: o1, Waived: true})
				env.Now = env.Now.AddDate(0, 0, 100)
				return c
			},
			Command{Action: ActProposeDecision, Actor: o1, Penalty: severeFine}, errs.KindUnprocessable},
		{"a decision while a required record is missing (record completeness)",
			func(t *testing.T, env *Env) Case {
				c := notified(t, env)
				c = step(t, c, env, time.Hour, Command{Action: ActEndStatement, Actor: o1, Waived: true})
				var kept []Record
				for _, r := range c.Records {
					if r.Kind != RecNotice {
						kept = append(kept, r)
					}
				}
				c.Records = kept // a legacy case imported without its notice
				return c
			},
			Command{Action: ActProposeDecision, Actor: o1, Penalty: severeFine}, errs.KindUnprocessable},
		{"sending an approval back without a reason",
			func(t *testing.T, env *Env) Case {
				c := lead(Organisation, env.Now)
				return step(t, c, env, time.Hour, Command{Action: ActProposeFiling, Actor: o1, Officers: officers})
			},
			Command{Action: ActSendBack, Actor: deputy}, errs.KindInvalid},
		{"approving with nothing pending",
			investigated, Command{Action: ActApprove, Actor: deputy}, errs.KindConflict},
		{"an extension longer than the policy allows",
			investigated, Command{Action: ActExtend, Actor: o1, Days: 60, Note: "需鉴定"}, errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, base)
			c := tt.setup(t, &env)
			before := c.clone()
			next, evs, err := Decide(c, tt.cmd, env)
			if !errs.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %s", err, tt.kind)
			}
			if evs != nil || next.Status != before.Status || len(next.Records) != len(before.Records) || next.Version != before.Version {
				t.Errorf("a refused command changed the case or emitted events")
			}
			if tt.kind == errs.KindConflict {
				e, _ := errs.As(err)
				if _, ok := e.Details["allowed_actions"]; !ok {
					t.Errorf("409 without allowed_actions: %v", e.Details)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestAllowed(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	c := lead(Person, env.Now)
	tests := []struct {
		name  string
		c     Case
		actor org.Actor
		want  []Action
	}{
		{"an enforcer at a lead", c, o1, []Action{ActExempt, ActProposeFiling, ActSummary}},
		{"a leader at a lead", c, deputy, []Action{ActRefuseFiling}},
		{"a reviewer at a lead", c, reviewer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Allowed(&tt.c, tt.actor, env.Policy)
			if len(got) != len(tt.want) {
				t.Fatalf("Allowed = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Allowed = %v, want %v", got, tt.want)
				}
			}
		})
	}
	// Every action of the table is reachable by some post.
	for _, a := range Actions() {
		if len(table[a].posts) == 0 || table[a].apply == nil || len(table[a].from) == 0 {
			t.Errorf("action %s is incomplete in the table", a)
		}
		if _, ok := ActionNames[a]; !ok {
			t.Errorf("action %s has no name", a)
		}
	}
}

func TestDecide_ExtensionRefusalReferral(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	c := investigated(t, &env)
	c = step(t, c, &env, time.Hour, Command{Action: ActExtend, Actor: o1, Days: 30, Note: "需委托鉴定"})
	// An extension does not stop the investigation.
	c = step(t, c, &env, time.Hour, Command{Action: ActRecord, Actor: o2, Record: &Record{Kind: RecPhoto, Files: []string{"blob/p.jpg"}}})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: head})
	if c.ExtendDays != 30 || c.Pending != nil {
		t.Fatalf("extension: %d days, pending %+v", c.ExtendDays, c.Pending)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
	c = step(t, c, &env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
	c = step(t, c, &env, time.Hour, Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(true), Qualification: "A1"})
	c = step(t, c, &env, time.Hour, Command{Action: ActNotify, Actor: o1})
	// The party stays silent: the window ends on its own.
	env.Now = TermOf(ClockHearingRequest).Due(env.Cal, *c.NotifiedAt)
	c = step(t, c, &env, 0, Command{Action: ActEndStatement, Actor: o1})
	// Day 100 after filing: inside 90 + 30.
	env.Now = c.FiledAt.AddDate(0, 0, 100)
	c = step(t, c, &env, 0, Command{Action: ActProposeDecision, Actor: o1, Penalty: severeFine})
	for _, a := range []org.Actor{reviewer, deputy, head} {
		c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: a})
	}
	c.Party.EServiceConsent = true
	c = step(t, c, &env, time.Hour, Command{Action: ActServe, Actor: o1, Method: ServeElectronic, Record: receipt})
	if _, _, err := Decide(c, Command{Action: ActRefer, Actor: deputy, Note: "逾期未缴"}, env); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("referral before the payment period ended: %v", err)
	}
	if _, _, err := Decide(c, Command{Action: ActProposeClosing, Actor: o1}, env); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("closing with the fine unpaid: %v", err)
	}
	env.Now = TermOf(ClockPayment).Due(env.Cal, *c.ServedAt).Add(time.Hour)
	c = step(t, c, &env, 0, Command{Action: ActRefer, Actor: deputy, Note: "逾期未缴，申请人民法院强制执行"})
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeClosing, Actor: o1, Note: "法院已裁定执行"})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	if c.Status != StatusClosed {
		t.Fatalf("status %s", c.Status)
	}

	// 不予立案 ends a lead for good.
	l := step(t, lead(Person, env.Now), &env, 0, Command{Action: ActRefuseFiling, Actor: deputy, Note: "不属于本机关管辖"})
	if l.Status != StatusNotFiled || len(Allowed(&l, o1, env.Policy)) != 0 {
		t.Errorf("not filed: %s, allowed %v", l.Status, Allowed(&l, o1, env.Policy))
	}
	// A sent-back filing can be proposed again.
	f := step(t, lead(Person, env.Now), &env, 0, Command{Action: ActProposeFiling, Actor: o1, Officers: officers})
	f = step(t, f, &env, time.Hour, Command{Action: ActSendBack, Actor: deputy, Note: "补充线索材料"})
	if f.Pending != nil || f.Status != StatusLead {
		t.Errorf("sent back: %s %+v", f.Status, f.Pending)
	}
	step(t, f, &env, time.Hour, Command{Action: ActProposeFiling, Actor: o1, Officers: officers})
}

func TestDecide_Summary(t *testing.T) {
	scene := &Record{Kind: RecPhoto, Files: []string{"blob/scene.jpg"}}
	// NOISE-03 (loudspeakers): persons 200–1,000, organisations 2,000–20,000;
	// corrected after an earlier penalty is lenient: 200–440 / 2,000–7,400.
	lenient := &Facts{Harm: HarmSlight, Corrected: true, Repeats: 1}
	tests := []struct {
		name    string
		party   PartyKind
		penalty Penalty
		record  *Record
		kind    errs.Kind // 0: accepted
		status  Status
	}{
		{"person, 200 yuan: the ceiling", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 200}, scene, 0, StatusExecuting},
		{"person, 201 yuan: above Art. 51", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 201}, scene, errs.KindUnprocessable, ""},
		{"organisation, 3,000 yuan: the ceiling", Organisation, Penalty{Kinds: []Kind{KindFine}, Fine: 3000}, scene, 0, StatusExecuting},
		{"organisation, 3,500 yuan: above Art. 51", Organisation, Penalty{Kinds: []Kind{KindFine}, Fine: 3500}, scene, errs.KindUnprocessable, ""},
		{"a warning alone closes at once", Person, Penalty{Kinds: []Kind{KindWarning}}, scene, 0, StatusClosed},
		{"a kind the summary procedure cannot give", Person, Penalty{Kinds: []Kind{KindSuspendBusiness}}, scene, errs.KindUnprocessable, ""},
		{"below the benchmark: needs the ordinary procedure", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 100}, scene, errs.KindUnprocessable, ""},
		{"no scene record (Art. 47)", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 200}, nil, errs.KindInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, at(2025, 9, 1, 9, 0))
			f := *lenient
			f.Party = tt.party
			c := lead(tt.party, env.Now)
			next, _, err := Decide(c, Command{Action: ActSummary, Actor: o1, Officers: officers, Violation: "NOISE-03",
				Facts: &f, Penalty: &tt.penalty, Record: tt.record, Number: "当场-1"}, env)
			if tt.kind != 0 {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("err = %v, want %s", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if next.Status != tt.status || next.Procedure != Summary || next.ServedAt == nil || len(MissingRecords(next, env.Exhibits)) != 0 {
				t.Errorf("status %s procedure %s missing %v", next.Status, next.Procedure, MissingRecords(next, env.Exhibits))
			}
		})
	}
	// A warning where the level allows one: CITY-01 needs a city tier; use the test city's rulebook.
	b := mustCityRulebook(t)
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	env.Rulebook = b
	c := lead(Person, env.Now)
	next, _, err := Decide(c, Command{Action: ActSummary, Actor: o1, Officers: officers, Violation: "CITY-01",
		Facts: &Facts{Party: Person, Harm: HarmSlight, Corrected: true, Repeats: 1}, Penalty: &Penalty{Kinds: []Kind{KindWarning}}, Record: scene}, env)
	if err != nil || next.Status != StatusClosed {
		t.Fatalf("summary warning: %v %s", err, next.Status)
	}
}

// A stored case whose data does not match its status (an import gone
// wrong) is refused, never guessed at.
func TestDecide_IncompleteCase(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	tests := []struct {
		name string
		c    Case
		cmd  Command
	}{
		{"reviewing without a proposal", Case{Status: StatusReviewing}, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)}},
		{"pending decision never notified", Case{Status: StatusPendingDecision, Officers: officers, Proposal: &Proposal{}},
			Command{Action: ActProposeDecision, Actor: o1, Penalty: &Penalty{}}},
		{"decided without a decision", Case{Status: StatusDecided, Officers: officers}, Command{Action: ActServe, Actor: o1, Method: ServeDirect, Record: receipt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Decide(tt.c, tt.cmd, env); !errs.Is(err, errs.KindUnprocessable) {
				t.Errorf("err = %v, want unprocessable", err)
			}
		})
	}
}
