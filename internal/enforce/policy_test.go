package enforce

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

func TestPolicy_Validate(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Policy)
		ok     bool
	}{
		{"default", func(p *Policy) {}, true},
		{"a chain without steps", func(p *Policy) { p.Chains[ApproveClosing] = nil }, false},
		{"a step with an unknown post", func(p *Policy) { p.Chains[ApproveFiling] = []Step{{Post: "mayor"}} }, false},
		{"a zero hearing threshold", func(p *Policy) { p.HearingFine.Person = 0 }, false},
		{"no statement window", func(p *Policy) { p.StatementDays = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.change(&p)
			if err := p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestPolicy_MajorAndHearing(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name    string
		party   PartyKind
		pen     Penalty
		outside bool
		major   bool
		hearing bool
	}{
		{"small fine for a person", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 500}, false, false, false},
		{"较大数额 for a person: hearing, not major", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 5000}, false, false, true},
		{"above the major threshold for a person", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 10001}, false, true, true},
		{"organisation, 40,000: neither", Organisation, Penalty{Kinds: []Kind{KindFine}, Fine: 40000}, false, false, false},
		{"demolition is major whatever the amount", Person, Penalty{Kinds: []Kind{KindDemolish}}, false, true, false},
		{"licence revocation: major and a hearing", Organisation, Penalty{Kinds: []Kind{KindRevokeLicence}}, false, true, true},
		{"outside the benchmark is major", Person, Penalty{Kinds: []Kind{KindFine}, Fine: 100}, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(p.MajorReasons(tt.party, tt.pen, tt.outside, false)) > 0; got != tt.major {
				t.Errorf("major = %v, want %v", got, tt.major)
			}
			if got := p.HearingRight(tt.party, tt.pen); got != tt.hearing {
				t.Errorf("hearing = %v, want %v", got, tt.hearing)
			}
		})
	}
}

// A city that wants the legal office and both leaders on every filing
// edits the chain; Decide follows it.
func TestDecide_ConfiguredChain(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	env.Policy.Chains[ApproveFiling] = []Step{
		{Name: catalog.Text{Zh: "承办人", En: "Case officer"}, Post: org.PostEnforcer},
		{Name: catalog.Text{Zh: "法制机构", En: "Legal office"}, Post: PostLegalReviewer},
		{Name: catalog.Text{Zh: "分管领导", En: "Deputy head"}, Post: org.PostLeader},
		{Name: catalog.Text{Zh: "主要领导", En: "Head"}, Post: org.PostLeader},
	}
	c := step(t, lead(Person, env.Now), &env, 0, Command{Action: ActProposeFiling, Actor: o1, Officers: officers})
	if got := Allowed(&c, deputy, env.Policy); len(got) != 0 {
		t.Errorf("the deputy may act before the legal office: %v", got)
	}
	if got := Allowed(&c, reviewer, env.Policy); len(got) != 2 || got[0] != ActApprove || got[1] != ActSendBack {
		t.Errorf("the legal office may %v, want approve and send_back", got)
	}
	for i, a := range []org.Actor{reviewer, deputy, head} {
		if c.Status != StatusLead {
			t.Fatalf("filed after %d of 3 approvals", i)
		}
		c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: a})
	}
	if c.Status != StatusInvestigating || c.FiledAt == nil {
		t.Errorf("after the chain: %s", c.Status)
	}
}

// A proposal outside the benchmark needs a written reason and always goes
// to legal review; one inside it and below the thresholds does not.
func TestDecide_OutsideBenchmarkGoesToReview(t *testing.T) {
	general := &Facts{Party: Organisation, Harm: HarmGeneral} // AIR-01 general: 18,500–36,500
	tests := []struct {
		name   string
		pen    Penalty
		reason string
		want   Status
	}{
		{"inside, below the major threshold", Penalty{Kinds: []Kind{KindFine}, Fine: 20000}, "", StatusPendingNotice},
		{"below the level: mitigation with a reason", Penalty{Kinds: []Kind{KindFine}, Fine: 6000}, "主动消除危害后果（第三十二条）", StatusLegalReview},
		{"above the level with a reason", Penalty{Kinds: []Kind{KindFine}, Fine: 40000}, "油烟致邻居就医", StatusLegalReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, at(2025, 9, 1, 9, 0))
			c := investigated(t, &env)
			c = step(t, c, &env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: general, Penalty: &tt.pen, Reason: tt.reason})
			c = step(t, c, &env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
			if c.Status != tt.want || c.Proposal.Outside != (tt.reason != "") {
				t.Errorf("status %s outside %v, want %s", c.Status, c.Proposal.Outside, tt.want)
			}
		})
	}
}

// enforce stays a pure domain package: the standard library and four
// cityloop packages, nothing that does I/O (DESIGN.md §3.2).
func TestImports(t *testing.T) {
	allowed := map[string]bool{"cityloop/internal/errs": true, "cityloop/internal/org": true,
		"cityloop/internal/worktime": true, "cityloop/internal/catalog": true, "cityloop/internal/jobs": true}
	banned := map[string]bool{"net/http": true, "database/sql": true, "os/exec": true, "net": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			std := !strings.Contains(first, ".") && first != "cityloop"
			if banned[path] || (!std && !allowed[path]) {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

// Review and legal review can send a case back; they must say why.
func TestDecide_ReviewSendsBack(t *testing.T) {
	qual := "A20193201000001"
	tests := []struct {
		name  string
		setup func(t *testing.T, env *Env) Case
		cmd   Command
		want  Status
	}{
		{"the head sends the case back for more investigation",
			func(t *testing.T, env *Env) Case {
				c := investigated(t, env)
				return step(t, c, env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
			},
			Command{Action: ActReview, Actor: deputy, Passed: boolp(false), Note: "补充询问笔录"}, StatusInvestigating},
		{"legal review fails before 告知: back to investigation",
			func(t *testing.T, env *Env) Case {
				c := investigated(t, env)
				c = step(t, c, env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: severeFacts, Penalty: severeFine})
				return step(t, c, env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
			},
			Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(false), Qualification: qual, Note: "证据不足"}, StatusInvestigating},
		{"legal review of a changed penalty fails after 告知: back to the decision",
			func(t *testing.T, env *Env) Case {
				c := notified(t, env)
				c = step(t, c, env, time.Hour, Command{Action: ActEndStatement, Actor: o1, Waived: true})
				lighter := Penalty{Kinds: []Kind{KindFine, KindSuspendBusiness}, Fine: 40000}
				return step(t, c, env, time.Hour, Command{Action: ActProposeDecision, Actor: o1, Penalty: &lighter})
			},
			Command{Action: ActLegalReview, Actor: reviewer, Passed: boolp(false), Qualification: qual, Note: "减轻理由不充分"}, StatusPendingDecision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, at(2025, 9, 1, 9, 0))
			c := tt.setup(t, &env)
			noNote := tt.cmd
			noNote.Note = ""
			if _, _, err := Decide(c, noNote, env); !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("sent back without a reason: %v", err)
			}
			next := step(t, c, &env, time.Hour, tt.cmd)
			if next.Status != tt.want {
				t.Errorf("status %s, want %s", next.Status, tt.want)
			}
		})
	}
}
