package httpkit

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestDecodeJSON_RefusesTextThatIsNotText(t *testing.T) {
	type inner struct {
		Note string `json:"note"`
	}
	type body struct {
		Name  string            `json:"name"`
		Tags  []string          `json:"tags"`
		Attrs map[string]string `json:"attrs"`
		In    *inner            `json:"in"`
		Raw   []byte            `json:"raw"`
	}
	for _, tc := range []struct {
		name, body, field string
	}{
		{"clean", `{"name":"路灯","tags":["a"],"attrs":{"k":"v"},"in":{"note":"ok"}}`, ""},
		{"NUL in a field", `{"name":"a\u0000b"}`, "name"},
		{"NUL in a list", `{"tags":["a","b\u0000"]}`, "tags[1]"},
		{"NUL in a map value", `{"attrs":{"k":"\u0000"}}`, "attrs.k"},
		{"NUL in a nested field", `{"in":{"note":"\u0000"}}`, "in.note"},
		{"invalid UTF-8", "{\"name\":\"a\xffb\"}", "(utf-8)"},
		{"an escaped backslash before u0000 is text", `{"name":"a\\u0000"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			var v body
			err := DecodeJSON(httptest.NewRecorder(), r, &v, 1<<10)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused clean text: %v", err)
			case tc.field == "":
			case !errs.Is(err, errs.KindInvalid):
				t.Fatalf("err %v, want Invalid", err)
			case tc.field != "(utf-8)":
				e, _ := errs.As(err)
				if len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
					t.Fatalf("fields %+v, want %s", e.Fields, tc.field)
				}
			}
		})
	}
}

func TestMiddleware_RefusesURLsThatAreNotText(t *testing.T) {
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }), Options{Quiet: true})
	for path, want := range map[string]int{
		"/api/v1/cases?region=320101":   204,
		"/api/v1/cases?q=%E8%B7%AF":     204,
		"/api/v1/cases?region=%00":      400,
		"/api/v1/cases?status=%ff":      400,
		"/api/v1/cases/%00":             400,
		"/api/v1/cases?x%00=1":          400,
		"/api/v1/cases?note=a%0Ab":      400,
		"/api/v1/cases?a=1;b=2&region=": 204,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}
