package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlstore"
)

// enfFixture is a test app with a second district, enforcers in both, a
// legal reviewer and one penalty case of the first district under
// investigation (filed and approved), officers enf1 and enf2.
type enfFixture struct {
	a      *App
	base   string
	svc    *enforce.Service
	caseID string
	ids    map[string]string // username → account id
	// scan and video are the case's evidence in the vault (a scanned 勘验
	// record and a body-camera clip), for the records the tests enter.
	scan, video string
}

// twoDistrictCity is the fixture city with a second district (320102)
// beside the first, so that an enforcer can be out of jurisdiction.
func twoDistrictCity(t *testing.T) []byte {
	t.Helper()
	var fc struct {
		Type     string           `json:"type"`
		Features []map[string]any `json:"features"`
	}
	if err := json.Unmarshal(fixtureCity(), &fc); err != nil {
		t.Fatal(err)
	}
	ring := [][]float64{{118.80, 32.00}, {118.90, 32.00}, {118.90, 32.10}, {118.80, 32.10}, {118.80, 32.00}}
	for _, f := range fc.Features {
		if p := f["properties"].(map[string]any); p["code"] == "3201" {
			f["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{118.70, 32.00}, {118.90, 32.00}, {118.90, 32.10}, {118.70, 32.10}, {118.70, 32.00}}}}
		}
	}
	fc.Features = append(fc.Features, map[string]any{"type": "Feature",
		"properties": map[string]any{"code": "320102", "name": "第二区", "level": "district", "parent": "3201"},
		"geometry":   map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}})
	b, _ := json.Marshal(fc)
	return b
}

