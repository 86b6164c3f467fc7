package server

import "net/http"

// routes is the whole HTTP surface. Paths mirror the original's API.
func (a *App) routes() []route {
	gen := "Generators"
	st := "Startup"
	cfg := "Generator configs"
	sc := "Scenarios"
	upload := a.Settings.Server.MaxUploadBytes
	e4 := []int{400, 401, 404, 413}
	return append([]route{
		{method: "GET", path: "/healthz", summary: "Liveness probe", tag: "Service", handler: a.healthz, response: "Health", public: true},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics (text exposition format)", tag: "Service", handler: a.metricsHandler, response: "text"},
		{method: "GET", path: "/api/openapi.json", summary: "This OpenAPI document", tag: "Service", handler: a.openapiHandler, response: "object", public: true},

		{method: "GET", path: "/api/generators/{$}", summary: "List generators with status and stats", tag: gen, handler: a.listGenerators, response: "GeneratorInfoList"},
		{method: "GET", path: "/api/generators/group-actions/stats-running", summary: "Stats of all running generators", tag: gen, handler: a.runningStats, response: "GeneratorStatsList"},
		{method: "POST", path: "/api/generators/group-actions/bulk-start", summary: "Start several generators", tag: gen, handler: a.bulkStart, body: "IDList", response: "BulkStartResponse", errors: []int{400, 413}},
		{method: "POST", path: "/api/generators/group-actions/bulk-stop", summary: "Stop several generators (gracefully)", tag: gen, handler: a.bulkStop, body: "IDList", errors: []int{400, 413}},
		{method: "POST", path: "/api/generators/group-actions/bulk-delete", summary: "Stop and remove several generators", tag: gen, handler: a.bulkDelete, body: "IDList", errors: []int{400, 413}},
		{method: "GET", path: "/api/generators/{id}", summary: "Generator parameters, status and stats", tag: gen, handler: a.getGenerator, response: "Generator", errors: []int{404}},
		{method: "POST", path: "/api/generators/{id}", summary: "Add a generator (not saved in the startup file)", tag: gen, handler: a.addGenerator, body: "Entry", status: http.StatusCreated, errors: []int{400, 403, 404, 409, 413, 422}},
		{method: "PUT", path: "/api/generators/{id}", summary: "Replace a stopped generator's parameters", tag: gen, handler: a.updateGenerator, body: "Entry", errors: []int{400, 403, 404, 413, 422}},
		{method: "DELETE", path: "/api/generators/{id}", summary: "Stop and remove a generator", tag: gen, handler: a.deleteGenerator, errors: []int{404}},
		{method: "GET", path: "/api/generators/{id}/status", summary: "Generator status", tag: gen, handler: a.generatorStatus, response: "Status", errors: []int{404}},
		{method: "POST", path: "/api/generators/{id}/start", summary: "Start a generator; answers whether it runs", tag: gen, handler: a.startGenerator, response: "boolean", errors: []int{404, 422}},
		{method: "POST", path: "/api/generators/{id}/stop", summary: "Stop a generator gracefully (outputs are flushed)", tag: gen, handler: a.stopGenerator, errors: []int{404}},
		{method: "POST", path: "/api/generators/{id}/restart", summary: "Stop and start a generator; answers whether it runs", tag: gen, handler: a.restartGenerator, response: "boolean", errors: []int{404, 422}},
		{method: "GET", path: "/api/generators/{id}/stats", summary: "Counters of the current (or last) run", tag: gen, handler: a.generatorStats, response: "GeneratorStats", errors: []int{400, 404}},

		{method: "GET", path: "/api/startup/{$}", summary: "Generators of the startup file (defaults filled in)", tag: st, handler: a.listStartup, response: "EntryList", errors: []int{422, 500}},
		{method: "POST", path: "/api/startup/group-actions/bulk-delete", summary: "Delete several entries of the startup file", tag: st, handler: a.bulkDeleteStartup, body: "IDList", response: "IDList", errors: []int{400, 413, 500}},
		{method: "GET", path: "/api/startup/{id}", summary: "One entry of the startup file", tag: st, handler: a.getStartup, response: "Entry", errors: []int{404, 422, 500}},
		{method: "POST", path: "/api/startup/{id}", summary: "Add an entry to the startup file (validated first)", tag: st, handler: a.addStartup, body: "Entry", status: http.StatusCreated, errors: []int{400, 403, 404, 409, 413, 422, 500}},
		{method: "PUT", path: "/api/startup/{id}", summary: "Replace an entry of the startup file (validated first)", tag: st, handler: a.updateStartup, body: "Entry", errors: []int{400, 403, 404, 413, 422, 500}},
		{method: "DELETE", path: "/api/startup/{id}", summary: "Delete an entry of the startup file", tag: st, handler: a.deleteStartup, errors: []int{404, 500}},

		{method: "GET", path: "/api/generator-configs/{$}", summary: "Generator directories (with ?extended=true: sizes, times, ids)", tag: cfg, handler: a.listConfigDirs, response: "array"},
		{method: "GET", path: "/api/generator-configs/{name}", summary: "A generator's config as JSON", tag: cfg, handler: a.getConfig, response: "object", errors: []int{403, 404, 422}},
		{method: "POST", path: "/api/generator-configs/{name}", summary: "Create a generator directory and config", tag: cfg, handler: a.createConfig, body: "object", status: http.StatusCreated, errors: []int{400, 403, 409, 413, 422}},
		{method: "PUT", path: "/api/generator-configs/{name}", summary: "Replace a generator's config", tag: cfg, handler: a.updateConfig, body: "object", errors: []int{400, 403, 404, 413, 422}},
		{method: "DELETE", path: "/api/generator-configs/{name}", summary: "Delete a generator directory", tag: cfg, handler: a.deleteConfigDir, errors: []int{403, 404, 409}},
		{method: "GET", path: "/api/generator-configs/{name}/path", summary: "Config file path relative to path.generators_dir", tag: cfg, handler: a.configPath, response: "string", errors: []int{403, 404}},
		{method: "GET", path: "/api/generator-configs/{name}/file-tree", summary: "Files of a generator directory", tag: cfg, handler: a.fileTree, response: "FileNodeList", errors: []int{403, 404}},
		{method: "GET", path: "/api/generator-configs/{name}/file/{path...}", summary: "Read a file of a generator directory", tag: cfg, handler: a.readFile, response: "binary", errors: []int{403, 404}},
		{method: "POST", path: "/api/generator-configs/{name}/file/{path...}", summary: "Create a file (raw body, or multipart field `content`)", tag: cfg, handler: a.createFile, body: "binary", status: http.StatusCreated, errors: []int{403, 404, 409, 413}, maxBody: upload},
		{method: "PUT", path: "/api/generator-configs/{name}/file/{path...}", summary: "Replace a file (raw body, or multipart field `content`)", tag: cfg, handler: a.putFile, body: "binary", errors: []int{403, 404, 413}, maxBody: upload},
		{method: "DELETE", path: "/api/generator-configs/{name}/file/{path...}", summary: "Delete a file or folder of a generator directory", tag: cfg, handler: a.deleteFile, errors: []int{403, 404}},

		{method: "GET", path: "/api/scenarios/{$}", summary: "Names of the scenarios (groups) of the startup file", tag: sc, handler: a.listScenarios, response: "IDList", errors: []int{422, 500}},
		{method: "GET", path: "/api/scenarios/{name}", summary: "A scenario's generators and how many run", tag: sc, handler: a.getScenario, response: "Scenario", errors: []int{404, 422, 500}},
		{method: "DELETE", path: "/api/scenarios/{name}", summary: "Delete a scenario (its name is removed from every startup entry)", tag: sc, handler: a.deleteScenario, errors: []int{404, 422, 500}},
		{method: "POST", path: "/api/scenarios/{name}/start", summary: "Start every generator of a scenario", tag: sc, handler: a.startScenario, response: "BulkStartResponse", errors: []int{404, 422, 500}},
		{method: "POST", path: "/api/scenarios/{name}/stop", summary: "Stop every generator of a scenario (gracefully)", tag: sc, handler: a.stopScenario, errors: []int{404, 422, 500}},
		{method: "POST", path: "/api/scenarios/{name}/generators/{generator_id}", summary: "Add a startup entry to a scenario", tag: sc, handler: a.addToScenario, status: http.StatusCreated, errors: []int{400, 404, 409, 500}},
		{method: "DELETE", path: "/api/scenarios/{name}/generators/{generator_id}", summary: "Remove a startup entry from a scenario", tag: sc, handler: a.removeFromScenario, errors: []int{404, 500}},
		{method: "GET", path: "/api/scenarios/{name}/globals", summary: "Contents of the globals store the generators share", tag: sc, handler: a.getGlobals, response: "object", errors: []int{404}},
		{method: "PATCH", path: "/api/scenarios/{name}/globals", summary: "Set keys of the shared globals store", tag: sc, handler: a.patchGlobals, body: "object", errors: []int{400, 404, 413, 422}},
		{method: "DELETE", path: "/api/scenarios/{name}/globals", summary: "Clear the shared globals store", tag: sc, handler: a.clearGlobals, errors: []int{404}},
		{method: "GET", path: "/api/scenarios/{name}/globals/{key}", summary: "One key of the shared globals store", tag: sc, handler: a.getGlobal, response: "object", errors: []int{404}},
		{method: "DELETE", path: "/api/scenarios/{name}/globals/{key}", summary: "Delete a key of the shared globals store", tag: sc, handler: a.deleteGlobal, errors: []int{404}},

		{method: "POST", path: "/api/generator-configs/{name}/file-makedir/{path...}", summary: "Create a directory (and its parents) in a generator directory", tag: cfg, handler: a.makeDir, status: http.StatusCreated, errors: []int{403, 404, 409}},
		{method: "POST", path: "/api/generator-configs/{name}/file-move", summary: "Move a file or folder (?source=, ?destination=; into destination when it is a folder)", tag: cfg, handler: a.moveFile, errors: []int{403, 404, 409}},
		{method: "POST", path: "/api/generator-configs/{name}/file-copy", summary: "Copy a file or folder (?source=, ?destination=)", tag: cfg, handler: a.copyFile, status: http.StatusCreated, errors: []int{403, 404, 409}},

		{method: "GET", path: "/api/secrets/{$}", summary: "Names of the stored secrets", tag: "Secrets", handler: a.listSecrets, response: "IDList", errors: []int{500}},
		{method: "GET", path: "/api/secrets/{name}", summary: "Whether a secret is stored (its value is never returned)", tag: "Secrets", handler: a.getSecret, response: "SecretInfo", errors: []int{400, 404, 500}},
		{method: "PUT", path: "/api/secrets/{name}", summary: "Store a secret (body: a JSON string)", tag: "Secrets", handler: a.putSecret, body: "string", errors: []int{400, 413, 500}},
		{method: "DELETE", path: "/api/secrets/{name}", summary: "Delete a secret", tag: "Secrets", handler: a.deleteSecret, errors: []int{400, 404, 500}},

		{method: "POST", path: "/api/preview/{$}", summary: "Render events for timestamps with an event plugin config fragment (no outputs)", tag: "Preview", handler: a.preview, body: "PreviewRequest", response: "PreviewResult", errors: e4},
		{method: "POST", path: "/api/preview/{name}/event-plugin/produce", summary: "Render events with a generator directory's event plugin (no outputs)", tag: "Preview", handler: a.preview, body: "PreviewRequest", response: "PreviewResult", errors: append(e4, 403, 422)},

		{method: "POST", path: "/api/preview/{name}/input-plugins/generate", summary: "Timestamps of a generator's inputs counted per span (the Studio's time-pattern chart); body: input plugin configs, or none for the directory's", tag: "Preview", handler: a.inputTimestamps, body: "InputPlugins", response: "AggregatedTimestamps", errors: append(e4, 403, 422)},
		{method: "POST", path: "/api/generator-configs/{name}/validate", summary: "Build a generator directory's config, plugins, templates and scripts without running it; problems with file, line and key", tag: cfg, handler: a.validateConfig, response: "Validation", errors: []int{403, 404}},

		{method: "POST", path: "/api/auth/login", summary: "Start a Studio session (cookie) from user and password or a token; answers the CSRF token", tag: "Auth", handler: a.login, body: "LoginRequest", response: "SessionInfo", errors: []int{400, 401, 429}, login: true},
		{method: "GET", path: "/api/auth/session", summary: "Whether this request is authenticated (and the session's CSRF token)", tag: "Auth", handler: a.sessionState, response: "SessionInfo", login: true},
		{method: "POST", path: "/api/auth/logout", summary: "End the Studio session", tag: "Auth", handler: a.logout},

		{method: "GET", path: "/api/instance/logs/{channel}", summary: "The application log as server-sent events (channel: main): recent records, then each new one", tag: "Instance", handler: a.streamLogs, response: "event-stream", errors: []int{404}, stream: true},
		{method: "POST", path: "/api/preview/{name}/event-plugin", summary: "Initialize an event plugin whose state (locals, shared, globals) lives from one produce call to the next", tag: "Preview", handler: a.initPreviewPlugin, body: "PreviewInit", status: http.StatusCreated, errors: append(e4, 403, 422)},
		{method: "DELETE", path: "/api/preview/{name}/event-plugin", summary: "Release an initialized event plugin", tag: "Preview", handler: a.releasePreviewPlugin, errors: []int{404}},
		{method: "POST", path: "/api/preview/{name}/formatter/format", summary: "Format events with a formatter config, as an output would", tag: "Preview", handler: a.formatEvents, body: "FormatRequest", response: "FormatResult", errors: append(e4, 403, 422)},

		{method: "GET", path: "/api/instance/info", summary: "Application and host information", tag: "Instance", handler: a.instanceInfo, response: "object"},
		{method: "GET", path: "/api/instance/settings", summary: "Application settings (credentials left out)", tag: "Instance", handler: a.instanceSettings, response: "object"},
		{method: "PUT", path: "/api/instance/settings", summary: "Validate settings and write them to the application config file (applied on restart; credentials kept unless given)", tag: "Instance", handler: a.putSettings, body: "object", errors: []int{400, 409, 413, 422, 500}},
		{method: "POST", path: "/api/instance/stop", summary: "Stop the application gracefully", tag: "Instance", handler: a.instanceStop},
		{method: "POST", path: "/api/instance/restart", summary: "Stop every generator and load the startup file again", tag: "Instance", handler: a.instanceRestart, errors: []int{500}},
	}, a.stateRoutes()...)
}
