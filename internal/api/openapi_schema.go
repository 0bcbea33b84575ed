package api

import (
	"cityloop/internal/merchant"
	"cityloop/internal/permit"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/council"
	"cityloop/internal/enforce"
	"cityloop/internal/enforce/remind"
	"cityloop/internal/evidence"
	"cityloop/internal/facility"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/inspect"
	"cityloop/internal/jobs"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/share"
	"cityloop/internal/workorder"
)

// operation is the OpenAPI operation of one route.
func operation(rt route) map[string]any {
	var params []any
	for _, name := range pathParams(rt.path) {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": querySchema(q)})
	}
	okDesc := map[string]any{"description": "OK"}
	if rt.ok == 201 {
		okDesc["description"] = "Created"
	}
	if rt.ok == 202 {
		okDesc["description"] = "Accepted"
	}
	if rt.ok == 204 {
		okDesc["description"] = "No content"
	} else if rt.resp == "PDF" {
		okDesc["content"] = map[string]any{"application/pdf": map[string]any{"schema": ref(rt.resp)}}
	} else if rt.resp != "" {
		okDesc["content"] = map[string]any{"application/json": map[string]any{"schema": respSchema(rt.resp)}}
	}
	resp := map[string]any{strconv.Itoa(rt.ok): okDesc}
	for _, code := range errorStatuses(rt) {
		resp[strconv.Itoa(code)] = map[string]any{"$ref": "#/components/responses/Problem"}
	}
	desc := rt.summary
	if a := authText(rt.auth); a != "" {
		desc += ". " + a
	}
	m := map[string]any{"summary": rt.summary, "description": desc, "tags": []string{rt.tag}, "responses": resp,
		"operationId": strings.ToLower(rt.method) + "_" + rt.path}
	if params != nil {
		m["parameters"] = params
	}
	if rt.auth != "" {
		m["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	if rt.body != "" {
		ct := "application/json"
		switch rt.body {
		case "FeatureCollection":
			ct = "application/geo+json"
		case "Photo":
			ct = "image/*"
		case "TusChunk":
			ct = "application/offset+octet-stream"
		}
		m["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": ref(rt.body)}}}
	}
	return m
}

// querySchema is the schema of a query parameter, by its name, which
// means the same on every route.
func querySchema(name string) map[string]any {
	switch name {
	case "limit", "offset", "n", "min_free", "days", "cursor":
		return map[string]any{"type": "integer", "minimum": 0}
	case "lng", "lat":
		return map[string]any{"type": "number"}
	case "overdue", "all", "geometry", "download", "deep", "masked":
		return map[string]any{"type": "boolean"}
	case "crs":
		return map[string]any{"type": "string", "enum": []string{"wgs84", "gcj02", "bd09"}}
	case "is", "level", "from", "to", "kpi":
		return kpiQuerySchema(name)
	case "res":
		return map[string]any{"type": "string", "enum": []string{"raw", "minute", "hour"}}
	}
	return map[string]any{"type": "string"}
}

// errorStatuses are the problem responses a route can give: 400 for a
// malformed request, 401 and 403 for its auth, 404 for a path naming
// something, 409/413/415/422 for a body, 429 for the rate limits and 503
// for the sensing service moving between nodes.
func errorStatuses(rt route) []int {
	out := []int{400}
	if rt.auth != "" {
		out = append(out, 401, 403)
	}
	if len(pathParams(rt.path)) > 0 || rt.tag == "sensing" || rt.tag == "hub" || rt.tag == "hotline" || rt.tag == "open311" ||
		rt.tag == "inspections" || rt.tag == "analysis" {
		out = append(out, 404)
	}
	if rt.method != "GET" {
		out = append(out, 409, 413, 415, 422)
	}
	if rt.path == "/api/v1/hub/changes" {
		out = append(out, 410)
	}
	if strings.HasPrefix(rt.path, "/api/v1/outbox/receipts/") {
		out = append(out, 401, 404) // signed by the gateway, not a bearer
	}
	out = append(out, 429)
	if rt.tag == "sensing" || rt.path == "/readyz" || rt.path == "/api/v1/hub/dead-letters/{id}/replay" || rt.resp == "PDF" {
		out = append(out, 503)
	}
	return out
}

