package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
)

// testSearchCases checks the search box (Filter.Text): codes whole or by
// their beginning, address substrings through the store's index (kept
// exact on update), LIKE's wildcards taken literally, and phones only by
// their blind index and only with TextPhone.
func testSearchCases(t *testing.T, s Store) {
	ctx := context.Background()
	keyed, ok := s.(interface{ SetKeyring(*pii.Keyring) })
	if !ok {
		t.Fatal("the store cannot take a keyring: phones are not sealed and cannot be searched")
	}
	keyed.SetKeyring(mustKeyring(t, auditK1))
	specs := []struct {
		address, phone string
		status         casework.Status
	}{
		{"人民路 12 号", "13812345678", casework.StatusPendingDispatch},
		{"解放路 8 号", "13900001111", casework.StatusInDisposal},
		{"人民广场东侧（50%_区）", "", casework.StatusClosed},
	}
	c := make([]*casework.Case, len(specs))
	for i, sp := range specs {
		c[i] = newCase(t0.Add(-time.Duration(i+1) * time.Hour))
		c[i].Address, c[i].Phone, c[i].Status = sp.address, sp.phone, sp.status
		mustCreate(t, s, c[i], 1)
	}
	id := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, c[i].ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    casework.Filter
		want []string
	}{
		{"a whole code", casework.Filter{Text: c[1].Code}, id(1)},
		{"the beginning of a code", casework.Filter{Text: c[0].Code[:4]}, id(0, 1, 2)},
		{"a code with spaces around", casework.Filter{Text: " " + c[2].Code + " "}, id(2)},
		{"three characters of an address (index)", casework.Filter{Text: "人民路"}, id(0)},
		{"two characters of an address", casework.Filter{Text: "人民"}, id(0, 2)},
		{"a house number", casework.Filter{Text: "8 号"}, id(1)},
		{"LIKE wildcards are literal", casework.Filter{Text: "50%_"}, id(2)},
		{"a lone percent sign", casework.Filter{Text: "%"}, id(2)},
		{"an FTS5 operator is literal", casework.Filter{Text: `人民" OR "解放`}, id()},
		{"search and status", casework.Filter{Text: "人民", Statuses: []casework.Status{casework.StatusClosed}}, id(2)},
		{"nothing matches", casework.Filter{Text: "不存在的路"}, id()},
		{"a phone in any spelling", casework.Filter{Text: "+86 138-1234-5678", TextPhone: true}, id(0)},
		{"a phone without TextPhone finds nothing", casework.Filter{Text: "13812345678"}, id()},
		{"part of a phone finds nothing", casework.Filter{Text: "1390000", TextPhone: true}, id()},
		{"sorted by deadline", casework.Filter{Text: c[0].Code[:4], SortByDue: true}, id(2, 1, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindCases(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ids(list)); d != "" {
				t.Errorf("ids (-want +got):\n%s", d)
			}
			if total != len(tc.want) {
				t.Errorf("total = %d, want %d", total, len(tc.want))
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		list, total, err := s.FindCases(ctx, casework.Filter{Text: "人民", Limit: 1, Offset: 1})
		if err != nil || total != 2 || cmp.Diff(id(2), ids(list)) != "" {
			t.Errorf("second page of 人民 = %v, total %d, %v; want %v, total 2", ids(list), total, err, id(2))
		}
	})

	t.Run("an edited address is found by its new text only", func(t *testing.T) {
		next := *c[1]
		next.Address = "人民路 99 号"
		if err := s.UpdateCase(ctx, &next, c[1].Version, []casework.Event{{Action: casework.ActSign, To: next.Status, At: t0}}); err != nil {
			t.Fatal(err)
		}
		for text, want := range map[string][]string{"人民路": id(0, 1), "解放路": id()} {
			list, _, err := s.FindCases(ctx, casework.Filter{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, ids(list)); d != "" {
				t.Errorf("%s after the edit (-want +got):\n%s", text, d)
			}
		}
	})

	t.Run("too long", func(t *testing.T) {
		_, _, err := s.FindCases(ctx, casework.Filter{Text: strings.Repeat("路", 65)})
		wantKind(t, "FindCases with 65 characters", err, errs.KindInvalid)
	})
}
