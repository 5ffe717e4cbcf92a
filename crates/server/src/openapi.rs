//! The OpenAPI 3 description of the API, built from the router's own route
//! table (`api::ROUTES`) plus the request and response shapes below, so a
//! route cannot exist without being described.

use serde_json::{json, Map, Value};

use crate::api::{MAX_PAGE, ROUTES};

/// A collection or artifact name (`artisync_model::Name`).
const NAME: &str = "^[a-z0-9][a-z0-9._-]{0,63}$";

/// A path inside an artifact (`artisync_model::RelPath`): components
/// without '/', '\\' or NUL, none of them '.' or '..'.
const RELPATH: &str = r"^(?!\.{1,2}(/|$))[^/\\\x00]+(/(?!\.{1,2}(/|$))[^/\\\x00]+)*/*$";

fn op(method: &str, path: &str) -> Value {
    let (summary, body, ok, ok_schema): (&str, Option<&str>, &str, &str) = match (method, path) {
        ("post", "/api/v1/sync/jobs") => (
            "Start a sync job",
            Some("SyncJobRequest"),
            "202",
            "JobAccepted",
        ),
        ("get", "/api/v1/sync/jobs") => {
            ("Recent jobs, filterable by state", None, "200", "JobList")
        }
        ("get", "/api/v1/sync/jobs/{id}") => {
            ("One job: state, progress, results, log", None, "200", "Job")
        }
        ("post", "/api/v1/sync/jobs/{id}/cancel") => {
            ("Cancel a queued or running job", None, "200", "Job")
        }
        ("get", "/api/v1/events") => (
            "Job events as Server-Sent Events (resumable with Last-Event-ID)",
            None,
            "200",
            "EventStream",
        ),
        ("get", "/api/v1/artifacts") => (
            "Artifacts with their per-tier status",
            None,
            "200",
            "StatusReport",
        ),
        ("get", "/api/v1/artifacts/{id}") => (
            "One artifact: metadata, source, status",
            None,
            "200",
            "ArtifactDetail",
        ),
        ("get", "/api/v1/artifacts/{id}/versions") => {
            ("Every version side by side", None, "200", "Versions")
        }
        ("get", "/api/v1/artifacts/{id}/diff") => (
            "Structured diff of two tiers, paged by file",
            None,
            "200",
            "Diff",
        ),
        ("get", "/api/v1/artifacts/{id}/file") => (
            "One file of one tier's version (downloads)",
            None,
            "200",
            "Binary",
        ),
        ("get", "/api/v1/artifacts/{id}/conflict") => (
            "A staged conflict with every file's versions",
            None,
            "200",
            "Conflict",
        ),
        ("post", "/api/v1/sync/resolve") => (
            "Resolve a staged conflict per file",
            Some("ResolveRequest"),
            "200",
            "ResolveReport",
        ),
        ("post", "/api/v1/sync/patch") => (
            "Start a project → upstream patch export",
            Some("PatchRequest"),
            "202",
            "JobAccepted",
        ),
        ("post", "/api/v1/sync/update") => (
            "Update everything behind: the collection from its upstreams, then each project from the collection, for every copy that only lags its source",
            Some("UpdateRequest"),
            "202",
            "JobAccepted",
        ),
        ("post", "/api/v1/collection/pull") => (
            "Fetch the collection's git remote and merge it in, as a job (conflicts are staged)",
            Some("CollectionRequest"),
            "202",
            "JobAccepted",
        ),
        ("post", "/api/v1/collection/push") => (
            "Push the collection to its git remote (fast-forward only), as a job",
            Some("CollectionRequest"),
            "202",
            "JobAccepted",
        ),
        ("post", "/api/v1/fetch") => (
            "Refresh the upstream cache as a job; nothing else changes",
            Some("FetchRequest"),
            "202",
            "JobAccepted",
        ),
        ("get", "/api/v1/patches/{id}") => ("Download a patch bundle", None, "200", "Binary"),
        ("get", "/api/v1/undo") => (
            "What undo would restore, without restoring it",
            None,
            "200",
            "UndoPreview",
        ),
        ("post", "/api/v1/undo") => (
            "Restore the content before the last write",
            Some("UndoRequest"),
            "200",
            "UndoReport",
        ),
        ("get", "/api/v1/projects") => ("Registered projects", None, "200", "ProjectList"),
        ("post", "/api/v1/projects") => (
            "Register a project",
            Some("ProjectRequest"),
            "201",
            "ProjectAdded",
        ),
        ("get", "/api/v1/install") => (
            "How a project's copies compare with its lockfile; writes nothing",
            None,
            "200",
            "InstallCheck",
        ),
        ("post", "/api/v1/install") => (
            "Recreate every copy of a project's lockfile at its locked content",
            Some("InstallRequest"),
            "200",
            "InstallReport",
        ),
        ("get", "/api/v1/openapi.json") => ("This document", None, "200", "Object"),
        ("get", "/metrics") => ("Prometheus metrics", None, "200", "Text"),
        ("get", "/login") => (
            "Exchange a one-time login code for a session cookie",
            None,
            "303",
            "Text",
        ),
        _ => ("", None, "200", "Object"),
    };
    let mut params = Vec::new();
    if path.starts_with("/api/v1/artifacts/{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
            "schema": {"$ref": "#/components/schemas/ArtifactId"}, "description": "an artifact id (kind:name)"}));
    } else if path.contains("{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
            "schema": {"$ref": "#/components/schemas/JobId"}, "description": "a job id"}));
    }
    let query: &[(&str, &str)] = match path {
        "/api/v1/sync/jobs" if method == "get" => &[
            ("state", "only jobs in this state"),
            ("limit", "at most this many"),
        ],
        "/api/v1/events" => &[
            ("since", "replay events after this id"),
            ("job_id", "only this job's events"),
        ],
        "/api/v1/artifacts" | "/api/v1/artifacts/{id}" | "/api/v1/artifacts/{id}/versions" => &[
            (
                "project_path",
                "a registered project or one under an allowed root",
            ),
            ("collection", "collection name"),
        ],
        "/api/v1/artifacts/{id}/conflict" => &[
            (
                "project_path",
                "a registered project or one under an allowed root",
            ),
            (
                "target",
                "the project copy's target (default: the project's only conflicted copy)",
            ),
            ("collection", "collection name"),
        ],
        "/api/v1/artifacts/{id}/diff" => &[
            ("lhs", "upstream, collection or project"),
            ("rhs", "upstream, collection or project"),
            ("project_path", "needed for the project tier"),
            (
                "target",
                "the project copy's target (default: the project's first)",
            ),
            ("collection", "collection name"),
            ("page", "1-based page of files"),
            ("per_page", "files per page (1-1000)"),
            (
                "whitespace",
                "show (default) or ignore: lines differing only in whitespace are unchanged",
            ),
        ],
        "/api/v1/artifacts/{id}/file" => &[
            ("tier", "upstream, collection or project"),
            ("path", "the file's path in the artifact"),
            ("project_path", "needed for the project tier"),
            (
                "target",
                "the project copy's target (default: the project's first)",
            ),
            ("collection", "collection name"),
        ],
        "/api/v1/undo" if method == "get" => &[
            (
                "artifact",
                "the artifact (default: the last one written there)",
            ),
            ("project_path", "a project (default: the collection)"),
            (
                "target",
                "the project copy's target (default: the project's first)",
            ),
            ("collection", "collection name"),
        ],
        "/api/v1/install" if method == "get" => &[
            ("project_path", "the project whose lockfile to compare"),
            ("collection", "collection name"),
        ],
        "/login" => &[("code", "the one-time code serve printed")],
        _ => &[],
    };
    for (name, d) in query {
        params.push(json!({"name": name, "in": "query", "required": matches!(*name, "lhs" | "rhs" | "tier" | "path") || (*name == "project_path" && path == "/api/v1/install"),
            "schema": query_schema(name), "description": d}));
    }
    let creates_job = method == "post"
        && matches!(
            path,
            "/api/v1/sync/jobs"
                | "/api/v1/sync/patch"
                | "/api/v1/sync/update"
                | "/api/v1/fetch"
                | "/api/v1/collection/pull"
                | "/api/v1/collection/push"
        );
    if creates_job {
        // 1-200 visible ASCII characters, no surrounding blanks.
        params.push(
            json!({"name": "Idempotency-Key", "in": "header", "required": false,
            "schema": {"type": "string", "pattern": "^[!-~]([ -~]{0,198}[!-~])?$"},
            "description": "repeating a request with the same key returns the same job"}),
        );
    }
    let content = match ok_schema {
        "Binary" => {
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
        }
        "Text" => json!({"text/plain": {"schema": {"type": "string"}}}),
        "EventStream" => {
            json!({"text/event-stream": {"schema": {"type": "object", "required": ["id", "event", "data"],
            "description": "one event: id is its place in the job store (send it back as Last-Event-ID), data a JSON object",
            "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}, "event": {"type": "string"}, "data": {"type": "string"}}}}})
        }
        "Object" => json!({"application/json": {"schema": {"type": "object"}}}),
        s => json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}),
    };
    let error = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    match (method, path) {
        // Registering a project again is not an error: 200 and added=false.
        ("post", "/api/v1/projects") => {
            responses.insert(
                "201".into(),
                json!({"description": "registered", "content": content}),
            );
            responses.insert(
                "200".into(),
                json!({"description": "already registered", "content": content}),
            );
        }
        ("get", "/login") => {
            responses.insert("303".into(), json!({"description": "logged in: sets the session cookie and redirects to the UI",
                "headers": {"Set-Cookie": {"schema": {"type": "string"}}, "Location": {"schema": {"type": "string"}}}}));
            responses.insert(
                "401".into(),
                json!({"description": "the code is missing, unknown or used",
                "content": {"text/html": {"schema": {"type": "string"}}}}),
            );
        }
        _ => {
            responses.insert(
                ok.into(),
                json!({"description": summary, "content": content}),
            );
        }
    }
    for (code, d) in [
        ("400", "bad input"),
        ("401", "missing or invalid credentials"),
        ("403", "foreign Host or Origin, or a refused path"),
        ("404", "not found"),
        ("409", "conflicts with a job's state"),
        ("413", "body too large"),
        ("415", "the body is not sent as application/json"),
        ("422", "invalid request"),
    ] {
        // Only routes that read a JSON body answer 415 and 413; /login
        // answers HTML.
        if (code == "415" || code == "413") && body.is_none() || code == "401" && path == "/login" {
            continue;
        }
        responses.insert(code.into(), error(d));
    }
    let mut o = json!({
        "summary": summary,
        "operationId": format!("{method}_{}", path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
        "parameters": params,
        "responses": responses,
    });
    if let (Some(b), Value::Object(m)) = (body, &mut o) {
        m.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}}),
        );
    }
    if !path.starts_with("/api/") {
        if let Value::Object(m) = &mut o {
            m.insert("security".into(), json!([]));
        }
    }
    o
}

