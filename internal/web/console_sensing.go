package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
)

// Sensing is the live state of the sensing part that the monitoring page
// (/console/sensing) and the citizens' parking page (/citizen/parking)
// read: devices and cameras, measured AI precision, the episodes firing
// now, waste-sorting compliance and parking occupancy. app adapts
// *sensing.Service to it. The state lives in the memory of one node, so
// Routes mounts both pages through SensingGate.
type Sensing interface {
	// Figures counts devices by kind and cameras: online, offline, never reported.
	Figures() sensing.Figures
	// Accuracy is the discovery accuracy (发现准确率) against target.
	Accuracy(target float64) sensing.Accuracy
	// Availability is every parking lot's occupancy now.
	Availability() []sensing.Availability
	// Compliance is waste-sorting compliance per community over the last days.
	Compliance(ctx context.Context, days int) ([]sensing.Compliance, error)
	// Alerts lists up to limit episodes firing now (threshold rules, silent
	// devices and cameras, overstayed berths, missed collections), the
	// newest first, and how many there are in all.
	Alerts(ctx context.Context, limit int) ([]SensingAlert, int, error)
	// Ingestion is the MQTT intake since this node started; false when
	// MQTT is not configured.
	Ingestion() (Ingestion, bool)
}

// SensingAlert is one episode firing now.
type SensingAlert struct {
	Ref    string // the device, camera or collection point
	Name   string
	Source string // a device kind (noise, air, …), "camera" or "point"
	Rule   string // a rule id, or offline, camera_offline, overstay, missed_collection
	Title  string // the rule's own title, when it has one
	Phase  sensing.Phase
	Since  time.Time
	Peak   float64
	CaseID string
}

// Ingestion counts MQTT telemetry since start.
type Ingestion = sensing.IntakeCounters

// sensingPosts may open the monitoring page: the desk that takes sensor
// and camera cases in (operators, shift leads, dispatchers), leaders and
// street chiefs who watch the figures, and administrators who keep the
// devices. Field posts and departments see their cases in their queues.
var sensingPosts = []org.Post{org.PostOperator, org.PostShiftLead, org.PostDispatcher, org.PostLeader, org.PostStreetHead, org.PostAdmin}

func seesSensing(a org.Actor) bool {
	return slices.ContainsFunc(sensingPosts, func(p org.Post) bool { _, ok := a.Grant(p); return ok })
}

// SensingNav reports whether the console navigation links the monitoring page.
func (v *view) SensingNav() bool { return v.sensing && v.Actor != nil && seesSensing(*v.Actor) }

// ParkingNav reports whether the citizen portal links the parking page.
func (v *view) ParkingNav() bool { return v.sensing }

// sensingRoutes mounts the pages that read the live sensing state, through
// SensingGate, when Sensing is set. The parking search is rate-limited
// before the gate, where the citizen's address is still known.
func (s *Server) sensingRoutes(mux *http.ServeMux) {
	if s.Sensing == nil {
		return
	}
	gate := s.SensingGate
	if gate == nil {
		gate = func(h http.Handler) http.Handler { return h }
	}
	mux.Handle("GET /console/sensing", gate(s.page(s.handleSensingPage)))
	mux.Handle("GET /citizen/parking", s.limitParking(gate(s.page(s.handleParkingPage))))
	mux.Handle("GET /citizen/parking.js", http.HandlerFunc(s.handleParkingJS))
}

func init() {
	for k, v := range sensingMessages {
		messages[k] = v
	}
}