// respSchema reads a route's response spec: "Name" is that schema,
// "key:Name" an object whose key holds a list of Name (with a total),
// "object" any JSON object.
func respSchema(spec string) map[string]any {
	if spec == "object" {
		return map[string]any{"type": "object"}
	}
	if key, name, ok := strings.Cut(spec, ":"); ok {
		return map[string]any{"type": "object", "properties": map[string]any{
			key: map[string]any{"type": "array", "items": ref(name)}, "total": map[string]any{"type": "integer"}}}
	}
	return ref(spec)
}

// schemaTypes are the named schemas made from the Go types the handlers
// encode and decode, so that they follow the code.
var schemaTypes = map[string]any{
	"Duplicate": casework.Duplicate{}, "Account": org.Account{}, "Region": regionView{}, "ImportPlan": org.ImportPlan{}, "Location": locateAnswer{},
	"PostsRequest": struct {
		Posts []org.Grant `json:"posts"`
	}{},
	"SubClass": catalog.SubClass{}, "Department": catalog.Department{}, "Rule": catalog.Rule{},
	"AuditRecord": audit.Record{}, "Client": org.Client{}, "ClientRequest": clientRequest{}, "Facility": facility.Facility{},
	"JobStatus": jobs.Status{}, "JobRun": jobs.RunRecord{}, "Open311KeyRequest": open311KeyRequest{},
	"KPIList": kpiList{}, "Ranking": rankingView{},
	"Bulletin": bulletinView{}, "BulletinRequest": bulletinRequest{}, "Assessment": assessmentView{},
	"Volunteer": volunteerView{}, "VolunteerRequest": volunteerRequest{}, "Activity": council.Activity{}, "ActivityRequest": activityRequest{},
	"SignRequest": signRequest{}, "Attendance": council.Attendance{}, "Topic": topicView{}, "TopicRequest": topicRequest{},
	"TopicAction": topicAction{}, "Opinion": council.Opinion{}, "OpinionRequest": opinionRequest{}, "Vote": council.Vote{}, "VoteRequest": voteRequest{},

	"Device": sensing.Device{}, "SensingRule": sensing.Rule{}, "Camera": sensing.Camera{}, "Policy": sensing.Policy{},
	"Zone": sensing.Zone{}, "Lot": sensing.Lot{}, "CollectionPoint": sensing.CollectionPoint{},
	"Availability": sensing.Availability{}, "Compliance": sensing.Compliance{}, "IngestResult": sensing.IngestResult{},
	"EventResult": sensing.EventResult{}, "Accuracy": sensing.Accuracy{},
	"DeviceView": struct {
		Device *sensing.Device     `json:"device"`
		Rules  []sensing.RuleState `json:"rules"`
	}{},
	"Series": struct {
		DeviceID string                `json:"device_id"`
		Metric   string                `json:"metric"`
		Res      string                `json:"res"`
		Points   []sensing.SeriesPoint `json:"points"`
	}{},
	"PolicyView": struct {
		Policy      sensing.Policy `json:"policy"`
		Precision   float64        `json:"precision"`
		Judged      int            `json:"judged"`
		ModeInForce string         `json:"mode_in_force"`
	}{},
	"Collection": struct {
		At string `json:"at"`
	}{},

	"Dataset": share.Dataset{}, "Subscription": share.Subscription{}, "SubscriptionRequest": hub.SubscriptionRequest{},
	"SubscriptionCreated": struct {
		Subscription share.Subscription `json:"subscription"`
		Secret       string             `json:"secret"`
		Note         string             `json:"note"`
	}{},
	"RecordsRequest": struct {
		Records []hub.RecordIn `json:"records"`
	}{},
	"RecordPage": struct {
		Dataset   string          `json:"dataset"`
		Cursor    int64           `json:"cursor"`
		More      bool            `json:"more"`
		Records   []hubRecordView `json:"records"`
		NextAfter string          `json:"next_after"`
	}{},
	"DeadLetter": share.DeadLetter{}, "HubFigures": hub.Figures{}, "Retention": hub.Retention{},
	"RetentionView": struct {
		Retention     hub.Retention `json:"retention"`
		PrunedThrough int64         `json:"pruned_through"`
		Defaults      hub.Retention `json:"defaults"`
	}{},

	"Evidence": evidenceView{}, "CustodyReport": evidence.Report{},
	"OutboxMessage": outboxMessageView{},
	"OutboxReceipts": struct {
		MessageID string `json:"message_id"`
		Status    string `json:"status"`
		Detail    string `json:"detail,omitempty"`
		At        string `json:"at,omitempty"`
		Receipts  []struct {
			MessageID string `json:"message_id"`
			Status    string `json:"status"`
			Detail    string `json:"detail,omitempty"`
			At        string `json:"at,omitempty"`
		} `json:"receipts,omitempty"`
	}{},

	"WorkOrder": hotline.WorkOrder{}, "HotlinePushResult": hotlinePushResult{}, "HotlineOrder": hotlineOrderView{},
	"HotlineNote": hotlineNoteIn{}, "HotlineSettings": workorder.Settings{},
	"PenaltyItem": penaltyItem{}, "PenaltyView": penaltyView{}, "PenaltyOpen": enforce.OpenRequest{},
	"PenaltyAction": penaltyActionBody{}, "PenaltyEvaluate": evaluateBody{}, "PenaltyOutcome": enforce.Outcome{},
	"Rulebook": enforce.Rulebook{}, "Disclosure": enforce.Disclosure{}, "PenaltyDocument": penaltyDocument{},
	"Publication": enforce.Publication{}, "PublicationWithdraw": enforce.WithdrawRequest{}, "MonitoringSite": remind.Site{}, "Place": enforce.Place{},
	"ReminderLookup": remind.LookupRequest{}, "SentReminder": enforce.SentReminder{},
	"PlaceRegistered": struct {
		Kind       enforce.PlaceKind `json:"kind"`
		Registered bool              `json:"registered"`
		UpdatedAt  time.Time         `json:"updated_at"`
	}{},
	"PenaltyConsistency": enforce.ConsistencyReport{},
	"PenaltyFigures": struct {
		From      time.Time       `json:"from"`
		To        time.Time       `json:"to"`
		Decisions int             `json:"decisions"`
		Figures   enforce.Figures `json:"figures"`
	}{},
	"HotlineSettingsSaved": struct {
		Settings       workorder.Settings `json:"settings"`
		CallbackSecret string             `json:"callback_secret,omitempty"`
		Note           string             `json:"note,omitempty"`
	}{},

	"InspectionPlanRequest": inspect.PlanInput{}, "InspectionPlan": inspectionView{}, "InspectionOutcome": outcomeRequest{},
	"InspectionOutcomeRecorded": inspectionOutcomeRecorded{}, "InspectionPublic": inspect.PublicPlan{}, "InspectionVerify": inspect.VerifyReport{},

	"MerchantItem": merchantItem{}, "MerchantDetail": merchantDetail{}, "MerchantPlate": plateView{},
	"Permit": permit.View{}, "PermitRequest": permitRequest{}, "PublicPermit": publicPermit{}, "PermitDecision": permitDecision{},
	"CommunityFigures": struct {
		From             time.Time         `json:"from"`
		To               time.Time         `json:"to"`
		PermitTurnaround permit.Turnaround `json:"permit_turnaround"`
		FrontageKept     merchant.Kept     `json:"frontage_kept"`
	}{},
}

