package enforce

import (
	"slices"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

func TestScopeFor(t *testing.T) {
	districtOf := func(code string) (string, bool, bool) {
		switch code {
		case "3201":
			return "", true, true
		case "320102", "32010201":
			return "320102", false, true
		}
		return "", false, false
	}
	grant := func(p org.Post, region, dept string) org.Actor {
		return org.Actor{ID: "a", Grants: []org.Grant{{Post: p, Region: region, Department: dept}}}
	}
	for _, tc := range []struct {
		name  string
		actor org.Actor
		want  Scope
	}{
		{"enforcer of a district", grant(org.PostEnforcer, "320102", "enforcement"), Scope{Districts: []string{"320102"}}},
		{"enforcer of a street works for its district", grant(org.PostEnforcer, "32010201", ""), Scope{Districts: []string{"320102"}}},
		{"enforcer of the city", grant(org.PostEnforcer, "3201", "enforcement"), Scope{All: true}},
		{"enforcer of a brigade", grant(org.PostEnforcer, "", "brigade-1"), Scope{Brigades: []string{"brigade-1"}}},
		{"enforcer without binding", grant(org.PostEnforcer, "", ""), Scope{All: true}},
		{"enforcer of an unknown region sees nothing", grant(org.PostEnforcer, "9999", ""), Scope{}},
		{"legal reviewer", grant(PostLegalReviewer, "", ""), Scope{All: true}},
		{"leader", grant(org.PostLeader, "", ""), Scope{All: true}},
		{"handler sees nothing", grant(org.PostHandler, "", "enforcement"), Scope{}},
		{"citizen sees nothing", grant(org.PostCitizen, "", ""), Scope{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ScopeFor(tc.actor, districtOf)
			if got.All != tc.want.All || !slices.Equal(got.Districts, tc.want.Districts) || !slices.Equal(got.Brigades, tc.want.Brigades) {
				t.Fatalf("scope %+v, want %+v", *got, tc.want)
			}
		})
	}
	s := &Scope{Districts: []string{"320102"}, Brigades: []string{"b1"}}
	for _, tc := range []struct {
		c    Case
		want bool
	}{
		{Case{District: "320102"}, true}, {Case{District: "320104", Brigade: "b1"}, true}, {Case{District: "320104"}, false},
	} {
		if got := s.Allows(&tc.c); got != tc.want {
			t.Errorf("Allows(%s/%s) = %v", tc.c.District, tc.c.Brigade, got)
		}
	}
}

func TestPartyDetail_Validate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     PartyDetail
		field string // "" = valid
	}{
		{"person", PartyDetail{Kind: Person, Name: "张三", IDNumber: "11010119900307123x", Phone: "138 0013 8000"}, ""},
		{"old card", PartyDetail{Kind: Person, Name: "张三", IDNumber: "110101900307123"}, ""},
		{"organisation", PartyDetail{Kind: Organisation, Name: "某某餐饮有限公司", USCC: "91320102MA1XXXXX0A"}, ""},
		{"no kind", PartyDetail{Name: "张三", IDNumber: "110101199003071234"}, "party.kind"},
		{"no name", PartyDetail{Kind: Person, IDNumber: "110101199003071234"}, "party.name"},
		{"short ID number", PartyDetail{Kind: Person, Name: "张三", IDNumber: "1101011990"}, "party.id_number"},
		{"letters in ID number", PartyDetail{Kind: Person, Name: "张三", IDNumber: "11010119900307ABCD"}, "party.id_number"},
		{"USCC with O", PartyDetail{Kind: Organisation, Name: "某公司", USCC: "91320102MA1XXXXXOA"}, "party.uscc"},
		{"phone with letters", PartyDetail{Kind: Person, Name: "张三", IDNumber: "110101199003071234", Phone: "call me"}, "party.phone"},
		{"control characters", PartyDetail{Kind: Person, Name: "张\x00三", IDNumber: "110101199003071234"}, "party.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Normalize().Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid party refused: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("error %v, want Invalid on %s", err, tc.field)
			}
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Fatalf("fields %+v lack %s", e.Fields, tc.field)
			}
		})
	}
	if got := (PartyDetail{Kind: Person, IDNumber: " 1101 0119 9003 07123x"}).Identity(); got != "11010119900307123X" {
		t.Fatalf("identity %q", got)
	}
}

// FuzzPartyDetail: outside input never panics the parser, and a party that
// passes is stable under normalising again and has an identity.
func FuzzPartyDetail(f *testing.F) {
	f.Add("person", "张三", "11010119900307123x", "", "138 0013 8000")
	f.Add("organisation", "某某公司", "", "91320102MA1XXXXX0A", "")
	f.Add("x", "", "\x00", "ÿ", "+86-")
	f.Fuzz(func(t *testing.T, kind, name, idn, uscc, phone string) {
		p := PartyDetail{Kind: PartyKind(kind), Name: name, IDNumber: idn, USCC: uscc, Phone: phone}.Normalize()
		if err := p.Validate(); err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("not an Invalid error: %v", err)
			}
			return
		}
		if p.Identity() == "" || p.Normalize() != p {
			t.Fatalf("valid party %+v has no stable identity", p)
		}
	})
}

func TestSweep_WarnsOncePerLight(t *testing.T) {
	cal := mustCal(t)
	decided := at(2026, 3, 2, 10, 0) // a Monday
	c := Case{ID: "p1", Code: "ZF1", Status: StatusDecided, Procedure: Ordinary, Version: 7,
		Decision: &Decision{At: decided, Penalty: Penalty{Kinds: []Kind{KindFine}, Fine: 1000}}}
	p := DefaultPolicy()
	// Day 2 of 7 working days to serve: green, nothing to say.
	if _, _, ok := Sweep(c, cal, p, decided.Add(24*time.Hour)); ok {
		t.Fatal("a green clock warned")
	}
	// Past 80 %: yellow, one warning, Seq = Version.
	yellowAt := decided.AddDate(0, 0, 9) // Wednesday of the next week: the 6th of 7 working days
	next, evs, ok := Sweep(c, cal, p, yellowAt)
	if !ok || len(evs) != 1 || evs[0].Action != ActClockWarning || evs[0].Seq != 8 || next.Version != 8 ||
		next.Lights[ClockService] != worktime.Yellow || evs[0].Note == "" {
		t.Fatalf("yellow sweep: ok=%v %+v lights=%v", ok, evs, next.Lights)
	}
	if _, _, again := Sweep(next, cal, p, yellowAt.Add(time.Hour)); again {
		t.Fatal("warned twice about the same yellow light")
	}
	red, evs, ok := Sweep(next, cal, p, decided.AddDate(0, 0, 20))
	if !ok || red.Lights[ClockService] != worktime.Red || evs[0].Data["clocks"] == nil {
		t.Fatalf("red sweep: ok=%v lights=%v", ok, red.Lights)
	}
	if got := WorstLight(Clocks(red, cal, p, decided.AddDate(0, 0, 20))); got != worktime.Red {
		t.Fatalf("worst light %s", got)
	}
	c.Status = StatusClosed
	if _, _, ok := Sweep(c, cal, p, decided.AddDate(0, 0, 20)); ok {
		t.Fatal("a closed case warned")
	}
}