var sensingMessages = map[string][2]string{
	"sensing":           {"智能感知", "Intelligent monitoring"},
	"sens_note":         {"物联感知设备、AI 摄像头及其发现准确率、正在告警的规则、垃圾分类达标率与停车场占用，均为当前实时状态。", "IoT devices, AI cameras and their discovery accuracy, rules firing now, waste-sorting compliance and parking occupancy — all live."},
	"sens_devices":      {"感知设备", "Devices"},
	"sens_kind":         {"类型", "Kind"},
	"sens_total":        {"总数", "Total"},
	"sens_online":       {"在线", "Online"},
	"sens_offline":      {"离线", "Offline"},
	"sens_silent":       {"从未上报", "Never reported"},
	"sens_cameras":      {"AI 摄像头", "AI cameras"},
	"sens_traffic":      {"本节点启动以来", "Since this node started"},
	"sens_readings":     {"接收读数", "Readings"},
	"sens_unknown":      {"未登记设备的读数", "Readings from unregistered devices"},
	"sens_opened":       {"生成案件", "Cases opened"},
	"sens_resolved":     {"自动恢复结束", "Cases ended on recovery"},
	"sens_events":       {"摄像头事件", "Camera events"},
	"sens_dups":         {"重复事件（已合并）", "Duplicate events (folded)"},
	"sens_firing":       {"正在告警", "Firing now"},
	"sens_mqtt":         {"MQTT 接入", "MQTT ingestion"},
	"sens_mqtt_off":     {"未配置 MQTT（--mqtt-addr），设备通过 HTTP 接口上报。", "MQTT is not configured (--mqtt-addr); devices post over HTTP."},
	"sens_topic":        {"订阅主题", "Topic filter"},
	"sens_received":     {"已接收", "Received"},
	"sens_stored":       {"已入库", "Stored"},
	"sens_invalid":      {"格式错误", "Invalid"},
	"sens_acked":        {"已确认", "Acknowledged"},
	"sens_retries":      {"重试", "Retries"},
	"sens_accuracy":     {"AI 发现准确率", "AI discovery accuracy"},
	"sens_acc_note":     {"准确率 = 人工确认数 ÷（确认数 + 误报数）；受理、立案、派遣、核实属实计为确认，不予受理或作废计为误报；合并和系统结束的案件不计。目标 ≥ 90%。", "Precision = confirmed ÷ (confirmed + false positives); accepting, filing, dispatching or verifying confirms, rejecting or voiding is a false positive; merged and system-ended cases do not count. Target ≥ 90 %."},
	"sens_overall":      {"总体", "Overall"},
	"sens_by_class":     {"按小类", "By sub-class"},
	"sens_by_vendor":    {"按厂商", "By vendor"},
	"sens_vendor":       {"厂商", "Vendor"},
	"sens_judged":       {"已判定", "Judged"},
	"sens_confirmed":    {"确认", "Confirmed"},
	"sens_false":        {"误报", "False positives"},
	"sens_precision":    {"准确率", "Precision"},
	"sens_target":       {"目标 90%", "Target 90 %"},
	"sens_meets":        {"达标", "Meets target"},
	"sens_below":        {"未达标", "Below target"},
	"sens_no_data":      {"暂无判定", "Not judged yet"},
	"sens_undecided":    {"待人工判定", "Awaiting judgement"},
	"sens_mode":         {"立案方式", "Filing"},
	"mode_auto":         {"自动立案", "Files automatically"},
	"mode_confirm":      {"人工确认", "Human confirmation"},
	"mode_remind":       {"先提醒后立案", "Reminder first"},
	"sens_auto_held":    {"设为自动立案，准确率或样本数未达要求，暂需人工确认", "Set to file automatically; precision or samples short, so people confirm for now"},
	"sens_alerts":       {"正在告警", "Firing now"},
	"sens_alerts_none":  {"当前没有告警的规则或离线设备。", "No rule is firing and no device is offline."},
	"sens_alerts_more":  {"仅显示最新的", "Showing the newest"},
	"sens_what":         {"对象", "What"},
	"sens_rule":         {"规则", "Rule"},
	"sens_since":        {"开始时间", "Since"},
	"sens_peak":         {"峰值", "Peak"},
	"sens_case":         {"案件", "Case"},
	"phase_firing":      {"告警中", "Firing"},
	"phase_clearing":    {"恢复观察中", "Clearing"},
	"rule_offline":      {"设备离线", "Device offline"},
	"rule_camera":       {"摄像头离线", "Camera offline"},
	"rule_overstay":     {"泊位超时停放", "Berth overstay"},
	"rule_missed":       {"垃圾未按时清运", "Collection missed"},
	"src_camera":        {"摄像头", "Camera"},
	"src_point":         {"垃圾投放点", "Collection point"},
	"sens_waste":        {"垃圾分类达标率（按社区）", "Waste-sorting compliance by community"},
	"sens_waste_note":   {"达标率 = 1 − 出现满溢、混投或漏收的投放点·天 ÷（投放点数 × 天数）。", "Compliance = 1 − point-days with overflow, mixed sorting or missed collection ÷ (points × days)."},
	"sens_waste_none":   {"尚未登记垃圾投放点。", "No collection point is registered."},
	"sens_community":    {"社区", "Community"},
	"sens_points":       {"投放点", "Points"},
	"sens_bad_days":     {"问题点·天", "Point-days with problems"},
	"sens_compliance":   {"达标率", "Compliance"},
	"sens_days":         {"统计天数", "Days"},
	"sens_parking":      {"停车场占用", "Parking occupancy"},
	"sens_parking_none": {"尚未登记停车场。", "No parking lot is registered."},
	"sens_occupancy":    {"占用率", "Occupancy"},
	"sens_berths":       {"检测泊位", "Sensed berths"},
	"sens_occupied":     {"占用", "Occupied"},
	"sens_unknown_b":    {"无数据", "No data"},
	"sens_overstay":     {"超时", "Overstay"},
	"park_capacity":     {"车位", "Spaces"},
	"park_free":         {"空位", "Free"},
	"park_has_free":     {"有空位", "Spaces free"},
	"park_full":         {"已满", "Full"},
	"park_no_sensor":    {"未接入泊位检测，空位为估算", "No berth sensors; free spaces are an estimate"},
	"park_some_unknown": {"个泊位暂无数据，未计入空位", "berths without data, not counted as free"},
	"parking":           {"停车", "Parking"},
	"park_title":        {"停车场空位", "Parking spaces"},
	"park_note":         {"各停车场的实时空位。可查找离您最近、有空位的停车场；位置只用于本次查询，不会保存。", "Free spaces in each car park, live. Find the nearest one with a free space; your location is used for this search only and is not kept."},
	"park_search":       {"查找最近的空位", "Find the nearest free space"},
	"park_nearest":      {"离您最近的有空位停车场", "Nearest car parks with free spaces"},
	"park_nearest_none": {"附近没有有空位的停车场。", "No car park with a free space."},
	"park_all":          {"全部停车场", "All car parks"},
	"park_none":         {"暂无停车场信息。", "No car park is listed yet."},
	"park_more":         {"另有停车场未列出，请按位置查找。", "More car parks are not listed; search by location."},
	"park_on_street":    {"路内泊位", "On-street"},
	"park_max_stay":     {"限停", "Max stay"},
	"park_minutes":      {"分钟", "min"},
	"park_crs":          {"坐标系", "Coordinate system"},
	"crs_wgs84":         {"WGS-84（GPS）", "WGS-84 (GPS)"},
	"crs_gcj02":         {"GCJ-02（高德、腾讯、微信）", "GCJ-02 (AMap, Tencent, WeChat)"},
	"crs_bd09":          {"BD-09（百度）", "BD-09 (Baidu)"},
	"park_state":        {"状态", "State"},
	"park_nav":          {"导航", "Directions"},
	"park_amap":         {"高德", "AMap"},
}

