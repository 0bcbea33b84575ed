package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
)

// Sensing is what the /api/v1/sensing routes need of the sensing service:
// device and camera registries, telemetry and camera-event intake, rules,
// AI policies, accuracy, vending zones, parking and waste. app adapts
// *sensing.Service (with its MQTT subscriber) to it; the service keeps its
// logic and its workers, the handlers here only decode, check and encode.
type Sensing interface {
	Ingest(ctx context.Context, rs []sensing.Reading) (sensing.IngestResult, error)
	Devices(kind sensing.Kind) []*sensing.Device
	Device(id string) (*sensing.Device, bool)
	States(device string) []sensing.RuleState
	PutDevice(ctx context.Context, d sensing.Device) (*sensing.Device, error)
	Series(ctx context.Context, q sensing.SeriesQuery) ([]sensing.SeriesPoint, error)
	Rules() []sensing.Rule
	PutRule(ctx context.Context, r sensing.Rule) (sensing.Rule, error)
	Figures() sensing.Figures
	Cameras() []*sensing.Camera
	PutCamera(ctx context.Context, c sensing.Camera) (*sensing.Camera, error)
	Heartbeat(ctx context.Context, id string) error
	// VendorCodes maps vendors' event codes to dictionary categories.
	VendorCodes() map[string]string
	CameraVendor(id string) string
	HandleEvent(ctx context.Context, e sensing.Event) (sensing.EventResult, error)
	Accuracy(target float64) sensing.Accuracy
	Policy(category string) sensing.Policy
	PutPolicy(ctx context.Context, p sensing.Policy) (sensing.Policy, error)
	Zones() []sensing.Zone
	PutZone(ctx context.Context, z sensing.Zone) (sensing.Zone, error)
	DeleteZone(ctx context.Context, id string) error
	Availability() []sensing.Availability
	PutLot(ctx context.Context, l sensing.Lot) (sensing.Lot, error)
	Points() []sensing.CollectionPoint
	PutPoint(ctx context.Context, p sensing.CollectionPoint) (sensing.CollectionPoint, error)
	Collected(ctx context.Context, point string, at time.Time, by string) error
	Compliance(ctx context.Context, days int) ([]sensing.Compliance, error)
	// MQTT reports the MQTT subscriber's counters; nil without one.
	MQTT() *sensing.IntakeCounters
	// Clock is the service's time, which readings and events are judged by.
	Clock() time.Time
}

const sensingBody = 6 << 20 // a camera event with a base64 snapshot

// Machines (device gateways, vendor platforms) sign in as accounts holding
// the system post; administrators may post too, for testing.
var machinePosts = []org.Post{org.PostSystem, org.PostAdmin}

func writeOK(w http.ResponseWriter, v any) error { return httpkit.WriteJSON(w, http.StatusOK, v) }

// putWhat names the object of a PUT in the error messages.
type putWhat struct{ zh, en string }

// decodePut reads a PUT body into v. A PUT replaces the whole object and
// zero values become defaults, so a body that leaves out (or nulls) any of
// required would silently reset what was set before: it is refused with a
// 400 naming every missing field.
// It returns the fields sent, for checks that depend on the values.
func decodePut(w http.ResponseWriter, r *http.Request, v any, max int64, what putWhat, required ...string) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return nil, errs.E(errs.KindTooLarge, "请求体超过 %d 字节 / the body is larger than %d bytes", max, max)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := httpkit.DecodeJSON(w, r, v, max); err != nil {
		return nil, err
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(body, &sent); err != nil || sent == nil {
		return nil, errs.Invalid("请求体必须是 JSON 对象 / the body must be a JSON object")
	}
	return sent, requireFields(sent, what, required...)
}

