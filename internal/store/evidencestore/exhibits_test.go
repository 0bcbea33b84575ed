package evidencestore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
)

// TestCaseExhibits: the penalty procedure sees each case's evidence, and
// only its own, however many cases it asks about at once (more than one
// batch of ids).
func TestCaseExhibits(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := mustOpen(t, d.dsn(t))
			add := func(id, caseID string, kind evidence.Kind) {
				it := evidencetest.Item(id, caseID)
				it.Kind = kind
				if _, err := db.CreateEvidence(ctx, it, evidence.Entry{CaseID: caseID, At: it.UploadedAt, Actor: it.OfficerID,
					Action: evidence.Uploaded, EvidenceID: id, Detail: "{}"}); err != nil {
					t.Fatal(err)
				}
			}
			add("ev-1", "case-a", evidence.Video)
			add("ev-2", "case-a", evidence.Document)
			add("ev-3", "case-b", evidence.Photo)
			ids := []string{"case-a", "case-c"}
			for i := 0; i < 700; i++ {
				ids = append(ids, fmt.Sprintf("case-x%d", i))
			}
			ids = append(ids, "case-b")
			got, err := db.CaseExhibits(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]enforce.Exhibit{
				"case-a": {{ID: "ev-1", Media: enforce.MediaVideo}, {ID: "ev-2", Media: enforce.MediaDocument}},
				"case-b": {{ID: "ev-3", Media: enforce.MediaPhoto}},
			}
			if len(got) != len(want) {
				t.Fatalf("got %v", got)
			}
			for k, w := range want {
				g := slices.Clone(got[k])
				slices.SortFunc(g, func(a, b enforce.Exhibit) int { return compare(a.ID, b.ID) })
				if !slices.Equal(g, w) {
					t.Errorf("%s: %v, want %v", k, g, w)
				}
			}
			if none, err := db.CaseExhibits(ctx, nil); err != nil || len(none) != 0 {
				t.Fatalf("no ids: %v %v", none, err)
			}
		})
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