func typeSchemas() map[string]any {
	out := map[string]any{}
	for name, v := range schemaTypes {
		out[name] = schemaOf(reflect.TypeOf(v), 0)
	}
	for name, v := range analysisSchemaTypes {
		out[name] = schemaOf(reflect.TypeOf(v), 0)
	}
	return out
}

// handSchemas are the named schemas with no single Go type behind them.
func handSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	num := map[string]any{"type": "number"}
	integer := map[string]any{"type": "integer"}
	return map[string]any{
		"Health": map[string]any{"type": "object", "properties": map[string]any{"status": str, "regions": integer, "grids": integer,
			"checks": map[string]any{"type": "object", "additionalProperties": str}, "detail": str}},
		"Token": map[string]any{"type": "object", "properties": map[string]any{"token": str, "token_type": str, "expires_at": dateTime(),
			"account": ref("Account")}},
		"AccountCreated": map[string]any{"type": "object", "properties": map[string]any{"account": ref("Account"),
			"password": map[string]any{"type": "string", "description": "the one-time password, shown once, when none was sent"}, "note": str}},
		"RegionDetail": map[string]any{"type": "object", "properties": map[string]any{"region": ref("Region"),
			"path": map[string]any{"type": "array", "items": ref("Region")}, "children": map[string]any{"type": "array", "items": ref("Region")},
			"versions": map[string]any{"type": "array", "items": ref("Region")}}},
		"SubClassVersions": map[string]any{"type": "object", "properties": map[string]any{
			"current":  map[string]any{"oneOf": []any{ref("SubClass"), map[string]any{"type": "null"}}},
			"versions": map[string]any{"type": "array", "items": ref("SubClass")}}},
		"PasswordChange": map[string]any{"type": "object", "required": []string{"old_password", "new_password"},
			"properties": map[string]any{"old_password": str, "new_password": str}},
		"ClientKey": map[string]any{"type": "object", "properties": map[string]any{"client": ref("Client"), "id": str,
			"key": map[string]any{"type": "string", "description": "shown once"}, "note": str}},
		"Open311Key": map[string]any{"type": "object", "properties": map[string]any{"api_key": map[string]any{"type": "string", "description": "shown once"},
			"account_id": str, "label": str, "source": str, "detail": map[string]any{"type": "boolean"}, "created_at": dateTime(), "note": str}},
		"Open311KeyRevocation": map[string]any{"type": "object", "properties": map[string]any{"account_id": str, "revoked": integer, "revoked_at": dateTime()}},
		"Photo":                map[string]any{"type": "string", "format": "binary"},
		"BulletinFile":         map[string]any{"type": "string", "format": "binary", "description": "the bulletin as PDF, XLSX or HTML, by the file's extension"},
		"TusChunk":             map[string]any{"type": "string", "format": "binary", "description": "the bytes from Upload-Offset on"},
		"EvidenceContent":      map[string]any{"type": "string", "format": "binary", "description": "the file as kept; Evidence-Sha256 names its hash"},
		"PDF":                  map[string]any{"type": "string", "format": "binary", "description": "a PDF document (application/pdf)"},
		"PhotoRef":             map[string]any{"type": "object", "properties": map[string]any{"id": str, "url": str, "mime": str, "size": integer}},
		"Telemetry": map[string]any{"type": "object", "description": "one reading, or {\"readings\": [...]} of up to 1000",
			"properties": map[string]any{"device_id": str, "at": dateTime(), "values": map[string]any{"type": "object", "additionalProperties": num},
				"readings": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}},
		"CameraEvent": map[string]any{"type": "object", "description": "a vendor's AI event; the vendor's code maps to a category (see GET /api/v1/sensing/policies)",
			"properties": map[string]any{"camera_id": str, "event_id": str, "code": str, "confidence": num, "at": dateTime(), "snapshot": map[string]any{"type": "string", "contentEncoding": "base64"}}},
		"ChangePage": map[string]any{"type": "object", "properties": map[string]any{
			"changes":     map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"pos": integer, "type": str}}},
			"next_cursor": integer, "more": map[string]any{"type": "boolean"}}},
	}
}

func merge(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func dateTime() map[string]any { return map[string]any{"type": "string", "format": "date-time"} }

var (
	timeType      = reflect.TypeOf(time.Time{})
	durationType  = reflect.TypeOf(time.Duration(0))
	rawType       = reflect.TypeOf(json.RawMessage{})
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textType      = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// schemaOf describes how encoding/json writes a value of type t.
func schemaOf(t reflect.Type, depth int) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return dateTime()
	case t == durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case t == rawType:
		return map[string]any{}
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return map[string]any{}
	case t.Implements(textType) || reflect.PointerTo(t).Implements(textType):
		return map[string]any{"type": "string"}
	}
	if depth > 6 {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), depth+1)}
	case reflect.Struct:
		props := map[string]any{}
		addFields(props, t, depth)
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

// addFields adds the JSON fields of struct t, embedded structs flattened.
func addFields(props map[string]any, t reflect.Type, depth int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(props, ft, depth)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, depth+1)
	}
}
