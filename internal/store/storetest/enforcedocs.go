package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// DocNumberStore is a penalty-case store that also issues the numbers of
// the cases' documents (文号), once each.
type DocNumberStore interface {
	enforce.Store
	IssueDocNumber(ctx context.Context, caseID, code, prefix string, year int, at time.Time, format func(seq int) (string, error)) (string, error)
	DocNumbers(ctx context.Context, caseID string) (map[string]string, error)
}

// RunEnforceDocNumbers runs the contract of document numbers on fresh
// stores from open, each subtest in parallel.
func RunEnforceDocNumbers(t *testing.T, open func(t *testing.T) DocNumberStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s DocNumberStore)
	}{
		{"issued once, kept, counted per prefix and year", testDocNumbersOnce},
		{"a fixed number takes no counter", testDocNumbersFixed},
		{"a failed issue leaves no gap; an unknown case is not found", testDocNumbersFailures},
		{"concurrent issues: one number per document, no gaps", testDocNumbersConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// wordFormat prints a number the way document.Number does, without
// importing the renderer into the contract.
func wordFormat(prefix string, year int) func(int) (string, error) {
	return func(seq int) (string, error) { return fmt.Sprintf("%s〔%d〕第%04d号", prefix, year, seq), nil }
}

func issue(t *testing.T, s DocNumberStore, caseID, code, prefix string, year int) string {
	t.Helper()
	n, err := s.IssueDocNumber(context.Background(), caseID, code, prefix, year, enforceT0, wordFormat(prefix, year))
	if err != nil {
		t.Fatalf("issue %s %s: %v", caseID, code, err)
	}
	return n
}

func testDocNumbersOnce(t *testing.T, s DocNumberStore) {
	a := newLead(t, s, 1, "320102", "320102199001011234", "")
	b := newLead(t, s, 2, "320102", "320102199001015678", "")
	steps := []struct {
		caseID, code, prefix string
		year                 int
		want                 string
	}{
		{a.ID, "penalty_decision", "示范城管罚决字", 2026, "示范城管罚决字〔2026〕第0001号"},
		{a.ID, "penalty_decision", "示范城管罚决字", 2026, "示范城管罚决字〔2026〕第0001号"}, // kept, not re-counted
		{b.ID, "penalty_decision", "示范城管罚决字", 2026, "示范城管罚决字〔2026〕第0002号"},
		{a.ID, "penalty_notice", "示范城管罚告字", 2026, "示范城管罚告字〔2026〕第0001号"},   // its own word
		{b.ID, "penalty_notice", "示范城管罚告字", 2027, "示范城管罚告字〔2027〕第0001号"},   // a new year
		{b.ID, "penalty_decision", "示范城管罚决字", 2027, "示范城管罚决字〔2026〕第0002号"}, // issued before: the year asked now does not matter
	}
	for i, st := range steps {
		if got := issue(t, s, st.caseID, st.code, st.prefix, st.year); got != st.want {
			t.Errorf("step %d: %s, want %s", i, got, st.want)
		}
	}
	nums, err := s.DocNumbers(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(nums) != 2 || nums["penalty_decision"] != "示范城管罚决字〔2026〕第0001号" || nums["penalty_notice"] != "示范城管罚告字〔2026〕第0001号" {
		t.Fatalf("numbers of %s: %v", a.ID, nums)
	}
	if nums, err := s.DocNumbers(context.Background(), "no-such-case"); err != nil || len(nums) != 0 {
		t.Fatalf("numbers of an unknown case: %v %v", nums, err)
	}
}

func testDocNumbersFixed(t *testing.T, s DocNumberStore) {
	ctx := context.Background()
	a := newLead(t, s, 1, "320102", "320102199001011234", "")
	fixed := func(int) (string, error) { return "宁城管简罚〔2026〕7号", nil }
	for range 2 {
		n, err := s.IssueDocNumber(ctx, a.ID, "penalty_decision", "", 2026, enforceT0, fixed)
		if err != nil || n != "宁城管简罚〔2026〕7号" {
			t.Fatalf("fixed number: %q %v", n, err)
		}
	}
	// The counter of the word was not touched.
	b := newLead(t, s, 2, "320102", "320102199001015678", "")
	if got := issue(t, s, b.ID, "penalty_decision", "示范城管罚决字", 2026); got != "示范城管罚决字〔2026〕第0001号" {
		t.Fatalf("after a fixed number the counter gave %s", got)
	}
}

func testDocNumbersFailures(t *testing.T, s DocNumberStore) {
	ctx := context.Background()
	a := newLead(t, s, 1, "320102", "320102199001011234", "")
	boom := errors.New("format failed")
	if _, err := s.IssueDocNumber(ctx, a.ID, "penalty_decision", "示范城管罚决字", 2026, enforceT0, func(int) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("a failing format: %v", err)
	}
	if _, err := s.IssueDocNumber(ctx, "no-such-case", "penalty_decision", "示范城管罚决字", 2026, enforceT0, wordFormat("示范城管罚决字", 2026)); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("an unknown case: %v, want NotFound", err)
	}
	// Neither failure used up a number.
	if got := issue(t, s, a.ID, "penalty_decision", "示范城管罚决字", 2026); got != "示范城管罚决字〔2026〕第0001号" {
		t.Fatalf("after failures: %s, want the first number", got)
	}
}

func testDocNumbersConcurrent(t *testing.T, s DocNumberStore) {
	ctx := context.Background()
	const n = 6
	var cases []*enforce.Case
	for i := range n {
		cases = append(cases, newLead(t, s, i+1, "320102", fmt.Sprintf("32010219900101%04d", 1000+i), ""))
	}
	got := make([]string, 2*n)
	errc := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n { // every case twice at once
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i], errc[i] = s.IssueDocNumber(ctx, cases[i%n].ID, "penalty_decision", "示范城管罚决字", 2026, enforceT0, wordFormat("示范城管罚决字", 2026))
		}(i)
	}
	wg.Wait()
	for i, err := range errc {
		if err != nil {
			t.Fatalf("issue %d: %v", i, err)
		}
	}
	var distinct []string
	for i := range n {
		if got[i] != got[i+n] {
			t.Errorf("case %d got two numbers: %s and %s", i, got[i], got[i+n])
		}
		distinct = append(distinct, got[i])
	}
	slices.Sort(distinct)
	for i, num := range distinct {
		if want := fmt.Sprintf("示范城管罚决字〔2026〕第%04d号", i+1); num != want {
			t.Errorf("numbers %v: want 1..%d without gaps or repeats", distinct, n)
			break
		}
	}
}
