package evidence_test

import (
	"errors"
	"testing"
	"time"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
)

func chainOf(n int) []evidence.Entry {
	var out []evidence.Entry
	var prev *evidence.Entry
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		act := evidence.Uploaded
		if i > 0 {
			act = evidence.Viewed
		}
		e := evidence.Seal(prev, evidence.Entry{CaseID: "case-1", At: t0.Add(time.Duration(i) * time.Minute).Add(789 * time.Nanosecond),
			Actor: "officer-1", Action: act, EvidenceID: "ev-1"})
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func TestSeal_LinksAndRounds(t *testing.T) {
	c := chainOf(3)
	if c[0].Seq != 1 || c[0].Prev != evidence.Genesis || c[1].Prev != c[0].Hash || c[2].Seq != 3 {
		t.Fatalf("links %+v", c)
	}
	if c[0].At.Nanosecond()%1000 != 0 || c[0].Detail != "{}" {
		t.Errorf("At %v not rounded to µs or detail %q not {}", c[0].At, c[0].Detail)
	}
	if err := evidence.Verify(c); err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(nil); err != nil {
		t.Errorf("empty chain: %v", err)
	}
}

// TestVerify_NamesTheTamperedEntry: each way of tampering with a stored
// chain is found at the entry where it happened.
func TestVerify_NamesTheTamperedEntry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  func(c []evidence.Entry) []evidence.Entry
		wantSeq int64
	}{
		{"actor changed", func(c []evidence.Entry) []evidence.Entry { c[2].Actor = "someone-else"; return c }, 3},
		{"time moved", func(c []evidence.Entry) []evidence.Entry { c[1].At = c[1].At.Add(time.Hour); return c }, 2},
		{"detail edited", func(c []evidence.Entry) []evidence.Entry { c[3].Detail = `{"purpose":"x"}`; return c }, 4},
		{"action changed", func(c []evidence.Entry) []evidence.Entry { c[0].Action = evidence.Exported; return c }, 1},
		{"entry removed", func(c []evidence.Entry) []evidence.Entry { return append(c[:2], c[3:]...) }, 4},
		{"entry rehashed after edit", func(c []evidence.Entry) []evidence.Entry {
			c[1].Actor = "forger"
			c[1] = evidence.Seal(&c[0], c[1]) // a forger who recomputes the hash still breaks the next link
			return c
		}, 3},
		{"entries swapped", func(c []evidence.Entry) []evidence.Entry { c[1], c[2] = c[2], c[1]; return c }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := evidence.Verify(tc.tamper(chainOf(5)))
			var be *evidence.BreakError
			if !errors.As(err, &be) {
				t.Fatalf("Verify = %v, want a BreakError", err)
			}
			if be.Seq != tc.wantSeq || be.CaseID != "case-1" || be.Reason == "" {
				t.Errorf("broken at %+v, want seq %d", be, tc.wantSeq)
			}
		})
	}
}

func TestCheckItems(t *testing.T) {
	it := evidence.Item{ID: "ev-1", CaseID: "case-1", Kind: evidence.Video, MIME: "video/mp4", Size: 10, SHA256: "ab",
		StoredSize: 10, StoredSHA256: "ab", OfficerID: "officer-1"}
	s := &evidence.Service{Store: &evidencetest.Mem{}, Access: evidence.PostAccess{}, Now: func() time.Time { return time.Unix(1e9, 0) }}
	_, e, err := s.Record(t.Context(), it)
	if err != nil {
		t.Fatal(err)
	}
	chain := []evidence.Entry{e}
	for _, tc := range []struct {
		name  string
		edit  func(*evidence.Item)
		items int
	}{
		{"untouched", func(*evidence.Item) {}, 0},
		{"hash replaced", func(i *evidence.Item) { i.SHA256 = "cd" }, 1},
		{"size changed", func(i *evidence.Item) { i.StoredSize = 11 }, 1},
		{"officer changed", func(i *evidence.Item) { i.OfficerID = "other" }, 1},
		{"no entry", func(i *evidence.Item) { i.ID = "ev-2" }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := it
			tc.edit(&x)
			if got := evidence.CheckItems([]evidence.Item{x}, chain); len(got) != tc.items {
				t.Errorf("mismatches %+v, want %d", got, tc.items)
			}
		})
	}
}
