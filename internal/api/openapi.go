package api

import (
	"net/http"
	"strings"

	"cityloop/internal/casework"
	"cityloop/internal/httpkit"
)

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	return httpkit.WriteJSON(w, http.StatusOK, OpenAPI())
}

// OpenAPI builds the OpenAPI 3.1 document from the route table, so that
// every registered route is described: its parameters, request and
// response schemas, its auth and its error responses (problem+json).
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range (&Server{}).routes() {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operation(rt)
	}
	schemas := typeSchemas()
	for name, v := range handSchemas() {
		schemas[name] = v
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
			"schemas": merge(schemas, map[string]any{
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
				"FeatureCollection": map[string]any{"type": "object", "description": "GeoJSON; properties code, name, level, parent"},
			}),
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
