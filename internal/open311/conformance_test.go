package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/georeport"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/open311"
	"cityloop/internal/org"
)

// world is a running Open311 server over a fixture city with one api key.
type world struct {
	env  *hubtest.Env
	base string
	key  string
}

func newWorld(t *testing.T, pg bool) *world {
	t.Helper()
	env := hubtest.Open(t, pg)
	ctx := context.Background()
	acc := &org.Account{ID: "acc-app", Username: "city-app", Name: "随手拍 App", Grants: []org.Grant{{Post: org.PostCitizen}}, CreatedAt: time.Now()}
	if err := env.Store.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	key, hash, _ := auth.NewToken("o311_")
	if err := env.Hub.CreateKey(ctx, georeport.Key{Hash: hash, AccountID: acc.ID, Source: casework.SourceCitizen, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s := &open311.Server{Cases: env.Cases, Dict: env.Cases.Dict, Atlas: env.Cases.Atlas, Store: env.Hub, CaseReader: env.Store, Accounts: env.Store,
		Bearer: func(*http.Request) (org.Actor, bool, error) { return org.Actor{}, false, nil },
		Now:    func() time.Time { return time.Now().UTC() }, Loc: env.Cal.Location(), Jurisdiction: "3201"}
	mux := http.NewServeMux()
	s.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &world{env: env, base: srv.URL, key: key}
}

func (w *world) get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	res, err := http.Get(w.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

func (w *world) post(t *testing.T, path string, form url.Values) (int, string, string) {
	t.Helper()
	res, err := http.PostForm(w.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// checkBody checks the content type, that the body parses in its format,
// and for XML the root element.
func checkBody(t *testing.T, ext, ctype, body, root string) {
	t.Helper()
	switch ext {
	case "json":
		if !strings.HasPrefix(ctype, "application/json") {
			t.Fatalf("content type %q", ctype)
		}
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, body)
		}
	case "xml":
		if !strings.HasPrefix(ctype, "text/xml") {
			t.Fatalf("content type %q", ctype)
		}
		if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Fatalf("no XML declaration: %s", body)
		}
		dec := xml.NewDecoder(strings.NewReader(body))
		first := ""
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not XML: %v\n%s", err, body)
			}
			if se, ok := tok.(xml.StartElement); ok && first == "" {
				first = se.Name.Local
			}
		}
		if root != "" && first != root {
			t.Fatalf("root element %q, want %q:\n%s", first, root, body)
		}
	}
}

// The client side: our own reading of the specification's documents,
// independent of the server's types.
type clientRequest struct {
	ID          string  `json:"service_request_id" xml:"service_request_id"`
	Status      string  `json:"status" xml:"status"`
	ServiceCode string  `json:"service_code" xml:"service_code"`
	ServiceName string  `json:"service_name" xml:"service_name"`
	Description string  `json:"description" xml:"description"`
	MediaURL    string  `json:"media_url" xml:"media_url"`
	Requested   string  `json:"requested_datetime" xml:"requested_datetime"`
	Lat         float64 `json:"lat" xml:"lat"`
	Long        float64 `json:"long" xml:"long"`
	Token       string  `json:"token" xml:"token"`
	Agency      string  `json:"agency_responsible" xml:"agency_responsible"`
}

type clientRequests struct {
	Requests []clientRequest `xml:"request"`
}

func decodeRequests(t *testing.T, ext, body string) []clientRequest {
	t.Helper()
	if ext == "json" {
		var out []clientRequest
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return out
	}
	var out clientRequests
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return out.Requests
}

type clientError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

func decodeErrors(t *testing.T, ext, body string) []clientError {
	t.Helper()
	if ext == "json" {
		var out []clientError
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("error body is not the spec's JSON: %v: %s", err, body)
		}
		return out
	}
	var out struct {
		XMLName xml.Name      `xml:"errors"`
		Errors  []clientError `xml:"error"`
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("error body is not the spec's XML: %v: %s", err, body)
	}
	return out.Errors
}

func TestConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { conformance(t, false) })
	t.Run("postgres", func(t *testing.T) { conformance(t, true) })
}

