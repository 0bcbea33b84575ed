package api

import (
	"net/http"
	"strconv"

	"cityloop/internal/casework"
	"cityloop/internal/httpkit"
)

// op describes one operation for the OpenAPI document.
type op struct {
	method, path, summary, tag string
	auth                       bool
	body                       string // schema name of the JSON body, if any
	ok                         int
	query                      []string
}

// operations is the list the OpenAPI document is built from; a test checks
// it against the routes actually registered.
var operations = []op{
	{"get", "/healthz", "Readiness: ok only while the database takes a write (503 otherwise), and the size of the loaded city", "system", false, "", 200, nil},
	{"get", "/livez", "Liveness: the process answers", "system", false, "", 200, nil},
	{"get", "/api/v1/jobs", "Background jobs: schedule, holder node, last and next run, last duration and error (administrator)", "system", true, "", 200, nil},
	{"get", "/api/v1/jobs/{name}/runs", "A job's recent runs, newest first (administrator)", "system", true, "", 200, []string{"limit"}},
	{"get", "/api/openapi.json", "This document", "system", false, "", 200, nil},
	{"post", "/api/v1/auth/token", "Exchange username and password for a bearer token", "auth", false, "TokenRequest", 200, nil},
	{"delete", "/api/v1/auth/token", "Revoke the bearer token sent", "auth", true, "", 204, nil},
	{"post", "/api/v1/auth/password", "Change the signed-in account's password (required after a one-time password)", "auth", true, "", 204, nil},
	{"get", "/api/v1/audit", "Search the audit trail (auditor)", "audit", true, "", 200, []string{"actor", "action", "object", "from", "to", "limit", "offset"}},
	{"get", "/api/v1/clients", "Partner systems' API clients (administrator)", "clients", true, "", 200, nil},
	{"post", "/api/v1/clients", "Create an API client with a scoped key: endpoints, categories, regions, rate (administrator)", "clients", true, "", 201, nil},
	{"post", "/api/v1/clients/{id}/rotate", "Replace a client's key (administrator)", "clients", true, "", 200, nil},
	{"delete", "/api/v1/clients/{id}", "Revoke a client (administrator)", "clients", true, "", 204, nil},
	{"get", "/api/v1/facilities", "Public facilities (toilets …); with lng/lat the nearest first with distance_m, within 5 km", "facilities", false, "", 200, []string{"kind", "lng", "lat", "crs", "limit"}},
	{"get", "/api/v1/facilities/coverage", "Facilities per district against the plan's target of one per 3 km²", "facilities", false, "", 200, []string{"kind"}},
	{"put", "/api/v1/facilities/{id}", "Create or replace a facility; the point must lie in the city (administrator, audited)", "facilities", true, "", 200, nil},
	{"delete", "/api/v1/facilities/{id}", "Remove a facility (administrator, audited)", "facilities", true, "", 200, nil},
	{"get", "/api/v1/accounts", "Accounts and their posts (administrator)", "accounts", true, "", 200, nil},
	{"post", "/api/v1/accounts", "Create an account with posts; without a password a one-time one is returned once (administrator)", "accounts", true, "AccountRequest", 201, nil},
	{"put", "/api/v1/accounts/{id}/posts", "Replace an account's posts (administrator, audited)", "accounts", true, "", 200, nil},
	{"post", "/api/v1/accounts/{id}/disable", "Disable an account and end its sessions (administrator)", "accounts", true, "", 200, nil},
	{"post", "/api/v1/accounts/{id}/enable", "Re-enable an account (administrator)", "accounts", true, "", 200, nil},
	{"get", "/api/v1/me", "The signed-in account and its posts", "auth", true, "", 200, nil},
	{"post", "/api/v1/cases", "Report a problem (every channel; citizens may report without signing in)", "cases", false, "Report", 201, nil},
	{"get", "/api/v1/cases", "List cases", "cases", true, "", 200, []string{"status", "category", "region", "source", "light", "from", "to", "department", "overdue", "limit", "offset"}},
	{"get", "/api/v1/cases/{id}", "One case with its timeline and the actions the caller may take", "cases", true, "", 200, nil},
	{"post", "/api/v1/cases/{id}/actions", "Move a case: accept, file, dispatch, sign, return, extend, dispose, check, close …", "cases", true, "Action", 200, nil},
	{"get", "/api/v1/locate", "Point → unit grid → community → street → district", "regions", false, "", 200, []string{"lng", "lat", "crs"}},
	{"get", "/api/v1/regions", "Regions of a level or under a parent", "regions", false, "", 200, []string{"level", "parent", "geometry", "limit", "offset"}},
	{"get", "/api/v1/regions/{code}", "One region with its versions", "regions", false, "", 200, nil},
	{"post", "/api/v1/regions/import", "Import a GeoJSON FeatureCollection of regions (administrator)", "regions", true, "FeatureCollection", 200, nil},
	{"get", "/api/v1/categories", "The 部件/事件 dictionary in force", "dictionary", false, "", 200, []string{"at", "kind"}},
	{"get", "/api/v1/categories/{ref}", "One sub-class and its versions", "dictionary", false, "", 200, []string{"at"}},
	{"put", "/api/v1/categories/{ref}", "Add a new version of a sub-class (administrator)", "dictionary", true, "SubClass", 200, nil},
	{"get", "/api/v1/departments", "Departments", "dictionary", false, "", 200, nil},
	{"put", "/api/v1/departments/{code}", "Create or change a department (administrator)", "dictionary", true, "Department", 200, nil},
	{"get", "/api/v1/routing-rules", "The joint enforcement list (联合执法清单)", "dictionary", false, "", 200, nil},
	{"post", "/api/v1/routing-rules", "Add or replace a routing rule (administrator)", "dictionary", true, "Rule", 201, nil},
	{"delete", "/api/v1/routing-rules/{id}", "Remove a routing rule (administrator)", "dictionary", true, "", 204, nil},
	{"get", "/api/v1/calendar", "Working days and hours between two dates", "calendar", false, "", 200, []string{"from", "to"}},
	{"post", "/api/v1/photos", "Upload a JPEG, PNG or WebP photo (raw body or multipart field \"file\")", "photos", false, "", 201, nil},
	{"get", "/api/v1/photos/{id}", "A photo by content id: anyone for a reporter's photo of a public case, otherwise a bearer token whose posts see a case citing it (401/403)", "photos", false, "", 200, nil},
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	return httpkit.WriteJSON(w, http.StatusOK, OpenAPI())
}

