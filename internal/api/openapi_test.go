package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"cityloop/internal/org"
)

// patterns records what Routes registers.
type patterns []string

func (p *patterns) Handle(pattern string, _ http.Handler) { *p = append(*p, pattern) }

// TestOpenAPI_CoversRoutes walks the routes Routes registers and fails on
// one the document lacks, or describes without its path parameters, its
// request body or its problem responses; and on an operation in the
// document that nothing serves.
func TestOpenAPI_CoversRoutes(t *testing.T) {
	var reg patterns
	(&Server{}).Routes(&reg)
	// Through JSON, as a client reads it.
	b, err := json.Marshal(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	served := map[string]bool{}
	api := 0
	for _, p := range reg {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			if p != "/api/" {
				t.Errorf("route %q has no method", p)
			}
			continue
		}
		if strings.HasPrefix(path, "/api/v1/") {
			api++
		}
		served[strings.ToLower(method)+" "+path] = true
		op := doc.Paths[path][strings.ToLower(method)]
		if op == nil {
			t.Errorf("the OpenAPI document lacks %s", p)
			continue
		}
		params := map[string]bool{}
		list, _ := op["parameters"].([]any)
		for _, x := range list {
			m := x.(map[string]any)
			params[m["in"].(string)+":"+m["name"].(string)] = true
		}
		for _, name := range pathParams(path) {
			if !params["path:"+name] {
				t.Errorf("%s: path parameter %s not described", p, name)
			}
		}
		resp, _ := op["responses"].(map[string]any)
		var ok2xx, problem bool
		for code, v := range resp {
			if strings.HasPrefix(code, "2") {
				ok2xx = true
			}
			if strings.HasPrefix(code, "4") && strings.Contains(toJSON(v), "#/components/responses/Problem") {
				problem = true
			}
		}
		if !ok2xx || !problem {
			t.Errorf("%s: responses %v lack a success or a problem+json error", p, resp)
		}
		if method == "PUT" && op["requestBody"] == nil {
			t.Errorf("%s: no request body described", p)
		}
		if op["summary"] == "" || op["tags"] == nil {
			t.Errorf("%s: no summary or tag", p)
		}
	}
	for path, item := range doc.Paths {
		for method := range item {
			if !served[method+" "+path] {
				t.Errorf("the document describes %s %s, which is not registered", method, path)
			}
		}
	}
	if api < 88 {
		t.Errorf("%d routes under /api/v1, want at least 88", api)
	}
	// Every $ref points at a schema that exists.
	var missing []string
	for _, ref := range refs(string(b)) {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if name != ref && doc.Components.Schemas[name] == nil {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("schemas referenced but not defined: %v", missing)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func refs(doc string) []string {
	var out []string
	for {
		i := strings.Index(doc, `"$ref":"`)
		if i < 0 {
			return out
		}
		doc = doc[i+len(`"$ref":"`):]
		j := strings.IndexByte(doc, '"')
		out = append(out, doc[:j])
		doc = doc[j:]
	}
}

// TestRoutes_AuthAsDocumented: every route the table marks as needing a
// bearer token answers an anonymous caller 401, and a citizen 403 where it
// needs a staff post or named posts, so the document's security and the
// handlers' checks agree.
func TestRoutes_AuthAsDocumented(t *testing.T) {
	s, _, h := newTestServer(t)
	for _, rt := range s.routes() {
		if rt.auth == "" {
			continue
		}
		path := strings.NewReplacer("{id}", "x", "{code}", "x", "{name}", "x", "{ref}", "event:0501", "{category}", "event:0501", "{no}", "GD1").Replace(rt.path)
		for _, who := range []org.Post{"", org.PostCitizen} {
			if who == org.PostCitizen && rt.auth == "signed-in" {
				continue
			}
			req := httptest.NewRequest(rt.method, path, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			want := 401
			if who != "" {
				req.Header.Set("Authorization", "Bearer "+tokenOf(who))
				want = 403
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s %s as %q (documented %q): %d, want %d: %s", rt.method, rt.path, who, rt.auth, rec.Code, want, rec.Body)
			}
		}
	}
}