// accuracyTarget is the plan's goal for the discovery accuracy of
// automatic detection (section 3.2: ≥ 90 %).
const accuracyTarget = 0.9

// alertLimit bounds the list of firing episodes on the page.
const alertLimit = 50

type kindRow struct {
	Name string
	sensing.KindFigures
}

// accRow is one line of the accuracy tables.
type accRow struct {
	Key, Name                string
	Judged, Confirmed, False int
	Precision                string  // "93.5%" or "—"
	Value                    float64 // for the meter
	Judgement                string  // meets | below | none
	JudgementName            string  // 达标 | 未达标 | 暂无判定
	Mode                     string  // the mode in force, named
	Auto                     bool    // files automatically now
	Held                     bool    // set to auto, not earned yet
}

type alertRow struct {
	SensingAlert
	What, RuleName, PhaseName, Peak string
	CaseCode, CaseStatus            string
}

type complianceRow struct {
	Name            string
	Points, BadDays int
	Rate            float64
	Pct             string
}

type occupancyRow struct {
	sensing.Availability
	Rate     float64
	Pct      string
	Full     bool
	Capacity int
}

type sensingPage struct {
	Kinds       []kindRow
	Cameras     sensing.KindFigures
	Figures     sensing.Figures
	MQTT        *Ingestion
	Overall     accRow
	Undecided   int
	ByClass     []accRow
	ByVendor    []accRow
	Alerts      []alertRow
	AlertsTotal int
	Days        int
	DayChoices  []int
	Waste       []complianceRow
	Lots        []occupancyRow
}