// OpenAPI builds the OpenAPI 3.1 document.
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, o := range operations {
		item, _ := paths[o.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[o.path] = item
		}
		var params []any
		for _, name := range pathParams(o.path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range o.query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		okDesc := map[string]any{"description": "OK"}
		if o.ok != 204 {
			okDesc["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{}}}
		}
		if o.path == "/api/v1/cases/{id}" || o.path == "/api/v1/cases/{id}/actions" || (o.path == "/api/v1/cases" && o.method == "post") {
			okDesc["content"] = map[string]any{"application/json": map[string]any{"schema": ref("Case")}}
		}
		resp := map[string]any{strconv.Itoa(o.ok): okDesc}
		for _, code := range []int{400, 401, 403, 404, 409, 413, 415, 422, 429} {
			resp[strconv.Itoa(code)] = map[string]any{"$ref": "#/components/responses/Problem"}
		}
		m := map[string]any{"summary": o.summary, "tags": []string{o.tag}, "responses": resp,
			"operationId": o.method + "_" + o.path}
		if params != nil {
			m["parameters"] = params
		}
		if o.auth {
			m["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		if o.body != "" {
			ct := "application/json"
			if o.body == "FeatureCollection" {
				ct = "application/geo+json"
			}
			m["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": ref(o.body)}}}
		}
		item[o.method] = m
	}
	statuses := make([]string, len(casework.Statuses))
	for i, st := range casework.Statuses {
		statuses[i] = string(st)
	}
	actions := []string{}
	for _, a := range casework.Actions() {
		if a != casework.ActOverdue {
			actions = append(actions, string(a))
		}
	}
	str := map[string]any{"type": "string"}
	num := map[string]any{"type": "number"}
	strs := map[string]any{"type": "array", "items": str}
	limit := map[string]any{"type": "object", "properties": map[string]any{"amount": num,
		"unit": map[string]any{"type": "string", "enum": []string{"working_hours", "working_days", "natural_hours"}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "CityLoop API", "version": "1",
			"description": "智慧城管平台 API: the urban-management closed loop on a unit grid. Errors are application/problem+json."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"responses": map[string]any{"Problem": map[string]any{"description": "A problem (RFC 9457)",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}},
			"schemas": map[string]any{
				"Problem": map[string]any{"type": "object", "properties": map[string]any{"type": str, "title": str,
					"status": map[string]any{"type": "integer"}, "detail": str, "instance": str, "request_id": str,
					"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object",
						"properties": map[string]any{"field": str, "message": str}}},
					"allowed_actions": strs}},
				"TokenRequest": map[string]any{"type": "object", "required": []string{"username", "password"},
					"properties": map[string]any{"username": str, "password": str}},
				"Report": map[string]any{"type": "object", "required": []string{"lng", "lat"}, "additionalProperties": false,
					"properties": map[string]any{
						"source":    map[string]any{"type": "string", "enum": []string{"patrol", "citizen", "hotline", "camera", "sensor", "partner", "leader"}},
						"category":  map[string]any{"type": "string", "description": "component:CCCC or event:CCCC — the prefix says which tree", "example": "event:0501"},
						"condition": map[string]any{"type": "integer"}, "description": str, "address": str,
						"lng": num, "lat": num, "crs": map[string]any{"type": "string", "enum": []string{"wgs84", "gcj02", "bd09"}},
						"photos": strs, "after_photos": strs, "reporter_name": str, "reporter_phone": str, "external_ref": str,
						"self_handled": map[string]any{"type": "boolean"}}},
				"Action": map[string]any{"type": "object", "required": []string{"action"}, "additionalProperties": false,
					"properties": map[string]any{
						"action": map[string]any{"type": "string", "enum": actions}, "note": str, "photos": strs,
						"lng": num, "lat": num, "crs": str, "department": str, "category": str,
						"condition": map[string]any{"type": "integer"}, "valid": map[string]any{"type": "boolean"},
						"passed": map[string]any{"type": "boolean"}, "into": str, "extra": limit,
						"satisfaction": map[string]any{"type": "string", "enum": []string{"satisfied", "basic", "unsatisfied"}},
						"version":      map[string]any{"type": "integer"}}},
				"Case": map[string]any{"type": "object", "properties": map[string]any{
					"id": str, "code": str, "status": map[string]any{"type": "string", "enum": statuses}, "status_name": str,
					"source": str, "category": str, "category_name": str, "lng": num, "lat": num, "grid": str,
					"community": str, "street": str, "district": str, "department": str, "suggested_department": str,
					"light":     map[string]any{"type": "string", "enum": []string{"green", "yellow", "red", ""}},
					"deadlines": map[string]any{"type": "object"}, "timeline": map[string]any{"type": "array"},
					"allowed_actions": strs, "version": map[string]any{"type": "integer"}}},
				"AccountRequest": map[string]any{"type": "object", "required": []string{"username", "name", "posts"},
					"properties": map[string]any{"username": str, "name": str, "password": str,
						"posts": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"post"},
							"properties": map[string]any{"post": str, "region": str, "department": str}}}}},
				"SubClass":          map[string]any{"type": "object"},
				"Department":        map[string]any{"type": "object"},
				"Rule":              map[string]any{"type": "object"},
				"FeatureCollection": map[string]any{"type": "object", "description": "GeoJSON; properties code, name, level, parent"},
			},
		},
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func pathParams(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] == '{' {
			j := i + 1
			for j < len(p) && p[j] != '}' {
				j++
			}
			out = append(out, p[i+1:j])
			i = j
		}
	}
	return out
}
