package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// *enforce.Service is what app wires into Server.Enforcement.
var _ Enforcement = (*enforce.Service)(nil)

func TestParseEnforceForm(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string // the field an Invalid error names; "" for success
		check func(t *testing.T, ef enforceForm)
	}{
		{"no action", url.Values{}, "action", nil},
		{"unknown action", url.Values{"action": {"burn"}}, "action", nil},
		{"record", url.Values{"action": {"record"}, "record_kind": {"inspection"}, "record_officer": {"a", "b"}, "record_files": {"ev-1, ev-2"}, "version": {"3"}}, "",
			func(t *testing.T, ef enforceForm) {
				r := ef.Cmd.Record
				if r == nil || r.Kind != enforce.RecInspection || len(r.Officers) != 2 || len(r.Files) != 2 || r.Files[1] != "ev-2" || ef.Version != 3 {
					t.Fatalf("record: %+v version %d", r, ef.Version)
				}
			}},
		{"conclude", url.Values{"action": {"conclude"}, "party_kind": {"person"}, "harm": {"1"}, "area": {"6.5"}, "corrected": {"on"},
			"flags": {"mitigating, near_school"}, "kind": {"fine"}, "fine": {"150"}}, "",
			func(t *testing.T, ef enforceForm) {
				f, p := ef.Cmd.Facts, ef.Cmd.Penalty
				if f == nil || f.Harm != enforce.HarmSlight || f.Area != 6.5 || !f.Corrected || len(f.Flags) != 2 || p == nil || p.Fine != 150 || !p.Has(enforce.KindFine) {
					t.Fatalf("facts %+v penalty %+v", f, p)
				}
			}},
		{"a fine implies its kind", url.Values{"action": {"summary"}, "fine": {"50"}}, "",
			func(t *testing.T, ef enforceForm) {
				if ef.Cmd.Penalty == nil || !ef.Cmd.Penalty.Has(enforce.KindFine) {
					t.Fatalf("penalty %+v", ef.Cmd.Penalty)
				}
			}},
		{"harm out of range", url.Values{"action": {"conclude"}, "party_kind": {"person"}, "harm": {"4"}}, "harm", nil},
		{"party kind", url.Values{"action": {"conclude"}, "party_kind": {"alien"}, "harm": {"1"}}, "party_kind", nil},
		{"negative fine", url.Values{"action": {"conclude"}, "fine": {"-1"}}, "fine", nil},
		{"not a number", url.Values{"action": {"pay"}, "amount": {"NaN"}}, "amount", nil},
		{"unknown kind", url.Values{"action": {"conclude"}, "kind": {"flogging"}}, "kind", nil},
		{"passed", url.Values{"action": {"legal_review"}, "passed": {"maybe"}}, "passed", nil},
		{"hearing time", url.Values{"action": {"schedule_hearing"}, "hearing_at": {"2026-03-05T09:30"}, "chair": {"acc-1"}}, "",
			func(t *testing.T, ef enforceForm) {
				if ef.Cmd.HearingAt == nil || !ef.Cmd.HearingAt.Equal(time.Date(2026, 3, 5, 1, 30, 0, 0, time.UTC)) || ef.Cmd.Chair != "acc-1" {
					t.Fatalf("hearing %v chair %q", ef.Cmd.HearingAt, ef.Cmd.Chair)
				}
			}},
		{"bad hearing time", url.Values{"action": {"schedule_hearing"}, "hearing_at": {"next tuesday"}}, "hearing_at", nil},
		{"days", url.Values{"action": {"extend"}, "days": {"400"}}, "days", nil},
		{"stale version", url.Values{"action": {"notify"}, "version": {"x"}}, "version", nil},
		{"long note", url.Values{"action": {"notify"}, "note": {strings.Repeat("长", 2001)}}, "note", nil},
		{"control character", url.Values{"action": {"notify"}, "number": {"a\x00b"}}, "number", nil},
		{"exemption", url.Values{"action": {"exempt"}, "exemption": {"first"}, "education": {"persuasion", "warning_talk"}, "cert": {"1"}, "officer2": {"b"}, "cert2": {"2"}}, "",
			func(t *testing.T, ef enforceForm) {
				e := ef.Cmd.Exemption
				if e == nil || e.Kind != enforce.ExemptFirst || len(e.Education) != 2 || ef.Cert != "1" || ef.Officer2 != "b" || ef.Cert2 != "2" {
					t.Fatalf("exemption %+v officers %q %q %q", e, ef.Cert, ef.Officer2, ef.Cert2)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ef, err := parseEnforceForm(tc.form, loc)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.check != nil {
					tc.check(t, ef)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("error %v, want Invalid on %s", err, tc.field)
			}
			for _, f := range e.Fields {
				if f.Field == tc.field {
					return
				}
			}
			t.Fatalf("error %v names %+v, not %s", err, e.Fields, tc.field)
		})
	}
}

