package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/store/sensingstore"
)

// sensingHTTP serves /api/v1/sensing/…: device and camera registries,
// telemetry and camera-event intake, rules, AI policies, accuracy, vending
// zones, parking and waste.
type sensingHTTP struct {
	a   *App
	svc *sensing.Service
	db  *sensingstore.DB
	sub *mqtt.Subscriber
}

const sensingBody = 6 << 20 // a camera event with a base64 snapshot

func (h *sensingHTTP) routes(mux *http.ServeMux) {
	m := func(pattern string, fn httpkit.HandlerFunc) { mux.Handle(pattern, httpkit.Handle(fn)) }
	p := "/api/v1/sensing"
	m("POST "+p+"/telemetry", h.handleTelemetry)
	m("GET "+p+"/devices", h.handleDeviceList)
	m("GET "+p+"/devices/{id}", h.handleDeviceView)
	m("PUT "+p+"/devices/{id}", h.handleDevicePut)
	m("GET "+p+"/devices/{id}/series", h.handleDeviceSeries)
	m("GET "+p+"/rules", h.handleRuleList)
	m("PUT "+p+"/rules/{id}", h.handleRulePut)
	m("GET "+p+"/figures", h.handleFigures)
	m("GET "+p+"/cameras", h.handleCameraList)
	m("PUT "+p+"/cameras/{id}", h.handleCameraPut)
	m("POST "+p+"/cameras/{id}/heartbeat", h.handleCameraHeartbeat)
	m("POST "+p+"/camera-events", h.handleCameraEvent)
	m("GET "+p+"/accuracy", h.handleAccuracy)
	m("GET "+p+"/policies", h.handlePolicyList)
	m("PUT "+p+"/policies/{category}", h.handlePolicyPut)
	m("GET "+p+"/zones", h.handleZoneList)
	m("PUT "+p+"/zones/{id}", h.handleZonePut)
	m("DELETE "+p+"/zones/{id}", h.handleZoneDelete)
	m("GET "+p+"/parking/lots", h.handleLotList)
	m("PUT "+p+"/parking/lots/{id}", h.handleLotPut)
	m("GET "+p+"/parking/nearest", h.handleLotNearest)
	m("GET "+p+"/waste/points", h.handlePointList)
	m("PUT "+p+"/waste/points/{id}", h.handlePointPut)
	m("POST "+p+"/waste/points/{id}/collections", h.handleCollection)
	m("GET "+p+"/waste/compliance", h.handleCompliance)
}

// actor resolves the bearer token the way the core API does, and requires
// one of posts (any staff post when none are given).
func (h *sensingHTTP) actor(r *http.Request, posts ...org.Post) (org.Actor, error) {
	a, ok, err := h.a.api.Authenticate(r)
	if err != nil {
		return org.Actor{}, err
	}
	if !ok {
		return org.Actor{}, errs.Unauthenticated("sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	if len(posts) == 0 {
		for _, g := range a.Grants {
			if g.Post != org.PostCitizen {
				return a, nil
			}
		}
		return a, errs.Forbidden("this needs a staff post")
	}
	for _, p := range posts {
		if _, ok := a.Grant(p); ok {
			return a, nil
		}
	}
	names := make([]string, len(posts))
	for i, p := range posts {
		names[i] = string(p)
	}
	return a, errs.Forbidden("this needs the post %s", strings.Join(names, " or "))
}

// Machines (device gateways, vendor platforms) sign in as accounts holding
// the system post; administrators may post too, for testing.
var machinePosts = []org.Post{org.PostSystem, org.PostAdmin}

func sensingOK(w http.ResponseWriter, v any) error { return httpkit.WriteJSON(w, http.StatusOK, v) }

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
		return nil, errs.E(errs.KindTooLarge, "the body is larger than %d bytes", max)
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

// auditSensing records one change of the sensing configuration: who (the
// actor), what (action such as "sensing.policy.put" and object such as
// "sensing/policy/event:0501") and the settings it now has (detail, the
// listed fields of v only; sensing settings hold no secrets, and the list
// keeps it so). The change is already stored: if the record cannot be
// written, the caller answers 500 so the administrator knows.
func (h *sensingHTTP) auditSensing(r *http.Request, actor org.Actor, action, object string, v any, fields ...string) error {
	detail := map[string]any{}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		var all map[string]any
		if err := json.Unmarshal(b, &all); err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		for _, f := range fields {
			if x, ok := all[f]; ok {
				detail[f] = x
			}
		}
	}
	return h.audit(r.Context(), audit.Record{At: h.a.Now(), Actor: actor.ID, Action: action, Object: object,
		Addr: httpkit.ClientAddr(r)}, detail)
}

