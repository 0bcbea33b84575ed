package enforce

import (
	"os"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func mustCityRulebook(t testing.TB) *Rulebook {
	t.Helper()
	b, err := os.ReadFile("testdata/city-ok.json")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := ParseRulebook(b)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func TestDetectExemption(t *testing.T) {
	rb := mustRulebook(t)
	now := at(2025, 9, 1, 9, 0)
	year := 365 * 24 * time.Hour
	vending, _ := rb.Item("ROAD-01")
	night, _ := rb.Item("NOISE-01")
	fumes, _ := rb.Item("AIR-01") // first only
	tests := []struct {
		name    string
		item    *Item
		facts   Facts
		history []Violation
		want    ExemptionKind
	}{
		{"no harm, corrected, no history: 轻微不罚", vending, Facts{Harm: HarmNone, Corrected: true}, nil, ExemptMinor},
		{"slight harm, corrected, no history: 首违不罚", vending, Facts{Harm: HarmSlight, Corrected: true}, nil, ExemptFirst},
		{"an earlier act of the same kind within the window", vending, Facts{Harm: HarmSlight, Corrected: true},
			[]Violation{{Party: "party-1", Violation: "ROAD-01", At: now.AddDate(0, -6, 0)}}, ""},
		{"an earlier exemption counts too", vending, Facts{Harm: HarmNone, Corrected: true},
			[]Violation{{Party: "party-1", Violation: "ROAD-01", At: now.AddDate(0, -2, 0), Exempted: ExemptFirst}}, ""},
		{"an earlier act outside the window does not count", vending, Facts{Harm: HarmSlight, Corrected: true},
			[]Violation{{Party: "party-1", Violation: "ROAD-01", At: now.AddDate(-2, 0, 0)}}, ExemptFirst},
		{"another party's act does not count", vending, Facts{Harm: HarmSlight, Corrected: true},
			[]Violation{{Party: "party-2", Violation: "ROAD-01", At: now.AddDate(0, -1, 0)}}, ExemptFirst},
		{"another violation does not count", vending, Facts{Harm: HarmSlight, Corrected: true},
			[]Violation{{Party: "party-1", Violation: "CITY-06", At: now.AddDate(0, -1, 0)}}, ExemptFirst},
		{"not corrected", vending, Facts{Harm: HarmNone}, nil, ""},
		{"general harm", vending, Facts{Harm: HarmGeneral, Corrected: true}, nil, ""},
		{"not on the exemption list", night, Facts{Harm: HarmNone, Corrected: true}, nil, ""},
		{"on the list for 首违不罚 only: no harm still qualifies as first", fumes, Facts{Harm: HarmNone, Corrected: true}, nil, ExemptFirst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DetectExemption(tt.item, "party-1", tt.facts, tt.history, now, year)
			if d.Kind != tt.want {
				t.Errorf("kind %q, want %q (reasons %v)", d.Kind, tt.want, d.Reasons)
			}
			if len(d.Reasons) == 0 {
				t.Error("no reasons given")
			}
			if d.Kind != "" && d.Basis == "" {
				t.Error("an exemption without its basis")
			}
		})
	}
}

func TestDecide_Exempt(t *testing.T) {
	scene := &Record{Kind: RecAudioVideo, Files: []string{"blob/cam.mp4"}}
	edu := &Exemption{Kind: ExemptFirst, Education: []Education{EduPersuasion, EduWarningTalk}}
	tests := []struct {
		name      string
		violation string
		exemption *Exemption
		history   []Violation
		kind      errs.Kind
	}{
		{"first street vending, corrected", "ROAD-01", edu, nil, 0},
		{"no education recorded", "ROAD-01", &Exemption{Kind: ExemptFirst}, nil, errs.KindInvalid},
		{"vended here four months ago", "ROAD-01", edu,
			[]Violation{{Party: "party-1", Violation: "ROAD-01", At: at(2025, 5, 1, 9, 0)}}, errs.KindUnprocessable},
		{"night construction is not on the list", "NOISE-01", edu, nil, errs.KindUnprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, at(2025, 9, 1, 9, 0))
			env.History = tt.history
			c := lead(Person, env.Now)
			next, evs, err := Decide(c, Command{Action: ActExempt, Actor: o1, Officers: officers, Violation: tt.violation,
				Facts: &Facts{Harm: HarmSlight, Corrected: true}, Exemption: tt.exemption, Record: scene}, env)
			if tt.kind != 0 {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("err = %v, want %s", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if next.Status != StatusClosed || next.Decision.Exemption == nil || !next.has(RecEducation) || len(evs) != 1 {
				t.Fatalf("exempted case %+v", next)
			}
			r, _ := RecordOf(next, env.Exhibits)
			if r.Exempted != ExemptFirst || !r.Minor || r.Present != r.Required {
				t.Errorf("record %+v", r)
			}
		})
	}
}

func TestDecide_ExemptionInOrdinaryProcedure(t *testing.T) {
	env := testEnv(t, at(2025, 9, 1, 9, 0))
	c := lead(Organisation, env.Now)
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeFiling, Actor: o1, Officers: officers, Violation: "AIR-01"})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	c = step(t, c, &env, time.Hour, Command{Action: ActRecord, Actor: o1, Record: inspection})
	c = step(t, c, &env, time.Hour, Command{Action: ActRecord, Actor: o1, Record: video})
	facts := &Facts{Party: Organisation, Harm: HarmSlight, Corrected: true}
	c = step(t, c, &env, time.Hour, Command{Action: ActConclude, Actor: o1, Facts: facts, Penalty: &Penalty{Kinds: []Kind{KindOrderCorrect}}})
	if c.Proposal.Benchmark.Level != LevelExempt || c.Proposal.Outside {
		t.Fatalf("proposal %+v", c.Proposal)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActReview, Actor: deputy, Complex: boolp(false)})
	c = step(t, c, &env, time.Hour, Command{Action: ActNotify, Actor: o1})
	c = step(t, c, &env, time.Hour, Command{Action: ActEndStatement, Actor: o1, Waived: true})
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeDecision, Actor: o1,
		Exemption: &Exemption{Kind: ExemptFirst, Education: []Education{EduInterview}}})
	for _, a := range []Command{{Action: ActApprove, Actor: reviewer}, {Action: ActApprove, Actor: deputy}, {Action: ActApprove, Actor: head}} {
		c = step(t, c, &env, time.Hour, a)
	}
	c = step(t, c, &env, time.Hour, Command{Action: ActServe, Actor: o1, Method: ServePost, Record: receipt})
	c = step(t, c, &env, time.Hour, Command{Action: ActProposeClosing, Actor: o1})
	c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
	c = step(t, c, &env, time.Hour, Command{Action: ActArchive, Actor: deputy})
	if c.Decision.Exemption == nil || c.Decision.Exemption.Basis == "" || !c.has(RecEducation) {
		t.Errorf("decision %+v", c.Decision)
	}
}