func newEnfFixture(t *testing.T) *enfFixture {
	t.Helper()
	a := testApp(t, "")
	ctx := context.Background()
	if _, err := a.World.ImportRegions(ctx, org.Actor{ID: "test"}, twoDistrictCity(t)); err != nil {
		t.Fatal(err)
	}
	acc, err := a.Store.FindAccountByUsername(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	f := &enfFixture{a: a, svc: a.api.Enforcement.(*enforce.Service), ids: map[string]string{"leader": acc.ID}}
	for u, g := range map[string]org.Grant{
		"enf1":  {Post: org.PostEnforcer, Region: "320101", Department: "enforcement"},
		"enf2":  {Post: org.PostEnforcer, Region: "320101", Department: "enforcement"},
		"enfB":  {Post: org.PostEnforcer, Region: "320102", Department: "enforcement-b"},
		"legal": {Post: enforce.PostLegalReviewer},
	} {
		f.ids[u] = "acc-" + u
		if err := a.Store.CreateAccount(ctx, &org.Account{ID: f.ids[u], Username: u, Name: map[string]string{"enf1": "张执法", "enf2": "王执法", "enfB": "李执法", "legal": "赵法制"}[u],
			PasswordHash: acc.PasswordHash, Grants: []org.Grant{g}, CreatedAt: a.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	f.base = serve(t, a)
	enf1 := org.Actor{ID: f.ids["enf1"], Name: "张执法", Grants: []org.Grant{{Post: org.PostEnforcer, Region: "320101", Department: "enforcement"}}}
	at := a.Now().Add(-48 * 3600e9)
	out, err := f.svc.Open(ctx, enf1, enforce.OpenRequest{Summary: "中山路 12 号门前店外经营，占用人行道约 6 平方米", District: "320101", OccurredAt: &at,
		Violation: "ROAD-01", Party: enforce.PartyDetail{Kind: enforce.Person, Name: "周小琴", IDNumber: "320101198803031234", Phone: "13611112222"}})
	if err != nil {
		t.Fatal(err)
	}
	f.caseID = out.Case.ID
	f.scan = deposit(t, a, f.caseID, f.ids["enf1"], evidence.Document, tinyPDF)
	f.video = deposit(t, a, f.caseID, f.ids["enf1"], evidence.Video, tinyMP4)
	officers := []enforce.Officer{{ID: f.ids["enf1"], Name: "张执法", Certificate: "32010001"}, {ID: f.ids["enf2"], Name: "王执法", Certificate: "32010002"}}
	if _, err := f.svc.Act(ctx, enf1, f.caseID, enforce.Command{Action: enforce.ActProposeFiling, Officers: officers}); err != nil {
		t.Fatal(err)
	}
	leader := org.Actor{ID: f.ids["leader"], Name: "leader", Grants: testAccounts["leader"]}
	if _, err := f.svc.Act(ctx, leader, f.caseID, enforce.Command{Action: enforce.ActApprove, Note: "同意立案"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *enfFixture) as(t *testing.T, user string) *browserClient {
	t.Helper()
	b := newBrowserClient(t, f.base)
	if user != "" {
		if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", user, res.StatusCode)
		}
	}
	return b
}

func (f *enfFixture) status(t *testing.T) enforce.Status {
	t.Helper()
	c, _, err := f.svc.FindCase(context.Background(), org.Actor{ID: "sys", Grants: []org.Grant{{Post: org.PostSystem}}}, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// TestWebEnforce_Pages: who sees which page, with which status.
func TestWebEnforce_Pages(t *testing.T) {
	f := newEnfFixture(t)
	casePath := "/console/enforcement/cases/" + f.caseID
	for _, tc := range []struct {
		name, user, path string
		want             int
		must, mustNot    []string
	}{
		{"enforcer lands on the queue", "enf1", "/console", http.StatusSeeOther, nil, nil},
		{"enforcer queue", "enf1", "/console/enforcement", 200, []string{"待我办理", "调查取证", "周**", "作出处罚决定"}, []string{"周小琴", "320101198803031234"}},
		{"mine tab with filters", "enf2", "/console/enforcement?view=mine&status=investigating&procedure=ordinary", 200, []string{"我承办的案件", "ROAD-01"}, nil},
		{"bad filter", "enf1", "/console/enforcement?light=purple", http.StatusBadRequest, []string{"green, yellow 或 red"}, nil},
		{"legal reviewer queue", "legal", "/console/enforcement", 200, []string{"待法制审核"}, nil},
		{"leader approvals", "leader", "/console/enforcement?view=approvals", 200, []string{"待我审批"}, nil},
		{"case page", "enf1", casePath, 200, []string{"法定期限", "作出处罚决定", "行政处罚法第六十条", "取证记录", "裁量基准", "/api/v1/enforcement/cases/" + f.caseID + "/documents/filing_approval", "周**"}, []string{"周小琴", "13611112222"}},
		{"evaluation", "enf1", casePath + "?eval=1&violation=ROAD-01&harm=1&corrected=on&area=6", 200, []string{"裁量阶次", "法定幅度"}, nil},
		{"other district's enforcer", "enfB", casePath, http.StatusNotFound, nil, []string{"周"}},
		{"a loop post", "handler", "/console/enforcement", http.StatusForbidden, []string{"执法队员"}, nil},
		{"signed out", "", "/console/enforcement", http.StatusSeeOther, nil, nil},
		{"field app for an enforcer", "enf1", "/field/enforcement", 200, []string{"现场执法", "当场处罚"}, nil},
		{"field app for a legal reviewer", "legal", "/field/enforcement", http.StatusForbidden, nil, nil},
		{"in English", "enf1", "/console/enforcement?lang=en", 200, []string{"Penalty cases", "To do", "Investigating", "Decision"}, []string{"待我办理"}},
		{"public disclosures", "", "/citizen/enforcement?q=ROAD", 200, []string{"行政处罚决定公开", "共 0"}, nil},
		{"public disclosures, bad district", "", "/citizen/enforcement?district=9999", http.StatusBadRequest, []string{"未知的区"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body, _ := f.as(t, tc.user).get(tc.path)
			if st != tc.want {
				t.Fatalf("GET %s as %q: %d, want %d: %.400s", tc.path, tc.user, st, tc.want, body)
			}
			for _, s := range tc.must {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s as %q lacks %q", tc.path, tc.user, s)
				}
			}
			for _, s := range tc.mustNot {
				if strings.Contains(body, s) {
					t.Errorf("GET %s as %q shows %q", tc.path, tc.user, s)
				}
			}
		})
	}
}

// TestWebEnforce_Actions: the case page's forms move the case (CSRF
// checked, jurisdiction applied), a wrong step answers 409 with the
// allowed actions in Chinese, and showing the party is audited.
func TestWebEnforce_Actions(t *testing.T) {
	f := newEnfFixture(t)
	act := "/console/enforcement/cases/" + f.caseID + "/act"
	enf1, enfB := f.as(t, "enf1"), f.as(t, "enfB")
	_, _, tok := enf1.get("/console/enforcement/cases/" + f.caseID)
	_, _, tokB := enfB.get("/console/enforcement")
	inspection := url.Values{"action": {"record"}, "record_kind": {"inspection"}, "record_officer": {f.ids["enf1"], f.ids["enf2"]},
		"record_note": {"现场检查：占道约 6 平方米"}, "record_files": {f.scan}}
	with := func(v url.Values, tok string) url.Values {
		out := url.Values{"_csrf": {tok}}
		for k, vs := range v {
			out[k] = vs
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		c      *browserClient
		form   url.Values
		want   int
		must   string
		status enforce.Status
	}{
		{"no csrf token", enf1, inspection, http.StatusForbidden, "", enforce.StatusInvestigating},
		{"another session's token", enf1, with(inspection, tokB), http.StatusForbidden, "", enforce.StatusInvestigating},
		{"other district", enfB, with(inspection, tokB), http.StatusNotFound, "", enforce.StatusInvestigating},
		{"one officer present", enf1, with(url.Values{"action": {"record"}, "record_kind": {"inquiry"}, "record_officer": {f.ids["enf1"]}}, tok), http.StatusBadRequest, "两名以上", enforce.StatusInvestigating},
		{"record inspection", enf1, with(inspection, tok), http.StatusSeeOther, "", enforce.StatusInvestigating},
		{"record audio-video", enf1, with(url.Values{"action": {"record"}, "record_kind": {"audio_video"}, "record_files": {f.video}}, tok), http.StatusSeeOther, "", enforce.StatusInvestigating},
		{"wrong step", enf1, with(url.Values{"action": {"notify"}}, tok), http.StatusConflict, "当前可办理的操作：调查终结、延长办案期限、取证记录", enforce.StatusInvestigating},
		{"bad number", enf1, with(url.Values{"action": {"conclude"}, "party_kind": {"person"}, "harm": {"7"}}, tok), http.StatusBadRequest, "0 无危害", enforce.StatusInvestigating},
		{"conclude", enf1, with(url.Values{"action": {"conclude"}, "violation": {"ROAD-01"}, "party_kind": {"person"}, "harm": {"1"}, "area": {"6"},
			"kind": {"fine"}, "fine": {"8000"}}, tok), http.StatusSeeOther, "", enforce.StatusReviewing},
		{"stale form", enf1, with(url.Values{"action": {"record"}, "record_kind": {"inspection"}, "version": {"2"}}, tok), http.StatusConflict, "已被他人更新", enforce.StatusReviewing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := tc.c.post(act, tc.form, nil)
			if res.StatusCode != tc.want {
				t.Fatalf("%d, want %d: %.600s", res.StatusCode, tc.want, mainOf(body))
			}
			if tc.must != "" && !strings.Contains(body, tc.must) {
				t.Errorf("the answer lacks %q: %.600s", tc.must, mainOf(body))
			}
			if st := f.status(t); st != tc.status {
				t.Fatalf("status %s, want %s", st, tc.status)
			}
		})
	}
	// The leader's approvals tab now lists the case for review.
	if _, body, _ := f.as(t, "leader").get("/console/enforcement?view=approvals"); !strings.Contains(body, "审查") {
		t.Errorf("the leader's tab lacks the case under review")
	}
	// Showing the party: a POST with the token, audited before it shows.
	if res, _ := enf1.post("/console/enforcement/cases/"+f.caseID+"/party", url.Values{}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("show the party without a token: %d", res.StatusCode)
	}
	res, body := enf1.post("/console/enforcement/cases/"+f.caseID+"/party", url.Values{"_csrf": {tok}}, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "周小琴") || !strings.Contains(body, "320101198803031234") {
		t.Fatalf("show the party: %d %.300s", res.StatusCode, mainOf(body))
	}
	recs, _, err := f.a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: "pii.read", Object: "enforce_case/" + f.caseID})
	if err != nil || len(recs) != 1 || recs[0].Actor != f.ids["enf1"] {
		t.Fatalf("audit of the party read: %v %+v", err, recs)
	}
	acts, _, _ := f.a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: "enforce.conclude", Object: "enforce_case/" + f.caseID})
	if len(acts) != 1 {
		t.Fatalf("audit of the conclusion: %+v", acts)
	}
}

// TestWebEnforce_FieldSummary: an enforcer settles a case on the spot
// from the field app, sees the decision on screen, and the public page
// finds it masked; a fine above 第五十一条's ceiling leaves nothing behind.
func TestWebEnforce_FieldSummary(t *testing.T) {
	f := newEnfFixture(t)
	enf1 := f.as(t, "enf1")
	_, _, tok := enf1.get("/field/enforcement")
	count := func() int {
		_, n, err := f.svc.FindCases(context.Background(), org.Actor{ID: "sys", Grants: []org.Grant{{Post: org.PostSystem}}}, enforce.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	fields := map[string]string{"mode": "summary", "party_kind": "person", "party_name": "陈大明", "id_number": "32010119900307123X",
		"phone": "13912345678", "district": "320101", "violation": "WASTE-01", "occurred_at": f.a.Now().In(f.a.Cal.Location()).Add(-3600e9).Format("2006-01-02T15:04"),
		"summary": "向绿化带倾倒生活垃圾", "harm": "1", "flags": "mitigating", "kind": "fine", "fine": "500", "cert": "32010001", "officer2": f.ids["enf2"], "cert2": "32010002",
		"record_kind": "photo", "number": "某城管当罚字〔2026〕1号"}
	post := func(fields map[string]string) (*http.Response, string) {
		body, ct := multipartReport(t, tok, fields)
		res, err := enf1.http.Post(f.base+"/field/enforcement", ct, body)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	before := count()
	res, body := post(fields)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "200") || count() != before {
		t.Fatalf("above the ceiling: %d (cases %d → %d): %.300s", res.StatusCode, before, count(), body)
	}
	fields["fine"] = "100"
	res, body = post(fields)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/field/enforcement/cases/") {
		t.Fatalf("summary penalty: %d %.600s", res.StatusCode, mainOf(body))
	}
	st, page, _ := enf1.get(res.Header.Get("Location"))
	if st != 200 || !strings.Contains(page, "当场行政处罚决定书") || !strings.Contains(page, "陈大明") || strings.Contains(page, "32010119900307123X") ||
		!strings.Contains(page, "罚款 100 元") || !strings.Contains(page, "某城管当罚字〔2026〕1号") {
		t.Fatalf("decision page: %d %.1500s", st, page)
	}
	st, pub, _ := f.as(t, "").get("/citizen/enforcement?q=" + url.QueryEscape("某城管当罚字"))
	if st != 200 || !strings.Contains(pub, "陈*") || strings.Contains(pub, "陈大明") || strings.Contains(pub, "13912345678") || strings.Contains(pub, "32010119900307123X") {
		t.Fatalf("public page: %d %.1500s", st, pub)
	}
}

// mainOf is the page's main element, for failure messages.
func mainOf(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		return page[i:]
	}
	return page
}

// TestWebEnforce_FilingAndPaging: a lead filed from the case page (the
// two officers with their certificates) waits in the leader's approvals
// and is approved there; the enforcer's tab pages 20 cases at a time.
func TestWebEnforce_FilingAndPaging(t *testing.T) {
	f := newEnfFixture(t)
	ctx := context.Background()
	enf1 := org.Actor{ID: f.ids["enf1"], Name: "张执法", Grants: []org.Grant{{Post: org.PostEnforcer, Region: "320101", Department: "enforcement"}}}
	at := f.a.Now().Add(-time.Hour)
	var lead string
	for i := 0; i < 25; i++ {
		out, err := f.svc.Open(ctx, enf1, enforce.OpenRequest{Summary: fmt.Sprintf("巡查发现第 %d 处占道", i+1), District: "320101", OccurredAt: &at,
			Violation: "ROAD-01", Party: enforce.PartyDetail{Kind: enforce.Organisation, Name: fmt.Sprintf("第%d商店", i+1), USCC: fmt.Sprintf("91320101MA1AAA%04d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		lead = out.Case.ID
	}
	b := f.as(t, "enf1")
	st, page, _ := b.get("/console/enforcement?view=all&status=lead")
	if st != 200 || !strings.Contains(page, "第 1–20 条，共 25 条") || !strings.Contains(page, `id="enf-next"`) {
		t.Fatalf("first page: %d %.300s", st, mainOf(page))
	}
	if _, page, _ = b.get("/console/enforcement?view=all&status=lead&offset=20"); !strings.Contains(page, "第 21–25 条，共 25 条") || strings.Contains(page, `id="enf-next"`) {
		t.Fatalf("second page: %.300s", mainOf(page))
	}
	if _, page, _ = b.get("/console/enforcement?status=lead&offset=20"); !strings.Contains(page, "第 21–25 条，共 25 条") {
		t.Fatalf("second page of the to-do tab: %.300s", mainOf(page))
	}
	_, _, tok := b.get("/console/enforcement/cases/" + lead)
	act := "/console/enforcement/cases/" + lead + "/act"
	res, body := b.post(act, url.Values{"_csrf": {tok}, "action": {"propose_filing"}, "cert": {"32010001"}, "officer2": {f.ids["legal"]}, "cert2": {"1"}}, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "不是执法队员") {
		t.Fatalf("a legal reviewer as second officer: %d %.300s", res.StatusCode, mainOf(body))
	}
	res, body = b.post(act, url.Values{"_csrf": {tok}, "action": {"propose_filing"}, "cert": {"32010001"}, "officer2": {f.ids["enf2"]}, "cert2": {"32010002"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose filing: %d %.300s", res.StatusCode, mainOf(body))
	}
	leader := f.as(t, "leader")
	_, page, ltok := leader.get("/console/enforcement?view=approvals")
	if !strings.Contains(page, "审批通过") || !strings.Contains(page, "第25商店") {
		t.Fatalf("the leader's approvals: %.600s", mainOf(page))
	}
	if res, body = leader.post(act, url.Values{"_csrf": {ltok}, "action": {"approve"}, "note": {"同意立案"}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", res.StatusCode, mainOf(body))
	}
	c, _, err := f.svc.FindCase(ctx, enf1, lead)
	if err != nil || c.Status != enforce.StatusInvestigating || len(c.Officers) != 2 || c.Officers[1].Certificate != "32010002" {
		t.Fatalf("after approval: %v %+v", err, c)
	}
}

// TestWebEnforce_FieldExemption: 首违不罚 on the spot closes the case with
// its education on record, shows the decision of no penalty, and is not
// published (第四十八条 publishes penalties); an enforcer cannot open a
// case in another district.
func TestWebEnforce_FieldExemption(t *testing.T) {
	f := newEnfFixture(t)
	enfB := f.as(t, "enfB")
	_, _, tokB := enfB.get("/field/enforcement")
	fields := map[string]string{"mode": "lead", "party_kind": "person", "party_name": "孙小明", "id_number": "320101199505051234",
		"district": "320101", "violation": "ROAD-01", "occurred_at": f.a.Now().In(f.a.Cal.Location()).Add(-time.Hour).Format("2006-01-02T15:04"),
		"summary": "跨门经营"}
	body, ct := multipartReport(t, tokB, fields)
	res, err := enfB.http.Post(f.base+"/field/enforcement", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a lead in another district: %d", res.StatusCode)
	}
	enf1 := f.as(t, "enf1")
	_, _, tok := enf1.get("/field/enforcement")
	fields["mode"], fields["harm"], fields["corrected"], fields["exemption"], fields["education"] = "exempt", "1", "on", "first", "persuasion"
	fields["cert"], fields["officer2"], fields["cert2"], fields["number"] = "32010001", f.ids["enf2"], "32010002", "某城管不罚字〔2026〕1号"
	body, ct = multipartReport(t, tok, fields)
	res, err = enf1.http.Post(f.base+"/field/enforcement", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("exempt on the spot: %d %.600s", res.StatusCode, mainOf(string(page)))
	}
	st, dec, _ := enf1.get(res.Header.Get("Location"))
	if st != 200 || !strings.Contains(dec, "当场不予行政处罚决定") || !strings.Contains(dec, "首违不罚") || !strings.Contains(dec, "说服教育") {
		t.Fatalf("decision of no penalty: %d %.800s", st, mainOf(dec))
	}
	if _, pub, _ := f.as(t, "").get("/citizen/enforcement?q=" + url.QueryEscape("不罚字")); !strings.Contains(pub, "共 0") || strings.Contains(pub, "孙") {
		t.Fatalf("an exemption was published: %.600s", mainOf(pub))
	}
}

// TestWebEnforce_DemoCity renders every enforcement page on the demo city,
// whose penalty cases stand in every state of the procedure (hearings,
// exemptions, referrals, overdue payments …), for each enforcement post:
// no page fails, and the public page publishes no phone or ID number.
func TestWebEnforce_DemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the demo city")
	}
	a := demoCityApp(t, 2000)
	base := serve(t, a)
	districts := a.World.Atlas().Regions(org.LevelDistrict)
	seen := map[enforce.Status]bool{}
	pages, start := 0, time.Now()
	for _, user := range []string{"enforcer", "enforcer_" + districts[0].Code, "legalreviewer", "director"} {
		b := newBrowserClient(t, base)
		if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", user, res.StatusCode)
		}
		for _, path := range []string{"/console/enforcement", "/console/enforcement?view=all", "/console/enforcement?view=all&offset=20",
			"/console/enforcement?view=all&procedure=summary", "/console/enforcement?view=all&light=red", "/console/enforcement?lang=en"} {
			if st, page, _ := b.get(path); st != 200 {
				t.Fatalf("%s GET %s: %d %.300s", user, path, st, mainOf(page))
			}
		}
		acc, err := a.Store.FindAccountByUsername(context.Background(), user)
		if err != nil {
			t.Fatal(err)
		}
		cases, _, err := a.api.Enforcement.FindCases(context.Background(), org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}, enforce.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			seen[c.Status] = true
			pages++
			path := "/console/enforcement/cases/" + c.ID
			if st, page, _ := b.get(path); st != 200 || !strings.Contains(page, c.Code) {
				t.Fatalf("%s GET %s (%s): %d %.300s", user, path, c.Status, st, mainOf(page))
			}
			if c.Procedure == enforce.Summary && c.Decision != nil && strings.HasPrefix(user, "enforcer") {
				if st, page, _ := b.get("/field/enforcement/cases/" + c.ID); st != 200 {
					t.Fatalf("%s decision of %s: %d %.300s", user, c.Code, st, mainOf(page))
				}
			}
		}
	}
	t.Logf("%d case pages in %d states rendered for 4 posts in %v", pages, len(seen), time.Since(start).Round(time.Millisecond))
	if len(seen) < 10 {
		t.Errorf("the demo city's cases stand in only %d states: %v", len(seen), seen)
	}
	st, pub, _ := newBrowserClient(t, base).get("/citizen/enforcement")
	if st != 200 || strings.Contains(pub, "共 0") {
		t.Fatalf("public page on the demo city: %d %.300s", st, mainOf(pub))
	}
	if m := regexp.MustCompile(`1[3-9]\d{9}|\d{17}[\dX]`).FindString(mainOf(pub)); m != "" {
		t.Fatalf("the public page shows %q", m)
	}
}
