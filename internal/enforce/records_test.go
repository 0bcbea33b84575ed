package enforce

import (
	"slices"
	"testing"
	"time"

	"cityloop/internal/errs"
)

// TestDecide_NoDecisionWithoutEvidence holds 全过程记录 by construction: the
// records of an evidence kind count only when the evidence vault holds
// their files for the case, so a decision cannot be proposed nor issued
// while the vault lacks them, and the 422 names what is missing.
func TestDecide_NoDecisionWithoutEvidence(t *testing.T) {
	without := func(id string) []Exhibit {
		var out []Exhibit
		for _, e := range vault {
			if e.ID != id {
				out = append(out, e)
			}
		}
		return out
	}
	ready := func(t *testing.T, env *Env) Case {
		c := notified(t, env)
		return step(t, c, env, time.Hour, Command{Action: ActEndStatement, Actor: o1, Waived: true})
	}
	tests := []struct {
		name     string
		exhibits []Exhibit
		approve  bool // lose the exhibit between the proposal and the last signature
		missing  RecordKind
	}{
		{"the body-camera video is not in the vault", without("blob/cam1.mp4"), false, RecAudioVideo},
		{"the inspection record's scan is not in the vault", without("blob/insp.pdf"), false, RecInspection},
		{"the vault has no evidence of the case at all", nil, false, RecAudioVideo},
		{"the video went missing while the decision was being approved", without("blob/cam1.mp4"), true, RecAudioVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, at(2025, 9, 1, 9, 0))
			c := ready(t, &env)
			cmd := Command{Action: ActProposeDecision, Actor: o1, Penalty: severeFine, Number: "宁城管罚决字〔2025〕7号"}
			if tt.approve {
				c = step(t, c, &env, time.Hour, cmd)
				c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: reviewer})
				c = step(t, c, &env, time.Hour, Command{Action: ActApprove, Actor: deputy})
				cmd = Command{Action: ActApprove, Actor: head}
			}
			env.Exhibits = tt.exhibits
			_, evs, err := Decide(c, cmd, env)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindUnprocessable || len(evs) != 0 {
				t.Fatalf("decision without evidence: %v", err)
			}
			kinds, _ := e.Details["missing_records"].([]RecordKind)
			if !slices.Contains(kinds, tt.missing) {
				t.Fatalf("missing_records %v does not name %s", e.Details["missing_records"], tt.missing)
			}
			miss := MissingRecords(c, tt.exhibits)
			if len(miss) == 0 {
				t.Fatal("MissingRecords finds nothing missing: the figure and the gate disagree")
			}
			// With the evidence in the vault the same decision goes through.
			env.Exhibits = vault
			if _, _, err := Decide(c, cmd, env); err != nil {
				t.Fatalf("with the evidence: %v", err)
			}
		})
	}
}

func TestMissingRecords_Exhibits(t *testing.T) {
	c := Case{Procedure: Ordinary, Status: StatusInvestigating, Records: []Record{
		{Kind: RecInspection, Files: []string{"a"}}, {Kind: RecAudioVideo, Files: []string{"b", "c"}}}}
	tests := []struct {
		name string
		ex   []Exhibit
		want []RecordKind
	}{
		{"both in the vault", []Exhibit{{ID: "a", Media: MediaDocument}, {ID: "c", Media: MediaAudio}}, nil},
		{"nothing in the vault", nil, []RecordKind{RecInspection, RecInquiry, RecAudioVideo}},
		{"the video file is a photo", []Exhibit{{ID: "a", Media: MediaPhoto}, {ID: "b", Media: MediaPhoto}}, []RecordKind{RecAudioVideo}},
		{"another case's evidence does not count", []Exhibit{{ID: "x", Media: MediaDocument}, {ID: "y", Media: MediaVideo}},
			[]RecordKind{RecInspection, RecInquiry, RecAudioVideo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []RecordKind
			for _, r := range MissingRecords(c, tt.ex) {
				got = append(got, r.Kinds...)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("missing %v, want %v", got, tt.want)
			}
		})
	}
}
