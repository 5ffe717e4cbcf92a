//! The API's routes and their handlers: thin adapters that validate
//! input once, call the engine or the job store off the executor, and map
//! the result to JSON.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use artisync_jobs::{Job, JobKind, JobRequest, JobState, Origin};
use artisync_model::{ArtifactId, Direction, RelPath, Target, Tier};
use artisync_store::{Collection, Project, Registry};
use artisync_sync::{Engine, PatchFormat, Resolution, ResolveRequest, Whitespace};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{current_trace_id, ApiError, ApiJson, ApiPath, ApiQuery};
use crate::{guard, SharedState};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The highest page of a paged diff a request may ask for.
pub const MAX_PAGE: usize = 1_000_000;

/// `value` if it is within `min..=max`, else a 400 naming the parameter.
fn in_range(
    name: &str,
    value: Option<usize>,
    min: usize,
    max: usize,
) -> Result<Option<usize>, ApiError> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(ApiError::bad_request(format!(
            "{name} must be between {min} and {max}"
        ))),
        v => Ok(v),
    }
}

/// Every route: method, path. The OpenAPI document and its test are built
/// from this list, so a route cannot be served without being described.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/sync/jobs"),
    ("get", "/api/v1/sync/jobs"),
    ("get", "/api/v1/sync/jobs/{id}"),
    ("post", "/api/v1/sync/jobs/{id}/cancel"),
    ("get", "/api/v1/events"),
    ("get", "/api/v1/artifacts"),
    ("get", "/api/v1/artifacts/{id}"),
    ("get", "/api/v1/artifacts/{id}/versions"),
    ("get", "/api/v1/artifacts/{id}/diff"),
    ("get", "/api/v1/artifacts/{id}/file"),
    ("get", "/api/v1/artifacts/{id}/conflict"),
    ("post", "/api/v1/sync/resolve"),
    ("post", "/api/v1/sync/patch"),
    ("get", "/api/v1/patches/{id}"),
    ("get", "/api/v1/undo"),
    ("post", "/api/v1/undo"),
    ("post", "/api/v1/sync/update"),
    ("post", "/api/v1/fetch"),
    ("post", "/api/v1/collection/pull"),
    ("post", "/api/v1/collection/push"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/install"),
    ("post", "/api/v1/install"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/metrics"),
    ("get", "/login"),
];

/// The API, with `ui` as the web UI's files.
pub fn router(state: SharedState, ui: &'static [crate::web::Asset]) -> Router {
    Router::new()
        .route("/api/v1/sync/jobs", post(create_job).get(list_jobs))
        .route("/api/v1/sync/jobs/{id}", get(get_job))
        .route("/api/v1/sync/jobs/{id}/cancel", post(cancel_job))
        .route("/api/v1/events", get(crate::sse::events))
        .route("/api/v1/artifacts", get(list_artifacts))
        .route("/api/v1/artifacts/{id}", get(get_artifact))
        .route("/api/v1/artifacts/{id}/versions", get(versions))
        .route("/api/v1/artifacts/{id}/diff", get(diff))
        .route("/api/v1/artifacts/{id}/file", get(file))
        .route("/api/v1/artifacts/{id}/conflict", get(conflict))
        .route("/api/v1/sync/resolve", post(resolve))
        .route("/api/v1/sync/patch", post(create_patch))
        .route("/api/v1/sync/update", post(create_update))
        .route("/api/v1/fetch", post(create_fetch))
        .route("/api/v1/collection/pull", post(create_pull))
        .route("/api/v1/collection/push", post(create_push))
        .route("/api/v1/patches/{id}", get(download_patch))
        .route("/api/v1/undo", post(undo).get(undo_preview))
        .route("/api/v1/projects", get(list_projects).post(add_project))
        .route("/api/v1/install", get(install_check).post(install_frozen))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/login", get(login))
        .fallback(move |method, uri, headers| crate::web::fallback(ui, method, uri, headers))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::compress::compress))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; GET /api/v1/openapi.json lists them all",
    )
}

/// Runs blocking work (git, filesystem, SQLite) off the executor.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let trace = current_trace_id();
    tokio::task::spawn_blocking(move || crate::error::TRACE_ID.sync_scope(trace, f)).await?
}

fn engine(state: &SharedState, collection: Option<&str>) -> Result<Engine, ApiError> {
    let name = collection.unwrap_or("default");
    // Validates the name before it becomes a path.
    state.home.collection_dir(name).map_err(ApiError::from)?;
    Ok(Engine::new(state.home.clone(), name))
}

