//! Shared fixtures of the HTTP API tests (`tests/api_*.rs`): a data home
//! built through the engine (an upstream repository with the sample
//! artifacts, the default collection holding all four, a project `web` with
//! all of them deployed), the router of `artisync_server::app` over it, and
//! helpers to send requests with `tower::ServiceExt::oneshot`, check error
//! bodies, wait for jobs and read Server-Sent Events.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use artisync_model::ArtifactId;
use artisync_server::{AppState, SharedState};
use artisync_store::Home;
use artisync_sync::{AddRequest, Engine};
use artisync_testkit::UpstreamRepo;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

/// The address the state is built for; requests name it in Host.
pub const ADDR: &str = "127.0.0.1:48620";
/// The four artifacts of the sample upstream.
pub const ALL: [&str; 4] = [
    "skill:pdf",
    "skill:changelog",
    "command:review",
    "agent:reviewer",
];

/// A trace id in W3C form, for `traceparent` tests.
pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

pub struct Fixture {
    _tmp: TempDir,
    pub root: PathBuf,
    pub up: UpstreamRepo,
    pub home: PathBuf,
    /// The allowed root every project of this fixture lives under.
    pub projects: PathBuf,
    /// A registered project with every sample artifact deployed.
    pub web: PathBuf,
    pub state: SharedState,
    pub app: Router,
    pub token: String,
}

pub fn id(s: &str) -> ArtifactId {
    s.parse().unwrap()
}

impl Fixture {
    /// The sample home served with `workers` job workers (0: jobs stay
    /// queued until a test runs them with [`Fixture::run_queued`]).
    pub fn new(workers: usize) -> Fixture {
        Self::with(workers, |_| {})
    }

