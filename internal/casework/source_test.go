package casework

import (
	"testing"

	"cityloop/internal/org"
)

func TestSourcesFor(t *testing.T) {
	actor := func(posts ...org.Post) org.Actor {
		a := org.Actor{ID: "x"}
		for _, p := range posts {
			a.Grants = append(a.Grants, org.Grant{Post: p})
		}
		return a
	}
	withSources := func(a org.Actor, s ...string) org.Actor { a.Sources = s; return a }
	for _, tc := range []struct {
		name    string
		a       org.Actor
		def     Source
		allowed []Source
		refused []Source
	}{
		{"citizen", actor(org.PostCitizen), SourceCitizen, nil, []Source{SourcePatrol, SourceCamera, SourceHotline, SourceLeader, SourcePartner}},
		{"supervisor", actor(org.PostSupervisor), SourcePatrol, []Source{SourceCitizen}, []Source{SourceHotline, SourceCamera, SourceLeader}},
		{"grid member", actor(org.PostGridMember), SourcePatrol, nil, []Source{SourceSensor}},
		{"leader", actor(org.PostLeader), SourceLeader, []Source{SourceCitizen}, []Source{SourcePatrol, SourceCamera}},
		{"operator", actor(org.PostOperator), SourceCitizen, []Source{SourceHotline, SourceLeader}, []Source{SourceCamera, SourceSensor, SourcePatrol}},
		{"auditor", actor(org.PostAuditor), SourceCitizen, nil, []Source{SourceCamera, SourceHotline, SourceLeader, SourcePatrol}},
		{"dispatcher", actor(org.PostDispatcher), SourceCitizen, nil, []Source{SourceLeader}},
		{"partner", actor(org.PostPartner), SourcePartner, nil, []Source{SourceCitizen, SourceCamera}},
		{"partner granted camera", withSources(actor(org.PostPartner), "camera"), SourcePartner, []Source{SourceCamera}, []Source{SourceSensor}},
		{"system", actor(org.PostSystem), SourceCitizen, []Source{SourceCamera, SourceSensor, SourceHotline}, []Source{SourceLeader}},
		{"unknown grant ignored", withSources(actor(org.PostPartner), "satellite"), SourcePartner, nil, []Source{"satellite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SourcesFor(tc.a)
			if got[0] != tc.def {
				t.Errorf("default %s, want %s (all: %v)", got[0], tc.def, got)
			}
			for _, s := range tc.allowed {
				if !s.AllowedFor(tc.a) {
					t.Errorf("%s refused; all: %v", s, got)
				}
			}
			for _, s := range tc.refused {
				if s.AllowedFor(tc.a) {
					t.Errorf("%s allowed; all: %v", s, got)
				}
			}
		})
	}
}

func TestPatrols(t *testing.T) {
	for _, tt := range []struct {
		grants []org.Grant
		want   bool
	}{
		{[]org.Grant{{Post: org.PostSupervisor, Region: "320101001"}}, true},
		{[]org.Grant{{Post: org.PostOperator}, {Post: org.PostGridMember}}, true},
		{[]org.Grant{{Post: org.PostStreetHead}}, false},
		{[]org.Grant{{Post: org.PostCitizen}}, false},
		{nil, false},
	} {
		if got := Patrols(org.Actor{Grants: tt.grants}); got != tt.want {
			t.Errorf("Patrols(%+v) = %v, want %v", tt.grants, got, tt.want)
		}
	}
}