fn parse_id(s: &str) -> Result<ArtifactId, ApiError> {
    s.parse()
        .map_err(|e: artisync_model::ModelError| ApiError::invalid(e.to_string()))
}

/// Validates a project path from a request: absolute, no `..`,
/// an existing directory, not inside the data home, and either a registered
/// project or under an allowed root (after resolving symlinks).
pub fn check_project_path(state: &SharedState, raw: &str) -> Result<PathBuf, ApiError> {
    check_project_field(state, raw, "project_path")
}

/// [`check_project_path`] for a path given in the request field `field`,
/// which the error messages name.
fn check_project_field(state: &SharedState, raw: &str, field: &str) -> Result<PathBuf, ApiError> {
    let p = Path::new(raw);
    if raw.is_empty() || !p.is_absolute() {
        return Err(ApiError::invalid(format!(
            "{field} {raw:?} must be an absolute path"
        )));
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) || raw.contains('\0') {
        return Err(ApiError::forbidden(format!(
            "{field} {raw:?} may not contain '..'"
        )));
    }
    let canonical = std::fs::canonicalize(p)
        .map_err(|_| ApiError::not_found(format!("{field} {raw} does not exist")))?;
    let meta = std::fs::metadata(&canonical)
        .map_err(|e| ApiError::forbidden(format!("cannot read {raw}: {e}")))?;
    if !meta.is_dir() {
        return Err(ApiError::forbidden(format!(
            "{field} {raw} is not a directory"
        )));
    }
    if state.home.contains(&canonical) {
        return Err(ApiError::forbidden(format!(
            "{field} {raw} is inside artisync's data home"
        )));
    }
    let registry = Registry::new(&state.home);
    let registered = state
        .registry
        .get(registry.path(), || registry.list())?
        .iter()
        .any(|p| p.path == canonical);
    let allowed = state.allow_roots.iter().any(|r| canonical.starts_with(r));
    if !registered && !allowed {
        return Err(ApiError::forbidden(format!(
            "project path {} is not registered; run 'artisync project add {}' or start serve with --allow-root",
            canonical.display(),
            canonical.display()
        )));
    }
    if !registered {
        check_claude_dirs(&canonical)?;
    }
    Ok(canonical)
}

/// A project admitted through an allowed root must keep its writes inside
/// itself: `.claude/` and its kind folders may be symlinks only to places
/// within the project, or a sync would write (and a read would read)
/// wherever they point. A registered project was chosen by its owner, as
/// it is.
fn check_claude_dirs(root: &Path) -> Result<(), ApiError> {
    let claude = root.join(".claude");
    let dirs = std::iter::once(claude.clone()).chain(
        artisync_model::Kind::ALL
            .iter()
            .map(|k| claude.join(k.folder())),
    );
    for dir in dirs {
        if std::fs::symlink_metadata(&dir).is_err() {
            continue;
        }
        let inside = std::fs::canonicalize(&dir).is_ok_and(|c| c.starts_with(root));
        if !inside {
            return Err(ApiError::forbidden(format!(
                "{} leads out of project {}; a project under an allowed root must keep .claude inside itself (or register it with 'artisync project add')",
                dir.display(),
                root.display()
            )));
        }
    }
    Ok(())
}

fn job_accepted(job: &Job) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({"job_id": job.id, "state": job.state, "trace_id": job.trace_id})),
    )
        .into_response()
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?
                .trim();
            if k.is_empty() || k.len() > 200 {
                return Err(ApiError::bad_request(
                    "Idempotency-Key must be 1-200 characters",
                ));
            }
            if k.chars().any(|c| !(' '..='~').contains(&c)) {
                return Err(ApiError::bad_request(
                    "Idempotency-Key must be visible ASCII and spaces (no tabs)",
                ));
            }
            Ok(Some(k.to_string()))
        }
    }
}