// kindOrder is the order of the plan's list (noise, air, fumes, covers,
// bins, berths, water); kinds added later follow.
var kindOrder = []sensing.Kind{sensing.KindNoise, sensing.KindAir, sensing.KindFumes, sensing.KindCover, sensing.KindBin, sensing.KindBerth, sensing.KindWater}

// vendorNames names the common camera vendors.
var vendorNames = map[string][2]string{
	"dahua": {"大华", "Dahua"}, "hik": {"海康威视", "Hikvision"}, "hikvision": {"海康威视", "Hikvision"},
	"uniview": {"宇视", "Uniview"}, "huawei": {"华为", "Huawei"}, "generic": {"通用", "Generic"},
}

func pct(p float64) string { return strconv.FormatFloat(p*100, 'f', 1, 64) + "%" }

// handleSensingPage: GET /console/sensing[?days=] — the monitoring
// overview for the desk and leaders.
func (s *Server) handleSensingPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	if !seesSensing(sess.actor) {
		return errs.Forbidden("智能感知页面需要受理员、值班长、派遣员、领导、街长或系统管理员岗位 / the monitoring page needs an operator, shift lead, dispatcher, leader, street chief or admin post")
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("sensing")
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	p, err := s.loadSensing(r.Context(), v.L, sess.actor, days)
	if err != nil {
		return err
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "sensing", v)
	return nil
}

func (s *Server) loadSensing(ctx context.Context, l lang, actor org.Actor, days int) (*sensingPage, error) {
	p := &sensingPage{Days: days, DayChoices: []int{7, 30, 90}}
	f := s.Sensing.Figures()
	p.Figures, p.Cameras = f, f.Cameras
	kinds := slices.Clone(kindOrder)
	for _, k := range sensing.Kinds() {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		name := string(k)
		if n, ok := sensing.KindNames[k]; ok {
			name = l.pick(n)
		}
		p.Kinds = append(p.Kinds, kindRow{Name: name, KindFigures: f.Devices[k]})
	}
	if in, ok := s.Sensing.Ingestion(); ok {
		p.MQTT = &in
	}

	acc := s.Sensing.Accuracy(accuracyTarget)
	p.Undecided = acc.Undecided
	p.Overall = accRowOf(l, acc.Overall, l.T("sens_overall"))
	for _, row := range acc.ByCategory {
		p.ByClass = append(p.ByClass, accRowOf(l, row, s.subClassName(l, row.Key)))
	}
	for _, row := range acc.ByVendor {
		name := row.Key
		if n, ok := vendorNames[row.Key]; ok {
			name = l.pick(n)
		}
		p.ByVendor = append(p.ByVendor, accRowOf(l, row, name))
	}

	alerts, total, err := s.Sensing.Alerts(ctx, alertLimit)
	if err != nil {
		return nil, err
	}
	p.AlertsTotal = total
	for _, a := range alerts {
		p.Alerts = append(p.Alerts, s.alertRowOf(ctx, l, actor, a))
	}

	comp, err := s.Sensing.Compliance(ctx, days)
	if err != nil {
		return nil, err
	}
	at := s.World.Atlas()
	for _, c := range comp {
		name := c.Community
		if reg, ok := at.Region(c.Community); ok {
			name = reg.Name
		} else if name == "" {
			name = "—"
		}
		p.Waste = append(p.Waste, complianceRow{Name: name, Points: c.Points, BadDays: c.BadDays, Rate: c.Rate, Pct: pct(c.Rate)})
	}

	for _, a := range s.Sensing.Availability() {
		capa := max(a.Lot.Capacity, a.Berths)
		row := occupancyRow{Availability: a, Capacity: capa, Full: a.Free == 0}
		if capa > 0 {
			row.Rate = float64(a.Occupied) / float64(capa)
		}
		row.Pct = pct(row.Rate)
		p.Lots = append(p.Lots, row)
	}
	return p, nil
}

