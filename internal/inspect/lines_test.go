package inspect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/errs"
)

func TestParseObjects(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []Object
		bad      string // a piece of the error message, "" for none
	}{
		{"full and short lines", "# 名录\nS1,老王面馆,shop,320102,中山路1号,王五,13800000000\n\nS2, \"李记,烟酒\",shop,320102\n",
			[]Object{{ID: "S1", Name: "老王面馆", Kind: KindShop, District: "320102", Address: "中山路1号", Contact: "王五", Phone: "13800000000"},
				{ID: "S2", Name: "李记,烟酒", Kind: KindShop, District: "320102"}}, ""},
		{"trailing commas", "S1,面馆,shop,320102,,,\n", []Object{{ID: "S1", Name: "面馆", Kind: KindShop, District: "320102"}}, ""},
		{"too few fields", "S1,面馆,shop\n", nil, "line 1 needs 4–7 fields, has 3"},
		{"too many fields", "S1,a,shop,1,2,3,4,5\n", nil, "has 8"},
		{"unbalanced quote", "S1,\"a,shop,1\n", nil, "cannot be read"},
		{"empty", "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseObjects(tc.in)
			if tc.bad != "" {
				if err == nil || !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err %v, want Invalid with %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestParseInspectorsAndConflicts(t *testing.T) {
	ins, err := ParseInspectors("I1,张执法,32010001,320102,320104; 320105,13900000000\nI2,王执法,32010002\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Inspector{{ID: "I1", Name: "张执法", Certificate: "32010001", District: "320102", Excluded: []string{"320104", "320105"}, Phone: "13900000000"},
		{ID: "I2", Name: "王执法", Certificate: "32010002"}}
	if d := cmp.Diff(want, ins); d != "" {
		t.Fatal(d)
	}
	cs, err := ParseConflicts("I1,S1,亲属经营\nI2,S2\n")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Conflict{{Inspector: "I1", Object: "S1", Reason: "亲属经营"}, {Inspector: "I2", Object: "S2"}}, cs); d != "" {
		t.Fatal(d)
	}
	if _, err := ParseConflicts("I1\n"); err == nil {
		t.Fatal("a conflict without an object was read")
	}
}

// FuzzParseLists: pasted text never panics, and what a parser accepts has
// no more entries than lines and only trimmed fields.
func FuzzParseLists(f *testing.F) {
	for _, s := range []string{"S1,a,shop,1\n", "\"x\ny\",a,b,c", "#c\n,,,\n", "I1,n,c,,a;b;;c,1", "\xff,\x00,a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		if os, err := ParseObjects(s); err == nil {
			if len(os) > lines {
				t.Fatalf("%d objects from %d lines", len(os), lines)
			}
			for _, o := range os {
				if o.ID != strings.TrimSpace(o.ID) || o.Name != strings.TrimSpace(o.Name) {
					t.Fatalf("untrimmed %q", o.ID)
				}
			}
		}
		if ps, err := ParseInspectors(s); err == nil && len(ps) > lines {
			t.Fatalf("%d inspectors from %d lines", len(ps), lines)
		}
		if cs, err := ParseConflicts(s); err == nil && len(cs) > lines {
			t.Fatalf("%d conflicts from %d lines", len(cs), lines)
		}
	})
}