/// Checks a sync request fully before it becomes a job, and returns it with
/// its project path made canonical.
fn validate_sync(state: &SharedState, mut req: JobRequest) -> Result<JobRequest, ApiError> {
    let direction: Direction = req
        .direction
        .parse()
        .map_err(|e: artisync_model::ModelError| ApiError::invalid(e.to_string()))?;
    if direction == Direction::ProjectToUpstream {
        return Err(ApiError::invalid(
            "project_to_upstream exports a patch and never writes upstream; use POST /api/v1/sync/patch",
        ));
    }
    if req.format.is_some() {
        return Err(ApiError::invalid(
            "format only applies to POST /api/v1/sync/patch",
        ));
    }
    if !req.projects.is_empty() {
        return Err(ApiError::invalid(
            "projects only applies to POST /api/v1/sync/update; a sync takes one project_path",
        ));
    }
    let engine = engine(state, req.collection.as_deref())?;
    let name = &engine.collection_name;
    let manifest = state
        .manifests
        .get(&Collection::manifest_path_in(&state.home, name)?, || {
            Collection::read_manifest(&state.home, name)
        })?;
    let project = match (direction, req.project_path.as_deref()) {
        (Direction::UpstreamToCollection, Some(_)) => {
            return Err(ApiError::invalid(
                "upstream_to_collection does not take project_path",
            ))
        }
        (Direction::UpstreamToCollection, None) => None,
        (_, None) => return Err(ApiError::invalid(format!("{direction} needs project_path"))),
        (_, Some(p)) => Some(check_project_path(state, p)?),
    };
    let target = target_in_body(req.target.as_deref())?;
    if target.is_some() && project.is_none() {
        return Err(ApiError::invalid(
            "target names a project's copy; give project_path too",
        ));
    }
    // The copy a project → collection sync reads: checked now, so that a
    // project without that target is refused before a job exists.
    let copy = match &project {
        Some(p) => Some(engine.project_copy(p, target)?),
        None => None,
    };
    let mut ids = Vec::new();
    for a in &req.artifacts {
        let id = parse_id(a)?;
        let place = copy.as_ref().map(|c| (c.root.as_path(), c.target));
        if !artisync_sync::syncable(&manifest, direction, place, &id) {
            // With the id it most likely meant, as every surface says it.
            return Err(engine.unknown(&id).into());
        }
        ids.push(id);
    }
    if let Some(s) = &req.strategy {
        s.parse::<artisync_model::Strategy>()
            .map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    for (id, s) in &req.strategies {
        let id = parse_id(id)?;
        if !ids.is_empty() && !ids.contains(&id) {
            return Err(ApiError::invalid(format!(
                "strategies names {id}, which artifacts does not include"
            )));
        }
        s.parse::<artisync_model::Strategy>()
            .map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    req.project_path = project.map(|p| p.display().to_string());
    req.artifacts = ids.iter().map(|i| i.to_string()).collect();
    Ok(req)
}

async fn create_job(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<JobRequest>,
) -> Result<Response, ApiError> {
    queue(state, &headers, JobKind::Sync, move |s| {
        validate_sync(s, req)
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListJobs {
    state: Option<String>,
    limit: Option<usize>,
}

async fn list_jobs(
    State(state): State<SharedState>,
    ApiQuery(q): ApiQuery<ListJobs>,
) -> Result<Json<Value>, ApiError> {
    let filter = match q.state.as_deref() {
        None => None,
        Some(s) => Some(JobState::from_name(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid state {s:?}: use queued, running, success, conflict, error or cancelled"
            ))
        })?),
    };
    let limit = in_range("limit", q.limit, 1, 500)?.unwrap_or(50);
    let jobs = blocking(move || Ok(state.jobs.list(filter, limit)?)).await?;
    Ok(Json(json!({ "jobs": jobs })))
}

fn valid_job_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("job {id} does not exist")))
    }
}