func TestMeasure(t *testing.T) {
	rs := []DecisionRecord{
		{Minor: true, Exempted: ExemptFirst, Required: 3, Present: 3},
		{Minor: true, Exempted: ExemptMinor, Required: 3, Present: 3},
		{Minor: true, Fine: 200, Kinds: []Kind{KindFine}, Required: 4, Present: 4},
		{Minor: true, Kinds: []Kind{KindWarning}, Required: 4, Present: 4},
		{Minor: true, Fine: 500, Kinds: []Kind{KindFine}, Required: 4, Present: 4},
		{Minor: false, Fine: 40000, Kinds: []Kind{KindFine}, Required: 8, Present: 7},
	}
	f := Measure(rs)
	tests := []struct {
		name     string
		fig      Figure
		num, den int
		met      bool
	}{
		{"exemption rate: 2 of 5 minor cases, target 30 %", f.ExemptionRate, 2, 5, true},
		{"flexible share: 2 exempt + 1 warning of 6", f.FlexibleShare, 3, 6, true},
		{"record completeness: 5 of 6, target 100 %", f.Completeness, 5, 6, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fig.Numerator != tt.num || tt.fig.Denominator != tt.den || tt.fig.Met != tt.met || tt.fig.Formula == "" {
				t.Errorf("%+v", tt.fig)
			}
		})
	}
	if empty := Measure(nil); empty.ExemptionRate.Value != 0 || empty.ExemptionRate.Met {
		t.Errorf("empty figures %+v", empty.ExemptionRate)
	}
}
