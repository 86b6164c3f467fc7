package server

import (
	"net/http"
	"strconv"
	"strings"
)

// openapiHandler serves an OpenAPI 3.1 document built from the route
// table, so it cannot drift from what is served.
func (a *App) openapiHandler(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.openapi())
}

func (a *App) openapi() map[string]any {
	paths := map[string]any{}
	for _, rt := range a.routes() {
		p := strings.TrimSuffix(rt.path, "{$}")
		p = strings.ReplaceAll(p, "...}", "}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":     rt.summary,
			"tags":        []string{rt.tag},
			"operationId": operationID(rt),
		}
		var params []any
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params = append(params, map[string]any{
					"name": seg[1 : len(seg)-1], "in": "path", "required": true, "schema": map[string]any{"type": "string"},
				})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.body != "" {
			c := content(rt.body)
			if rt.body == "binary" { // uploads: raw, or the original's form
				c["multipart/form-data"] = map[string]any{"schema": map[string]any{"type": "object", "required": []string{"content"},
					"properties": map[string]any{"content": map[string]any{"type": "string", "format": "binary"}}}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": c}
		}
		ok := rt.status
		if ok == 0 {
			ok = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(ok)}
		if rt.response != "" {
			resp["content"] = content(rt.response)
		}
		responses := map[string]any{strconv.Itoa(ok): resp}
		errs := rt.errors
		if !rt.public { // the checks of guard.go: Host, credentials, failed logins
			errs = append(append([]int(nil), errs...), http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
			if stateChanging(rt.method) { // Origin, Content-Type
				errs = append(errs, http.StatusUnsupportedMediaType)
			}
		}
		for _, code := range errs {
			responses[strconv.Itoa(code)] = map[string]any{
				"description": http.StatusText(code),
				"content":     content("Error"),
			}
		}
		op["responses"] = responses
		if rt.public {
			op["security"] = []any{}
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Eventum API",
			"version":     a.version,
			"description": "Manage generators, the startup file, generator configs and secrets of an `eventum run` instance.",
			"license":     map[string]any{"name": "Apache 2.0"},
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas(),
			"securitySchemes": map[string]any{
				"basic":  map[string]any{"type": "http", "scheme": "basic"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
		"security": []any{map[string]any{"basic": []any{}}, map[string]any{"bearer": []any{}}},
	}
}

func operationID(rt route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.method))
	for _, seg := range strings.Split(rt.path, "/") {
		seg = strings.Trim(seg, "{}$.")
		if seg == "" || seg == "api" {
			continue
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func content(schema string) map[string]any {
	switch schema {
	case "binary":
		return map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	case "event-stream":
		return map[string]any{"text/event-stream": map[string]any{"schema": map[string]any{"type": "string"}}}
	case "text":
		return map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	case "object", "array", "string", "boolean":
		return map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": schema}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + schema}}}
}

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
	number  = map[string]any{"type": "number"}
	anyObj  = map[string]any{"type": "object"}
	dtime   = map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
)

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
func list(items any) map[string]any  { return map[string]any{"type": "array", "items": items} }

func schemas() map[string]any {
	lag := obj(map[string]any{"count": integer, "p50_ns": integer, "p99_ns": integer, "max_ns": integer})
	snapshot := obj(map[string]any{
		"timestamps": integer, "skipped_past": integer, "produced": integer, "produce_failed": integer, "dropped": integer,
		"outputs": list(obj(map[string]any{"name": str, "written": integer, "write_failed": integer, "format_failed": integer})),
		"lag":     lag,
	})
	status := obj(map[string]any{
		"state":           map[string]any{"type": "string", "enum": []string{"stopped", "starting", "running", "stopping", "finished", "failed"}},
		"is_initializing": boolean, "is_running": boolean, "is_ended_up": boolean, "is_ended_up_successfully": boolean,
		"is_stopping": boolean, "started_at": dtime, "ended_at": dtime, "error": str,
	})
	entry := obj(map[string]any{
		"id": str, "path": str, "autostart": boolean, "live_mode": boolean, "skip_past": boolean, "params": anyObj,
		"timezone": str, "batch": obj(map[string]any{"size": integer, "delay": number}),
		"queue":      obj(map[string]any{"max_timestamp_batches": integer, "max_event_batches": integer, "max_event_bytes": integer}),
		"keep_order": boolean, "max_concurrency": integer, "write_timeout": number, "scenarios": list(str), "workers": integer,
	}, "path")
	return map[string]any{
		"Error":     obj(map[string]any{"error": str, "details": map[string]any{}}, "error", "details"),
		"Health":    obj(map[string]any{"status": str}),
		"IDList":    list(str),
		"Status":    status,
		"Snapshot":  snapshot,
		"Entry":     entry,
		"EntryList": list(ref("Entry")),
		"GeneratorInfo": obj(map[string]any{
			"id": str, "path": str, "status": ref("Status"), "start_time": dtime, "stats": ref("Snapshot"),
		}),
		"GeneratorInfoList": list(ref("GeneratorInfo")),
		"Generator":         map[string]any{"allOf": []any{ref("Entry"), obj(map[string]any{"status": ref("Status"), "stats": ref("Snapshot")})}},
		"GeneratorStats": obj(map[string]any{
			"id": str, "start_time": dtime, "state": str, "timestamps": integer, "skipped_past": integer,
			"event":  obj(map[string]any{"produced": integer, "produce_failed": integer, "dropped": integer}),
			"output": list(obj(map[string]any{"plugin_name": str, "plugin_id": integer, "written": integer, "write_failed": integer, "format_failed": integer})),
			"lag":    lag,
		}),
		"GeneratorStatsList": list(ref("GeneratorStats")),
		"BulkStartResponse":  obj(map[string]any{"running_generator_ids": list(str), "non_running_generator_ids": list(str)}),
		"SecretInfo":         obj(map[string]any{"name": str, "stored": boolean}),
		"FileNode":           obj(map[string]any{"name": str, "is_dir": boolean, "children": list(ref("FileNode"))}),
		"FileNodeList":       list(ref("FileNode")),
		"PreviewRequest": map[string]any{"oneOf": []any{
			list(ref("ProduceParams")),
			obj(map[string]any{"event": anyObj, "params": anyObj, "timezone": str, "timestamps": list(ref("ProduceParams"))}),
		}},
		"InputPlugins": map[string]any{"type": []string{"array", "null"}, "items": anyObj},
		"AggregatedTimestamps": obj(map[string]any{
			"span_edges": list(dtime), "span_seconds": number, "span_counts": map[string]any{"type": "object", "additionalProperties": list(integer)},
			"labels": list(str), "total": integer, "first_timestamps": dtime, "last_timestamps": dtime, "truncated": boolean,
		}),
		"Validation":    obj(map[string]any{"ok": boolean, "problems": list(ref("Problem"))}),
		"Problem":       obj(map[string]any{"file": str, "line": integer, "col": integer, "key": str, "message": str}, "message"),
		"LoginRequest":  obj(map[string]any{"user": str, "password": str, "token": str}),
		"SessionInfo":   obj(map[string]any{"auth_required": boolean, "authenticated": boolean, "user": str, "csrf_token": str}),
		"ProduceParams": obj(map[string]any{"timestamp": map[string]any{"type": []string{"string", "number"}}, "tags": list(str)}),
		"PreviewResult": obj(map[string]any{
			"events":    list(str),
			"errors":    list(obj(map[string]any{"index": integer, "message": str, "context": anyObj})),
			"exhausted": boolean,
		}),
	}
}