/// The schema of a query parameter, as strict as the handler that reads it.
fn query_schema(name: &str) -> Value {
    match name {
        "state" => json!({"$ref": "#/components/schemas/JobState"}),
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": 500}),
        "since" => json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
        "page" => json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        "per_page" => json!({"type": "integer", "minimum": 1, "maximum": 1000}),
        "project_path" => json!({"$ref": "#/components/schemas/ProjectPath"}),
        "target" => json!({"$ref": "#/components/schemas/Target"}),
        "collection" => json!({"$ref": "#/components/schemas/Name"}),
        "lhs" | "rhs" | "tier" => json!({"$ref": "#/components/schemas/Tier"}),
        "artifact" => json!({"$ref": "#/components/schemas/ArtifactId"}),
        "path" => json!({"$ref": "#/components/schemas/RelPath"}),
        "whitespace" => json!({"type": "string", "enum": ["show", "ignore"], "default": "show"}),
        _ => json!({"type": "string"}),
    }
}

fn schemas() -> Value {
    let s = |v: Value| v;
    let string = json!({"type": "string"});
    let hash = json!({"type": "string", "pattern": "^[0-9a-f]{40}$", "nullable": true});
    // Optional fields accept an explicit null as "not given".
    let opt = |v: Value| {
        let mut v = v;
        if let Value::Object(m) = &mut v {
            m.insert("nullable".into(), Value::Bool(true));
        }
        v
    };
    let id = json!({"$ref": "#/components/schemas/ArtifactId"});
    let ids = json!({"type": "array", "items": {"$ref": "#/components/schemas/ArtifactId"}});
    let project = json!({"$ref": "#/components/schemas/ProjectPath"});
    let opt_project =
        json!({"allOf": [{"$ref": "#/components/schemas/ProjectPath"}], "nullable": true});
    let opt_collection =
        json!({"allOf": [{"$ref": "#/components/schemas/Name"}], "nullable": true});
    let opt_target = json!({"allOf": [{"$ref": "#/components/schemas/Target"}], "nullable": true});
    let opt_strategy =
        json!({"allOf": [{"$ref": "#/components/schemas/Strategy"}], "nullable": true});
    let strategies = json!({"type": "object", "description": "per-artifact strategy; keys must be among artifacts when artifacts is given",
        "additionalProperties": {"$ref": "#/components/schemas/Strategy"}});
    let flag = json!({"type": "boolean"});
    json!({
        "Name": {"type": "string", "pattern": NAME, "description": "1-64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit"},
        "ArtifactId": {"type": "string", "pattern": format!("^(skill|command|agent):{}", &NAME[1..]), "example": "skill:pdf"},
        "JobId": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"},
        "ProjectPath": {"type": "string", "pattern": "^/", "description": "an absolute path without '..': a registered project or a directory under an allowed root"},
        "Tier": {"type": "string", "enum": ["upstream", "collection", "project"]},
        "RelPath": {"type": "string", "pattern": RELPATH, "description": "a relative path inside the artifact, without '.' or '..' components"},
        "Error": s(json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
            "required": ["code", "message", "trace_id"],
            "properties": {"code": string, "message": string, "trace_id": string}}}})),
        "Direction": {"type": "string", "enum": ["upstream_to_collection", "collection_to_project", "project_to_collection", "project_to_upstream"]},
        "Strategy": {"type": "string", "enum": ["auto", "ours", "theirs"]},
        "Target": {"type": "string", "enum": ["claude", "agents", "codex", "gemini", "opencode", "copilot", "cursor"],
            "description": "a layout agents read: claude (.claude/skills, commands, agents), agents (.agents/skills), codex (.codex/skills), gemini (.gemini/skills), opencode (.opencode/skills), copilot (.github/skills), cursor (.cursor/skills); where absent from a payload, claude"},
        "Status": {"type": "string", "enum": ["in_sync", "behind", "ahead", "diverged", "missing", "untracked", "conflict"]},
        "Outcome": {"type": "string", "enum": ["updated", "merged", "unchanged", "conflict", "skipped", "error"]},
        "JobState": {"type": "string", "enum": ["queued", "running", "success", "conflict", "error", "cancelled"]},
        "SyncJobRequest": {"description": "upstream_to_collection takes no project_path; the project directions need one. project_to_upstream is POST /api/v1/sync/patch.",
            "oneOf": [
            {"type": "object", "required": ["direction"], "additionalProperties": false, "properties": {
                "direction": {"type": "string", "enum": ["upstream_to_collection"]},
                "artifacts": ids, "collection": opt_collection, "strategy": opt_strategy, "strategies": strategies,
                "dry_run": flag, "yes": {"type": "boolean", "description": "confirms choices that discard changes and an incoming change with high audit findings"}}},
            {"type": "object", "required": ["direction", "project_path"], "additionalProperties": false, "properties": {
                "direction": {"type": "string", "enum": ["collection_to_project", "project_to_collection"]},
                "project_path": project, "artifacts": ids, "collection": opt_collection, "strategy": opt_strategy,
                "target": {"allOf": [{"$ref": "#/components/schemas/Target"}], "nullable": true,
                    "description": "the project copy; default: every target of the project from the collection, its first towards the collection"},
                "strategies": strategies, "dry_run": flag,
                "yes": {"type": "boolean", "description": "confirms choices that discard changes"}}}]},
        "JobRequest": {"type": "object", "required": ["direction"], "properties": {
            "direction": {"type": "string", "description": "a sync's direction; for other jobs their kind (fetch, update, pull, push)"},
            "artifacts": {"type": "array", "items": string}, "project_path": string,
            "target": {"$ref": "#/components/schemas/Target"},
            "projects": {"type": "array", "items": string}, "collection": string,
            "strategy": {"$ref": "#/components/schemas/Strategy"},
            "strategies": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Strategy"}},
            "dry_run": flag, "yes": flag, "format": {"type": "string", "enum": ["zip", "tar.gz", "mbox"]}}},
        "JobAccepted": {"type": "object", "required": ["job_id", "state", "trace_id"], "properties": {
            "job_id": string, "state": {"$ref": "#/components/schemas/JobState"}, "trace_id": string}},
        "ArtifactResult": {"type": "object", "properties": {
            "id": string, "target": {"$ref": "#/components/schemas/Target"}, "outcome": {"$ref": "#/components/schemas/Outcome"}, "strategy": {"$ref": "#/components/schemas/Strategy"},
            "from": hash, "to": hash,
            "files": {"type": "array", "items": {"type": "object", "properties": {"path": string, "change": string}}},
            "conflicts": {"type": "array", "items": {"type": "object", "properties": {"path": string, "kind": string}}},
            "destructive": string, "message": string,
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/AuditFinding"},
                "description": "upstream_to_collection: what the audit finds in the incoming change, less suppressed findings; a high one makes a run without yes fail with nothing written"},
            "direction": {"allOf": [{"$ref": "#/components/schemas/Direction"}], "description": "update jobs: the step this result belongs to"},
            "project": {"type": "string", "nullable": true, "description": "update jobs: the project of a project step"},
            "status": {"allOf": [{"$ref": "#/components/schemas/Status"}], "description": "update jobs: why a copy was held back"}}},
        "Job": {"type": "object", "required": ["id", "state", "direction"], "properties": {
            "id": string, "kind": {"type": "string", "enum": ["sync", "patch", "fetch", "update", "pull", "push"]}, "direction": string,
            "request": {"$ref": "#/components/schemas/JobRequest"},
            "state": {"$ref": "#/components/schemas/JobState"}, "origin": {"type": "string", "enum": ["cli", "api"]},
            "done": {"type": "integer"}, "total": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/ArtifactResult"}},
            "report": {"type": "object", "nullable": true}, "error": {"type": "string", "nullable": true},
            "log": {"type": "array", "items": string}, "trace_id": string,
            "created_at": string, "started_at": {"type": "string", "nullable": true},
            "finished_at": {"type": "string", "nullable": true}, "duration_ms": {"type": "integer", "nullable": true}}},
        "JobList": {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}},
        "ProjectState": {"type": "object", "properties": {"path": string, "target": {"$ref": "#/components/schemas/Target"}, "status": {"$ref": "#/components/schemas/Status"},
            "hash": hash, "deployed_hash": hash, "deployed_at": {"type": "string", "nullable": true}}},
        "UpstreamState": {"type": "object", "properties": {"status": {"$ref": "#/components/schemas/Status"}, "hash": hash,
            "commit": hash, "ref": string, "source": string, "repository": string, "fetched_at": string, "synced_commit": hash, "synced_hash": hash, "note": string}},
        "ArtifactStatus": {"type": "object", "properties": {"id": string, "kind": string, "name": string,
            "collection": {"type": "object", "properties": {"hash": hash}},
            "upstream": {"$ref": "#/components/schemas/UpstreamState"},
            "projects": {"type": "array", "items": {"$ref": "#/components/schemas/ProjectState"}}}},
        "RemotePosition": {"type": "object", "required": ["url", "branch", "ahead", "behind", "fetched"], "properties": {
            "url": string, "branch": string,
            "ahead": {"type": "integer", "description": "commits here the remote lacks"},
            "behind": {"type": "integer", "description": "commits of the remote, as last fetched, this collection lacks"},
            "fetched": {"type": "boolean", "description": "whether the remote's branch was ever fetched or pushed"}}},
        "StatusReport": {"type": "object", "properties": {"collection": string,
            "remote": {"$ref": "#/components/schemas/RemotePosition"},
            "artifacts": {"type": "array", "items": {"$ref": "#/components/schemas/ArtifactStatus"}},
            "untracked": {"type": "array", "items": {"type": "object"}}, "warnings": {"type": "array", "items": string}}},
        "ArtifactInfo": {"type": "object", "properties": {"id": string, "kind": string, "name": string,
            "collection": string, "path": string, "hash": hash, "metadata": {"type": "object"},
            "files": {"type": "integer"}, "size": {"type": "integer"},
            "source": {"type": "string", "nullable": true}, "ref": {"type": "string", "nullable": true},
            "upstream_commit": hash, "upstream_hash": hash, "synced_at": {"type": "string", "nullable": true},
            "marketplace": {"type": "string", "description": "The plugin marketplace spec it was imported through; absent otherwise"},
            "plugin": {"type": "string", "description": "The marketplace plugin it belongs to; absent otherwise"}}},
        "ArtifactDetail": {"type": "object", "properties": {"artifact": {"$ref": "#/components/schemas/ArtifactInfo"}, "status": {"$ref": "#/components/schemas/ArtifactStatus"}}},
        "Versions": {"type": "object", "properties": {"id": string, "upstream": {"type": "object", "nullable": true},
            "collection": {"type": "object"}, "projects": {"type": "array", "items": {"$ref": "#/components/schemas/ProjectState"}}}},
        "DiffLine": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["context", "added", "removed"]},
            "old_line": {"type": "integer"}, "new_line": {"type": "integer"}, "text": string,
            "eol": {"type": "string", "enum": ["lf", "crlf", "none"]},
            "spans": {"type": "array", "items": {"type": "object", "properties": {"text": string, "changed": {"type": "boolean"}}}}}},
        "DiffFile": {"type": "object", "properties": {"path": string, "old_path": string,
            "status": {"type": "string", "enum": ["added", "deleted", "modified", "renamed"]}, "binary": {"type": "boolean"},
            "old_size": {"type": "integer"}, "new_size": {"type": "integer"}, "added": {"type": "integer"}, "removed": {"type": "integer"},
            "too_large": {"type": "boolean"},
            "hunks": {"type": "array", "items": {"type": "object", "properties": {"old_start": {"type": "integer"},
                "old_lines": {"type": "integer"}, "new_start": {"type": "integer"}, "new_lines": {"type": "integer"},
                "lines": {"type": "array", "items": {"$ref": "#/components/schemas/DiffLine"}}}}},
            "downloads": {"type": "object", "properties": {"old": {"type": "string", "nullable": true}, "new": {"type": "string", "nullable": true}}}}},
        "Diff": {"type": "object", "properties": {"id": string, "lhs": {"type": "object"}, "rhs": {"type": "object"},
            "stats": {"type": "object", "properties": {"files": {"type": "integer"}, "added": {"type": "integer"}, "removed": {"type": "integer"}}},
            "files": {"type": "array", "items": {"$ref": "#/components/schemas/DiffFile"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "pages": {"type": "integer"}, "total_files": {"type": "integer"},
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/AuditFinding"},
                "description": "with rhs=upstream: what the audit finds in the change (every page; lines are of the right side), less suppressed findings"}}},
        "AuditFinding": {"type": "object", "required": ["rule", "severity", "file", "excerpt", "message", "fingerprint"], "properties": {
            "rule": {"type": "string", "enum": ["hidden-unicode", "invisible-char", "exfiltration", "sensitive-path", "prompt-injection", "role-override", "command-hook", "executable", "script"]},
            "severity": {"type": "string", "enum": ["high", "medium", "low"]},
            "file": {"$ref": "#/components/schemas/RelPath"},
            "line": {"type": "integer", "minimum": 1, "description": "1-based, in the new file; absent for a finding about the whole file"},
            "excerpt": {"type": "string", "description": "the flagged line, shortened, with control and invisible characters written as \\u{...}"},
            "message": string,
            "fingerprint": {"type": "string", "description": "short git blob id of the flagged line (or file); a suppression in artisync.toml matches it"}}},
        "Conflict": {"type": "object", "properties": {"id": string, "direction": string, "created_at": string,
            "files": {"type": "array", "items": {"type": "object", "properties": {"path": string, "kind": string,
                "base": {"type": "string", "nullable": true}, "ours": {"type": "string", "nullable": true},
                "theirs": {"type": "string", "nullable": true}, "merged": {"type": "string", "nullable": true}}}}}},
        "ResolveRequest": {"type": "object", "required": ["artifact"], "additionalProperties": false, "properties": {
            "artifact": id, "project_path": opt_project, "collection": opt_collection,
            "target": opt_target,
            "all": opt(json!({"type": "string", "enum": ["ours", "theirs"]})),
            "files": {"type": "object", "description": "keys are paths inside the artifact (RelPath)", "additionalProperties": {"oneOf": [
                {"type": "string", "enum": ["ours", "theirs"]},
                {"type": "object", "required": ["edited"], "properties": {"edited": string}}]}}}},
        "ResolveReport": {"type": "object", "properties": {"id": string, "hash": hash, "files": {"type": "array", "items": {"type": "object"}}}},
        "PatchRequest": {"type": "object", "required": ["artifact", "project_path"], "additionalProperties": false, "properties": {
            "artifact": id, "project_path": project, "collection": opt_collection,
            "target": opt_target,
            "format": opt(json!({"type": "string", "enum": ["zip", "tar.gz", "mbox"]}))}},
        "UpdateRequest": {"type": "object", "additionalProperties": false, "properties": {
            "artifacts": {"type": "array", "items": id, "description": "every artifact when empty"},
            "projects": {"type": "array", "items": project, "description": "every project when empty"},
            "collection": opt_collection, "dry_run": flag}},
        "CollectionRequest": {"type": "object", "additionalProperties": false, "properties": {"collection": opt_collection,
            "yes": {"type": "boolean", "description": "pull: confirms high audit findings in what the remote changed"}}},
        "FetchRequest": {"type": "object", "additionalProperties": false, "properties": {
            "artifacts": {"type": "array", "items": id, "description": "every upstream when empty"},
            "collection": opt_collection}},
        "UndoRequest": {"type": "object", "additionalProperties": false, "properties": {
            "artifact": {"allOf": [{"$ref": "#/components/schemas/ArtifactId"}], "nullable": true},
            "project_path": opt_project, "collection": opt_collection,
            "target": opt_target,
            "seq": {"type": "integer", "minimum": 0, "maximum": i64::MAX, "nullable": true,
                "description": "revert exactly this write (as GET /undo showed it), or nothing"}}},
        "UndoReport": {"type": "object", "properties": {"id": string, "undone": string, "restored": hash}},
        "UndoPreview": {"type": "object", "required": ["id", "destination", "seq", "action", "time", "diff"], "properties": {
            "id": string, "destination": {"type": "object"}, "seq": {"type": "integer"}, "action": string, "time": string,
            "current": hash, "restored": hash, "blocked": {"type": "string", "nullable": true},
            "diff": {"type": "object", "properties": {
                "stats": {"type": "object", "properties": {"files": {"type": "integer"}, "added": {"type": "integer"}, "removed": {"type": "integer"}}},
                "files": {"type": "array", "items": {"$ref": "#/components/schemas/DiffFile"}}}}}},
        "ProjectRequest": {"type": "object", "required": ["path"], "additionalProperties": false, "properties": {"path": project,
            "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Target"},
                "description": "the layouts its copies live in, the first read when a request names none; a new project gets claude when empty, a registered one keeps its own"}}},
        "ProjectAdded": {"type": "object", "properties": {"path": string, "added": {"type": "boolean"},
            "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Target"}}}},
        "InstallCheck": {"type": "object", "properties": {"project": string, "matches": {"type": "boolean"},
            "copies": {"type": "array", "items": {"type": "object", "properties": {"id": string,
                "target": {"$ref": "#/components/schemas/Target"},
                "state": {"type": "string", "enum": ["locked", "modified", "missing"]}, "locked": hash, "hash": hash}}},
            "untracked": {"type": "array", "items": {"type": "object", "properties": {"id": string,
                "target": {"$ref": "#/components/schemas/Target"}}}}}},
        "InstallRequest": {"type": "object", "required": ["project_path"], "additionalProperties": false, "properties": {
            "project_path": project, "collection": opt_collection,
            "yes": {"type": "boolean", "description": "confirms replacing copies that have local changes"}}},
        "InstallReport": {"type": "object", "properties": {"project": string,
            "copies": {"type": "array", "items": {"type": "object", "properties": {"id": string,
                "target": {"$ref": "#/components/schemas/Target"},
                "action": {"type": "string", "enum": ["locked", "created", "replaced"]}, "hash": hash, "from": string}}}}},
        "ProjectList": {"type": "object", "properties": {"projects": {"type": "array", "items": {"type": "object",
            "properties": {"path": string, "added_at": string, "artifacts": {"type": "integer"},
                "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Target"}}}}}}},
    })
}

/// The OpenAPI 3 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        if let Value::Object(m) = entry {
            m.insert(method.to_string(), op(method, path));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "artisync", "version": env!("CARGO_PKG_VERSION"),
            "description": "Keep Claude Code skills, commands and agents in step across upstream, collection and projects."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "artisync_session"}
            }
        }
    })
}