// FuzzParseEnforceForm: any form gives a command or an Invalid error, never
// a panic or another kind, and an accepted command carries only known
// actions, kinds and in-range numbers.
func FuzzParseEnforceForm(f *testing.F) {
	for _, s := range []string{"action=record&record_kind=inspection&record_officer=a&record_officer=b&record_files=ev-1",
		"action=conclude&party_kind=person&harm=1&area=6&kind=fine&fine=100&flags=mitigating",
		"action=schedule_hearing&hearing_at=2026-03-05T09:30&chair=x", "action=pay&amount=1e309", "action=extend&days=-3",
		"action=exempt&exemption=first&education=persuasion", "action=%00", "fine=NaN&action=summary", ""} {
		f.Add(s)
	}
	loc := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		ef, err := parseEnforceForm(form, loc)
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %v is not an Invalid naming a field", err)
			}
			return
		}
		if _, ok := enforce.ActionNames[ef.Cmd.Action]; !ok {
			t.Fatalf("accepted unknown action %q", ef.Cmd.Action)
		}
		if p := ef.Cmd.Penalty; p != nil {
			if p.Fine < 0 || p.Fine > 1e9 {
				t.Fatalf("fine %v out of range", p.Fine)
			}
			for _, k := range p.Kinds {
				if _, ok := enforce.KindNames[k]; !ok {
					t.Fatalf("accepted unknown kind %q", k)
				}
			}
		}
		if ef.Cmd.Amount < 0 || ef.Cmd.Days < 0 || ef.Cmd.Days > 365 {
			t.Fatalf("amount %v days %d", ef.Cmd.Amount, ef.Cmd.Days)
		}
		if fa := ef.Cmd.Facts; fa != nil && (fa.Harm < enforce.HarmNone || fa.Harm > enforce.HarmSerious || fa.Area < 0) {
			t.Fatalf("facts %+v", fa)
		}
	})
}

func TestParseDisclosureSearch(t *testing.T) {
	isDistrict := func(c string) bool { return c == "320101" }
	for _, tc := range []struct {
		name, raw, field string
	}{
		{"empty", "", ""},
		{"words and district", "q=%E5%8D%A0%E9%81%93&district=320101&offset=20", ""},
		{"unknown district", "district=999", "district"},
		{"long words", "q=" + strings.Repeat("x", 101), "q"},
		{"negative offset", "offset=-1", "offset"},
		{"nul", "q=a%00b", "q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.raw)
			d, err := parseDisclosureSearch(q, isDistrict)
			if tc.field == "" {
				if err != nil || d.Limit != disclosurePage {
					t.Fatalf("%+v %v", d, err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Fatalf("error %v, want one on %s", err, tc.field)
			}
		})
	}
}

// FuzzParseDisclosureSearch: the public page's query never panics, and
// what it accepts stays within its bounds.
func FuzzParseDisclosureSearch(f *testing.F) {
	for _, s := range []string{"q=%E5%8D%A0%E9%81%93&district=320101", "offset=99999999999999999999", "q=%ff%fe", "district=320101&offset=40", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		d, err := parseDisclosureSearch(q, func(c string) bool { return c == "320101" })
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		if len([]rune(d.Q)) > 100 || d.Offset < 0 || d.Offset > 100_000 || (d.District != "" && d.District != "320101") {
			t.Fatalf("accepted %+v", d)
		}
	})
}

// FuzzParseEnfQuery: the queue's filters accept only known values.
func FuzzParseEnfQuery(f *testing.F) {
	for _, s := range []string{"view=todo&status=investigating&procedure=summary&light=red&offset=20", "light=purple", "offset=-5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		eq, err := parseEnfQuery(q)
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		if _, ok := enforce.StatusNames[eq.Status]; eq.Status != "" && !ok {
			t.Fatalf("accepted status %q", eq.Status)
		}
		if eq.Offset < 0 {
			t.Fatalf("offset %d", eq.Offset)
		}
	})
}

func TestViewsFor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		posts []string
		want  string
	}{
		{"enforcer", []string{"enforcer"}, "todo,mine,all"},
		{"legal reviewer", []string{"legal_reviewer"}, "legal,all"},
		{"leader", []string{"leader"}, "approvals,all"},
		{"admin", []string{"admin"}, "all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := actorWith(tc.posts...)
			var keys []string
			for _, v := range viewsFor(a) {
				keys = append(keys, v.Key)
			}
			if got := strings.Join(keys, ","); got != tc.want {
				t.Fatalf("tabs %s, want %s", got, tc.want)
			}
		})
	}
}

func actorWith(posts ...string) org.Actor {
	a := org.Actor{ID: "a1", Name: "测试"}
	for _, p := range posts {
		a.Grants = append(a.Grants, org.Grant{Post: org.Post(p)})
	}
	return a
}

// TestEnforceMessages_Apart: the enforcement pages' keys never shadow or
// repeat the console's, and each has both languages.
func TestEnforceMessages_Apart(t *testing.T) {
	for k, tr := range enforceMessages {
		if _, dup := messages[k]; dup {
			t.Errorf("%q is in both catalogues", k)
		}
		if tr[0] == "" || tr[1] == "" {
			t.Errorf("%q lacks a language", k)
		}
	}
}
