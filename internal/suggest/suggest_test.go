package suggest

import (
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	if _, err := Parse(defaultTerms); err != nil {
		t.Fatalf("the shipped terms: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	s := Default()
	tests := []struct {
		name, text string
		want       []string // acceptable top-1 refs
	}{
		{"the object noun beats the incidental word", "人行道井盖破损了很危险", covers},
		{"a qualified cover", "小区门口的污水井盖不见了", []string{"component:0102"}},
		{"the longer phrase claims its characters", "路灯井盖松了，一踩就响", []string{"component:0106"}},
		{"street light", "路口的路灯不亮了", []string{"component:0118"}},
		{"misspelt", "路边拉圾桶满了没人倒", []string{"component:0305"}},
		{"colloquial", "红路灯坏了一直闪黄灯", []string{"component:0210"}},
		{"traditional characters", "路燈不亮", []string{"component:0118"}},
		{"full-width and spaces", "井 盖 丢 了", covers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Suggest(tt.text, 3, nil)
			if len(got) == 0 {
				t.Fatalf("no suggestion for %q", tt.text)
			}
			ok := false
			for _, w := range tt.want {
				ok = ok || got[0].Ref == w
			}
			if !ok {
				t.Fatalf("%q → %+v, want one of %v", tt.text, got, tt.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Score > got[i-1].Score {
					t.Fatalf("not ranked: %+v", got)
				}
			}
		})
	}
	t.Run("nothing telling", func(t *testing.T) {
		if got := s.Suggest("就在这里", 3, nil); len(got) != 0 {
			t.Fatalf("got %+v, want no suggestion", got)
		}
	})
	t.Run("allow filters", func(t *testing.T) {
		got := s.Suggest("路灯不亮", 3, func(ref string) bool { return ref != "component:0118" })
		for _, g := range got {
			if g.Ref == "component:0118" {
				t.Fatalf("a refused ref was suggested: %+v", got)
			}
		}
	})
}

// covers are the manhole cover sub-classes: a text that names only 井盖
// cannot say whose it is, and any of them is the right family.
var covers = []string{"component:0101", "component:0102", "component:0103", "component:0105", "component:0106",
	"component:0107", "component:0108", "component:0109", "component:0110", "component:0111", "component:0114"}

func TestParse_Problems(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not json", `{"version": 1,`, "not valid JSON"},
		{"syntax error has a line", "{\n\"version\": 1,\n x}", "line 3"},
		{"unknown field", `{"version":1,"subclasess":{}}`, "unknown field"},
		{"wrong version", `{"version":2,"subclasses":{"event:0101":{"terms":{"违建":5}}}}`, "version is 2"},
		{"empty", `{"version":1}`, "subclasses is empty"},
		{"bad ref", `{"version":1,"subclasses":{"0101":{"terms":{"违建":5}}}}`, "not a sub-class ref"},
		{"no terms", `{"version":1,"subclasses":{"event:0101":{"terms":{}}}}`, "has no terms"},
		{"negative weight", `{"version":1,"subclasses":{"event:0101":{"terms":{"违建":-1}}}}`, "weight -1"},
		{"huge weight", `{"version":1,"subclasses":{"event:0101":{"terms":{"违建":1000}}}}`, "at most 100"},
		{"upper case term", `{"version":1,"subclasses":{"event:0101":{"terms":{"LED":1}}}}`, `write "led"`},
		{"term with a space", `{"version":1,"subclasses":{"event:0101":{"terms":{"car park":1}}}}`, `write "carpark"`},
		{"shadowed term", `{"version":1,"variants":{"拉圾":"垃圾"},"subclasses":{"event:0102":{"terms":{"拉圾桶":1}}}}`, `write "垃圾桶"`},
		{"variant to itself", `{"version":1,"variants":{"垃圾":"垃圾"},"subclasses":{"event:0102":{"terms":{"垃圾":1}}}}`, "to itself"},
		{"one-group combo", `{"version":1,"subclasses":{"event:0106":{"combos":[{"all":[["绿地"]],"weight":3}]}}}`, "at least two groups"},
		{"long term", `{"version":1,"subclasses":{"event:0101":{"terms":{"` + strings.Repeat("违", 17) + `":1}}}}`, "longer than 16"},
		{"two values", `{"version":1,"subclasses":{"event:0101":{"terms":{"违建":1}}}} {}`, "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(defaultTerms, "人行道井盖破损了很危险")
	f.Add([]byte(`{"version":1,"variants":{"a":"b"},"subclasses":{"event:0101":{"terms":{"b":1},"combos":[{"all":[["b"],["c"]],"weight":1}]}}}`), "aabbcc")
	f.Add([]byte(`{"version":1,"min_score":0,"subclasses":{"event:0101":{"terms":{"违":100}}}}`), "违违违")
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		got := s.Suggest(text, 3, nil)
		if len(got) > 3 {
			t.Fatalf("%d suggestions, want at most 3", len(got))
		}
		for _, g := range got {
			if !(g.Score > 0) || !(g.Share > 0 && g.Share <= 1.0000001) {
				t.Fatalf("bad score %+v", g)
			}
		}
	})
}
