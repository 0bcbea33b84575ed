package api

import (
	"net/http"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
)

// route is one endpoint: the mux registration and its OpenAPI operation
// come from the same row, so the two cannot drift.
type route struct {
	method, path string
	handle       httpkit.HandlerFunc
	tag, summary string
	// auth is who may call: "" anyone; "signed-in" any bearer; "staff" any
	// staff post; otherwise the posts, e.g. "admin" or "system|admin".
	auth  string
	query []string // query parameters
	body  string   // schema of the request body ("" none)
	ok    int      // success status
	resp  string   // schema of the success body; see respSchema
}

// routes is the table of every endpoint the API serves. Handlers are bound
// to s; OpenAPI reads the same table from a zero Server.
func (s *Server) routes() []route {
	const (
		anyone   = ""
		signedIn = "signed-in"
		staff    = "staff"
		admin    = "admin"
		machine  = "system|admin"
		// enforceAuth may read penalty cases (each within its jurisdiction).
		enforceAuth = "enforcer|legal_reviewer|leader|admin"
	)
	return []route{
		// system
		{"GET", "/healthz", s.handleHealth, "system", "Liveness: the process answers, with the size of the loaded city (no database access)", anyone, nil, "", 200, "Health"},
		{"GET", "/livez", s.handleHealth, "system", "Liveness, as /healthz (kept for older probe configurations)", anyone, nil, "", 200, "Health"},
		{"GET", "/readyz", s.handleReady, "system", "Readiness: ok only while the database takes a write, its migrations are current, the MQTT broker is connected (when this node subscribes) and the jobs runner makes its passes; 503 names the failed checks", anyone, nil, "", 200, "Health"},
		{"GET", "/metrics", s.handleMetrics, "system", "Prometheus metrics in the text exposition format: HTTP requests by route pattern and status, intake by source, open cases by stage and light, job runs and failures, hub lag and dead letters, MQTT telemetry, store errors, Go runtime (administrator's bearer token, or the scrape token of --metrics-token; --metrics-addr serves it on a separate address)", admin, nil, "", 200, ""},
		{"GET", "/api/openapi.json", s.handleOpenAPI, "system", "This document", anyone, nil, "", 200, "object"},
		{"GET", "/api/v1/jobs", s.handleJobList, "system", "Background jobs: schedule, holder node, last and next run, last duration and error (administrator)", admin, nil, "", 200, "items:JobStatus"},
		{"GET", "/api/v1/jobs/{name}/runs", s.handleJobRuns, "system", "A job's recent runs, newest first (administrator)", admin, []string{"limit"}, "", 200, "items:JobRun"},

		// auth and accounts
		{"POST", "/api/v1/auth/token", s.handleToken, "auth", "Exchange username and password for a bearer token", anyone, nil, "TokenRequest", 200, "Token"},
		{"DELETE", "/api/v1/auth/token", s.handleRevoke, "auth", "Revoke the bearer token sent", signedIn, nil, "", 204, ""},
		{"GET", "/api/v1/me", s.handleMe, "auth", "The signed-in account and its posts", signedIn, nil, "", 200, "Account"},
		{"POST", "/api/v1/auth/password", s.handlePassword, "auth", "Change the signed-in account's password (required after a one-time password)", signedIn, nil, "PasswordChange", 204, ""},
		{"GET", "/api/v1/accounts", s.handleAccountList, "accounts", "Accounts and their posts (administrator)", admin, nil, "", 200, "items:Account"},
		{"POST", "/api/v1/accounts", s.handleAccountCreate, "accounts", "Create an account with posts; without a password a one-time one is returned once (administrator)", admin, nil, "AccountRequest", 201, "AccountCreated"},
		{"PUT", "/api/v1/accounts/{id}/posts", s.handleAccountPosts, "accounts", "Replace an account's posts (administrator, audited)", admin, nil, "PostsRequest", 200, "Account"},
		{"POST", "/api/v1/accounts/{id}/disable", s.handleAccountDisable, "accounts", "Disable an account and end its sessions (administrator)", admin, nil, "", 200, "Account"},
		{"POST", "/api/v1/accounts/{id}/enable", s.handleAccountEnable, "accounts", "Re-enable an account (administrator)", admin, nil, "", 200, "Account"},
		{"GET", "/api/v1/audit", s.handleAuditList, "audit", "Search the audit trail (auditor)", "auditor", []string{"actor", "action", "object", "from", "to", "limit", "offset"}, "", 200, "items:AuditRecord"},
		{"GET", "/api/v1/clients", s.handleClientList, "clients", "Partner systems' API clients (administrator)", admin, nil, "", 200, "items:Client"},
		{"POST", "/api/v1/clients", s.handleClientCreate, "clients", "Create an API client with a scoped key: endpoints, categories, regions, rate (administrator)", admin, nil, "ClientRequest", 201, "ClientKey"},
		{"POST", "/api/v1/clients/{id}/rotate", s.handleClientRotate, "clients", "Replace a client's key (administrator)", admin, nil, "", 200, "ClientKey"},
		{"DELETE", "/api/v1/clients/{id}", s.handleClientRevoke, "clients", "Revoke a client (administrator)", admin, nil, "", 204, ""},
		{"POST", "/api/v1/open311/keys", s.handleOpen311KeyCreate, "open311", "Issue an Open311 api_key for an account; shown once, audited (administrator)", admin, nil, "Open311KeyRequest", 201, "Open311Key"},
		{"DELETE", "/api/v1/open311/keys", s.handleOpen311KeyRevoke, "open311", "Revoke every Open311 api_key of an account, audited (administrator)", admin, []string{"account"}, "", 200, "Open311KeyRevocation"},

		// cases
		{"POST", "/api/v1/cases", s.handleCaseCreate, "cases", "Report a problem (every channel; citizens may report without signing in)", anyone, nil, "Report", 201, "Case"},
		{"GET", "/api/v1/cases", s.handleCaseList, "cases", "List cases; format=csv or xlsx exports every case of the filter (up to 100,000, same jurisdiction and masking, CSV with a UTF-8 BOM, formula cells guarded, audited); q= searches a case code (whole or its beginning), part of an address and, for operators and shift leads, a reporter's phone (through its blind index; audited)", signedIn, []string{"q", "status", "category", "region", "source", "light", "from", "to", "department", "reporter", "overdue", "is", "limit", "offset", "lang", "format"}, "", 200, "items:Case"},
		{"GET", "/api/v1/kpis", s.handleKPIs, "kpis", "Indicators (结案率, 按期处置率, 满意率 …) of the city, a region of any level (district, street, community, grid), a department or a supervisor for the cases reported in a date range, each with the case lists behind its numerator and denominator and the same figure for the period before (previous, mom: 环比) and a year before (year_ago, yoy: 同比) (staff, inside the jurisdiction)", staff, []string{"region", "department", "supervisor", "from", "to", "lang"}, "", 200, "KPIList"},
		{"GET", "/api/v1/rankings", s.handleRankings, "kpis", "Districts, streets or departments ranked by an indicator or a composite score (综合得分, graded A–E), each figure with its case lists (staff, inside the jurisdiction)", staff, []string{"level", "kpi", "from", "to", "lang"}, "", 200, "Ranking"},
		{"GET", "/api/v1/cases/{id}/duplicates", s.handleCaseDuplicates, "cases", "Possible duplicates of a case (same sub-class, within its radius and window), nearest first, among the cases the caller sees (staff)", staff, nil, "", 200, "items:Duplicate"},
		{"GET", "/api/v1/assessments", s.handleAssessments, "kpis", "Districts, streets, communities, handling departments (处置单位) or supervisors (监督员, by the cases each reported) ranked by an assessment scheme (考核方案: jn_table, jh_table, supervisor_table or the city's --assessment-schemes; weights, thresholds, deductions such as 虚报, double-counted leader cases, grades A–E) with 红黑榜, each figure and deduction with its case lists; without scheme= the first scheme that ranks the level (staff, inside the jurisdiction)", staff, []string{"scheme", "level", "from", "to", "top"}, "", 200, "Assessment"},
		{"GET", "/api/v1/bulletins", s.handleBulletinList, "kpis", "Archived bulletins (月通报, 季考核, 年评估) of the city and of each district, newest first; a caller sees those whose whole scope is in his jurisdiction (a district head his district's) (staff)", staff, []string{"kind", "limit"}, "", 200, "items:Bulletin"},
		{"POST", "/api/v1/bulletins", s.handleBulletinProduce, "kpis", "Produce (or produce again) the bulletin of a month, quarter or year for the city or a district now, as HTML, PDF and XLSX (administrator or leader, audited)", "admin|leader", nil, "BulletinRequest", 201, "Bulletin"},
		{"GET", "/api/v1/bulletins/{file}", s.handleBulletinFile, "kpis", "Download a bulletin as {id}.pdf, {id}.xlsx or {id}.html; every figure of the HTML links to its cases (staff, inside the jurisdiction; every download and refusal audited)", staff, nil, "", 200, "BulletinFile"},
		{"GET", "/api/v1/cases/{id}", s.handleCaseView, "cases", "One case with its timeline and the actions the caller may take", signedIn, nil, "", 200, "Case"},
		{"POST", "/api/v1/cases/{id}/actions", s.handleCaseAction, "cases", "Move a case: accept, file, dispatch, sign, return, extend, dispose, check, close …", signedIn, nil, "Action", 200, "Case"},
		{"POST", "/api/v1/photos", s.handlePhotoUpload, "photos", "Upload a JPEG, PNG or WebP photo (raw body or multipart field \"file\")", anyone, nil, "Photo", 201, "PhotoRef"},
		{"GET", "/api/v1/photos/{id}", s.handlePhotoView, "photos", "A photo by content id: anyone for a reporter's photo of a public case, otherwise a bearer token whose posts see a case citing it (401/403)", anyone, nil, "", 200, "Photo"},

		// regions and dictionary
		{"GET", "/api/v1/locate", s.handleLocate, "regions", "Point → unit grid → community → street → district, and the readable address an intake there writes (nearest named road and house number)", anyone, []string{"lng", "lat", "crs"}, "", 200, "Location"},
		{"GET", "/api/v1/regions", s.handleRegionList, "regions", "Regions of a level or under a parent", anyone, []string{"level", "parent", "geometry", "limit", "offset"}, "", 200, "items:Region"},
		{"GET", "/api/v1/regions/{code}", s.handleRegionView, "regions", "One region with its versions", anyone, nil, "", 200, "RegionDetail"},
		{"POST", "/api/v1/regions/import", s.handleRegionImport, "regions", "Import regions from a GeoJSON FeatureCollection, a zipped Shapefile or a GeoPackage, repairing broken geometry and listing every repair; dry_run=true only previews (administrator)", admin, []string{"dry_run"}, "FeatureCollection", 200, "ImportPlan"},
		{"GET", "/api/v1/categories", s.handleCategoryList, "dictionary", "The 部件/事件 dictionary in force", anyone, []string{"at", "kind"}, "", 200, "items:SubClass"},
		{"GET", "/api/v1/categories/{ref}", s.handleCategoryView, "dictionary", "One sub-class and its versions", anyone, []string{"at"}, "", 200, "SubClassVersions"},
		{"PUT", "/api/v1/categories/{ref}", s.handleCategoryPut, "dictionary", "Add a new version of a sub-class (administrator)", admin, nil, "SubClass", 200, "SubClass"},
		{"GET", "/api/v1/departments", s.handleDepartmentList, "dictionary", "Departments", anyone, nil, "", 200, "items:Department"},
		{"PUT", "/api/v1/departments/{code}", s.handleDepartmentPut, "dictionary", "Create or change a department (administrator)", admin, nil, "Department", 200, "Department"},
		{"GET", "/api/v1/routing-rules", s.handleRuleList, "dictionary", "The joint enforcement list (联合执法清单)", anyone, nil, "", 200, "items:Rule"},
		{"POST", "/api/v1/routing-rules", s.handleRulePost, "dictionary", "Add or replace a routing rule (administrator)", admin, nil, "Rule", 201, "Rule"},
		{"DELETE", "/api/v1/routing-rules/{id}", s.handleRuleDelete, "dictionary", "Remove a routing rule (administrator)", admin, nil, "", 204, ""},
		{"GET", "/api/v1/calendar", s.handleCalendar, "calendar", "Working days and hours between two dates", anyone, []string{"from", "to"}, "", 200, "object"},
		{"GET", "/api/v1/facilities", s.handleFacilityList, "facilities", "Public facilities (toilets …); with lng/lat the nearest first with distance_m, within 5 km", anyone, []string{"kind", "lng", "lat", "crs", "limit"}, "", 200, "items:Facility"},
		{"GET", "/api/v1/facilities/coverage", s.handleFacilityCoverage, "facilities", "Facilities per district against the standard of one per 3 km² (the plan's baseline of one per 5 km² beside it) and the barrier-free share against the plan's goal of 100 %", anyone, []string{"kind"}, "", 200, "object"},
		{"PUT", "/api/v1/facilities/{id}", s.handleFacilityPut, "facilities", "Create or replace a facility; the point must lie in the city (administrator, audited)", admin, nil, "Facility", 200, "Facility"},
		{"DELETE", "/api/v1/facilities/{id}", s.handleFacilityDelete, "facilities", "Remove a facility (administrator, audited)", admin, nil, "", 200, "object"},

		// sensing (each wrapped by SensingGate)
		{"POST", "/api/v1/sensing/telemetry", s.handleSensingTelemetry, "sensing", "Device readings: one reading or {\"readings\": [...]} of up to 1000 (device gateway)", machine, nil, "Telemetry", 202, "IngestResult"},
		{"GET", "/api/v1/sensing/devices", s.handleSensingDeviceList, "sensing", "Registered devices with their last readings", staff, []string{"kind"}, "", 200, "items:Device"},
		{"GET", "/api/v1/sensing/devices/{id}", s.handleSensingDeviceView, "sensing", "One device and the state of each rule on it", staff, nil, "", 200, "DeviceView"},
		{"PUT", "/api/v1/sensing/devices/{id}", s.handleSensingDevicePut, "sensing", "Register or replace a device; every required field must be sent (administrator, audited)", admin, nil, "Device", 200, "Device"},
		{"GET", "/api/v1/sensing/devices/{id}/series", s.handleSensingDeviceSeries, "sensing", "A device's readings of one metric, raw or by minute or hour", staff, []string{"metric", "res", "from", "to"}, "", 200, "Series"},
		{"GET", "/api/v1/sensing/rules", s.handleSensingRuleList, "sensing", "Threshold rules and the GB 3096 noise limits", staff, nil, "", 200, "items:SensingRule"},
		{"PUT", "/api/v1/sensing/rules/{id}", s.handleSensingRulePut, "sensing", "Create or replace a threshold rule (administrator, audited)", admin, nil, "SensingRule", 200, "SensingRule"},
		{"GET", "/api/v1/sensing/figures", s.handleSensingFigures, "sensing", "Sensing counters and, with MQTT, the subscriber's", staff, nil, "", 200, "object"},
		{"GET", "/api/v1/sensing/cameras", s.handleSensingCameraList, "sensing", "Registered cameras with their health", staff, nil, "", 200, "items:Camera"},
		{"PUT", "/api/v1/sensing/cameras/{id}", s.handleSensingCameraPut, "sensing", "Register or replace a camera (administrator, audited)", admin, nil, "Camera", 200, "Camera"},
		{"POST", "/api/v1/sensing/cameras/{id}/heartbeat", s.handleSensingCameraHeartbeat, "sensing", "A camera's keep-alive; no body needed (video platform)", machine, nil, "", 204, ""},
		{"POST", "/api/v1/sensing/camera-events", s.handleSensingCameraEvent, "sensing", "An AI camera event, judged by the category's policy: 201 when it opened a case (video platform)", machine, nil, "CameraEvent", 200, "EventResult"},
		{"GET", "/api/v1/sensing/accuracy", s.handleSensingAccuracy, "sensing", "Precision of the AI events by category and vendor, against people's verdicts", staff, nil, "", 200, "Accuracy"},
		{"GET", "/api/v1/sensing/policies", s.handleSensingPolicyList, "sensing", "AI policies per category with their measured precision and the vendor codes", staff, nil, "", 200, "items:PolicyView"},
		{"PUT", "/api/v1/sensing/policies/{category}", s.handleSensingPolicyPut, "sensing", "Replace a category's AI policy; every field must be sent (administrator, audited)", admin, nil, "Policy", 200, "Policy"},
		{"GET", "/api/v1/sensing/zones", s.handleSensingZoneList, "sensing", "Vending zones (疏导区) with their hours and goods", anyone, nil, "", 200, "items:Zone"},
		{"PUT", "/api/v1/sensing/zones/{id}", s.handleSensingZonePut, "sensing", "Create or replace a vending zone (administrator, audited)", admin, nil, "Zone", 200, "Zone"},
		{"DELETE", "/api/v1/sensing/zones/{id}", s.handleSensingZoneDelete, "sensing", "Remove a vending zone (administrator, audited)", admin, nil, "", 204, ""},
		{"GET", "/api/v1/sensing/parking/lots", s.handleSensingLotList, "sensing", "Parking lots with their free spaces", anyone, nil, "", 200, "items:Availability"},
		{"PUT", "/api/v1/sensing/parking/lots/{id}", s.handleSensingLotPut, "sensing", "Create or replace a parking lot (administrator, audited)", admin, nil, "Lot", 200, "Lot"},
		{"GET", "/api/v1/sensing/parking/nearest", s.handleSensingLotNearest, "sensing", "The nearest lots with at least min_free free spaces", anyone, []string{"lng", "lat", "n", "min_free"}, "", 200, "items:Availability"},
		{"GET", "/api/v1/sensing/waste/points", s.handleSensingPointList, "sensing", "Waste collection points", staff, nil, "", 200, "items:CollectionPoint"},
		{"PUT", "/api/v1/sensing/waste/points/{id}", s.handleSensingPointPut, "sensing", "Create or replace a collection point (administrator, audited)", admin, nil, "CollectionPoint", 200, "CollectionPoint"},
		{"POST", "/api/v1/sensing/waste/points/{id}/collections", s.handleSensingCollection, "sensing", "Record a collection at a point (gateway or the department's handler)", "system|admin|handler", nil, "Collection", 204, ""},
		{"GET", "/api/v1/sensing/waste/compliance", s.handleSensingCompliance, "sensing", "Collections on time per point over the last days", staff, []string{"days"}, "", 200, "items:Compliance"},

		// hub
		{"GET", "/api/v1/hub/datasets", s.handleHubDatasetList, "hub", "The data catalogue: built-in and partner datasets", signedIn, nil, "", 200, "datasets:Dataset"},
		{"PUT", "/api/v1/hub/datasets/{code}", s.handleHubDatasetPut, "hub", "Register or update a partner dataset (administrator)", admin, nil, "Dataset", 200, "Dataset"},
		{"GET", "/api/v1/hub/datasets/{code}", s.handleHubDatasetView, "hub", "One dataset", signedIn, nil, "", 200, "Dataset"},
		{"POST", "/api/v1/hub/datasets/{code}/records", s.handleHubRecordsPublish, "hub", "Publish 1 to 1000 records (the owner department's handler or an administrator)", "admin|handler", nil, "RecordsRequest", 202, "object"},
		{"GET", "/api/v1/hub/datasets/{code}/records", s.handleHubRecordList, "hub", "A dataset's current records by key, for a first sync or a re-sync (owner department or a city-wide post)", signedIn, []string{"after", "limit"}, "", 200, "RecordPage"},
		{"GET", "/api/v1/hub/subscriptions", s.handleHubSubscriptionList, "hub", "Webhook subscriptions (administrator)", admin, nil, "", 200, "subscriptions:Subscription"},
		{"POST", "/api/v1/hub/subscriptions", s.handleHubSubscriptionCreate, "hub", "Register a webhook; the URL must pass the egress policy; the secret is shown once (administrator, audited)", admin, nil, "SubscriptionRequest", 201, "SubscriptionCreated"},
		{"DELETE", "/api/v1/hub/subscriptions/{id}", s.handleHubSubscriptionDelete, "hub", "Remove a webhook subscription (administrator, audited)", admin, nil, "", 204, ""},
		{"GET", "/api/v1/hub/dead-letters", s.handleHubDeadLetterList, "hub", "Batches that could not be delivered (administrator)", admin, []string{"subscription", "all"}, "", 200, "dead_letters:DeadLetter"},
		{"POST", "/api/v1/hub/dead-letters/{id}/replay", s.handleHubDeadLetterReplay, "hub", "Send a dead letter again (administrator, audited)", admin, nil, "", 200, "object"},
		{"GET", "/api/v1/hub/changes", s.handleHubChanges, "hub", "Pull changes after a cursor, oldest first; 410 when the cursor was pruned (city-wide post)", signedIn, []string{"cursor", "limit", "dataset", "source", "action"}, "", 200, "ChangePage"},
		{"GET", "/api/v1/hub/figures", s.handleHubFigures, "hub", "Delivery figures per department", signedIn, []string{"from", "to"}, "", 200, "HubFigures"},
		{"GET", "/api/v1/hub/retention", s.handleHubRetentionView, "hub", "How long changes, deliveries and dead letters are kept (administrator)", admin, nil, "", 200, "RetentionView"},
		{"PUT", "/api/v1/hub/retention", s.handleHubRetentionPut, "hub", "Change the retention (administrator, audited)", admin, nil, "Retention", 200, "RetentionView"},

		// random inspections (双随机一公开)
		{"GET", "/api/v1/inspections", s.handleInspectionList, "inspections", "Random-inspection draw plans (抽查计划), newest first (leader or administrator)", "leader|admin", []string{"status", "limit", "offset"}, "", 200, "items:InspectionPlan"},
		{"POST", "/api/v1/inspections", s.handleInspectionCreate, "inspections", "Create a draw plan with its object list, inspector list and declared conflicts (leader or administrator, audited)", "leader|admin", nil, "InspectionPlanRequest", 201, "InspectionPlan"},
		{"GET", "/api/v1/inspections/{id}", s.handleInspectionView, "inspections", "One plan with its lists (personal data masked), commitment, draw and outcomes", staff, nil, "", 200, "InspectionPlan"},
		{"PUT", "/api/v1/inspections/{id}", s.handleInspectionUpdate, "inspections", "Replace a draft plan; 409 once its seed is committed (leader or administrator, audited)", "leader|admin", nil, "InspectionPlanRequest", 200, "InspectionPlan"},
		{"POST", "/api/v1/inspections/{id}/commit", s.handleInspectionCommit, "inspections", "Make the secret seed and publish SHA-256(seed) with the plan hash; the plan is frozen from then on (leader or administrator, audited)", "leader|admin", nil, "", 200, "InspectionPlan"},
		{"POST", "/api/v1/inspections/{id}/draw", s.handleInspectionDraw, "inspections", "Reveal the seed and draw objects and inspectors deterministically; the result is public (leader or administrator, audited)", "leader|admin", nil, "", 200, "InspectionPlan"},
		{"POST", "/api/v1/inspections/{id}/outcomes", s.handleInspectionOutcome, "inspections", "Record the outcome of one drawn object (合格/不合格/责令整改 …); public at once, with its deadline in working days (enforcer, leader or administrator, audited)", "enforcer|leader|admin", nil, "InspectionOutcome", 200, "InspectionOutcomeRecorded"},
		{"GET", "/api/v1/inspections/public", s.handleInspectionPublic, "inspections", "Published plans: commitments, revealed seeds, results and outcomes, personal data masked", anyone, []string{"limit", "offset"}, "", 200, "items:InspectionPublic"},
		{"GET", "/api/v1/inspections/public/{id}/plan", s.handleInspectionPublicPlan, "inspections", "A published plan's canonical document, byte for byte: its SHA-256 is the committed plan_hash", anyone, nil, "", 200, "object"},
		{"GET", "/api/v1/inspections/public/{id}/verify", s.handleInspectionVerify, "inspections", "Re-run a drawn plan's draw on the server from the plan and the revealed seed, and say whether it matches the published result", anyone, nil, "", 200, "InspectionVerify"},

		// outbox (通知发件箱)
		{"GET", "/api/v1/outbox", s.handleOutboxList, "outbox", "Outbound notifications: status, attempts, last error, recipient masked, and why a channel waits (administrator)", admin, []string{"status", "channel", "related", "limit", "offset"}, "", 200, "items:OutboxMessage"},
		{"POST", "/api/v1/outbox/{id}/retry", s.handleOutboxRetry, "outbox", "Send a failed or dead notification again, with a fresh round of attempts (administrator, audited)", admin, nil, "", 200, "OutboxMessage"},
		{"POST", "/api/v1/outbox/receipts/sms", s.handleOutboxReceipts, "outbox", "The SMS gateway's delivery receipts, one or {\"receipts\": [...]}, signed like the platform's webhooks (X-Cityloop-Timestamp, X-Cityloop-Signature); 401 when the signature is wrong", anyone, nil, "OutboxReceipts", 200, "object"},

		// analysis (jurisdiction applies: a region outside the caller's is 403)
		{"GET", "/api/v1/analysis/heat", s.handleAnalysisHeat, "analysis", "Grid heat map (网格热力): cases per unit grid over a period, per km² and per 1,000 residents where known, each with its case list", staff, []string{"region", "from", "to", "category", "limit"}, "", 200, "AnalysisHeat"},
		{"GET", "/api/v1/analysis/hour-of-week", s.handleAnalysisHourOfWeek, "analysis", "Cases per hour of the week (7×24, city time) and the peak hours", staff, []string{"region", "from", "to", "category"}, "", 200, "AnalysisHourOfWeek"},
		{"GET", "/api/v1/analysis/top-categories", s.handleAnalysisTop, "analysis", "Top sub-classes (高发小类) with the change against the previous period of the same length", staff, []string{"region", "from", "to", "limit"}, "", 200, "AnalysisTopCategories"},
		{"GET", "/api/v1/analysis/recurrence-hotspots", s.handleAnalysisRecurrence, "analysis", "Recurrence hotspots (复发热点): grids where one sub-class recurs (recurrence_of set, or again within 30 days)", staff, []string{"region", "from", "to", "category", "limit"}, "", 200, "AnalysisRecurrence"},
		{"GET", "/api/v1/analysis/targets", s.handleAnalysisTargets, "analysis", "The plan's targets against the baseline year: incidence per sub-class −50 %, complaints (citizen and 12345) −30 % (default period: the year so far)", staff, []string{"region", "from", "to", "limit"}, "", 200, "AnalysisTargets"},
		{"GET", "/api/v1/analysis/forecast", s.handleAnalysisForecast, "analysis", "Forecast of a week's cases per grid and sub-class (default next week), with its backtest error on the 6 weeks before beside the naive same-as-last-week baseline", staff, []string{"region", "week", "limit"}, "", 200, "AnalysisForecast"},

		// hotline
		{"POST", "/api/v1/hotline/orders", s.handleHotlinePush, "hotline", "Push one 12345 work order or {\"orders\": [...]}; known order numbers are answered, not duplicated (hotline account)", "operator|admin", nil, "WorkOrder", 200, "orders:HotlinePushResult"},
		{"GET", "/api/v1/hotline/orders/{no}", s.handleHotlineView, "hotline", "A work order with its case and the lights of its clocks", "operator|shift_lead|admin|leader", nil, "", 200, "HotlineOrder"},
		{"POST", "/api/v1/hotline/orders/{no}/contact", s.handleHotlineContact, "hotline", "Record the first contact with the caller (联系来电人)", "operator|admin", nil, "HotlineNote", 200, "HotlineOrder"},
		{"POST", "/api/v1/hotline/orders/{no}/reply", s.handleHotlineReply, "hotline", "Record the reply (回复) once the case has left the loop", "operator|admin", nil, "HotlineNote", 200, "HotlineOrder"},
		{"POST", "/api/v1/hotline/orders/{no}/callback", s.handleHotlineCallback, "hotline", "Record the callback (回访) result", "operator|admin", nil, "HotlineNote", 200, "HotlineOrder"},
		{"POST", "/api/v1/hotline/orders/{no}/close", s.handleHotlineClose, "hotline", "Close (归档) the order after its case", "operator|admin", nil, "HotlineNote", 200, "HotlineOrder"},
		// enforcement evidence (全过程记录): tus resumable uploads, then the record
		{"OPTIONS", "/api/v1/enforcement/evidence", s.handleEvidenceOptions, "evidence", "tus discovery: Tus-Version, Tus-Extension and Tus-Max-Size (the largest upload)", anyone, nil, "", 200, ""},
		{"POST", "/api/v1/enforcement/evidence", s.handleEvidenceCreate, "evidence", "Create a resumable upload (tus creation): Upload-Length, Tus-Resumable: 1.0.0 and Upload-Metadata with case_id, filetype, and optionally filename, device_id, captured_at, lng, lat, crs, note; 201 with Location", evidencePosts, nil, "", 201, ""},
		{"HEAD", "/api/v1/enforcement/evidence-uploads/{id}", s.handleEvidenceUploadHead, "evidence", "How much of an upload arrived (Upload-Offset), to resume after an interruption (the uploading officer)", evidencePosts, nil, "", 200, ""},
		{"PATCH", "/api/v1/enforcement/evidence-uploads/{id}", s.handleEvidenceUploadPatch, "evidence", "Append a chunk at Upload-Offset; the last one answers once the evidence is recorded, with Evidence-Id and Evidence-Sha256 (the uploading officer)", evidencePosts, nil, "TusChunk", 204, ""},
		{"DELETE", "/api/v1/enforcement/evidence-uploads/{id}", s.handleEvidenceUploadDelete, "evidence", "Cancel an unfinished upload (tus termination; audited); recorded evidence is never deleted", evidencePosts, nil, "", 204, ""},
		{"GET", "/api/v1/enforcement/evidence", s.handleEvidenceList, "evidence", "A penalty case's evidence with SHA-256, capture time, GPS, device and officer (audited)", evidencePosts, []string{"case"}, "", 200, "items:Evidence"},
		{"GET", "/api/v1/enforcement/evidence/verify", s.handleEvidenceVerify, "evidence", "Verify a case's chain of custody and its evidence against it, with deep=true re-hashing the files; ok false names the broken entry (audited)", evidencePosts, []string{"case", "deep"}, "", 200, "CustodyReport"},
		{"GET", "/api/v1/enforcement/evidence/{id}/content", s.handleEvidenceContent, "evidence", "The evidence file; a custody entry (viewed, or exported with download=true) is written first, and the read audited; ranges served", evidencePosts, []string{"download", "purpose"}, "", 200, "EvidenceContent"},

		{"GET", "/api/v1/hotline/settings", s.handleHotlineSettingsView, "hotline", "The 12345 adapter's settings, the pull token masked (administrator)", admin, nil, "", 200, "HotlineSettings"},
		{"PUT", "/api/v1/hotline/settings", s.handleHotlineSettingsPut, "hotline", "Change the settings; URLs must pass the egress policy; a new callback secret is shown once (administrator, audited)", admin, nil, "HotlineSettings", 200, "HotlineSettingsSaved"},

		// mobile enforcement (移动执法)
		{"GET", "/api/v1/enforcement/cases", s.handlePenaltyList, "enforcement", "Penalty cases in the caller's jurisdiction, with the lights of their legal clocks and the party's name masked", enforceAuth, []string{"status", "procedure", "officer", "district", "brigade", "violation", "light", "party", "limit", "offset", "lang"}, "", 200, "items:PenaltyItem"},
		{"POST", "/api/v1/enforcement/cases", s.handlePenaltyOpen, "enforcement", "Open a penalty case as a lead (线索登记), optionally from a loop case of a violation category; the party's data is sealed (enforcer, audited)", "enforcer", nil, "PenaltyOpen", 201, "PenaltyView"},
		{"GET", "/api/v1/enforcement/cases/{id}", s.handlePenaltyView, "enforcement", "One penalty case: timeline, legal clocks with lights, allowed actions, missing records and the party's details (the read is audited)", enforceAuth, nil, "", 200, "PenaltyView"},
		{"POST", "/api/v1/enforcement/cases/{id}/actions", s.handlePenaltyAction, "enforcement", "Move a penalty case: propose_filing, approve, record, conclude, review, legal_review, notify, hearing, decision, serve, pay, summary, exempt …; 409 carries allowed_actions, 422 missing_records (audited)", "enforcer|legal_reviewer|leader|system", nil, "PenaltyAction", 200, "PenaltyView"},
		{"POST", "/api/v1/enforcement/evaluate", s.handlePenaltyEvaluate, "enforcement", "The discretion rulebook (裁量基准) in force: facts → level, allowed kinds and range, legal basis", enforceAuth, nil, "PenaltyEvaluate", 200, "PenaltyOutcome"},
		{"GET", "/api/v1/enforcement/rulebook", s.handlePenaltyRulebook, "enforcement", "The published discretion rulebook in force (第三十四条: benchmarks are public)", anyone, nil, "", 200, "Rulebook"},
		{"GET", "/api/v1/enforcement/figures", s.handlePenaltyFigures, "enforcement", "免罚率 of minor cases against 30 %, share of flexible measures and 记录完整率 over the decisions of a period in the caller's jurisdiction", enforceAuth, []string{"from", "to"}, "", 200, "PenaltyFigures"},
		{"GET", "/api/v1/enforcement/consistency", s.handlePenaltyConsistency, "enforcement", "同案不同罚: per violation, level and kind of party, the spread of the fines decided in [from, to) across districts and officers, with the outliers (decisions, districts, officers more than 50 % from the group median, in groups of 5 or more); legal reviewer, leader or admin, in their jurisdiction", "legal_reviewer|leader|admin", []string{"from", "to", "violation"}, "", 200, "PenaltyConsistency"},
		{"GET", "/api/v1/enforcement/cases/{id}/documents", s.handlePenaltyDocuments, "enforcement", "The documents (执法文书) a penalty case holds in its status, each with its number (文号) once issued and the URL of its PDF", enforceAuth, nil, "", 200, "items:PenaltyDocument"},
		{"GET", "/api/v1/enforcement/cases/{id}/documents/{code}", s.handlePenaltyDocument, "enforcement", "One document as application/pdf, its number issued on first rendering and kept; masked=true renders the published copy; 404 for a document the case does not hold yet, 503 naming the font package when no Chinese font is installed (audited)", enforceAuth, []string{"masked"}, "", 200, "PDF"},
		{"GET", "/api/v1/enforcement/disclosures", s.handlePenaltyDisclosures, "enforcement", "Published penalty decisions (行政处罚决定公开), personal data masked; search by q, district, from, to", anyone, []string{"q", "district", "from", "to", "limit", "offset"}, "", 200, "items:Disclosure"},
		{"GET", "/api/v1/enforcement/cases/{id}/disclosure", s.handlePenaltyPublication, "enforcement", "The publication of a case's decision: pending, published or withdrawn, its 7-working-day deadline, whether it was late, the withdrawal", enforceAuth, nil, "", 200, "Publication"},
		{"POST", "/api/v1/enforcement/cases/{id}/disclosure/withdraw", s.handlePenaltyWithdraw, "enforcement", "Withdraw a published decision that was changed or revoked (第四十八条第二款, within 3 working days): off the public listing, a delete to the hub (legal reviewer or leader, audited)", "legal_reviewer|leader", nil, "PublicationWithdraw", 200, "Publication"},
		{"GET", "/api/v1/enforcement/monitoring-sites", s.handleMonitoringSites, "enforcement", "Published sites of the cameras used for enforcement (第四十一条): place and what each watches", anyone, nil, "", 200, "items:MonitoringSite"},
		{"PUT", "/api/v1/enforcement/places", s.handlePlacePut, "enforcement", "Register the party an AI-camera reminder goes to: a camera's frontage, a shop id or a plate → name and phone or e-mail, sealed (enforcer or admin, audited)", "enforcer|admin", nil, "Place", 200, "PlaceRegistered"},
		{"POST", "/api/v1/enforcement/reminders/lookup", s.handleReminderLookup, "enforcement", "A party's own AI-camera reminders (第四十一条): the place and its registered phone or e-mail in the body; a mismatch is 404 without saying which part", anyone, nil, "ReminderLookup", 200, "items:SentReminder"},
		// community: merchants keeping their frontage (门前五包)
		{"GET", "/api/v1/merchants", s.handleMerchantList, "merchants", "Merchants of 门前五包 with this year's credit (1,000 points less deductions for loop cases in their zone; grade A–D; 文明商户), filtered by region (district, street or grid code), grade, name/address/USCC (q); list envelope with total (staff)", staff, []string{"q", "region", "grade", "year", "civilized", "limit", "offset", "lang"}, "", 200, "items:MerchantItem"},
		{"GET", "/api/v1/merchants/civilized", s.handleCivilizedList, "merchants", "The 文明商户 list: merchants whose score this year is at least the list's mark (public)", anyone, []string{"q", "region", "limit", "offset", "lang"}, "", 200, "items:MerchantItem"},
		{"GET", "/api/v1/merchants/{id}", s.handleMerchantGet, "merchants", "One merchant: zone, five duties, this year's credit and the loop cases deducted; the contact (sealed at rest) only inside the caller's jurisdiction, that view audited (staff)", staff, []string{"lang"}, "", 200, "MerchantDetail"},
		{"GET", "/api/v1/merchants/{id}/plate", s.handleMerchantPlate, "merchants", "What a shop's QR plate opens: its duties, zone, grade and a link that opens the citizens' report form at its frontage (public)", anyone, []string{"lang"}, "", 200, "MerchantPlate"},
		// community: permits granted online
		{"POST", "/api/v1/permits", s.handlePermitApply, "permits", "Apply for a permit (kind outdoor_ad 户外广告设置, road_occupation 临时占道, muck_transport 建筑垃圾(渣土)运输); the review is due in the kind's working days (anyone)", anyone, nil, "PermitRequest", 201, "Permit"},
		{"GET", "/api/v1/permits", s.handlePermitList, "permits", "Applications and permits by kind and status (submitted, approved = in force, rejected, expired), newest first, with the review's light; list envelope with total, no phones (staff)", staff, []string{"kind", "status", "limit", "offset"}, "", 200, "items:Permit"},
		{"GET", "/api/v1/permits/public", s.handlePermitPublic, "permits", "The permits in force (公示): number, kind, holder, place, term; no phones (public)", anyone, []string{"kind", "limit", "offset"}, "", 200, "items:PublicPermit"},
		{"GET", "/api/v1/permits/{id}", s.handlePermitGet, "permits", "One application or permit with the applicant's phone (staff, audited)", staff, nil, "", 200, "Permit"},
		{"POST", "/api/v1/permits/{id}/approve", s.handlePermitApprove, "permits", "Grant an application under review: the permit gets its number (shift lead, leader or administrator; audited)", "shift_lead|leader|admin", nil, "", 200, "Permit"},
		{"POST", "/api/v1/permits/{id}/reject", s.handlePermitReject, "permits", "Refuse an application under review with its reason (shift lead, leader or administrator; audited)", "shift_lead|leader|admin", nil, "PermitDecision", 200, "Permit"},
		{"GET", "/api/v1/community/figures", s.handleCommunityFigures, "permits", "Community figures with their formulas: permit turnaround of the decisions from–to (mean working days, on-time and grant rates; default this year) and this year's frontage self-governance (shops without a deduction ÷ shops, against the plan's 45 %) (staff)", staff, []string{"from", "to"}, "", 200, "CommunityFigures"},
		// volunteers and the community council (社区议事会); every record is one community's, seen within the caller's jurisdiction
		{"GET", "/api/v1/volunteers", s.handleVolunteerList, "council", "Volunteers of the communities in the caller's jurisdiction, newest first, phones masked, with credited hours (staff)", staff, []string{"community", "limit", "offset"}, "", 200, "items:Volunteer"},
		{"POST", "/api/v1/volunteers", s.handleVolunteerCreate, "council", "Register a volunteer of a community in the caller's jurisdiction: name, phone (sealed), skills (administrator or shift lead, audited)", "admin|shift_lead", nil, "VolunteerRequest", 201, "Volunteer"},
		{"GET", "/api/v1/volunteers/activities", s.handleActivityList, "council", "Volunteer activities of the caller's communities, latest first (staff)", staff, []string{"community", "limit", "offset"}, "", 200, "items:Activity"},
		{"POST", "/api/v1/volunteers/activities", s.handleActivityCreate, "council", "Create an activity: place, sign-in radius (10–2000 m), time window (administrator or shift lead, audited)", "admin|shift_lead", nil, "ActivityRequest", 201, "Activity"},
		{"POST", "/api/v1/volunteers/activities/{id}/signin", s.handleActivitySignIn, "council", "Record a volunteer's sign-in with the volunteer's position: refused with 409 outside the radius or the time window, or when already signed in (staff recording for the volunteer; audited)", "admin|shift_lead|grid_member|street_chief", nil, "SignRequest", 201, "Attendance"},
		{"POST", "/api/v1/volunteers/activities/{id}/signout", s.handleActivitySignOut, "council", "Record a volunteer's sign-out at the place: the hours inside the window are credited (staff recording for the volunteer; audited)", "admin|shift_lead|grid_member|street_chief", nil, "SignRequest", 200, "Attendance"},
		{"GET", "/api/v1/council/topics", s.handleTopicList, "council", "Council topics of the caller's communities with their state, votes and allowed actions, newest first (staff)", staff, []string{"community", "state", "limit", "offset"}, "", 200, "items:Topic"},
		{"POST", "/api/v1/council/topics", s.handleTopicCreate, "council", "Open a topic for a community's council; it starts collecting opinions (administrator or shift lead, audited)", "admin|shift_lead", nil, "TopicRequest", 201, "Topic"},
		{"GET", "/api/v1/council/topics/{id}", s.handleTopicView, "council", "A topic with its history and opinions (staff, inside the jurisdiction)", staff, nil, "", 200, "Topic"},
		{"POST", "/api/v1/council/topics/{id}/actions", s.handleTopicAction, "council", "Move a topic: open_vote, answer (the official answer), follow_up, close; 409 carries allowed_actions (audited)", "admin|shift_lead|leader|street_chief", nil, "TopicAction", 200, "Topic"},
		{"POST", "/api/v1/council/topics/{id}/opinions", s.handleTopicOpinion, "council", "Record a person's opinion while the topic collects them (staff recording; audited)", "admin|shift_lead|grid_member|street_chief", nil, "OpinionRequest", 201, "Opinion"},
		{"POST", "/api/v1/council/topics/{id}/votes", s.handleTopicVote, "council", "Record a person's vote while the topic is put to the vote; one vote per person, a second is 409 (staff recording; audited)", "admin|shift_lead|grid_member|street_chief", nil, "VoteRequest", 201, "Vote"},
	}
}

