package sensing

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"

	"cityloop/internal/errs"
)

// TopicPrefix is the root of the telemetry topics: cityloop/telemetry/{device_id}.
const TopicPrefix = "cityloop/telemetry/"

// TopicFilter subscribes to every device's telemetry.
const TopicFilter = TopicPrefix + "+"

// Topic is the telemetry topic of a device.
func Topic(deviceID string) string { return TopicPrefix + deviceID }

// DeviceFromTopic returns the device id of a telemetry topic.
func DeviceFromTopic(topic string) (string, error) {
	id, ok := strings.CutPrefix(topic, TopicPrefix)
	if !ok || !ValidID(id) {
		return "", errs.Invalid("topic %q is not %s{device_id}", clip(topic, 120), TopicPrefix)
	}
	return id, nil
}

// Reading is one message from a device: a time and a value per metric.
type Reading struct {
	Device string             `json:"device_id"`
	TS     time.Time          `json:"ts"`
	Values map[string]float64 `json:"values"`
}

// maxValues bounds the metrics in one reading.
const maxValues = 16

// MaxPayload bounds one telemetry message.
const MaxPayload = 8 << 10

// skew is how far in the future a reading may claim to be.
const skew = 5 * time.Minute

// ParseTelemetry reads one telemetry payload. deviceID comes from the topic
// (MQTT); when empty the payload must carry "device_id" (HTTP). now fills a
// missing ts and bounds the clock skew.
func ParseTelemetry(deviceID string, payload []byte, now time.Time) (Reading, error) {
	if len(payload) > MaxPayload {
		return Reading{}, errs.Invalid("telemetry payload is %d bytes; at most %d", len(payload), MaxPayload)
	}
	// Almost every device sends plain numbers: one decode straight into
	// floats is the hot path of MQTT ingestion. Anything else (booleans,
	// malformed input) takes the general path, which also words the errors;
	// both end in the same checks.
	var fast struct {
		Device string             `json:"device_id"`
		TS     json.RawMessage    `json:"ts"`
		Values map[string]float64 `json:"values"`
	}
	if json.Unmarshal(payload, &fast) == nil {
		return finishTelemetry(deviceID, fast.Device, fast.TS, fast.Values, now)
	}
	return parseTelemetryGeneral(deviceID, payload, now)
}

// parseTelemetryGeneral decodes each value on its own, so booleans (on/off
// sensors) count as 1/0 and a bad value is named in the error.
func parseTelemetryGeneral(deviceID string, payload []byte, now time.Time) (Reading, error) {
	if len(payload) > MaxPayload {
		return Reading{}, errs.Invalid("telemetry payload is %d bytes; at most %d", len(payload), MaxPayload)
	}
	var raw struct {
		Device string                     `json:"device_id"`
		TS     json.RawMessage            `json:"ts"`
		Values map[string]json.RawMessage `json:"values"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&raw); err != nil {
		return Reading{}, errs.Invalid("telemetry is not a JSON object {\"ts\":…, \"values\":{…}}: %s", clip(err.Error(), 200))
	}
	if dec.More() {
		return Reading{}, errs.Invalid("telemetry must be a single JSON object")
	}
	if len(raw.Values) > maxValues {
		return Reading{}, errs.Invalid("at most %d values per reading", maxValues).WithField("values", "too many")
	}
	var values map[string]float64
	if raw.Values != nil {
		values = make(map[string]float64, len(raw.Values))
	}
	for k, v := range raw.Values {
		var f float64
		if b := bytes.TrimSpace(v); len(b) > 0 && (b[0] == 't' || b[0] == 'f') {
			var on bool
			if err := json.Unmarshal(b, &on); err != nil {
				return Reading{}, errs.Invalid("value of %s must be a number", clip(k, 40)).WithField("values", "not a number")
			}
			if on {
				f = 1
			}
		} else if err := json.Unmarshal(b, &f); err != nil {
			return Reading{}, errs.Invalid("value of %s must be a number", clip(k, 40)).WithField("values", "not a number")
		}
		values[k] = f
	}
	return finishTelemetry(deviceID, raw.Device, raw.TS, values, now)
}

// finishTelemetry checks a decoded reading: the device, the time, and the
// metrics' names and ranges.
func finishTelemetry(deviceID, payloadDevice string, ts json.RawMessage, values map[string]float64, now time.Time) (Reading, error) {
	r := Reading{Device: deviceID}
	if r.Device == "" {
		r.Device = payloadDevice
	} else if payloadDevice != "" && payloadDevice != deviceID {
		return Reading{}, errs.Invalid("payload device_id %q does not match the topic's %q", clip(payloadDevice, 64), deviceID)
	}
	if !ValidID(r.Device) {
		return Reading{}, errs.Invalid("device_id must be 1–64 letters, digits, '_', '.', ':' or '-'").WithField("device_id", "invalid")
	}
	t, err := parseTS(ts, now)
	if err != nil {
		return Reading{}, err
	}
	if t.After(now.Add(skew)) {
		return Reading{}, errs.Invalid("ts %s is more than %s ahead of the server clock", t.Format(time.RFC3339), skew).WithField("ts", "in the future")
	}
	r.TS = t
	if len(values) == 0 {
		return Reading{}, errs.Invalid("telemetry needs \"values\": {\"metric\": number, …}").WithField("values", "required")
	}
	if len(values) > maxValues {
		return Reading{}, errs.Invalid("at most %d values per reading", maxValues).WithField("values", "too many")
	}
	for k, f := range values {
		if !validMetric(k) {
			return Reading{}, errs.Invalid("metric name %q: 1–32 lower-case letters, digits or '_'", clip(k, 40)).WithField("values", "bad metric name")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e9 {
			return Reading{}, errs.Invalid("value of %s is out of range", k).WithField("values", "out of range")
		}
	}
	r.Values = values
	return r, nil
}

func parseTS(b json.RawMessage, now time.Time) (time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return now.UTC().Truncate(time.Microsecond), nil
	}
	bad := errs.Invalid("ts must be Unix seconds, Unix milliseconds or RFC 3339").WithField("ts", "invalid")
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return time.Time{}, bad
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			return time.Time{}, bad
		}
		return t.UTC().Truncate(time.Microsecond), nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil || math.IsNaN(f) || f <= 0 {
		return time.Time{}, bad
	}
	if f > 1e11 { // milliseconds
		f /= 1000
	}
	if f < 946684800 || f > 7258118400 { // 2000 … 2200
		return time.Time{}, bad
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), nil
}

func validMetric(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