func (h *sensingHTTP) audit(ctx context.Context, rec audit.Record, detail map[string]any) error {
	if h.a.api == nil || h.a.api.Auditor == nil {
		return nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", rec.Action, err)
	}
	rec.Detail = string(b)
	if err := h.a.api.Auditor.Audit(ctx, rec); err != nil {
		return fmt.Errorf("audit %s: %w", rec.Action, err)
	}
	return nil
}

func (h *sensingHTTP) handleTelemetry(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r, machinePosts...); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2<<20))
	if err != nil {
		return errs.E(errs.KindTooLarge, "the body is larger than 2 MiB")
	}
	now := h.a.Now()
	var batch struct {
		Readings []json.RawMessage `json:"readings"`
	}
	var rs []sensing.Reading
	if json.Unmarshal(body, &batch) == nil && batch.Readings != nil {
		if len(batch.Readings) > 1000 {
			return errs.Invalid("at most 1000 readings per request")
		}
		for i, raw := range batch.Readings {
			rd, err := sensing.ParseTelemetry("", raw, now)
			if err != nil {
				return errs.Invalid("reading %d: %s", i, sensingErrText(err))
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
	res, err := h.svc.Ingest(r.Context(), rs)
	if err != nil {
		return err
	}
	if res.Stored == 0 && res.Unknown > 0 {
		return errs.NotFound("no such device; register it first with PUT /api/v1/sensing/devices/{id}")
	}
	return httpkit.WriteJSON(w, http.StatusAccepted, res)
}

func sensingErrText(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

func (h *sensingHTTP) handleDeviceList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	kind := sensing.Kind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		return errs.Invalid("kind must be one of noise, air, fumes, cover, bin, berth, water")
	}
	ds := h.svc.Devices(kind)
	return sensingOK(w, map[string]any{"items": ds, "total": len(ds)})
}

func (h *sensingHTTP) handleDeviceView(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	d, found := h.svc.Device(r.PathValue("id"))
	if !found {
		return errs.NotFound("device %s is not registered", r.PathValue("id"))
	}
	return sensingOK(w, map[string]any{"device": d, "rules": h.svc.States(d.ID)})
}

func (h *sensingHTTP) handleDevicePut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var d sensing.Device
	if _, err := decodePut(w, r, &d, 64<<10, putWhat{"设备", "device"}, "kind", "lng", "lat"); err != nil {
		return err
	}
	d.ID = r.PathValue("id")
	out, err := h.svc.PutDevice(r.Context(), d)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.device.put", "sensing/device/"+d.ID, out,
		"kind", "name", "lng", "lat", "zone_class", "category", "lot", "point", "stream", "interval_s"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func sensingTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return def, errs.Invalid("time %q must be RFC 3339, e.g. 2024-06-10T22:00:00+08:00", s)
	}
	return t, nil
}

func (h *sensingHTTP) handleDeviceSeries(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	now := h.a.Now()
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
		return errs.Invalid("res must be raw, minute or hour")
	}
	if q.Get("metric") == "" {
		return errs.Invalid("metric is required, e.g. ?metric=noise_db")
	}
	pts, err := h.svc.Store.Series(r.Context(), sensing.SeriesQuery{Device: r.PathValue("id"), Metric: q.Get("metric"), Res: res, From: from, To: to})
	if err != nil {
		return err
	}
	return sensingOK(w, map[string]any{"device_id": r.PathValue("id"), "metric": q.Get("metric"), "res": res, "points": pts})
}