func (s *Server) subClassName(l lang, key string) string {
	ref, err := catalog.ParseRef(key)
	if err != nil {
		return key
	}
	if sc, ok := s.World.Dict().Lookup(ref, s.Now()); ok {
		return l.pick([2]string{sc.Name.Zh, sc.Name.En})
	}
	return key
}

func accRowOf(l lang, r sensing.AccuracyRow, name string) accRow {
	out := accRow{Key: r.Key, Name: name, Judged: r.Judged, Confirmed: r.Confirmed, False: r.False, Precision: "—",
		Judgement: "none", JudgementName: l.T("sens_no_data")}
	if r.Precision != nil {
		out.Value = *r.Precision
		out.Precision = pct(*r.Precision)
		out.Judgement, out.JudgementName = "below", l.T("sens_below")
		if *r.Precision >= accuracyTarget {
			out.Judgement, out.JudgementName = "meets", l.T("sens_meets")
		}
	}
	if r.InForce != "" {
		out.Mode = l.T("mode_" + string(r.InForce))
		out.Auto = r.InForce == sensing.ModeAuto
		out.Held = r.Mode == sensing.ModeAuto && r.InForce != sensing.ModeAuto
	}
	return out
}

// alertRowOf names an episode for the page; its case is linked when it lies
// in the viewer's jurisdiction.
func (s *Server) alertRowOf(ctx context.Context, l lang, viewer org.Actor, a SensingAlert) alertRow {
	row := alertRow{SensingAlert: a, Peak: "—"}
	switch a.Source {
	case "camera":
		row.What = l.T("src_camera")
	case "point":
		row.What = l.T("src_point")
	default:
		if n, ok := sensing.KindNames[sensing.Kind(a.Source)]; ok {
			row.What = l.pick(n)
		} else {
			row.What = a.Source
		}
	}
	switch a.Rule {
	case sensing.RuleOffline:
		row.RuleName = l.T("rule_offline")
	case sensing.RuleCameraOffline:
		row.RuleName = l.T("rule_camera")
	case sensing.RuleOverstay:
		row.RuleName = l.T("rule_overstay")
	case sensing.RuleMissed:
		row.RuleName = l.T("rule_missed")
	default:
		row.RuleName = a.Rule
		if a.Title != "" && l.en {
			row.RuleName = a.Rule + " — " + a.Title // titles are kept in Chinese
		} else if a.Title != "" {
			row.RuleName = a.Title
		}
		if a.Peak != 0 {
			row.Peak = strconv.FormatFloat(a.Peak, 'f', -1, 64)
		}
	}
	row.PhaseName = l.T("phase_" + string(a.Phase))
	if a.CaseID != "" {
		row.CaseCode = a.CaseID
		c, err := s.Cases.FindCase(ctx, viewer, a.CaseID)
		switch {
		case err == nil:
			row.CaseCode = c.Code
			row.CaseStatus = l.pick(casework.StatusNames[c.Status])
		case errs.Is(err, errs.KindNotFound):
			row.CaseID = "" // outside the viewer's jurisdiction (or gone)
		}
	}
	return row
}
