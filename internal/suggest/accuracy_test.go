package suggest

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/catalog"
)

// labelled is one report text with the sub-classes a careful operator
// would accept as its category.
type labelled struct {
	text string
	want []string
}

// readLabelled reads ref<TAB>text lines; "cover" stands for every manhole
// cover sub-class.
func readLabelled(tb testing.TB, name string) []labelled {
	tb.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ref, text, ok := strings.Cut(line, "\t")
		if !ok || text == "" {
			tb.Fatalf("%s:%d: want ref<TAB>text", name, n)
		}
		want := []string{ref}
		if ref == "cover" {
			want = covers
		}
		out = append(out, labelled{text: text, want: want})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

type accuracy struct {
	n, top1, top3 int
	misses        []string
}

func measure(s *Suggester, set []labelled) accuracy {
	var a accuracy
	for _, l := range set {
		a.n++
		got := s.Suggest(l.text, 3, nil)
		for i, g := range got {
			if slices.Contains(l.want, g.Ref) {
				if i == 0 {
					a.top1++
				}
				a.top3++
				break
			}
		}
		if len(got) == 0 || !slices.Contains(l.want, got[0].Ref) {
			a.misses = append(a.misses, fmt.Sprintf("%s → %v (want %s)", l.text, got, l.want[0]))
		}
	}
	return a
}

func (a accuracy) pct(k int) float64 { return 100 * float64(k) / float64(a.n) }

// TestAccuracy holds the floor reached on the labelled reports, so a change
// to the terms that makes suggestions worse fails here. The held-out set
// was never used to adjust weights; its floor is lower, as it should be.
func TestAccuracy(t *testing.T) {
	s := Default()
	for _, tt := range []struct {
		file       string
		min        int
		top1, top3 float64
	}{
		{"tune.tsv", 230, 97, 99},
		{"holdout.tsv", 115, 95, 98},
	} {
		t.Run(tt.file, func(t *testing.T) {
			set := readLabelled(t, tt.file)
			if len(set) < tt.min {
				t.Fatalf("%d texts, want at least %d", len(set), tt.min)
			}
			a := measure(s, set)
			if testing.Verbose() {
				for _, m := range a.misses {
					t.Log("miss:", m)
				}
			}
			if a.pct(a.top1) < tt.top1 || a.pct(a.top3) < tt.top3 {
				t.Fatalf("top-1 %.1f %% (floor %.0f), top-3 %.1f %% (floor %.0f) on %d texts", a.pct(a.top1), tt.top1, a.pct(a.top3), tt.top3, a.n)
			}
		})
	}
}

// TestCoversTheDemoDictionary: every sub-class a citizen can pick in the
// demo city has terms, so none is impossible to suggest.
func TestCoversTheDemoDictionary(t *testing.T) {
	d, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	known := Default().Refs()
	for _, sc := range d.SubClasses(time.Now()) {
		if !slices.Contains(known, sc.Ref.String()) {
			t.Errorf("%s %s has no terms", sc.Ref, sc.Name.Zh)
		}
	}
}

// BenchmarkSuggest prints the accuracy on both labelled sets and the
// throughput, beside the floor: folding and rewriting the text alone,
// which every suggestion has to pay.
func BenchmarkSuggest(b *testing.B) {
	s := Default()
	tune, hold := readLabelled(b, "tune.tsv"), readLabelled(b, "holdout.tsv")
	all := append(append([]labelled(nil), tune...), hold...)
	var floor, full float64
	b.Run("normalize-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = s.Normalize(all[i%len(all)].text)
		}
		floor = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(floor, "texts/s")
	})
	b.Run("suggest-top3", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = s.Suggest(all[i%len(all)].text, 3, nil)
		}
		full = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(full, "suggestions/s")
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%-16s %6s %8s %8s\n", "set", "texts", "top-1", "top-3")
	for _, r := range []struct {
		name string
		set  []labelled
	}{{"tune", tune}, {"holdout", hold}, {"all", all}} {
		a := measure(s, r.set)
		fmt.Fprintf(&sb, "%-16s %6d %7.1f%% %7.1f%%\n", r.name, a.n, a.pct(a.top1), a.pct(a.top3))
	}
	if floor > 0 && full > 0 {
		fmt.Fprintf(&sb, "\n%-16s %14s\n%-16s %14.0f\n%-16s %14.0f\n%-16s %14.2f\n", "speed", "per second",
			"normalize only", floor, "suggest top-3", full, "floor/suggest", floor/full)
	}
	fmt.Print(sb.String())
}