func (h *sensingHTTP) handleRuleList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	return sensingOK(w, map[string]any{"items": h.svc.Rules(), "noise_limits_gb3096": sensing.NoiseLimits})
}

func (h *sensingHTTP) handleRulePut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
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
	out, err := h.svc.PutRule(r.Context(), rule)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.rule.put", "sensing/rule/"+rule.ID, out,
		"kind", "metric", "below", "threshold", "clear", "zone_limit", "band", "window", "for", "clear_for",
		"category", "condition", "auto_file", "title", "disabled"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleFigures(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	out := map[string]any{"sensing": h.svc.Figures(), "topic": sensing.TopicPrefix + "{device_id}"}
	if h.sub != nil {
		st := &h.sub.Stats
		out["mqtt"] = map[string]any{"filter": h.sub.Filter(), "received": st.Received.Load(), "invalid": st.Invalid.Load(),
			"stored": st.Stored.Load(), "acked": st.Acked.Load(), "batches": st.Batches.Load(), "retries": st.Retries.Load()}
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleCameraList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	cs := h.svc.Cameras()
	return sensingOK(w, map[string]any{"items": cs, "total": len(cs)})
}

func (h *sensingHTTP) handleCameraPut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var c sensing.Camera
	if _, err := decodePut(w, r, &c, 64<<10, putWhat{"摄像头", "camera"}, "lng", "lat"); err != nil {
		return err
	}
	c.ID = r.PathValue("id")
	out, err := h.svc.PutCamera(r.Context(), c)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.camera.put", "sensing/camera/"+c.ID, out,
		"name", "lng", "lat", "direction", "watches", "vendor", "point", "offline_after_s"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

// handleCameraHeartbeat takes a camera's (or its video platform's)
// keep-alive. It needs no body: the time it arrives is the sign of life, so
// a camera's clock cannot keep it online. A camera silent for longer than
// its offline_after_s becomes a maintenance case, which its next heartbeat
// or event resolves.
func (h *sensingHTTP) handleCameraHeartbeat(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r, machinePosts...); err != nil {
		return err
	}
	// Platforms that send a small JSON status along are welcome; it is not read.
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10)); err != nil {
		return errs.E(errs.KindTooLarge, "a heartbeat needs no body; at most 4 KiB is accepted")
	}
	if err := h.svc.Heartbeat(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *sensingHTTP) handleCameraEvent(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r, machinePosts...); err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.KindUnsupported, "send the event as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sensingBody))
	if err != nil {
		return errs.E(errs.KindTooLarge, "the event is larger than %d bytes", sensingBody)
	}
	e, err := sensing.ParseEvent(body, h.svc.VendorCodes, h.svc.CameraVendor, h.a.Now())
	if err != nil {
		return err
	}
	res, err := h.svc.HandleEvent(r.Context(), e)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.CaseID != "" && (res.Verdict == sensing.VerdictCase || res.Verdict == sensing.VerdictEscalate) {
		status = http.StatusCreated
	}
	return httpkit.WriteJSON(w, status, res)
}

func (h *sensingHTTP) handleAccuracy(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	return sensingOK(w, h.svc.Accuracy(0.9))
}

func (h *sensingHTTP) handlePolicyList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	acc := h.svc.Accuracy(0.9)
	items := make([]map[string]any, 0, len(acc.ByCategory))
	for _, row := range acc.ByCategory {
		items = append(items, map[string]any{"policy": h.svc.Policy(row.Key), "precision": row.Precision, "judged": row.Judged, "mode_in_force": row.InForce})
	}
	return sensingOK(w, map[string]any{"items": items, "vendor_codes": h.svc.VendorCodes})
}

