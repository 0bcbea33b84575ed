package evidencetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
)

// Open makes a fresh, empty store for one subtest.
type Open func(t *testing.T) evidence.Store

// t0 is the suite's reference time, at the stores' precision.
var t0 = time.Date(2026, 6, 1, 1, 30, 0, 123456000, time.UTC)

// Item is a complete item of case caseID for the suite.
func Item(id, caseID string) evidence.Item {
	at, lng, lat := t0.Add(-time.Hour), 120.15507, 30.27415
	return evidence.Item{ID: id, CaseID: caseID, Kind: evidence.Video, MIME: "video/mp4", Size: 1 << 20,
		SHA256: "aa" + id, StoredSize: 1 << 20, StoredSHA256: "aa" + id, CapturedAt: &at, Lng: &lng, Lat: &lat,
		CaptureSource: "device", DeviceID: "DSJ-0042", OfficerID: "officer-1", Filename: "张三门前.mp4",
		Note: "当事人张三 13800138000 拒不整改", UploadedAt: t0}
}

func uploaded(it evidence.Item) evidence.Entry {
	return evidence.Entry{CaseID: it.CaseID, At: it.UploadedAt, Actor: it.OfficerID, Action: evidence.Uploaded,
		EvidenceID: it.ID, Detail: `{"sha256":"` + it.SHA256 + `"}`}
}

// Run checks the contract of [evidence.Store] documented on its methods.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s evidence.Store)
	}{
		{"create then find by id and by case, personal fields intact", func(t *testing.T, s evidence.Store) {
			a, b, other := Item("ev-a", "case-1"), Item("ev-b", "case-1"), Item("ev-c", "case-2")
			b.UploadedAt = t0.Add(time.Minute)
			b.CapturedAt, b.Lng, b.Lat, b.CaptureSource, b.DeviceID, b.Filename, b.Note = nil, nil, nil, "", "", "", ""
			for _, it := range []evidence.Item{a, b, other} {
				if _, err := s.CreateEvidence(ctx, it, uploaded(it)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.FindEvidenceByID(ctx, "ev-a")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("find by id (-want +got):\n%s", diff)
			}
			list, err := s.FindEvidence(ctx, "case-1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]evidence.Item{a, b}, list); diff != "" {
				t.Errorf("find by case (-want +got):\n%s", diff)
			}
			if _, err := s.FindEvidenceByID(ctx, "nope"); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("unknown id: %v, want NotFound", err)
			}
			if list, err := s.FindEvidence(ctx, "case-none"); err != nil || len(list) != 0 {
				t.Errorf("empty case: %v %v", list, err)
			}
		}},
		{"a duplicate id is a conflict and writes no second entry", func(t *testing.T, s evidence.Store) {
			a := Item("ev-a", "case-1")
			if _, err := s.CreateEvidence(ctx, a, uploaded(a)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateEvidence(ctx, a, uploaded(a)); !errs.Is(err, errs.KindConflict) {
				t.Fatalf("duplicate: %v, want Conflict", err)
			}
			chain, err := s.Custody(ctx, "case-1")
			if err != nil || len(chain) != 1 {
				t.Fatalf("chain %v %v, want the one entry", chain, err)
			}
		}},
		{"entries are sealed in order per case and verify", func(t *testing.T, s evidence.Store) {
			a, b := Item("ev-a", "case-1"), Item("ev-b", "case-2")
			e1, err := s.CreateEvidence(ctx, a, uploaded(a))
			if err != nil {
				t.Fatal(err)
			}
			if e1.Seq != 1 || e1.Prev != evidence.Genesis || e1.Hash == "" {
				t.Fatalf("first entry %+v", e1)
			}
			if _, err := s.CreateEvidence(ctx, b, uploaded(b)); err != nil {
				t.Fatal(err)
			}
			e2, err := s.AppendCustody(ctx, evidence.Entry{CaseID: "case-1", At: t0.Add(time.Hour), Actor: "reviewer-1",
				Action: evidence.Viewed, EvidenceID: "ev-a", Detail: `{"purpose":"法制审核"}`})
			if err != nil {
				t.Fatal(err)
			}
			if e2.Seq != 2 || e2.Prev != e1.Hash {
				t.Fatalf("second entry %+v does not follow %+v", e2, e1)
			}
			chain, err := s.Custody(ctx, "case-1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]evidence.Entry{e1, e2}, chain); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
			if err := evidence.Verify(chain); err != nil {
				t.Errorf("verify: %v", err)
			}
			other, _ := s.Custody(ctx, "case-2")
			if len(other) != 1 || other[0].Seq != 1 {
				t.Errorf("case-2 chain %+v, want its own first entry", other)
			}
		}},
		{"concurrent appends to one case all land, in one unbroken chain", func(t *testing.T, s evidence.Store) {
			a := Item("ev-a", "case-1")
			if _, err := s.CreateEvidence(ctx, a, uploaded(a)); err != nil {
				t.Fatal(err)
			}
			const n = 16
			var wg sync.WaitGroup
			errc := make(chan error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.AppendCustody(ctx, evidence.Entry{CaseID: "case-1", At: t0.Add(time.Duration(i) * time.Second),
						Actor: fmt.Sprintf("officer-%d", i), Action: evidence.Exported, EvidenceID: "ev-a"})
					errc <- err
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				if err != nil {
					t.Fatal(err)
				}
			}
			chain, err := s.Custody(ctx, "case-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(chain) != n+1 {
				t.Fatalf("%d entries, want %d", len(chain), n+1)
			}
			if err := evidence.Verify(chain); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}