// requireFields is the check of decodePut on an already decoded body.
func requireFields(sent map[string]json.RawMessage, what putWhat, required ...string) error {
	var missing []string
	for _, f := range required {
		if v, ok := sent[f]; !ok || string(bytes.TrimSpace(v)) == "null" {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	e := errs.Invalid("缺少必填字段：%s。PUT 会整体替换%s，请先查询再发送全部字段；本次未做任何修改 / missing required fields: %s. A PUT replaces the whole %s, so send every field (GET it first and change what you need); nothing was changed",
		strings.Join(missing, "、"), what.zh, strings.Join(missing, ", "), what.en)
	for _, f := range missing {
		e.WithField(f, "required")
	}
	return e
}

func (s *Server) handleSensingTelemetry(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, machinePosts...); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2<<20))
	if err != nil {
		return errs.E(errs.KindTooLarge, "请求体超过 2 MiB / the body is larger than 2 MiB")
	}
	now := s.Sensing.Clock()
	var batch struct {
		Readings []json.RawMessage `json:"readings"`
	}
	var rs []sensing.Reading
	if json.Unmarshal(body, &batch) == nil && batch.Readings != nil {
		if len(batch.Readings) > 1000 {
			return errs.Invalid("每次最多 1000 条读数 / at most 1000 readings per request")
		}
		for i, raw := range batch.Readings {
			rd, err := sensing.ParseTelemetry("", raw, now)
			if err != nil {
				return errs.Invalid("第 %d 条读数 / reading %d: %s", i, i, sensingErrText(err))
			}
			rs = append(rs, rd)
		}
	} else {
		rd, err := sensing.ParseTelemetry("", body, now)
		if err != nil {
			return err
		}
		rs = append(rs, rd)
	}
	res, err := s.Sensing.Ingest(r.Context(), rs)
	if err != nil {
		return err
	}
	if res.Stored == 0 && res.Unknown > 0 {
		return errs.NotFound("设备未登记，请先 PUT /api/v1/sensing/devices/{id} / no such device; register it first with PUT /api/v1/sensing/devices/{id}")
	}
	return httpkit.WriteJSON(w, http.StatusAccepted, res)
}

func sensingErrText(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

func (s *Server) handleSensingDeviceList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	kind := sensing.Kind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		return errs.Invalid("kind 须为 noise、air、fumes、cover、bin、berth、water 之一 / kind must be one of noise, air, fumes, cover, bin, berth, water")
	}
	ds := s.Sensing.Devices(kind)
	return writeOK(w, map[string]any{"items": ds, "total": len(ds)})
}

func (s *Server) handleSensingDeviceView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	d, found := s.Sensing.Device(r.PathValue("id"))
	if !found {
		return errs.NotFound("设备 %s 未登记 / device %s is not registered", r.PathValue("id"), r.PathValue("id"))
	}
	return writeOK(w, map[string]any{"device": d, "rules": s.Sensing.States(d.ID)})
}

func (s *Server) handleSensingDevicePut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var d sensing.Device
	if _, err := decodePut(w, r, &d, 64<<10, putWhat{"设备", "device"}, "kind", "lng", "lat"); err != nil {
		return err
	}
	d.ID = r.PathValue("id")
	out, err := s.Sensing.PutDevice(r.Context(), d)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.device.put", "sensing/device/"+d.ID, out,
		"kind", "name", "lng", "lat", "zone_class", "category", "lot", "point", "stream", "interval_s"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func sensingTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return def, errs.Invalid("时间 %q 须为 RFC 3339 格式 / time %q must be RFC 3339, e.g. 2024-06-10T22:00:00+08:00", s, s)
	}
	return t, nil
}

func (s *Server) handleSensingDeviceSeries(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	q := r.URL.Query()
	now := s.Sensing.Clock()
	from, err := sensingTime(q.Get("from"), now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	to, err := sensingTime(q.Get("to"), now.Add(time.Minute))
	if err != nil {
		return err
	}
	res := q.Get("res")
	if res == "" {
		res = "raw"
	}
	if res != "raw" && res != "minute" && res != "hour" {
		return errs.Invalid("res 须为 raw、minute 或 hour / res must be raw, minute or hour")
	}
	if q.Get("metric") == "" {
		return errs.Invalid("缺少 metric，例如 ?metric=noise_db / metric is required, e.g. ?metric=noise_db")
	}
	pts, err := s.Sensing.Series(r.Context(), sensing.SeriesQuery{Device: r.PathValue("id"), Metric: q.Get("metric"), Res: res, From: from, To: to})
	if err != nil {
		return err
	}
	return writeOK(w, map[string]any{"device_id": r.PathValue("id"), "metric": q.Get("metric"), "res": res, "points": pts})
}

func (s *Server) handleSensingRuleList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	return writeOK(w, map[string]any{"items": s.Sensing.Rules(), "noise_limits_gb3096": sensing.NoiseLimits})
}

