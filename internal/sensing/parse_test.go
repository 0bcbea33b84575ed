package sensing

import (
	"encoding/base64"
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)

func TestParseTelemetry(t *testing.T) {
	for _, c := range []struct {
		name, dev, in string
		ok            bool
		ts            time.Time
	}{
		{"seconds", "n1", `{"ts":1717992000,"values":{"noise_db":61.5}}`, true, time.Unix(1717992000, 0).UTC()},
		{"millis", "n1", `{"ts":1717992000500,"values":{"noise_db":61.5}}`, true, time.Unix(1717992000, 5e8).UTC()},
		{"rfc3339", "n1", `{"ts":"2024-06-10T12:00:00+08:00","values":{"noise_db":61.5}}`, true, time.Date(2024, 6, 10, 4, 0, 0, 0, time.UTC)},
		{"no ts is now", "n1", `{"values":{"occupied":true}}`, true, now},
		{"http carries the device", "", `{"device_id":"n1","values":{"noise_db":1}}`, true, now},
		{"device mismatch", "n1", `{"device_id":"n2","values":{"noise_db":1}}`, false, time.Time{}},
		{"no values", "n1", `{"ts":1717992000}`, false, time.Time{}},
		{"string value", "n1", `{"values":{"noise_db":"loud"}}`, false, time.Time{}},
		{"bad metric", "n1", `{"values":{"Noise DB":1}}`, false, time.Time{}},
		{"future", "n1", `{"ts":1900000000,"values":{"noise_db":1}}`, false, time.Time{}},
		{"not json", "n1", `noise=61`, false, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseTelemetry(c.dev, []byte(c.in), now)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if c.ok && !r.TS.Equal(c.ts) {
				t.Fatalf("ts %s, want %s", r.TS, c.ts)
			}
		})
	}
}

func TestParseEvent(t *testing.T) {
	img := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n...."))
	e, err := ParseEvent([]byte(`{"camera_id":"cam-1","code":"884","confidence":0.91,"bbox":[0.4,0.5,0.1,0.2],"time":1717992000,"image":"`+img+`"}`),
		DefaultVendorCodes(), func(string) string { return "dahua" }, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Category != "event:0501" || e.Vendor != "dahua" || len(e.Image) == 0 || e.Cell() != "12" {
		t.Fatalf("event %+v cell %s", e, e.Cell())
	}
	for _, bad := range []string{
		`{"camera_id":"cam-1","code":"999","confidence":0.9}`,            // unmapped code
		`{"camera_id":"cam-1","category":"event:0501","confidence":1.5}`, // confidence
		`{"camera_id":"cam-1","category":"event:0501","confidence":0.9,"bbox":[0.1,0.2]}`,
		`{"camera_id":"cam-1","category":"event:0501","confidence":0.9,"image":"***"}`,
		`{"camera_id":"cam-1","category":"event:0501","confidence":0.9,"image_url":"ftp://x"}`,
		`{"camera_id":"cam 1","category":"event:0501","confidence":0.9}`,
		`{"camera_id":"cam-1","category":"event:0501","confidence":0.9,"extra":1}`,
	} {
		if _, err := ParseEvent([]byte(bad), DefaultVendorCodes(), nil, now); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseTelemetry(f *testing.F) {
	f.Add("n1", []byte(`{"ts":1717992000,"values":{"noise_db":61.5}}`))
	f.Add("", []byte(`{"device_id":"x","ts":"2024-06-10T12:00:00Z","values":{"occupied":true}}`))
	f.Add("n1", []byte(`{"values":{"a":1e308}}`))
	f.Add("n1", []byte(`{"values":{"a":"1"}}`))
	f.Add("n1", []byte(`{"values":{"a":null}} `))
	f.Add("n1", []byte(`{"VALUES":{"a":1},"ts":null}{}`))
	f.Fuzz(func(t *testing.T, dev string, b []byte) {
		r, err := ParseTelemetry(dev, b, now)
		// The fast path must agree with the general one.
		g, gerr := parseTelemetryGeneral(dev, b, now)
		if (err == nil) != (gerr == nil) || (err == nil && !reflect.DeepEqual(r, g)) {
			t.Fatalf("fast path %+v, %v; general path %+v, %v", r, err, g, gerr)
		}
		if err != nil {
			return
		}
		if !ValidID(r.Device) || len(r.Values) == 0 || len(r.Values) > maxValues || r.TS.After(now.Add(skew)) {
			t.Fatalf("accepted an invalid reading %+v", r)
		}
	})
}

// BenchmarkParseTelemetry compares the fast path (numbers only) with the
// general one on the payload devices send most.
func BenchmarkParseTelemetry(b *testing.B) {
	payload := []byte(`{"ts":1717992000.25,"values":{"noise_db":61.5}}`)
	for _, bc := range []struct {
		name  string
		parse func(string, []byte, time.Time) (Reading, error)
	}{{"fast", ParseTelemetry}, {"general", parseTelemetryGeneral}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.parse("n1", payload, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"camera_id":"cam-1","code":"884","confidence":0.91,"bbox":[0.4,0.5,0.1,0.2],"time":1717992000}`))
	f.Add([]byte(`{"camera_id":"c","category":"event:0501","confidence":0,"gone":true,"lng":118.7,"lat":32}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEvent(b, DefaultVendorCodes(), nil, now)
		if err != nil {
			return
		}
		if !ValidID(e.Camera) || e.Confidence < 0 || e.Confidence > 1 || (e.BBox != nil && len(e.BBox) != 4) || len(e.Cell()) == 0 {
			t.Fatalf("accepted an invalid event %+v", e)
		}
	})
}
