package open311_test

import (
	"testing"

	"cityloop/internal/open311"
)

// FuzzParseBody feeds arbitrary bodies to the POST form parser: it must
// never panic, and whatever it accepts must be within its own limits.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		"api_key=k&service_code=event:0501&lat=32.03&long=118.72&description=x",
		"service_code=event:0501&address_id=32010100100101&attribute[hazards][]=traffic&attribute[hazards][]=night",
		"service_code=a&lat=91&long=0", "service_code=a&lat=NaN&long=1", "attribute[=x", "attribute[a]]=1&service_code=s&address_string=x",
		"%zz", "service_code=%E4%BA%BA&media_url=https://a.b/c&lat=1e3&long=1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := open311.ParseBody(body)
		if err != nil {
			return
		}
		if p.ServiceCode == "" {
			t.Fatal("accepted without service_code")
		}
		if p.Lat == nil && p.AddressID == "" && p.AddressString == "" {
			t.Fatal("accepted without a location")
		}
		if (p.Lat == nil) != (p.Long == nil) {
			t.Fatal("lat without long")
		}
		if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90 || *p.Long < -180 || *p.Long > 180) {
			t.Fatal("coordinates out of range")
		}
		if len(p.Attributes) > 50 {
			t.Fatal("too many attributes")
		}
		for code, vs := range p.Attributes {
			if code == "" || len(vs) > 20 {
				t.Fatalf("attribute %q with %d values", code, len(vs))
			}
		}
		_ = open311.CheckAttributes(nil, p.Attributes)
	})
}

func TestParseQueryDefaults(t *testing.T) {
	q, err := open311.ParseQuery(func(string) string { return "" }, mustTime("2026-03-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if q.To.Sub(q.From) != open311.DefaultWindow || q.Limit != open311.MaxRequests {
		t.Fatalf("defaults: %+v", q)
	}
}
