package app

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"cityloop/internal/bulletin"
	"cityloop/internal/org"
)

type bulletinItem struct {
	ID, Kind, Scope, Title string
	ScopeLevel             int               `json:"scope_level"`
	FromDay                string            `json:"from_day"`
	ToDay                  string            `json:"to_day"`
	Files                  map[string]string `json:"files"`
}

// get fetches path raw, with c's token.
func (c *client) get(path string) (int, http.Header, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// TestBulletins_DemoCity: the demo city carries a month's bulletin for
// the city for its last three months; the city bulletin's
// figures equal GET /api/v1/kpis for the same days and its HTML links
// each to the same case list; a district leader sees only his district's;
// an administrator produces one on demand; a case list exports as CSV and
// XLSX with the JSON list's total.
func TestBulletins_DemoCity(t *testing.T) {
	a := demoKPIApp(t, 3000)
	base := serve(t, a)
	leader := login(t, base, "leader")
	districts := a.World.Atlas().Regions(org.LevelDistrict)

	var list struct {
		Items []bulletinItem
		Total int
	}
	if st := leader.do("GET", "/api/v1/bulletins?kind=month", nil, &list); st != 200 {
		t.Fatalf("list: %d", st)
	}
	// The city's last three months, less those before the shipped book's 2026-01-01.
	months := 0
	for i := 1; i <= bulletin.DemoMonths; i++ {
		m := time.Date(a.Now().Year(), a.Now().Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -i, 0)
		if m.Year() >= 2026 {
			months++
		}
	}
	if want := months; list.Total != want || want == 0 {
		t.Fatalf("%d monthly bulletins on the demo city, want %d", list.Total, want)
	}
	city := list.Items[0]
	if city.ScopeLevel != int(org.LevelCity) || !strings.HasSuffix(city.Title, "月城市管理考核通报") {
		t.Fatalf("newest first, city first: %+v", city)
	}

	t.Run("figures equal the KPI API's", func(t *testing.T) {
		var kpis struct{ Items []kpiItem }
		if st := leader.do("GET", "/api/v1/kpis?from="+city.FromDay+"&to="+city.ToDay, nil, &kpis); st != 200 {
			t.Fatalf("kpis: %d", st)
		}
		st, hdr, data := leader.get(city.Files["xlsx"])
		if st != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx: %d %s", st, hdr.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("指标")
		byCode := map[string][]string{}
		for _, r := range rows {
			if len(r) > 0 {
				byCode[r[0]] = r
			}
		}
		_, _, page := leader.get(city.Files["html"])
		for _, it := range kpis.Items {
			r := byCode[it.Code]
			if r == nil {
				t.Errorf("%s is not in the bulletin", it.Code)
				continue
			}
			want := ""
			if it.Value != nil {
				want = strconv.FormatFloat(*it.Value, 'f', -1, 64)
			}
			if r[2] != want || r[4] != strconv.FormatFloat(it.Numerator, 'f', -1, 64) {
				t.Errorf("%s: bulletin %v, API value %s numerator %v", it.Code, r, want, it.Numerator)
			}
			if it.Cases.Numerator != nil && !strings.Contains(string(page), `href="`+html.EscapeString(*it.Cases.Numerator)+`"`) {
				t.Errorf("%s: the HTML does not link to %s", it.Code, *it.Cases.Numerator)
			}
		}
		st, hdr, data = leader.get(city.Files["pdf"])
		if st != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Errorf("pdf: %d %s", st, hdr.Get("Content-Type"))
		}
	})

	t.Run("a district leader sees his district's bulletins only", func(t *testing.T) {
		admin := login(t, base, "admin")
		d := districts[0]
		body := map[string]any{"username": "dleader", "name": "区领导", "password": "Qu-Lingdao-2026!x",
			"posts": []org.Grant{{Post: org.PostLeader, Region: d.Code}}}
		if st := admin.do("POST", "/api/v1/accounts", body, nil); st != 201 {
			t.Fatalf("create district leader: %d", st)
		}
		dl := &client{t: t, base: base}
		var tok struct{ Token string }
		if st := dl.do("POST", "/api/v1/auth/token", map[string]string{"username": "dleader", "password": "Qu-Lingdao-2026!x"}, &tok); st != 200 {
			t.Fatalf("login: %d", st)
		}
		dl.token = tok.Token
		if st := admin.do("POST", "/api/v1/bulletins", map[string]string{"kind": "month", "day": city.FromDay, "scope": d.Code}, nil); st != 201 {
			t.Fatalf("produce the district's bulletin: %d", st)
		}
		var mine struct{ Items []bulletinItem }
		if st := dl.do("GET", "/api/v1/bulletins", nil, &mine); st != 200 || len(mine.Items) == 0 {
			t.Fatalf("district list: %d, %d items", st, len(mine.Items))
		}
		for _, b := range mine.Items {
			if b.Scope != d.Code {
				t.Errorf("the district leader of %s lists %s's bulletin", d.Code, b.Scope)
			}
		}
		if st, _, _ := dl.get(mine.Items[0].Files["pdf"]); st != 200 {
			t.Errorf("own district's pdf: %d", st)
		}
		if st, _, _ := dl.get(city.Files["pdf"]); st != 403 {
			t.Errorf("the city's pdf for a district leader: %d, want 403", st)
		}
		if st := dl.do("POST", "/api/v1/bulletins", map[string]string{"kind": "month", "day": city.FromDay}, nil); st != 403 {
			t.Errorf("a district leader produced the city bulletin: %d", st)
		}
	})

	t.Run("produce on demand", func(t *testing.T) {
		admin := login(t, base, "admin")
		operator := login(t, base, "operator")
		today := a.Now().In(a.Cal.Location())
		for _, tc := range []struct {
			name string
			c    *client
			body any
			want int
		}{
			{"admin, this quarter so far", admin, map[string]string{"kind": "quarter", "day": today.Format("2006-01-02")}, 201},
			{"admin, a district's last month", admin, map[string]string{"kind": "month", "day": city.FromDay, "scope": districts[1].Code}, 201},
			{"operator may not", operator, map[string]string{"kind": "month", "day": city.FromDay}, 403},
			{"unknown kind", admin, map[string]string{"kind": "week", "day": city.FromDay}, 400},
			{"bad day", admin, map[string]string{"kind": "month", "day": "2026/01/01"}, 400},
			{"a street is no scope", admin, map[string]string{"kind": "month", "day": city.FromDay, "scope": a.World.Atlas().Regions(org.LevelStreet)[0].Code}, 400},
			{"the future", admin, map[string]string{"kind": "year", "day": today.AddDate(2, 0, 0).Format("2006-01-02")}, 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var out bulletinItem
				if st := tc.c.do("POST", "/api/v1/bulletins", tc.body, &out); st != tc.want {
					t.Fatalf("status %d, want %d", st, tc.want)
				}
				if tc.want == 201 && (out.ID == "" || out.Files["pdf"] == "") {
					t.Errorf("answer %+v", out)
				}
			})
		}
		// Producing last month's city bulletin again keeps its id.
		var again bulletinItem
		if st := admin.do("POST", "/api/v1/bulletins", map[string]string{"kind": "month", "day": city.FromDay}, &again); st != 201 || again.ID != city.ID {
			t.Errorf("again: %d, id %s (was %s)", st, again.ID, city.ID)
		}
		for _, p := range []string{"/api/v1/bulletins/" + city.ID + ".doc", "/api/v1/bulletins/" + city.ID, "/api/v1/bulletins?kind=week"} {
			if st, _, _ := admin.get(p); st != 400 {
				t.Errorf("GET %s: %d, want 400", p, st)
			}
		}
		if st, _, _ := admin.get("/api/v1/bulletins/nope.pdf"); st != 404 {
			t.Errorf("missing bulletin: %d", st)
		}
	})

	t.Run("case list exports total the JSON list", func(t *testing.T) {
		filter := fmt.Sprintf("from=%s&to=%s&region=%s&is=closed", city.FromDay, time.Now().Format("2006-01-02"), districts[0].Code)
		var page struct{ Total int }
		if st := leader.do("GET", "/api/v1/cases?"+filter+"&limit=1", nil, &page); st != 200 || page.Total == 0 {
			t.Fatalf("json list: %d, total %d", st, page.Total)
		}
		st, hdr, data := leader.get("/api/v1/cases?" + filter + "&format=csv")
		if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(data, []byte("\ufeff")) {
			t.Fatalf("csv: %d %s, BOM %v", st, hdr.Get("Content-Type"), bytes.HasPrefix(data, []byte("\ufeff")))
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs)-1 != page.Total || recs[0][0] != "编号 Code" {
			t.Errorf("csv has %d rows, the JSON list totals %d", len(recs)-1, page.Total)
		}
		st, _, data = leader.get("/api/v1/cases?" + filter + "&format=xlsx")
		if st != 200 {
			t.Fatalf("xlsx: %d", st)
		}
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("Sheet1")
		if len(rows)-1 != page.Total {
			t.Errorf("xlsx has %d rows, the JSON list totals %d", len(rows)-1, page.Total)
		}
		// The leader does not see reporters' contacts: masked in the export too.
		for _, r := range recs[1:] {
			if p := r[len(r)-1]; p != "" && !strings.Contains(p, "*") {
				t.Fatalf("a phone in clear for the leader: %q", p)
			}
		}
		if st, _, _ := leader.get("/api/v1/cases?" + filter + "&format=pdf"); st != 400 {
			t.Errorf("format=pdf: %d", st)
		}
	})
}