    /// Like [`Fixture::new`], letting `prepare` change the upstream before
    /// it is imported.
    pub fn with(workers: usize, prepare: impl FnOnce(&UpstreamRepo)) -> Fixture {
        let tmp = tempfile::Builder::new()
            .prefix("artisync-api-")
            .tempdir()
            .unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let up = UpstreamRepo::sample();
        prepare(&up);
        up.commit("prepared");
        let home = root.join("home");
        let projects = root.join("projects");
        let web = projects.join("web");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&web).unwrap();
        let engine = Engine::new(Home::at(&home), "default");
        engine.init(None).unwrap();
        engine
            .add(&AddRequest {
                spec: up.local(""),
                all: true,
                ..AddRequest::default()
            })
            .unwrap();
        let ids: Vec<ArtifactId> = ALL.iter().map(|s| id(s)).collect();
        engine.deploy(&ids, &web, None).unwrap();
        let state = Self::state(&home, vec![projects.clone()], workers);
        let app = artisync_server::app(state.clone());
        let token = state.token.clone();
        Fixture {
            _tmp: tmp,
            root,
            up,
            home,
            projects,
            web,
            state,
            app,
            token,
        }
    }

    pub fn state(home: &Path, allow_roots: Vec<PathBuf>, workers: usize) -> SharedState {
        let addr: SocketAddr = ADDR.parse().unwrap();
        AppState::new(Home::at(home), addr, allow_roots, workers).unwrap()
    }

    pub fn engine(&self) -> Engine {
        Engine::new(Home::at(&self.home), "default")
    }

    pub fn collection_dir(&self) -> PathBuf {
        self.home.join("collections/default")
    }

    pub fn web_str(&self) -> &str {
        self.web.to_str().unwrap()
    }

    /// A request builder with this server's Host and the bearer token.
    pub fn request(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, ADDR)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
    }

    /// Sends a request through the router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let r = self.app.clone().oneshot(req).await.unwrap();
        let (parts, body) = r.into_parts();
        let body = tokio::time::timeout(
            Duration::from_secs(60),
            axum::body::to_bytes(body, 64 << 20),
        )
        .await
        .expect("the response body ends")
        .unwrap();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.send(self.request(Method::GET, uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> Resp {
        self.send(
            self.request(Method::POST, uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// POST /api/v1/sync/jobs; asserts 202 and returns the job id.
    pub async fn start_job(&self, body: &Value) -> String {
        let r = self.post("/api/v1/sync/jobs", body).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let v = r.json();
        assert_eq!(v["state"], "queued", "{v}");
        v["job_id"].as_str().unwrap().to_string()
    }

    pub async fn job(&self, id: &str) -> Value {
        let r = self.get(&format!("/api/v1/sync/jobs/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    }

    /// Polls the job until it is in a final state (at most 60 s).
    pub async fn wait_job(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let j = self.job(id).await;
            let s = j["state"].as_str().unwrap();
            if !matches!(s, "queued" | "running") {
                return j;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "job {id} did not finish: {j:#}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs every queued job in this thread, as a worker would (for
    /// fixtures without workers).
    pub fn run_queued(&self) {
        let home = Home::at(&self.home);
        while let Some(job) = self.state.jobs.claim_next().unwrap() {
            artisync_jobs::run_job(&home, &self.state.jobs, &job, &|| {}).unwrap();
        }
    }

    /// A sync job body for `direction` over `artifacts` into the web project.
    pub fn sync_body(&self, direction: &str, artifacts: &[&str]) -> Value {
        let mut b = json!({"direction": direction, "artifacts": artifacts});
        if direction != "upstream_to_collection" {
            b["project_path"] = json!(self.web_str());
        }
        b
    }

    /// Makes `command:review` conflict between the collection and the web
    /// project: both change the same line differently. Returns the
    /// project's version of the file.
    pub fn conflict_in_web(&self) -> PathBuf {
        let c = self.collection_dir().join("commands/review.md");
        let text = fs::read_to_string(&c).unwrap();
        fs::write(
            &c,
            text.replace("Focus on correctness first.", "Focus on tests first."),
        )
        .unwrap();
        self.engine()
            .collection()
            .unwrap()
            .commit("collection edit")
            .unwrap();
        let p = self.web.join(".claude/commands/review.md");
        fs::write(
            &p,
            text.replace("Focus on correctness first.", "Focus on speed first."),
        )
        .unwrap();
        p
    }
}

/// A response with its body read.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error response: `status`, a JSON body
    /// `{error: {code, message, trace_id}}` whose trace id is the
    /// `x-trace-id` header. Returns the error object.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.text());
        self.assert_error_shape(what)
    }

    /// Asserts the body is an error of the documented shape (any status).
    #[track_caller]
    pub fn assert_error_shape(&self, what: &str) -> Value {
        let v: Value = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{what}: error body is not JSON ({e}), status {}: {}",
                self.status,
                self.text()
            )
        });
        let e = &v["error"];
        assert!(
            e["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{what}: {v}"
        );
        assert!(
            e["message"].as_str().is_some_and(|c| !c.is_empty()),
            "{what}: {v}"
        );
        let trace = e["trace_id"].as_str().unwrap_or("");
        assert_eq!(trace.len(), 32, "{what}: trace id {trace:?}");
        assert_eq!(
            self.header("x-trace-id"),
            Some(trace),
            "{what}: x-trace-id header differs from the body's trace id"
        );
        e.clone()
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: i64,
    pub event: String,
    pub data: Value,
}

/// Reads events from an SSE response body as they arrive.
pub struct SseReader {
    stream: Pin<Box<dyn Stream<Item = Result<Bytes, axum::Error>> + Send>>,
    buf: String,
}

impl SseReader {
    /// Opens `uri` (a `/api/v1/events` URL) with optional `Last-Event-ID`.
    pub async fn open(fx: &Fixture, uri: &str, last_event_id: Option<i64>) -> SseReader {
        let mut req = fx.request(Method::GET, uri);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let r = fx
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        SseReader {
            stream: Box::pin(r.into_body().into_data_stream()),
            buf: String::new(),
        }
    }

    /// The next event, or `None` if none comes within `wait`. Keep-alive
    /// comments are skipped.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut fields: BTreeMap<&str, String> = BTreeMap::new();
                for line in block.lines() {
                    if let Some((k, v)) = line.split_once(':') {
                        if !k.is_empty() {
                            let v = v.strip_prefix(' ').unwrap_or(v);
                            fields.entry(k).or_default().push_str(v);
                        }
                    }
                }
                if let (Some(id), Some(data)) = (fields.get("id"), fields.get("data")) {
                    return Some(SseEvent {
                        id: id.parse().unwrap(),
                        event: fields.get("event").cloned().unwrap_or_default(),
                        data: serde_json::from_str(data).unwrap(),
                    });
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                Ok(Some(Err(e))) => panic!("event stream failed: {e}"),
                Ok(None) => panic!("the event stream ended"),
                Err(_) => return None,
            }
        }
    }

    /// Events until the job's state event is final (at most `wait` in all).
    pub async fn until_final(&mut self, wait: Duration) -> Vec<SseEvent> {
        let deadline = Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let e = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no final event within {wait:?}; got {out:#?}"));
            let fin = is_final_event(&e);
            out.push(e);
            if fin {
                return out;
            }
        }
    }
}

pub fn is_final_event(e: &SseEvent) -> bool {
    e.event == "state"
        && !matches!(
            e.data["state"].as_str(),
            Some("queued") | Some("running") | None
        )
}

/// splitmix64: a small deterministic generator, so a failing fuzz case can
/// be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A concrete URI for a ROUTES path: `{id}` becomes an id the route
/// accepts the shape of.
pub fn concrete(path: &str) -> String {
    let id = if path.starts_with("/api/v1/artifacts") {
        "skill:pdf".to_string()
    } else {
        "0".repeat(32)
    };
    path.replace("{id}", &id)
}