func conformance(t *testing.T, pg bool) {
	w := newWorld(t, pg)
	for _, ext := range []string{"json", "xml"} {
		t.Run(ext, func(t *testing.T) {
			t.Run("discovery", func(t *testing.T) {
				st, ct, body := w.get(t, "/open311/v2/discovery."+ext)
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "discovery")
				for _, want := range []string{"http://wiki.open311.org/GeoReport_v2", "/open311/v2", "application/json", "text/xml", "changeset"} {
					if !strings.Contains(body, want) {
						t.Errorf("discovery lacks %q", want)
					}
				}
			})
			t.Run("services", func(t *testing.T) {
				st, ct, body := w.get(t, "/open311/v2/services."+ext+"?jurisdiction_id=3201")
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "services")
				for _, want := range []string{"event:0501", "service_name", "keywords", "group", "realtime"} {
					if !strings.Contains(body, want) {
						t.Errorf("service list lacks %q", want)
					}
				}
			})
			t.Run("service definition has every datatype", func(t *testing.T) {
				st, ct, body := w.get(t, "/open311/v2/services/event:0501."+ext)
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "service_definition")
				for _, dt := range []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"} {
					if !strings.Contains(body, dt) {
						t.Errorf("definition lacks datatype %s", dt)
					}
				}
			})

			var created clientRequest
			t.Run("post with lat/long, media_url and attributes", func(t *testing.T) {
				form := url.Values{"api_key": {w.key}, "jurisdiction_id": {"3201"}, "service_code": {"event:0501"},
					"lat": {"32.03"}, "long": {"118.72"}, "description": {"人行道上有车乱停"}, "media_url": {"https://img.example.org/p/1.jpg"},
					"first_name": {"张"}, "last_name": {"三"}, "phone": {"13800138000"},
					"attribute[condition]": {"1"}, "attribute[hazards][]": {"traffic", "night"}, "attribute[count]": {"3"},
					"attribute[observed_at]": {"2026-03-02T08:15:00+08:00"}, "attribute[landmark]": {"地铁口"}, "attribute[details]": {"早高峰尤其严重"}}
				st, ct, body := w.post(t, "/open311/v2/requests."+ext, form)
				if st != 201 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "service_requests")
				got := decodeRequests(t, ext, body)
				if len(got) != 1 || got[0].ID == "" || got[0].Token == "" {
					t.Fatalf("post answer: %s", body)
				}
				created = got[0]
			})
			t.Run("get one request", func(t *testing.T) {
				st, ct, body := w.get(t, "/open311/v2/requests/"+created.ID+"."+ext)
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "service_requests")
				got := decodeRequests(t, ext, body)
				if len(got) != 1 || got[0].Status != "open" || got[0].MediaURL != "https://img.example.org/p/1.jpg" ||
					got[0].ServiceCode != "event:0501" || got[0].Lat != 32.03 || got[0].Long != 118.72 || got[0].ServiceName == "" {
					t.Fatalf("request: %+v", got)
				}
				if _, err := time.Parse(time.RFC3339, got[0].Requested); err != nil || !strings.HasSuffix(got[0].Requested, "+08:00") {
					t.Errorf("requested_datetime %q is not W3C with the city's zone", got[0].Requested)
				}
			})
			t.Run("get token", func(t *testing.T) {
				st, ct, body := w.get(t, "/open311/v2/tokens/"+created.Token+"."+ext)
				if st != 200 || !strings.Contains(body, created.ID) {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "service_requests")
			})
			t.Run("post with address_id", func(t *testing.T) {
				st, _, body := w.post(t, "/open311/v2/requests."+ext, url.Values{"api_key": {w.key}, "service_code": {"event:0102"},
					"address_id": {"32010100200104"}, "address_string": {"东街道 4 号网格"}, "description": {"垃圾满溢"}})
				if st != 201 {
					t.Fatalf("%d %s", st, body)
				}
			})
			t.Run("get requests with filters", func(t *testing.T) {
				now := time.Now()
				start := url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339))
				end := url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))
				for _, q := range []string{
					"", "?status=open", "?service_code=event:0501", "?service_code=event:0501,event:0102&status=open,closed",
					"?start_date=" + start + "&end_date=" + end, "?service_request_id=" + created.ID + ",nope",
				} {
					st, ct, body := w.get(t, "/open311/v2/requests."+ext+q)
					if st != 200 {
						t.Fatalf("%s: %d %s", q, st, body)
					}
					checkBody(t, ext, ct, body, "service_requests")
					found := false
					for _, r := range decodeRequests(t, ext, body) {
						found = found || r.ID == created.ID
					}
					if !found {
						t.Errorf("%s: %s missing from %s", q, created.ID, body)
					}
				}
				st, _, body := w.get(t, "/open311/v2/requests."+ext+"?status=closed")
				if st != 200 || strings.Contains(body, created.ID) {
					t.Errorf("status=closed lists the open request: %s", body)
				}
			})

			errorsCases := []struct {
				name, method, path string
				form               url.Values
				code               int
			}{
				{"unknown jurisdiction", "GET", "/open311/v2/services.EXT?jurisdiction_id=other.example.org", nil, 404},
				{"unknown service definition", "GET", "/open311/v2/services/event:9999.EXT", nil, 404},
				{"malformed service code", "GET", "/open311/v2/services/0501.EXT", nil, 404},
				{"unknown request", "GET", "/open311/v2/requests/20990000001.EXT", nil, 404},
				{"unknown token", "GET", "/open311/v2/tokens/deadbeef.EXT", nil, 404},
				{"unknown resource", "GET", "/open311/v2/nothing.EXT", nil, 404},
				{"bad status filter", "GET", "/open311/v2/requests.EXT?status=pending", nil, 400},
				{"bad start_date", "GET", "/open311/v2/requests.EXT?start_date=yesterday", nil, 400},
				{"window over 90 days", "GET", "/open311/v2/requests.EXT?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", nil, 400},
				{"start after end", "GET", "/open311/v2/requests.EXT?start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z", nil, 400},
				{"bad updates date", "GET", "/open311/v2/servicerequestupdates.EXT?start_date=x", nil, 400},
				{"no api_key", "POST", "/open311/v2/requests.EXT", url.Values{"service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}}, 403},
				{"wrong api_key", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"o311_nope"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}}, 403},
				{"no service_code", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "lat": {"32.03"}, "long": {"118.72"}}, 400},
				{"unknown service_code", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:9999"}, "lat": {"32.03"}, "long": {"118.72"}}, 404},
				{"no location", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "description": {"x"}}, 400},
				{"lat without long", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}}, 400},
				{"address_string only", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "address_string": {"人民路 1 号"}}, 400},
				{"unknown address_id", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "address_id": {"999"}}, 400},
				{"outside the city", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"39.9"}, "long": {"116.4"}, "description": {"x"}}, 400},
				{"bad media_url", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "media_url": {"ftp://x"}}, 400},
				{"bad number attribute", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "attribute[count]": {"many"}}, 400},
				{"bad list attribute", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "attribute[hazards][]": {"fire"}}, 400},
				{"unknown attribute", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "attribute[colour]": {"red"}}, 400},
				{"bad datetime attribute", "POST", "/open311/v2/requests.EXT", url.Values{"api_key": {"KEY"}, "service_code": {"event:0501"}, "lat": {"32.03"}, "long": {"118.72"}, "attribute[observed_at]": {"today"}}, 400},
				{"post to services", "POST", "/open311/v2/services.EXT", url.Values{}, 405},
			}
			for _, tc := range errorsCases {
				t.Run("error/"+tc.name, func(t *testing.T) {
					path := strings.ReplaceAll(tc.path, "EXT", ext)
					var st int
					var ct, body string
					if tc.method == "GET" {
						st, ct, body = w.get(t, path)
					} else {
						form := url.Values{}
						for k, v := range tc.form {
							for _, x := range v {
								form.Add(k, strings.ReplaceAll(x, "KEY", w.key))
							}
						}
						st, ct, body = w.post(t, path, form)
					}
					if st != tc.code {
						t.Fatalf("status %d, want %d: %s", st, tc.code, body)
					}
					checkBody(t, ext, ct, body, "errors")
					es := decodeErrors(t, ext, body)
					if len(es) != 1 || es[0].Code != tc.code || es[0].Description == "" {
						t.Fatalf("errors %+v", es)
					}
				})
			}

			t.Run("follow to closure with updates", func(t *testing.T) {
				c, err := w.env.Store.FindCaseByCode(context.Background(), created.ID)
				if err != nil {
					t.Fatal(err)
				}
				from := time.Now().Add(-time.Minute)
				w.env.Walk(t, c.ID)
				st, _, body := w.get(t, "/open311/v2/requests/"+created.ID+"."+ext)
				if st != 200 || decodeRequests(t, ext, body)[0].Status != "closed" {
					t.Fatalf("after closure: %d %s", st, body)
				}
				q := "?start_date=" + url.QueryEscape(from.Format(time.RFC3339Nano))
				st, ct, body := w.get(t, "/open311/v2/servicerequestupdates."+ext+q)
				if st != 200 {
					t.Fatalf("%d %s", st, body)
				}
				checkBody(t, ext, ct, body, "service_request_updates")
				n := strings.Count(body, created.ID)
				if n < 6 || !strings.Contains(body, "closed") || !strings.Contains(body, "update_id") {
					t.Fatalf("updates: %d of %s in %s", n, created.ID, body)
				}
			})
		})
	}
	t.Run("no suffix means XML", func(t *testing.T) {
		st, ct, body := w.get(t, "/open311/v2/services")
		if st != 200 {
			t.Fatal(st)
		}
		checkBody(t, "xml", ct, body, "services")
	})
	t.Run("unsupported format", func(t *testing.T) {
		st, _, body := w.get(t, "/open311/v2/services.csv")
		if st != 400 || !strings.Contains(body, "<errors>") {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("english names", func(t *testing.T) {
		_, _, body := w.get(t, "/open311/v2/services.json?locale=en")
		if !strings.Contains(body, "Street order") {
			t.Fatalf("no English group: %s", body[:min(400, len(body))])
		}
	})

}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