func (s *Server) handleSensingRulePut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var rule sensing.Rule
	sent, err := decodePut(w, r, &rule, 64<<10, putWhat{"规则", "rule"}, "kind", "metric")
	if err != nil {
		return err
	}
	if !rule.ZoneLimit {
		// A fixed threshold: 0 is a level, never "keep the old one".
		if err := requireFields(sent, putWhat{"规则", "rule"}, "threshold", "clear"); err != nil {
			return err
		}
	}
	rule.ID = r.PathValue("id")
	out, err := s.Sensing.PutRule(r.Context(), rule)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.rule.put", "sensing/rule/"+rule.ID, out,
		"kind", "metric", "below", "threshold", "clear", "zone_limit", "band", "window", "for", "clear_for",
		"category", "condition", "auto_file", "title", "disabled"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingFigures(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	out := map[string]any{"sensing": s.Sensing.Figures(), "topic": sensing.TopicPrefix + "{device_id}"}
	if m := s.Sensing.MQTT(); m != nil {
		out["mqtt"] = m
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingCameraList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	cs := s.Sensing.Cameras()
	return writeOK(w, map[string]any{"items": cs, "total": len(cs)})
}

func (s *Server) handleSensingCameraPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var c sensing.Camera
	if _, err := decodePut(w, r, &c, 64<<10, putWhat{"摄像头", "camera"}, "lng", "lat"); err != nil {
		return err
	}
	c.ID = r.PathValue("id")
	out, err := s.Sensing.PutCamera(r.Context(), c)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.camera.put", "sensing/camera/"+c.ID, out,
		"name", "lng", "lat", "direction", "watches", "vendor", "point", "offline_after_s"); err != nil {
		return err
	}
	return writeOK(w, out)
}

// handleSensingCameraHeartbeat takes a camera's (or its video platform's)
// keep-alive. It needs no body: the time it arrives is the sign of life, so
// a camera's clock cannot keep it online. A camera silent for longer than
// its offline_after_s becomes a maintenance case, which its next heartbeat
// or event resolves.
func (s *Server) handleSensingCameraHeartbeat(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, machinePosts...); err != nil {
		return err
	}
	// Platforms that send a small JSON status along are welcome; it is not read.
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10)); err != nil {
		return errs.E(errs.KindTooLarge, "心跳无需请求体，最多接受 4 KiB / a heartbeat needs no body; at most 4 KiB is accepted")
	}
	if err := s.Sensing.Heartbeat(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSensingCameraEvent(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, machinePosts...); err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.KindUnsupported, "事件须以 application/json 发送 / send the event as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sensingBody))
	if err != nil {
		return errs.E(errs.KindTooLarge, "事件超过 %d 字节 / the event is larger than %d bytes", sensingBody, sensingBody)
	}
	e, err := sensing.ParseEvent(body, s.Sensing.VendorCodes(), s.Sensing.CameraVendor, s.Sensing.Clock())
	if err != nil {
		return err
	}
	res, err := s.Sensing.HandleEvent(r.Context(), e)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.CaseID != "" && (res.Verdict == sensing.VerdictCase || res.Verdict == sensing.VerdictEscalate) {
		status = http.StatusCreated
	}
	return httpkit.WriteJSON(w, status, res)
}

func (s *Server) handleSensingAccuracy(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	return writeOK(w, s.Sensing.Accuracy(0.9))
}

func (s *Server) handleSensingPolicyList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	acc := s.Sensing.Accuracy(0.9)
	items := make([]map[string]any, 0, len(acc.ByCategory))
	for _, row := range acc.ByCategory {
		items = append(items, map[string]any{"policy": s.Sensing.Policy(row.Key), "precision": row.Precision, "judged": row.Judged, "mode_in_force": row.InForce})
	}
	return writeOK(w, map[string]any{"items": items, "vendor_codes": s.Sensing.VendorCodes()})
}

