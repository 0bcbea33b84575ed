package httpkit

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"cityloop/internal/errs"
)

// checkJSONText walks a decoded JSON value and refuses the first string
// that cannot be stored as text (a NUL byte, which JSON can carry as
// \u0000; see errs.TextProblem), naming it by its JSON path. Doing it once
// here covers every endpoint that decodes with DecodeJSON, whatever its
// fields, so no store ever sees such a string: PostgreSQL would refuse it
// with a 500 and SQLite would keep it. Control characters other than NUL
// are left to the domain, which knows which fields are one line.
func checkJSONText(v any) error {
	if path, problem := badString(reflect.ValueOf(v), "", 0); problem != "" {
		if path == "" {
			path = "(body)"
		}
		return errs.Invalid("字段 %s %s / field %s %s", path, problem, path, problem).WithField(path, problem)
	}
	return nil
}

func badString(v reflect.Value, path string, depth int) (string, string) {
	if depth > 32 || !v.IsValid() {
		return "", ""
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return badString(v.Elem(), path, depth+1)
	case reflect.String:
		if p := stringProblem(v.String()); p != "" {
			return path, p
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", "" // []byte and json.RawMessage are data, not text
		}
		for i := 0; i < v.Len(); i++ {
			if p, prob := badString(v.Index(i), path+"["+strconv.Itoa(i)+"]", depth+1); prob != "" {
				return p, prob
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			name := path + "." + k.String()
			if k.Kind() == reflect.String {
				if p := stringProblem(k.String()); p != "" {
					return strings.TrimPrefix(path+".(key)", "."), p
				}
			}
			if p, prob := badString(it.Value(), name, depth+1); prob != "" {
				return strings.TrimPrefix(p, "."), prob
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := path + "." + name
			if f.Anonymous {
				sub = path
			}
			if p, prob := badString(v.Field(i), sub, depth+1); prob != "" {
				return strings.TrimPrefix(p, "."), prob
			}
		}
	}
	return "", ""
}

// stringProblem is errs.TextProblem for NUL bytes only: JSON decoding has
// already replaced invalid UTF-8 (DecodeJSON refuses the body before that).
func stringProblem(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "含有空字符 (NUL) / contains a NUL character"
	}
	return ""
}

// checkURLText refuses a request whose path or query parameters hold
// bytes that are not storable text (NUL, other control characters, invalid
// UTF-8): they are never a real code, id or search word, and passed on they
// would reach the database as a filter.
func checkURLText(r *http.Request) error {
	if p := errs.TextProblem(r.URL.Path, false); p != "" {
		return errs.Invalid("请求地址%s / the request path %s", p, p).WithField("path", p)
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	// Pairs that do not parse are dropped here as by r.URL.Query().
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range q {
		if p := errs.TextProblem(k, false); p != "" {
			return errs.Invalid("查询参数名%s / a query parameter name %s", p, p).WithField("query", p)
		}
		for _, v := range vs {
			if p := errs.TextProblem(v, false); p != "" {
				return errs.Invalid("查询参数 %s %s / the query parameter %s %s", k, p, k, p).WithField(k, p)
			}
		}
	}
	return nil
}