func (h *sensingHTTP) handlePolicyPut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var p sensing.Policy
	if _, err := decodePut(w, r, &p, 64<<10, putWhat{"AI 策略", "AI policy"}, sensing.PolicyFields...); err != nil {
		return err
	}
	p.Category = r.PathValue("category")
	before := h.svc.Policy(p.Category)
	out, err := h.svc.PutPolicy(r.Context(), p)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.policy.put", "sensing/policy/"+p.Category, map[string]any{"before": before, "after": out},
		"before", "after"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleZoneList(w http.ResponseWriter, r *http.Request) error {
	return sensingOK(w, map[string]any{"items": h.svc.Zones()}) // public: vendors may look up where and when they may trade
}

func (h *sensingHTTP) handleZonePut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var z sensing.Zone
	if _, err := decodePut(w, r, &z, 1<<20, putWhat{"疏导区", "vending zone"}, "ring", "hours"); err != nil {
		return err
	}
	z.ID = r.PathValue("id")
	out, err := h.svc.PutZone(r.Context(), z)
	if err != nil {
		return err
	}
	// The outline can hold 1000 points: the record keeps its size, not the points.
	if err := h.auditSensing(r, a, "sensing.zone.put", "sensing/zone/"+z.ID, map[string]any{"name": out.Name,
		"ring_points": len(out.Ring), "hours": out.Hours, "goods": out.Goods, "categories": out.Categories, "disabled": out.Disabled},
		"name", "ring_points", "hours", "goods", "categories", "disabled"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleZoneDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteZone(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.zone.delete", "sensing/zone/"+r.PathValue("id"), nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *sensingHTTP) handleLotList(w http.ResponseWriter, r *http.Request) error {
	return sensingOK(w, map[string]any{"items": h.svc.Availability()}) // public: the portal shows free spaces
}

func (h *sensingHTTP) handleLotPut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var l sensing.Lot
	if _, err := decodePut(w, r, &l, 64<<10, putWhat{"停车场", "parking lot"}, "lng", "lat", "capacity"); err != nil {
		return err
	}
	l.ID = r.PathValue("id")
	out, err := h.svc.PutLot(r.Context(), l)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.lot.put", "sensing/lot/"+l.ID, out,
		"name", "lng", "lat", "capacity", "max_stay_min", "on_street"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleLotNearest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lng, err1 := strconv.ParseFloat(q.Get("lng"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	p := geo.Point{Lng: lng, Lat: lat}
	if err1 != nil || err2 != nil || !p.Valid() {
		return errs.Invalid("lng and lat (WGS84) are required")
	}
	n, _ := strconv.Atoi(q.Get("n"))
	if n <= 0 || n > 20 {
		n = 3
	}
	minFree, _ := strconv.Atoi(q.Get("min_free"))
	return sensingOK(w, map[string]any{"items": sensing.Nearest(h.svc.Availability(), p, minFree, n)})
}

func (h *sensingHTTP) handlePointList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	return sensingOK(w, map[string]any{"items": h.svc.Points()})
}

func (h *sensingHTTP) handlePointPut(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var p sensing.CollectionPoint
	if _, err := decodePut(w, r, &p, 64<<10, putWhat{"垃圾投放点", "collection point"}, "lng", "lat"); err != nil {
		return err
	}
	p.ID = r.PathValue("id")
	out, err := h.svc.PutPoint(r.Context(), p)
	if err != nil {
		return err
	}
	if err := h.auditSensing(r, a, "sensing.point.put", "sensing/point/"+p.ID, out,
		"name", "lng", "lat", "collect_by"); err != nil {
		return err
	}
	return sensingOK(w, out)
}

func (h *sensingHTTP) handleCollection(w http.ResponseWriter, r *http.Request) error {
	a, err := h.actor(r, append(machinePosts, org.PostHandler)...)
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
	at, err := sensingTime(in.At, h.a.Now())
	if err != nil {
		return err
	}
	if err := h.svc.Collected(r.Context(), r.PathValue("id"), at.UTC(), a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *sensingHTTP) handleCompliance(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.actor(r); err != nil {
		return err
	}
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	out, err := h.svc.Compliance(r.Context(), days)
	if err != nil {
		return err
	}
	return sensingOK(w, map[string]any{"days": days, "items": out})
}