// Mux is where Routes registers the endpoints; *http.ServeMux is one.
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Routes registers every endpoint of the table on mux, and a catch-all
// that answers unknown /api/ paths with a problem document. The routes of
// a resource whose service is not set answer 404; the sensing routes go
// through SensingGate when it is set. Both are read per request, so app
// may set them after Routes.
func (s *Server) Routes(mux Mux) {
	for _, rt := range s.routes() {
		h := httpkit.Handle(rt.handle)
		tag := rt.tag
		mux.Handle(rt.method+" "+rt.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.serves(tag) {
				httpkit.WriteError(w, r, errs.NotFound("此节点未提供 %s 接口 / %s is not served on this node", tag, tag))
				return
			}
			if tag == "sensing" && s.SensingGate != nil {
				s.SensingGate(h).ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}))
	}
	mux.Handle("/api/", httpkit.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return errs.NotFound("no endpoint %s %s; see /api/openapi.json", r.Method, r.URL.Path)
	}))
}

// serves reports whether the service behind a tag's routes is set.
func (s *Server) serves(tag string) bool {
	switch tag {
	case "sensing":
		return s.Sensing != nil
	case "hub":
		return s.Hub != nil
	case "hotline":
		return s.Hotline != nil
	case "open311":
		return s.Open311Keys != nil
	case "enforcement":
		return s.Enforcement != nil
	}
	return true
}

// authText words a route's auth for the OpenAPI description.
func authText(auth string) string {
	switch auth {
	case "":
		return ""
	case "signed-in":
		return "Needs a bearer token."
	case "staff":
		return "Needs a bearer token of a staff post (any post but citizen)."
	}
	return "Needs a bearer token of the post " + strings.ReplaceAll(auth, "|", " or ") + "."
}
