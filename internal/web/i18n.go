package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// lang is the page language: Simplified Chinese unless English was chosen.
type lang struct {
	en  bool
	loc *time.Location
}

// En reports English.
func (l lang) En() bool { return l.en }

// Code is the BCP 47 tag for the html element.
func (l lang) Code() string {
	if l.en {
		return "en"
	}
	return "zh-CN"
}

// T translates a message key; an unknown key shows as itself.
func (l lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		if m, ok = enforceMessages[key]; !ok {
			if m, ok = fieldMessages[key]; !ok {
				return key
			}
		}
	}
	return l.pick(m)
}

func (l lang) pick(m [2]string) string {
	if l.en && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// langOf picks the language: ?lang= (remembered in a cookie), then the
// cookie, then Chinese. Accept-Language is ignored on purpose: the city's
// staff share machines, and Chinese is the default the issue asks for.
func (s *Server) langOf(w http.ResponseWriter, r *http.Request) lang {
	l := lang{loc: s.Cal.Location()}
	if q := r.URL.Query().Get("lang"); q != "" {
		l.en = strings.HasPrefix(q, "en")
		v := "zh"
		if l.en {
			v = "en"
		}
		http.SetCookie(w, &http.Cookie{Name: "cl_lang", Value: v, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie("cl_lang"); err == nil {
		l.en = c.Value == "en"
	}
	return l
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// messages holds the interface text: key → {Chinese, English}.
var messages = map[string][2]string{
	"app":               {"CityLoop 智慧城管平台", "CityLoop urban management"},
	"lang_switch":       {"English", "中文"},
	"signin":            {"登录", "Sign in"},
	"signout":           {"退出", "Sign out"},
	"change_password":   {"修改密码", "Change password"},
	"username":          {"用户名", "Username"},
	"password":          {"密码", "Password"},
	"signin_failed":     {"用户名或密码错误", "Wrong username or password"},
	"workbench":         {"工作台", "Workbench"},
	"map":               {"地图", "Map"},
	"admin":             {"系统管理", "Administration"},
	"field":             {"外勤", "Field app"},
	"citizen":           {"市民随手拍", "Citizen report"},
	"track":             {"进度查询", "Track a report"},
	"bundle_missing":    {"前端资源尚未构建：请在仓库根目录运行 make web（或 make run），地图与实时更新需要它；表单仍可使用。", "The front-end bundle is not built: run `make web` (or `make run`) in the repository; maps and live updates need it, forms still work."},
	"code":              {"编号", "Code"},
	"status":            {"状态", "Status"},
	"category":          {"类别", "Category"},
	"place":             {"位置", "Place"},
	"reported":          {"上报时间", "Reported"},
	"deadline":          {"环节时限", "Stage deadline"},
	"light":             {"亮灯", "Light"},
	"suggested":         {"建议部门", "Suggested department"},
	"department":        {"处置部门", "Department"},
	"duplicates":        {"疑似重复", "Possible duplicates"},
	"no_cases":          {"暂无案件", "No cases"},
	"total":             {"共", "Total"},
	"open":              {"打开", "Open"},
	"timeline":          {"办理过程", "Timeline"},
	"photos_before":     {"处置前照片", "Photos before"},
	"photos_after":      {"处置后照片", "Photos after"},
	"actions":           {"可执行操作", "Actions"},
	"no_actions":        {"当前岗位在此状态下没有可执行的操作。", "Your posts have no action on this case in its current state."},
	"note":              {"意见/说明", "Note"},
	"photos":            {"照片", "Photos"},
	"submit":            {"提交", "Submit"},
	"yes":               {"是", "Yes"},
	"no":                {"否", "No"},
	"valid":             {"问题属实", "The problem is there"},
	"passed":            {"核查通过", "Check passed"},
	"extra":             {"延长时限", "Extra time"},
	"unit_wh":           {"工作时", "working hours"},
	"unit_wd":           {"工作日", "working days"},
	"unit_nh":           {"自然时", "natural hours"},
	"into":              {"合并到案件", "Merge into case"},
	"satisfaction":      {"满意度", "Satisfaction"},
	"satisfied":         {"满意", "Satisfied"},
	"basic":             {"基本满意", "Fairly satisfied"},
	"unsatisfied":       {"不满意", "Unsatisfied"},
	"keep_category":     {"（不变）", "(unchanged)"},
	"suggest_cat":       {"建议类别：", "Suggested category: "},
	"tap_to_use":        {"（点此选用）", " (tap to use)"},
	"leave_to_operator": {"不确定，交给受理员判断", "Not sure — leave it to the operator"},
	"condition":         {"立案条件", "Filing condition"},
	"description":       {"问题描述", "Description"},
	"address":           {"地址", "Address"},
	"done":              {"操作已完成", "Done"},
	"overview":          {"总览", "Overview"},
	"by_status":         {"按状态", "By status"},
	"by_light":          {"在办案件亮灯", "Open cases by light"},
	"green":             {"绿灯", "Green"},
	"yellow":            {"黄灯", "Yellow"},
	"red":               {"红灯", "Red"},
	"live":              {"实时更新", "Live"},
	"filter":            {"筛选", "Filter"},
	"all":               {"全部", "All"},
	"from":              {"起", "From"},
	"to":                {"止", "To"},
	"grids_hint":        {"放大到街道级别显示单元网格", "Zoom in to street level to see the unit grids"},
	"step1":             {"第一步：拍照并确定位置", "Step 1: photo and location"},
	"step2":             {"第二步：补充说明（可不填）", "Step 2: a few words (optional)"},
	"photo":             {"现场照片", "Photo"},
	"use_gps":           {"使用当前位置", "Use my location"},
	"tap_map":           {"或在地图上点选位置", "or tap the map"},
	"next":              {"下一步", "Next"},
	"back":              {"上一步", "Back"},
	"phone":             {"联系电话（可不填）", "Phone (optional)"},
	"send":              {"提交上报", "Send report"},
	"thanks":            {"上报成功，谢谢！请保存以下编号和查询码。", "Thank you! Keep the code and key below."},
	"tracking_code":     {"查询编号", "Tracking code"},
	"tracking_key":      {"查询码", "Tracking key"},
	"see_progress":      {"查看办理进度", "See progress"},
	"rate":              {"评价办理结果", "Rate the result"},
	"rated":             {"已评价", "Rated"},
	"bad_key":           {"查询码不正确", "The tracking key is wrong"},
	"elderly_on":        {"大字模式", "Large text"},
	"elderly_off":       {"标准模式", "Standard"},
	"location_set":      {"已选位置", "Location set"},
	"no_location":       {"尚未选择位置", "No location yet"},
	"outside_city":      {"这个位置不在本市范围内，请在地图上重新点选问题所在的位置。", "This point is outside the city: tap the map where the problem is."},
	"photo_kept":        {"已保留您上次上传的照片，无需重新拍照（也可以换一张）。", "The photo you sent is kept; no need to take it again (you may choose another)."},
	"tasks_near":        {"附近任务", "Tasks near me"},
	"report_new":        {"上报问题", "Report a problem"},
	"queued":            {"待发送（离线）", "Queued (offline)"},
	"sent":              {"已发送", "Sent"},
	"regions":           {"区域与网格", "Regions and grids"},
	"dictionary":        {"部件事件分类", "Dictionary"},
	"departments":       {"处置部门", "Departments"},
	"rules":             {"联合执法清单（派遣规则）", "Routing rules"},
	"calendar":          {"工作日历", "Working calendar"},
	"accounts":          {"账号", "Accounts"},
	"import_geojson":    {"导入 GeoJSON", "Import GeoJSON"},
	"import_ok":         {"导入完成", "Imported"},
	"go":                {"查询", "Go"},
	"reporter":          {"上报人", "Reporter"},
	"source":            {"来源", "Source"},
	"distance":          {"距离", "Distance"},
	"citizen_note":      {"无需注册。照片和位置必填，其余可不填。", "No registration. A photo and a location are required; the rest is optional."},
	"public_map":        {"案件地图", "Case map"},
	"public_map_note":   {"显示近30天正在办理的问题位置（约100米精度）与亮灯状态，不含上报人信息和照片。", "Problems being handled, reported in the last 30 days: place (to about 100 m) and light only — no reporter details, no photos."},
	"saved":             {"已保存", "Saved"},
	"add":               {"添加", "Add"},
	"save":              {"保存", "Save"},
	"delete":            {"删除", "Delete"},
	"disable":           {"停用", "Disable"},
	"enable":            {"启用", "Enable"},
	"disabled":          {"已停用", "Disabled"},
	"active":            {"正常", "Active"},
	"name":              {"名称", "Name"},
	"name_en":           {"英文名称", "English name"},
	"kind":              {"类型", "Kind"},
	"dept_code":         {"部门编码", "Department code"},
	"dept_edit_hint":    {"填写已有编码即修改该部门。", "An existing code changes that department."},
	"region_code":       {"区域编码（留空为全市）", "Region code (empty = whole city)"},
	"auto_dispatch":     {"自动派遣", "Dispatch automatically"},
	"priority":          {"优先级", "Priority"},
	"add_rule":          {"添加派遣规则", "Add a routing rule"},
	"add_dept":          {"添加或修改部门", "Add or change a department"},
	"add_account":       {"新建账号", "New account"},
	"person_name":       {"姓名", "Name"},
	"password_optional": {"初始密码（留空则生成一次性密码）", "Password (empty = a one-time password)"},
	"post":              {"岗位", "Post"},
	"region_scope":      {"管辖区域编码（可不填）", "Region code (optional)"},
	"dept_scope":        {"所属部门编码（可不填）", "Department code (optional)"},
	"one_time_password": {"一次性密码（仅显示一次，首次登录须修改）", "One-time password (shown once; must be changed at first sign-in)"},
	"weak_password":     {"密码至少10位，且须包含字母、数字或符号中的两类，不能是常见密码", "At least 10 characters, two kinds of letters, digits or symbols, and not a common password"},
	"field_hint":        {"离线时上报会暂存在本机，联网后自动发送。", "Reports made offline are kept on this device and sent when the network returns."},
	// Nearest public toilets (citizen_toilets.go).
	"toilets":            {"附近公厕", "Nearest toilets"},
	"toilets_note":       {"按距离列出离您最近的5座公共厕所，含开放时间和无障碍设施。位置只用于本次查询，不会保存。", "The 5 public toilets nearest to you, with opening hours and accessibility. Your location is used for this search only and is not kept."},
	"use_my_location":    {"使用我的位置", "Use my location"},
	"locating":           {"正在定位…", "Finding your location…"},
	"locate_failed":      {"无法获取位置，请允许定位或手动输入经纬度。", "Could not get your location; allow location access or type the coordinates."},
	"toilets_type_point": {"手动输入位置", "Type a location"},
	"longitude":          {"经度", "Longitude"},
	"latitude":           {"纬度", "Latitude"},
	"toilets_search":     {"查找公厕", "Find toilets"},
	"toilets_none":       {"5公里内没有登记的公共厕所。", "No registered public toilet within 5 km."},
	"toilets_bad_point":  {"位置无效：请输入经度和纬度数字。", "Not a valid location: give longitude and latitude as numbers."},
	"hours":              {"开放时间", "Hours"},
	"open_24h":           {"24小时开放", "Open 24 hours"},
	"accessible":         {"无障碍", "Accessible"},
	"open_in_map_app":    {"在地图应用中打开", "Open in a map app"},
	"open_in_amap":       {"高德地图导航", "Directions in AMap"},

	// My reports by phone (/citizen/mine).
	"mine":          {"我的上报", "My reports"},
	"mine_nav":      {"我的上报", "My reports"},
	"mine_note":     {"输入上报时留下的手机号码，验证后可查看用该号码上报的所有问题。", "Enter the phone number you gave when reporting; after a one-time code you see every report made with it."},
	"sms_off":       {"短信服务未配置，暂不能按手机号查询，请使用查询编号。", "SMS is not configured, so reports cannot be listed by phone yet; use the tracking code."},
	"send_code":     {"获取验证码", "Send a code"},
	"code_sent":     {"验证码已发送至", "A code was sent to"},
	"demo_code":     {"演示模式：验证码", "Demo mode: the code is"},
	"otp":           {"验证码", "One-time code"},
	"otp_wrong":     {"验证码不正确", "The code is wrong"},
	"send_again":    {"重新获取验证码", "Ask for a new code"},
	"mine_for":      {"以下是该号码上报的问题：", "Reports made with this number:"},
	"mine_none":     {"没有用该号码上报的问题。", "No reports were made with this number."},
	"mine_more":     {"仅显示最近50条。", "Only the latest 50 are shown."},
	"mine_key_note": {"点击编号查看办理经过和处理结果；已结案的问题可在那里评价。", "Tap a code to see the progress and the outcome; a closed case can be rated there."},

	// The region import (internal/geo/repair, internal/geo/gisfile).
	"import_file":    {"区划文件（GeoJSON、Shapefile 压缩包或 GeoPackage）", "Regions file (GeoJSON, zipped Shapefile or GeoPackage)"},
	"dry_run":        {"仅预览，不导入", "Preview only, import nothing"},
	"import_preview": {"预览完成，未导入任何内容", "Preview: nothing was imported"},
	"repairs":        {"几何修复", "Geometry repairs"},
	"lonlat":         {"位置（经度,纬度）", "Place (lon,lat)"},
	"coverage":       {"下级区域的缝隙与重叠", "Gaps and overlaps of child regions"},
	"parent_region":  {"上级区域", "Parent region"},
	// Kinds of repair.Repair and org.CoverageIssue, as "repair_" + kind.
	"repair_closed_ring":          {"闭合环", "Ring closed"},
	"repair_dropped_repeated":     {"删除重复点", "Repeated points dropped"},
	"repair_dropped_degenerate":   {"删除退化环", "Degenerate ring dropped"},
	"repair_dropped_spike":        {"删除回头尖刺", "Spike dropped"},
	"repair_split_self_touching":  {"在自接触点拆分", "Split where the ring touches itself"},
	"repair_split_self_crossing":  {"在自相交处拆分", "Split where the ring crosses itself"},
	"repair_resolved_rings_cross": {"环相交，按奇偶规则处理", "Crossing rings resolved (even-odd)"},
	"repair_assigned_hole":        {"洞归入包含它的外环", "Hole given to the ring around it"},
	"repair_rewound":              {"调整环方向", "Ring turned round"},
	"repair_gap":                  {"缝隙", "Gap"},
	"repair_overlap":              {"重叠", "Overlap"},
	"repair_outside":              {"超出上级", "Outside the parent"},
	"repair_unchecked":            {"过大，未检查", "Too large, not checked"},
}
