package open311

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PostForm is a parsed POST requests body (application/x-www-form-urlencoded).
type PostForm struct {
	APIKey         string
	JurisdictionID string
	ServiceCode    string
	Lat, Long      *float64
	AddressString  string
	AddressID      string
	Email          string
	DeviceID       string
	AccountID      string
	FirstName      string
	LastName       string
	Phone          string
	Description    string
	MediaURL       string
	// Attributes holds attribute[code]=value pairs; a multivaluelist sends
	// attribute[code][]=a&attribute[code][]=b (repeating attribute[code] works too).
	Attributes map[string][]string
}

// Limits of a POST.
const (
	maxField      = 4000
	maxAttributes = 50
	maxAttrValues = 20
)

// ParseBody parses a urlencoded POST body; see [ParseForm].
func ParseBody(body []byte) (PostForm, error) {
	v, err := parseBody(body)
	if err != nil {
		return PostForm{}, err
	}
	return ParseForm(v)
}

// parseBody reads a urlencoded body, as the POST handlers receive it.
func parseBody(body []byte) (url.Values, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, apiError{http.StatusBadRequest, "the body is not valid application/x-www-form-urlencoded: " + err.Error()}
	}
	return v, nil
}

// checkValues checks that every name and value of a POST is UTF-8 and no
// longer than maxField.
func checkValues(v url.Values) error {
	for k, vals := range v {
		if !utf8.ValidString(k) {
			return apiError{http.StatusBadRequest, "parameter names must be UTF-8"}
		}
		for _, x := range vals {
			if !utf8.ValidString(x) {
				return apiError{http.StatusBadRequest, k + " must be UTF-8 text"}
			}
			if len(x) > maxField {
				return apiError{http.StatusBadRequest, fmt.Sprintf("%s is longer than %d bytes", k, maxField)}
			}
		}
	}
	return nil
}

// ParseForm checks the fields of a POST requests call: service_code and a
// location (lat and long, address_id, or address_string) are required;
// numbers, the media URL and attribute codes must be well formed and all text
// UTF-8 within limits. It does not look the service up. Errors are 400s in
// the specification's format.
func ParseForm(v url.Values) (PostForm, error) {
	bad := func(format string, args ...any) (PostForm, error) {
		return PostForm{}, apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
	}
	if err := checkValues(v); err != nil {
		return PostForm{}, err
	}
	one := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	p := PostForm{APIKey: one("api_key"), JurisdictionID: one("jurisdiction_id"), ServiceCode: one("service_code"),
		AddressString: one("address_string"), AddressID: one("address_id"), Email: one("email"), DeviceID: one("device_id"),
		AccountID: one("account_id"), FirstName: one("first_name"), LastName: one("last_name"), Phone: one("phone"),
		Description: one("description"), MediaURL: one("media_url"), Attributes: map[string][]string{}}
	if p.ServiceCode == "" {
		return bad("service_code was not provided")
	}
	lat, long := one("lat"), one("long")
	if (lat == "") != (long == "") {
		return bad("lat and long must be sent together")
	}
	if lat != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) || la < -90 || la > 90 || lo < -180 || lo > 180 {
			return bad("lat and long must be WGS84 decimal degrees (lat -90…90, long -180…180)")
		}
		p.Lat, p.Long = &la, &lo
	}
	if p.Lat == nil && p.AddressID == "" && p.AddressString == "" {
		return bad("a location is required: lat and long, address_id (a unit grid code) or address_string")
	}
	if p.MediaURL != "" {
		u, err := url.Parse(p.MediaURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(p.MediaURL) > 2000 {
			return bad("media_url must be an absolute http or https URL of at most 2000 characters")
		}
	}
	if p.Email != "" && (!strings.Contains(p.Email, "@") || len(p.Email) > 254) {
		return bad("email is not a valid address")
	}
	if len(p.Phone) > 32 || len(p.FirstName) > 100 || len(p.LastName) > 100 || len(p.DeviceID) > 200 || len(p.AccountID) > 200 {
		return bad("phone, first_name, last_name, device_id or account_id is too long")
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable errors and order
	for _, k := range keys {
		if !strings.HasPrefix(k, "attribute[") {
			continue
		}
		code, ok := attrCode(k)
		if !ok {
			return bad("%q is not of the form attribute[code] or attribute[code][]", k)
		}
		for _, x := range v[k] {
			if x = strings.TrimSpace(x); x != "" {
				p.Attributes[code] = append(p.Attributes[code], x)
			}
		}
		if len(p.Attributes[code]) > maxAttrValues {
			return bad("attribute[%s] has more than %d values", code, maxAttrValues)
		}
	}
	if len(p.Attributes) > maxAttributes {
		return bad("more than %d attributes", maxAttributes)
	}
	return p, nil
}

// attrCode reads "attribute[code]" or "attribute[code][]".
func attrCode(k string) (string, bool) {
	rest := strings.TrimPrefix(k, "attribute[")
	rest = strings.TrimSuffix(rest, "[]")
	if !strings.HasSuffix(rest, "]") {
		return "", false
	}
	code := strings.TrimSuffix(rest, "]")
	if code == "" || len(code) > 64 {
		return "", false
	}
	for _, c := range code {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "", false
		}
	}
	return code, true
}

// CheckAttributes validates values against a service definition: unknown
// codes, missing required attributes and values of the wrong datatype are
// 400s that name the attribute.
func CheckAttributes(defs []Attribute, got map[string][]string) error {
	bad := func(format string, args ...any) error {
		return apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
	}
	byCode := map[string]Attribute{}
	for _, d := range defs {
		byCode[d.Code] = d
	}
	for code := range got {
		if _, ok := byCode[code]; !ok {
			return bad("attribute[%s] is not an attribute of this service; GET the service definition", code)
		}
	}
	for _, d := range defs {
		vals := got[d.Code]
		if len(vals) == 0 {
			if d.Required {
				return bad("attribute[%s] is required", d.Code)
			}
			continue
		}
		if d.Datatype != TypeMultiValueList && len(vals) > 1 {
			return bad("attribute[%s] takes one value", d.Code)
		}
		x := vals[0]
		switch d.Datatype {
		case TypeNumber:
			if f, err := strconv.ParseFloat(x, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return bad("attribute[%s] must be a number", d.Code)
			}
		case TypeDatetime:
			if _, err := parseW3C(x); err != nil {
				return bad("attribute[%s] must be an ISO 8601 date and time with a zone, e.g. 2026-03-02T08:15:00+08:00", d.Code)
			}
		case TypeString:
			if utf8.RuneCountInString(x) > 200 {
				return bad("attribute[%s] is longer than 200 characters", d.Code)
			}
		case TypeText:
			if utf8.RuneCountInString(x) > 2000 {
				return bad("attribute[%s] is longer than 2000 characters", d.Code)
			}
		case TypeSingleValueList, TypeMultiValueList:
			for _, v := range vals {
				if !slices.ContainsFunc(d.Values, func(a attrValue) bool { return a.Key == v }) {
					keys := make([]string, len(d.Values))
					for i, a := range d.Values {
						keys[i] = a.Key
					}
					return bad("attribute[%s] value %q is not one of %s", d.Code, v, strings.Join(keys, ", "))
				}
			}
		}
	}
	return nil
}

// parseW3C reads the ISO 8601 subset of the W3C note: a full date and time
// with a zone, seconds and fraction optional.
func parseW3C(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a W3C date-time: %q", s)
}
