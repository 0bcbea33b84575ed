package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCaseSearch_API checks q= on GET /api/v1/cases: a code and part of an
// address find their case for every staff post; a phone finds its case only
// for the posts that see phones, and that search is audited with the
// number masked; a search too long is a 400 naming q.
func TestCaseSearch_API(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	const phone = "13912340000"
	report := func(desc, addr, phone string) caseOut {
		var c caseOut
		if st := login(t, base, "").do("POST", "/api/v1/cases", map[string]any{"description": desc, "lng": 118.71, "lat": 32.01,
			"address": addr, "reporter_phone": phone}, &c); st != http.StatusCreated {
			t.Fatalf("report %s: %d", desc, st)
		}
		return c
	}
	c1 := report("路灯不亮", "汉中路 88 号", phone)
	c2 := report("井盖破损", "中山北路 3 号", "")
	type list struct {
		Items []caseOut
		Total int
	}
	search := func(user, q string) (int, []string) {
		var out list
		st := login(t, base, user).do("GET", "/api/v1/cases?q="+url.QueryEscape(q), nil, &out)
		var codes []string
		for _, c := range out.Items {
			codes = append(codes, c.Code)
		}
		return st, codes
	}
	for _, tc := range []struct {
		user, q string
		want    []string
	}{
		{"operator", c1.Code, []string{c1.Code}},
		{"dispatcher", c2.Code, []string{c2.Code}},
		{"operator", "汉中路", []string{c1.Code}},
		{"dispatcher", "中山北", []string{c2.Code}},
		{"operator", "138 0000 0000", nil},
		{"operator", "139-1234-0000", []string{c1.Code}},
		{"shiftlead", "+86 13912340000", []string{c1.Code}},
		{"dispatcher", phone, nil}, // a dispatcher sees phones masked: no search by one
	} {
		st, got := search(tc.user, tc.q)
		if st != http.StatusOK || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s q=%q: %d %v, want %v", tc.user, tc.q, st, got, tc.want)
		}
	}

	// A case code is digits too: the operator's search by code also looked
	// for a reporter's phone, and says so.
	audited := auditItems(t, login(t, base, "auditor"), url.Values{"action": {"pii.search"}})
	if len(audited) != 4 {
		t.Fatalf("pii.search audited %d times, want 4 (the operator's code and three phone searches by the operator and shift lead): %+v", len(audited), audited)
	}
	for _, it := range audited {
		if strings.Contains(it.Detail, phone) || strings.Contains(it.Detail, "13912340000") {
			t.Errorf("the audit trail holds the searched phone in clear: %s", it.Detail)
		}
	}

	var problem struct {
		Detail string
		Errors []struct{ Field, Message string }
	}
	if st := login(t, base, "operator").do("GET", "/api/v1/cases?q="+strings.Repeat("路", 65), nil, &problem); st != http.StatusBadRequest || len(problem.Errors) != 1 || problem.Errors[0].Field != "q" {
		t.Errorf("q of 65 characters: %d %+v, want 400 naming q", st, problem)
	}
}