async fn get_job(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Job>, ApiError> {
    valid_job_id(&id)?;
    let job = blocking(move || {
        state
            .jobs
            .get(&id)?
            .ok_or_else(|| ApiError::not_found(format!("job {id} does not exist")))
    })
    .await?;
    Ok(Json(job))
}

async fn cancel_job(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Job>, ApiError> {
    valid_job_id(&id)?;
    let s = state.clone();
    let job = blocking(move || Ok(s.jobs.cancel(&id)?)).await?;
    state.job_queued();
    Ok(Json(job))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scope {
    project_path: Option<String>,
    collection: Option<String>,
}

/// A staged conflict's place: a project's copy (by target when it has
/// conflicts in several), or the collection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConflictQuery {
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
}

/// The validated project of an optional `project_path`.
fn project_of(state: &SharedState, raw: Option<&str>) -> Result<Option<PathBuf>, ApiError> {
    raw.map(|p| check_project_path(state, p)).transpose()
}

/// A `target` query parameter: one of the layouts.
fn target_in_query(raw: Option<&str>) -> Result<Option<Target>, ApiError> {
    raw.map(|t| {
        t.parse::<Target>()
            .map_err(|e| ApiError::bad_request(e.to_string()))
    })
    .transpose()
}

/// A `target` field of a request body: one of the layouts.
fn target_in_body(raw: Option<&str>) -> Result<Option<Target>, ApiError> {
    raw.map(|t| {
        t.parse::<Target>()
            .map_err(|e| ApiError::invalid(e.to_string()))
    })
    .transpose()
}

async fn list_artifacts(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<Scope>,
) -> Result<Response, ApiError> {
    let what = "artifacts".to_string();
    snapshotted(state, &headers, q, what, |e, project| e.status(project)).await
}

/// `scoped`, with the answer kept between requests while nothing it
/// reads changes (`snapshot`); `what` names the question within a scope.
async fn snapshotted<T: serde::Serialize + Send + 'static>(
    state: SharedState,
    headers: &HeaderMap,
    scope: Scope,
    what: String,
    read: impl FnOnce(&Engine, Option<&Path>) -> Result<T, artisync_sync::SyncError> + Send + 'static,
) -> Result<Response, ApiError> {
    let v = blocking(move || {
        let project = project_of(&state, scope.project_path.as_deref())?;
        let name = scope.collection.as_deref().unwrap_or("default");
        let e = engine(&state, Some(name))?;
        let registry = Registry::new(&state.home);
        let records = state.registry.get(registry.path(), || registry.list())?;
        let projects: Vec<PathBuf> = match &project {
            Some(p) => vec![p.clone()],
            None => records.iter().map(|r| r.path.clone()).collect(),
        };
        let key = format!(
            "{what}\n{name}\n{}",
            project
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        let collection = state.home.collection_dir(name)?;
        state
            .snapshots
            .get(key, &state.home, &collection, records, &projects, || {
                let v = read(&e, project.as_deref())?;
                Ok(serde_json::to_vec(&v).unwrap_or_default())
            })
    })
    .await?;
    let json = HeaderValue::from_static("application/json");
    // A kept answer's gzip copy is made once, not once per request; the
    // compression layer leaves a response that is already encoded alone.
    let wants_gzip = crate::encoding::choose(headers, &[crate::encoding::Coding::Gzip])
        == crate::encoding::Coding::Gzip;
    if wants_gzip && v.json.len() as u64 >= crate::compress::MIN_SIZE {
        let packed = v
            .gzip()
            .map_err(|e| ApiError::internal(format!("cannot compress the response: {e}")))?;
        return Ok((
            [
                (header::CONTENT_TYPE, json),
                (
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static(crate::encoding::Coding::Gzip.token()),
                ),
                (
                    header::VARY,
                    HeaderValue::from_static(header::ACCEPT_ENCODING.as_str()),
                ),
            ],
            Body::from(packed),
        )
            .into_response());
    }
    Ok(([(header::CONTENT_TYPE, json)], Body::from(v.json)).into_response())
}

/// Runs an engine read for the project and collection of `scope` off the
/// executor and returns its report as JSON.
async fn scoped<T: serde::Serialize + Send + 'static>(
    state: SharedState,
    scope: Scope,
    read: impl FnOnce(&Engine, Option<&Path>) -> Result<T, artisync_sync::SyncError> + Send + 'static,
) -> Result<Json<Value>, ApiError> {
    let v = blocking(move || {
        let project = project_of(&state, scope.project_path.as_deref())?;
        let e = engine(&state, scope.collection.as_deref())?;
        Ok(read(&e, project.as_deref())?)
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

async fn get_artifact(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<Scope>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let v = blocking(move || {
        let project = project_of(&state, q.project_path.as_deref())?;
        let e = engine(&state, q.collection.as_deref())?;
        let info = e.show(&id)?;
        let status = e
            .status(project.as_deref())?
            .artifacts
            .into_iter()
            .find(|a| a.id == id);
        Ok(json!({"artifact": info, "status": status}))
    })
    .await?;
    Ok(Json(v))
}

async fn versions(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<Scope>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let what = format!("versions {id}");
    snapshotted(state, &headers, q, what, move |e, project| {
        e.versions(&id, project)
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    lhs: String,
    rhs: String,
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    whitespace: Option<String>,
}

/// The diff's `whitespace` parameter: `show` (the default) or `ignore`.
fn whitespace_of(v: Option<&str>) -> Result<Whitespace, ApiError> {
    match v {
        None | Some("show") => Ok(Whitespace::Show),
        Some("ignore") => Ok(Whitespace::Ignore),
        Some(other) => Err(ApiError::bad_request(format!(
            "whitespace must be 'show' or 'ignore', not '{}'",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn file_url(
    id: &ArtifactId,
    tier: Tier,
    path: &str,
    project: Option<&Path>,
    target: Option<Target>,
    collection: Option<&str>,
) -> String {
    let mut u = format!("/api/v1/artifacts/{id}/file?tier={tier}&path={}", enc(path));
    if let Some(p) = project {
        u.push_str(&format!("&project_path={}", enc(&p.display().to_string())));
    }
    if let Some(t) = target {
        u.push_str(&format!("&target={t}"));
    }
    if let Some(c) = collection {
        u.push_str(&format!("&collection={}", enc(c)));
    }
    u
}

async fn diff(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let tier = |s: &str| {
        s.parse::<Tier>()
            .map_err(|e: artisync_model::ModelError| ApiError::bad_request(e.to_string()))
    };
    let (lhs, rhs) = (tier(&q.lhs)?, tier(&q.rhs)?);
    let per_page = in_range("per_page", q.per_page, 1, 1000)?.unwrap_or(200);
    let page = in_range("page", q.page, 1, MAX_PAGE)?.unwrap_or(1);
    let ws = whitespace_of(q.whitespace.as_deref())?;
    let target = target_in_query(q.target.as_deref())?;
    let v = blocking(move || {
        let project = project_of(&state, q.project_path.as_deref())?;
        if (lhs == Tier::Project || rhs == Tier::Project) && project.is_none() {
            return Err(ApiError::invalid(
                "diffing the project tier needs project_path",
            ));
        }
        let e = engine(&state, q.collection.as_deref())?;
        let d = e.diff_with(&id, lhs, rhs, project.as_deref(), target, ws)?;
        let total = d.diff.files.len();
        let pages = total.div_ceil(per_page).max(1);
        let mut files = Vec::new();
        for f in d
            .diff
            .files
            .iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
        {
            let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
            if f.binary || f.too_large {
                let old_path = f.old_path.as_ref().unwrap_or(&f.path).to_string();
                let c = q.collection.as_deref();
                let old = f
                    .old_size
                    .map(|_| file_url(&id, lhs, &old_path, project.as_deref(), target, c));
                let new = f
                    .new_size
                    .map(|_| file_url(&id, rhs, f.path.as_str(), project.as_deref(), target, c));
                if let Value::Object(m) = &mut v {
                    m.insert("downloads".into(), json!({"old": old, "new": new}));
                }
            }
            files.push(v);
        }
        Ok(json!({
            "id": d.id,
            "lhs": d.lhs,
            "rhs": d.rhs,
            "stats": d.diff.stats,
            "files": files,
            "page": page,
            "per_page": per_page,
            "pages": pages,
            "total_files": total,
            "findings": d.findings,
        }))
    })
    .await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQuery {
    tier: String,
    path: String,
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
}

async fn file(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let tier: Tier = q
        .tier
        .parse()
        .map_err(|e: artisync_model::ModelError| ApiError::bad_request(e.to_string()))?;
    let path = RelPath::new(&q.path).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let name = path.file_name().to_string();
    let target = target_in_query(q.target.as_deref())?;
    let data = blocking(move || {
        let project = project_of(&state, q.project_path.as_deref())?;
        if tier == Tier::Project && project.is_none() {
            return Err(ApiError::invalid("the project tier needs project_path"));
        }
        let e = engine(&state, q.collection.as_deref())?;
        let content = e.tier_content_of(&id, tier, project.as_deref(), target)?;
        content
            .and_then(|c| c.files.get(&path).map(|f| f.data.clone()))
            .ok_or_else(|| {
                ApiError::not_found(format!("{path} is not in the {tier} version of {id}"))
            })
    })
    .await?;
    Ok(attachment(data, &name, "application/octet-stream"))
}

/// A download: `bytes` with its content type and a file name to save as.
fn attachment(bytes: Vec<u8>, name: &str, content_type: &'static str) -> Response {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', ""));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

async fn conflict(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ConflictQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let target = target_in_query(q.target.as_deref())?;
    let scope = Scope {
        project_path: q.project_path,
        collection: q.collection,
    };
    scoped(state, scope, move |e, project| {
        e.conflict(&id, project, target)
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Choice {
    Named(String),
    Edited { edited: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    artifact: String,
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
    all: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, Choice>,
}

fn named(s: &str) -> Result<Resolution, ApiError> {
    match s {
        "ours" => Ok(Resolution::Ours),
        "theirs" => Ok(Resolution::Theirs),
        _ => Err(ApiError::invalid(format!(
            "invalid resolution {s:?}: use \"ours\", \"theirs\" or {{\"edited\": TEXT}}"
        ))),
    }
}

async fn resolve(
    State(state): State<SharedState>,
    ApiJson(b): ApiJson<ResolveBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&b.artifact)?;
    let mut req = ResolveRequest {
        target: target_in_body(b.target.as_deref())?,
        all: b.all.as_deref().map(named).transpose()?,
        ..ResolveRequest::default()
    };
    for (path, choice) in b.files {
        let path = RelPath::new(&path).map_err(|e| ApiError::invalid(e.to_string()))?;
        let r = match choice {
            Choice::Named(s) => named(&s)?,
            Choice::Edited { edited } => Resolution::Edited(edited.into_bytes()),
        };
        req.files.insert(path, r);
    }
    let v = blocking(move || {
        req.project = project_of(&state, b.project_path.as_deref())?;
        let e = engine(&state, b.collection.as_deref())?;
        Ok(e.resolve(&id, &req)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    artifact: String,
    project_path: String,
    target: Option<String>,
    collection: Option<String>,
    format: Option<String>,
}

async fn create_patch(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PatchBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&b.artifact)?;
    if let Some(f) = &b.format {
        f.parse::<PatchFormat>()
            .map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    let target = target_in_body(b.target.as_deref())?;
    queue(state, &headers, JobKind::Patch, move |s| {
        let project = check_project_path(s, &b.project_path)?;
        let e = engine(s, b.collection.as_deref())?;
        let artifacts = known_ids(&e, &[id.to_string()])?;
        let copy = e.project_copy(&project, target)?;
        Ok(JobRequest {
            direction: Direction::ProjectToUpstream.to_string(),
            artifacts,
            project_path: Some(project.display().to_string()),
            target: target.map(|_| copy.target.to_string()),
            collection: b.collection,
            format: Some(b.format.unwrap_or_else(|| "zip".into())),
            ..JobRequest::default()
        })
    })
    .await
}

/// Artifacts named in a request, each checked against the collection.
fn known_ids(e: &Engine, names: &[String]) -> Result<Vec<String>, ApiError> {
    let manifest = e.collection()?.manifest()?;
    names
        .iter()
        .map(|a| {
            let id = parse_id(a)?;
            if manifest.get(&id).is_none() {
                return Err(e.unknown(&id).into());
            }
            Ok(id.to_string())
        })
        .collect()
}

/// Stores `req` as a queued job of `kind` and wakes a worker.
async fn queue(
    state: SharedState,
    headers: &HeaderMap,
    kind: JobKind,
    make: impl FnOnce(&SharedState) -> Result<JobRequest, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers)?;
    let s = state.clone();
    let job = blocking(move || {
        let req = make(&s)?;
        let (job, _) = s.jobs.create(
            kind,
            &req,
            Origin::Api,
            JobState::Queued,
            &current_trace_id(),
            key.as_deref(),
        )?;
        Ok(job)
    })
    .await?;
    state.job_queued();
    Ok(job_accepted(&job))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    artifacts: Vec<String>,
    #[serde(default)]
    projects: Vec<String>,
    collection: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// "Update everything behind" as one job: the collection from its
/// upstreams, then each project from the collection, for every copy that
/// only lags its source.
async fn create_update(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateBody>,
) -> Result<Response, ApiError> {
    queue(state, &headers, JobKind::Update, move |s| {
        let e = engine(s, b.collection.as_deref())?;
        let artifacts = known_ids(&e, &b.artifacts)?;
        let projects = b
            .projects
            .iter()
            .map(|p| {
                Ok(check_project_field(s, p, "projects entry")?
                    .display()
                    .to_string())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(JobRequest {
            direction: JobKind::Update.as_str().into(),
            artifacts,
            projects,
            collection: b.collection,
            dry_run: b.dry_run,
            ..JobRequest::default()
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchBody {
    #[serde(default)]
    artifacts: Vec<String>,
    collection: Option<String>,
}

/// Refreshes the upstream cache as a job; nothing else changes.
async fn create_fetch(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<FetchBody>,
) -> Result<Response, ApiError> {
    queue(state, &headers, JobKind::Fetch, move |s| {
        let e = engine(s, b.collection.as_deref())?;
        Ok(JobRequest {
            direction: JobKind::Fetch.as_str().into(),
            artifacts: known_ids(&e, &b.artifacts)?,
            collection: b.collection,
            ..JobRequest::default()
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionBody {
    collection: Option<String>,
    /// Pull: confirms high audit findings in what the remote changed.
    #[serde(default)]
    yes: bool,
}

/// Pulls (or pushes) the collection's remote as a job. A collection without
/// a remote is refused before a job exists.
async fn collection_job(
    state: SharedState,
    headers: &HeaderMap,
    kind: JobKind,
    b: CollectionBody,
) -> Result<Response, ApiError> {
    queue(state, headers, kind, move |s| {
        let e = engine(s, b.collection.as_deref())?;
        if e.remote_position()?.is_none() {
            return Err(ApiError::invalid(format!(
                "collection '{}' has no remote; set one with 'artisync collection remote set URL'",
                e.collection_name
            )));
        }
        Ok(JobRequest {
            direction: kind.as_str().into(),
            collection: b.collection,
            yes: b.yes,
            ..JobRequest::default()
        })
    })
    .await
}

async fn create_pull(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CollectionBody>,
) -> Result<Response, ApiError> {
    collection_job(state, &headers, JobKind::Pull, b).await
}

async fn create_push(
    State(state): State<SharedState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CollectionBody>,
) -> Result<Response, ApiError> {
    collection_job(state, &headers, JobKind::Push, b).await
}

async fn download_patch(
    State(state): State<SharedState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    valid_job_id(&id)?;
    let (bytes, name) = blocking(move || {
        let job = state
            .jobs
            .get(&id)?
            .ok_or_else(|| ApiError::not_found(format!("job {id} does not exist")))?;
        if job.kind != JobKind::Patch {
            return Err(ApiError::not_found(format!(
                "job {id} is not a patch export"
            )));
        }
        if job.state != JobState::Success {
            return Err(ApiError::conflict(format!(
                "patch job {id} is {}; the bundle is ready when it succeeds",
                job.state.as_str()
            )));
        }
        if job
            .report
            .as_ref()
            .is_some_and(|r| r["nothing_to_export"] == true)
        {
            return Err(ApiError::not_found(format!(
                "patch job {id} found nothing to export, so there is no bundle"
            )));
        }
        let format: PatchFormat = job
            .request
            .format
            .as_deref()
            .unwrap_or("zip")
            .parse()
            .map_err(|e: artisync_model::ModelError| ApiError::internal(e.to_string()))?;
        let path = state
            .home
            .patches_dir()
            .join(format!("{id}.{}", format.extension()));
        let bytes = std::fs::read(&path)
            .map_err(|_| ApiError::not_found(format!("the bundle of job {id} is gone")))?;
        let name = job
            .report
            .as_ref()
            .and_then(|r| r["file_name"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("patch.{}", format.extension()));
        Ok((bytes, name))
    })
    .await?;
    let ct = if name.ends_with(".zip") {
        "application/zip"
    } else if name.ends_with(".tar.gz") {
        "application/gzip"
    } else {
        "application/mbox"
    };
    Ok(attachment(bytes, &name, ct))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UndoBody {
    artifact: Option<String>,
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
    /// The write to revert, as `GET /undo` showed it.
    seq: Option<u64>,
}

async fn undo(
    State(state): State<SharedState>,
    ApiJson(b): ApiJson<UndoBody>,
) -> Result<Json<Value>, ApiError> {
    let id = b.artifact.as_deref().map(parse_id).transpose()?;
    let target = target_in_body(b.target.as_deref())?;
    let v = blocking(move || {
        let project = project_of(&state, b.project_path.as_deref())?;
        let e = engine(&state, b.collection.as_deref())?;
        Ok(e.undo(id.as_ref(), project.as_deref(), target, b.seq)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UndoQuery {
    artifact: Option<String>,
    project_path: Option<String>,
    target: Option<String>,
    collection: Option<String>,
}

/// What `POST /undo` with the same artifact and place would revert, and the
/// difference it would make; writes nothing.
async fn undo_preview(
    State(state): State<SharedState>,
    ApiQuery(q): ApiQuery<UndoQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = q.artifact.as_deref().map(parse_id).transpose()?;
    let target = target_in_query(q.target.as_deref())?;
    let v = blocking(move || {
        let project = project_of(&state, q.project_path.as_deref())?;
        let e = engine(&state, q.collection.as_deref())?;
        Ok(e.undo_preview(id.as_ref(), project.as_deref(), target)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

async fn list_projects(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let v = blocking(move || Ok(engine(&state, None)?.project_list()?)).await?;
    Ok(Json(json!({ "projects": v })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectBody {
    path: String,
    /// The layouts its copies live in; a new project gets `claude` when
    /// none are given, a registered one keeps its own.
    #[serde(default)]
    targets: Vec<String>,
}

async fn add_project(
    State(state): State<SharedState>,
    ApiJson(b): ApiJson<ProjectBody>,
) -> Result<Response, ApiError> {
    // Registering through the API is held to the same rule as syncing: a
    // client cannot widen what the server may write to beyond the allowed
    // roots. Other projects are registered with `artisync project add`.
    let targets = b
        .targets
        .iter()
        .map(|t| {
            t.parse::<Target>()
                .map_err(|e| ApiError::invalid(e.to_string()))
        })
        .collect::<Result<Vec<Target>, ApiError>>()?;
    let (project, new, targets) = blocking(move || {
        let root = check_project_path(&state, &b.path)?;
        let e = engine(&state, None)?;
        let known = Registry::new(&state.home).contains(&root)?;
        let (project, changed): (Project, bool) = e.project_add(&root, &targets)?;
        let targets = e.targets_of(&project.root)?;
        Ok((project, changed && !known, targets))
    })
    .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"path": project.root, "added": new, "targets": targets})),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallQuery {
    project_path: String,
    collection: Option<String>,
}

/// How a project's copies compare with its lockfile; writes nothing.
async fn install_check(
    State(state): State<SharedState>,
    ApiQuery(q): ApiQuery<InstallQuery>,
) -> Result<Json<Value>, ApiError> {
    let v = blocking(move || {
        let project = check_project_path(&state, &q.project_path)?;
        let e = engine(&state, q.collection.as_deref())?;
        let check = e.install_check(&project)?;
        let matches = check.matches();
        let mut v = serde_json::to_value(check).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("matches".into(), json!(matches));
        }
        Ok(v)
    })
    .await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallBody {
    project_path: String,
    collection: Option<String>,
    /// Confirms replacing copies that have local changes.
    #[serde(default)]
    yes: bool,
}

/// Recreates every copy of a project's lockfile at its locked hash.
async fn install_frozen(
    State(state): State<SharedState>,
    ApiJson(b): ApiJson<InstallBody>,
) -> Result<Json<Value>, ApiError> {
    let v = blocking(move || {
        let project = check_project_path(&state, &b.project_path)?;
        let e = engine(&state, b.collection.as_deref())?;
        Ok(e.install_frozen(&project, b.yes)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

async fn metrics(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let text = blocking(move || Ok(state.metrics.render(&state.jobs))).await?;
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(r)
}

/// What a browser sees for a login link that does not work: why, what to
/// do, and a way on (a browser that is still logged in goes on to the UI).
const LOGIN_FAILED_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>artisync: this login link does not work</title>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; }
code { font-family: ui-monospace, monospace; background: rgb(127 127 127 / 0.15); padding: 0 0.25rem; border-radius: 3px; }
a.button { display: inline-block; padding: 0.4rem 0.9rem; border-radius: 6px; background: #1d4ed8; color: #fff; text-decoration: none; }
</style></head>
<body><main>
<h1>This login link does not work</h1>
<p>Each link that <code>artisync serve</code> prints logs in one browser once. This one was used already,
was mistyped, or comes from a server that has restarted since.</p>
<ol>
<li>If this browser logged in with it before, it may still be logged in: <a class="button" href="/">Open artisync</a></li>
<li>Otherwise stop <code>artisync serve</code> (Ctrl-C), run it again, and open the new link it prints.</li>
</ol>
<p>Scripts and tools use the API with the token in the data home's <code>server.token</code> instead.</p>
</main></body></html>
"#;

#[derive(Debug, Deserialize)]
struct LoginQuery {
    code: Option<String>,
}

/// Exchanges a one-time login code for an HttpOnly, SameSite=Strict session
/// cookie and sends the browser to the UI.
async fn login(State(state): State<SharedState>, ApiQuery(q): ApiQuery<LoginQuery>) -> Response {
    let valid = q.code.as_ref().is_some_and(|c| {
        state
            .login_codes
            .lock()
            .map(|mut set| set.remove(c))
            .unwrap_or(false)
    });
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ),
            ],
            LOGIN_FAILED_PAGE,
        )
            .into_response();
    }
    let session = format!(
        "{}{}",
        artisync_jobs::random_id(),
        artisync_jobs::random_id()
    );
    if let Ok(mut s) = state.sessions.lock() {
        s.insert(session.clone());
    }
    let mut r = Redirect::to("/").into_response();
    let cookie = format!(
        "{}={session}; HttpOnly; SameSite=Strict; Path=/",
        guard::SESSION_COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