func (s *Server) handleSensingPolicyPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var p sensing.Policy
	if _, err := decodePut(w, r, &p, 64<<10, putWhat{"AI 策略", "AI policy"}, sensing.PolicyFields...); err != nil {
		return err
	}
	p.Category = r.PathValue("category")
	before := s.Sensing.Policy(p.Category)
	out, err := s.Sensing.PutPolicy(r.Context(), p)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.policy.put", "sensing/policy/"+p.Category, map[string]any{"before": before, "after": out},
		"before", "after"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingZoneList(w http.ResponseWriter, r *http.Request) error {
	return writeOK(w, map[string]any{"items": s.Sensing.Zones()}) // public: vendors may look up where and when they may trade
}

func (s *Server) handleSensingZonePut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var z sensing.Zone
	if _, err := decodePut(w, r, &z, 1<<20, putWhat{"疏导区", "vending zone"}, "ring", "hours"); err != nil {
		return err
	}
	z.ID = r.PathValue("id")
	out, err := s.Sensing.PutZone(r.Context(), z)
	if err != nil {
		return err
	}
	// The outline can hold 1000 points: the record keeps its size, not the points.
	if err := s.auditSettings(r, a, "sensing.zone.put", "sensing/zone/"+z.ID, map[string]any{"name": out.Name,
		"ring_points": len(out.Ring), "hours": out.Hours, "goods": out.Goods, "categories": out.Categories, "disabled": out.Disabled},
		"name", "ring_points", "hours", "goods", "categories", "disabled"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingZoneDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	if err := s.Sensing.DeleteZone(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.zone.delete", "sensing/zone/"+r.PathValue("id"), nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSensingLotList(w http.ResponseWriter, r *http.Request) error {
	return writeOK(w, map[string]any{"items": s.Sensing.Availability()}) // public: the portal shows free spaces
}

func (s *Server) handleSensingLotPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var l sensing.Lot
	if _, err := decodePut(w, r, &l, 64<<10, putWhat{"停车场", "parking lot"}, "lng", "lat", "capacity"); err != nil {
		return err
	}
	l.ID = r.PathValue("id")
	out, err := s.Sensing.PutLot(r.Context(), l)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.lot.put", "sensing/lot/"+l.ID, out,
		"name", "lng", "lat", "capacity", "max_stay_min", "on_street"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingLotNearest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lng, err1 := strconv.ParseFloat(q.Get("lng"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	p := geo.Point{Lng: lng, Lat: lat}
	if err1 != nil || err2 != nil || !p.Valid() {
		return errs.Invalid("须提供 lng 和 lat（WGS84）/ lng and lat (WGS84) are required")
	}
	n, _ := strconv.Atoi(q.Get("n"))
	if n <= 0 || n > 20 {
		n = 3
	}
	minFree, _ := strconv.Atoi(q.Get("min_free"))
	return writeOK(w, map[string]any{"items": sensing.Nearest(s.Sensing.Availability(), p, minFree, n)})
}

func (s *Server) handleSensingPointList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	return writeOK(w, map[string]any{"items": s.Sensing.Points()})
}

func (s *Server) handleSensingPointPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var p sensing.CollectionPoint
	if _, err := decodePut(w, r, &p, 64<<10, putWhat{"垃圾投放点", "collection point"}, "lng", "lat"); err != nil {
		return err
	}
	p.ID = r.PathValue("id")
	out, err := s.Sensing.PutPoint(r.Context(), p)
	if err != nil {
		return err
	}
	if err := s.auditSettings(r, a, "sensing.point.put", "sensing/point/"+p.ID, out,
		"name", "lng", "lat", "collect_by"); err != nil {
		return err
	}
	return writeOK(w, out)
}

func (s *Server) handleSensingCollection(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, append(machinePosts, org.PostHandler)...)
	if err != nil {
		return err
	}
	var in struct {
		At string `json:"at"`
	}
	if r.ContentLength != 0 {
		if err := httpkit.DecodeJSON(w, r, &in, 4<<10); err != nil {
			return err
		}
	}
	at, err := sensingTime(in.At, s.Sensing.Clock())
	if err != nil {
		return err
	}
	if err := s.Sensing.Collected(r.Context(), r.PathValue("id"), at.UTC(), a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSensingCompliance(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	out, err := s.Sensing.Compliance(r.Context(), days)
	if err != nil {
		return err
	}
	return writeOK(w, map[string]any{"days": days, "items": out})
}
