//! Running jobs: `run_job` carries one job from `running` to its final state
//! through the engine; `Workers` is the bounded pool of blocking threads a
//! server keeps, which claims queued jobs in order.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use artisync_model::{ArtifactId, Direction, Outcome, Strategy};
use artisync_store::Home;
use artisync_sync::{Engine, PatchFormat, SyncError, SyncReport, SyncRequest};
use serde_json::{json, Value};

use crate::{Job, JobError, JobKind, JobState, JobStore};

/// Turns a stored request into the engine's; `Err` is a message for the job.
pub fn to_sync_request(job: &Job) -> Result<SyncRequest, String> {
    let r = &job.request;
    let direction: Direction = r
        .direction
        .parse()
        .map_err(|e: artisync_model::ModelError| e.to_string())?;
    let mut req = SyncRequest::new(direction);
    req.artifacts = parse_ids(&r.artifacts)?;
    req.project = r.project_path.as_ref().map(PathBuf::from);
    req.target = parse_target(r.target.as_deref())?;
    if let Some(s) = &r.strategy {
        req.strategy = s
            .parse()
            .map_err(|e: artisync_model::ModelError| e.to_string())?;
    }
    for (id, s) in &r.strategies {
        let id: ArtifactId = id
            .parse()
            .map_err(|e: artisync_model::ModelError| e.to_string())?;
        let s: Strategy = s
            .parse()
            .map_err(|e: artisync_model::ModelError| e.to_string())?;
        req.strategies.insert(id, s);
    }
    req.dry_run = r.dry_run;
    req.yes = r.yes;
    Ok(req)
}

/// Runs `job` (already `running`) to its end and records everything on the
/// way. `notify` is called after each recorded event.
pub fn run_job(
    home: &Home,
    store: &JobStore,
    job: &Job,
    notify: &(dyn Fn() + Sync),
) -> Result<Job, JobError> {
    let collection = job
        .request
        .collection
        .clone()
        .unwrap_or_else(|| "default".into());
    let engine = Engine::new(home.clone(), collection);
    store.log(
        &job.id,
        &format!(
            "started {} {} (attempt {})",
            job.kind.as_str(),
            job.direction,
            job.attempts
        ),
    )?;
    notify();
    let finished = match job.kind {
        JobKind::Sync => run_sync(&engine, store, job, notify).map(|(f, _)| f),
        JobKind::Patch => run_patch(home, &engine, store, job),
        JobKind::Fetch => run_fetch(&engine, store, job),
        JobKind::Update => run_update(&engine, store, job, notify),
        JobKind::Pull => run_pull(&engine, store, job),
        JobKind::Push => run_push(&engine, store, job),
    };
    end_job(store, job, finished, notify)
}

/// Runs a sync job (already `running`) in the foreground, as the CLI does,
/// and returns the engine's report along with the finished job.
pub fn run_sync_job(
    home: &Home,
    store: &JobStore,
    job: &Job,
    notify: &(dyn Fn() + Sync),
) -> Result<(Job, Result<SyncReport, String>), JobError> {
    let collection = job
        .request
        .collection
        .clone()
        .unwrap_or_else(|| "default".into());
    let engine = Engine::new(home.clone(), collection);
    store.log(&job.id, &format!("started sync {}", job.direction))?;
    let (finished, report) = match run_sync(&engine, store, job, notify) {
        Ok((f, r)) => (Ok(f), Ok(r)),
        Err(e) => (Err(e.clone()), Err(e)),
    };
    Ok((end_job(store, job, finished, notify)?, report))
}

fn end_job(
    store: &JobStore,
    job: &Job,
    finished: Result<Finished, String>,
    notify: &(dyn Fn() + Sync),
) -> Result<Job, JobError> {
    let (state, report, error) = match finished {
        Ok(x) => x,
        Err(message) => (JobState::Error, None, Some(message)),
    };
    let line = match &error {
        Some(e) => format!("ended {}: {e}", state.as_str()),
        None => format!("ended {}", state.as_str()),
    };
    store.log(&job.id, &line)?;
    let job = store.finish(&job.id, state, report.as_ref(), error.as_deref())?;
    notify();
    Ok(job)
}

type Finished = (JobState, Option<Value>, Option<String>);

fn run_sync(
    engine: &Engine,
    store: &JobStore,
    job: &Job,
    notify: &(dyn Fn() + Sync),
) -> Result<(Finished, SyncReport), String> {
    let req = to_sync_request(job)?;
    let mut failure: Option<JobError> = None;
    // Whether the engine saw the cancel and stopped: between artifacts or
    // inside a merge, before the plan's first artifact or later.
    let stopped = std::cell::Cell::new(false);
    let report = engine.sync_with(
        &req,
        &mut |p| {
            let result = serde_json::to_value(p.result).unwrap_or(Value::Null);
            let line = format!("{}: {} {}", p.result.id, p.result.outcome, p.result.message);
            let recorded = store
                .progress(&job.id, p.done as u64, p.total as u64, &result)
                .and_then(|_| store.log(&job.id, &line));
            if let Err(e) = recorded {
                failure.get_or_insert(e);
            }
            notify();
        },
        &|| {
            let cancel = store.cancel_requested(&job.id);
            stopped.set(stopped.get() || cancel);
            cancel
        },
    );
    if let Some(e) = failure {
        return Err(e.to_string());
    }
    let report = report.map_err(|e: SyncError| e.to_string())?;
    // A cancel that came when nothing was left to do (no artifact at all)
    // still cancels: the job never did anything.
    let cancelled =
        stopped.get() || (report.artifacts.is_empty() && store.cancel_requested(&job.id));
    let state = if cancelled {
        JobState::Cancelled
    } else if report.has_errors() {
        JobState::Error
    } else if report.has_conflicts() {
        JobState::Conflict
    } else {
        JobState::Success
    };
    let error = (state == JobState::Error).then(|| {
        report
            .artifacts
            .iter()
            .filter(|a| a.outcome == Outcome::Error)
            .map(|a| format!("{}: {}", a.id, a.message))
            .collect::<Vec<_>>()
            .join("; ")
    });
    Ok(((state, serde_json::to_value(&report).ok(), error), report))
}

fn run_patch(
    home: &Home,
    engine: &Engine,
    store: &JobStore,
    job: &Job,
) -> Result<Finished, String> {
    let r = &job.request;
    let id: ArtifactId = r
        .artifacts
        .first()
        .ok_or("a patch export names one artifact")?
        .parse()
        .map_err(|e: artisync_model::ModelError| e.to_string())?;
    let project = r
        .project_path
        .as_ref()
        .ok_or("a patch export needs project_path")?;
    let format: PatchFormat = r
        .format
        .as_deref()
        .unwrap_or("zip")
        .parse()
        .map_err(|e: artisync_model::ModelError| e.to_string())?;
    let target = parse_target(r.target.as_deref())?;
    let bundle = match engine.patch(&id, std::path::Path::new(project), target, format) {
        Ok(b) => b,
        // Nothing differs: the export succeeded with nothing to hand over.
        Err(artisync_sync::SyncError::NothingToExport(message)) => {
            store.log(&job.id, &message).map_err(|e| e.to_string())?;
            let report = json!({"nothing_to_export": true, "message": message});
            return Ok((JobState::Success, Some(report), None));
        }
        Err(e) => return Err(e.to_string()),
    };
    let path = home
        .patches_dir()
        .join(format!("{}.{}", job.id, format.extension()));
    artisync_store::fsio::write_file_atomic(&path, &bundle.bytes).map_err(|e| e.to_string())?;
    store
        .log(
            &job.id,
            &format!("wrote {} ({} bytes)", bundle.file_name, bundle.size),
        )
        .map_err(|e| e.to_string())?;
    let mut report = serde_json::to_value(&bundle).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut report {
        m.insert(
            "download_url".into(),
            json!(format!("/api/v1/patches/{}", job.id)),
        );
    }
    Ok((JobState::Success, Some(report), None))
}

/// Pulls the collection's remote: each artifact it changed is a result;
/// a staged conflict ends the job in `conflict`.
fn run_pull(engine: &Engine, store: &JobStore, job: &Job) -> Result<Finished, String> {
    let report = engine.pull(job.request.yes).map_err(|e| e.to_string())?;
    let total = report.artifacts.len() as u64;
    for (i, a) in report.artifacts.iter().enumerate() {
        let result = serde_json::to_value(a).unwrap_or(Value::Null);
        store
            .progress(&job.id, i as u64 + 1, total, &result)
            .and_then(|_| store.log(&job.id, &format!("{}: {} {}", a.id, a.outcome, a.message)))
            .map_err(|e| e.to_string())?;
    }
    for w in &report.warnings {
        store.log(&job.id, w).map_err(|e| e.to_string())?;
    }
    let state = if report
        .artifacts
        .iter()
        .any(|a| a.outcome == Outcome::Conflict)
    {
        JobState::Conflict
    } else {
        JobState::Success
    };
    Ok((state, serde_json::to_value(&report).ok(), None))
}

fn run_push(engine: &Engine, store: &JobStore, job: &Job) -> Result<Finished, String> {
    let report = engine.push().map_err(|e| e.to_string())?;
    store
        .log(
            &job.id,
            &format!("pushed {} to {}", report.commit, report.remote),
        )
        .map_err(|e| e.to_string())?;
    Ok((JobState::Success, serde_json::to_value(&report).ok(), None))
}

fn parse_target(name: Option<&str>) -> Result<Option<artisync_model::Target>, String> {
    name.map(|t| {
        t.parse()
            .map_err(|e: artisync_model::ModelError| e.to_string())
    })
    .transpose()
}

fn parse_ids(names: &[String]) -> Result<Vec<ArtifactId>, String> {
    names
        .iter()
        .map(|a| {
            a.parse()
                .map_err(|e: artisync_model::ModelError| e.to_string())
        })
        .collect()
}

fn run_fetch(engine: &Engine, store: &JobStore, job: &Job) -> Result<Finished, String> {
    let ids = parse_ids(&job.request.artifacts)?;
    let fetched = engine.fetch(&ids).map_err(|e| e.to_string())?;
    for f in &fetched {
        let line = match &f.offline {
            Some(why) => format!(
                "{}: unreachable ({why}); kept the fetch of {}",
                f.url, f.fetched_at
            ),
            None => format!("{}: fetched at {}", f.url, f.fetched_at),
        };
        store.log(&job.id, &line).map_err(|e| e.to_string())?;
    }
    // Each fetched upstream is a step; a fetch has no per-artifact results.
    let n = fetched.len() as u64;
    store
        .count_progress(&job.id, n, n)
        .map_err(|e| e.to_string())?;
    Ok((JobState::Success, Some(json!({ "fetched": fetched })), None))
}

/// Runs the plan of "update everything behind": each step is a sync, its
/// results tagged with their direction and project, the progress counted
/// over all steps. Copies held back are reported as skipped.
fn run_update(
    engine: &Engine,
    store: &JobStore,
    job: &Job,
    notify: &(dyn Fn() + Sync),
) -> Result<Finished, String> {
    let r = &job.request;
    let ids = parse_ids(&r.artifacts)?;
    let projects: Vec<PathBuf> = r.projects.iter().map(PathBuf::from).collect();
    let plan = engine
        .update_plan(&ids, &projects)
        .map_err(|e| e.to_string())?;
    let total = (plan.artifact_count() + plan.held.len()) as u64;
    let mut done = 0u64;
    let mut failure: Option<JobError> = None;
    let mut record = |result: Value, line: String, done: u64| {
        let recorded = store
            .progress(&job.id, done, total, &result)
            .and_then(|_| store.log(&job.id, &line));
        if let Err(e) = recorded {
            failure.get_or_insert(e);
        }
        notify();
    };
    let (mut errors, mut conflicts) = (Vec::new(), false);
    let mut steps = Vec::new();
    let stopped = std::cell::Cell::new(false);
    // Artifacts the first step brings into the collection: in a dry run
    // nothing moves, so the projects' preview cannot show them yet.
    let incoming: Vec<ArtifactId> = plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::UpstreamToCollection)
        .flat_map(|s| s.artifacts.clone())
        .collect();
    for step in &plan.steps {
        if stopped.get() || store.cancel_requested(&job.id) {
            stopped.set(true);
            break;
        }
        let mut req = step.clone();
        req.dry_run = r.dry_run;
        let project = req.project.as_ref().map(|p| p.display().to_string());
        let offset = done;
        let report = engine.sync_with(
            &req,
            &mut |p| {
                let mut result = serde_json::to_value(p.result).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut result {
                    m.insert("direction".into(), json!(req.direction));
                    m.insert("project".into(), json!(project));
                    if req.dry_run
                        && req.direction == Direction::CollectionToProject
                        && incoming.contains(&p.result.id)
                    {
                        m.insert(
                            "message".into(),
                            json!("takes the upstream update after the collection has it"),
                        );
                    }
                }
                let line = format!(
                    "{} {}: {} {}",
                    req.direction, p.result.id, p.result.outcome, p.result.message
                );
                record(result, line, offset + p.done as u64);
            },
            &|| {
                let cancel = store.cancel_requested(&job.id);
                stopped.set(stopped.get() || cancel);
                cancel
            },
        );
        let report = report.map_err(|e| e.to_string())?;
        done = offset + report.artifacts.len() as u64;
        conflicts |= report.has_conflicts();
        errors.extend(
            report
                .artifacts
                .iter()
                .filter(|a| a.outcome == Outcome::Error)
                .map(|a| format!("{}: {}", a.id, a.message)),
        );
        steps.push(json!({"direction": req.direction, "project": project, "report": report}));
    }
    if !stopped.get() {
        for h in &plan.held {
            done += 1;
            let mut result = json!({
                "id": h.id,
                "outcome": Outcome::Skipped,
                "direction": h.direction,
                "project": h.project,
                "status": h.status,
                "message": h.message,
            });
            if let Some(t) = h.target {
                result["target"] = json!(t);
            }
            let line = format!("{} {}: skipped {}", h.direction, h.id, h.message);
            record(result, line, done);
        }
    }
    if let Some(e) = failure {
        return Err(e.to_string());
    }
    let state = if stopped.get() {
        JobState::Cancelled
    } else if !errors.is_empty() {
        JobState::Error
    } else if conflicts {
        JobState::Conflict
    } else {
        JobState::Success
    };
    let report = json!({"dry_run": r.dry_run, "steps": steps, "held": plan.held});
    let error = (!errors.is_empty()).then(|| errors.join("; "));
    Ok((state, Some(report), error))
}

struct Shared {
    stop: AtomicBool,
    wake: (Mutex<u64>, Condvar),
}

/// A bounded pool of blocking worker threads claiming queued jobs.
pub struct Workers {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `n` workers. Jobs left running by a crash are queued again
    /// first.
    pub fn start(
        home: Home,
        store: Arc<JobStore>,
        n: usize,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<Workers, JobError> {
        store.requeue_interrupted()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: (Mutex::new(0), Condvar::new()),
        });
        let mut threads = Vec::new();
        for i in 0..n.max(1) {
            let (shared, store, home, notify) =
                (shared.clone(), store.clone(), home.clone(), notify.clone());
            let t = std::thread::Builder::new()
                .name(format!("artisync-worker-{i}"))
                .spawn(move || worker_loop(&home, &store, &shared, notify.as_ref()))
                .map_err(|e| JobError::Db(format!("cannot start a worker: {e}")))?;
            threads.push(t);
        }
        Ok(Workers { shared, threads })
    }

    /// Tells the workers a job was queued: one idle worker is enough to
    /// claim it (the others would only contend for the store's writer).
    pub fn wake(&self) {
        let (lock, cv) = &self.shared.wake;
        if let Ok(mut n) = lock.lock() {
            *n += 1;
        }
        cv.notify_one();
    }

    /// Stops after the jobs being run finish.
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Ok(mut n) = self.shared.wake.0.lock() {
            *n += 1;
        }
        self.shared.wake.1.notify_all();
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// How much lower than the server's threads a worker runs (a nice value).
/// Syncs are background work: on a machine with few cores, a request to
/// the API should not wait for a running sync's time slice.
const WORKER_NICENESS: i32 = 10;

fn worker_loop(home: &Home, store: &JobStore, shared: &Shared, notify: &(dyn Fn() + Send + Sync)) {
    // Linux keeps a nice value per thread; this lowers only this worker.
    // Failing to lower it changes nothing but latency under load.
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), WORKER_NICENESS);
    let (lock, cv) = &shared.wake;
    while !shared.stop.load(Ordering::SeqCst) {
        // Remember the wake count before looking, so a wake between an
        // empty look and the wait is not lost.
        let seen = lock.lock().map(|n| *n).unwrap_or(0);
        match store.claim_next() {
            Ok(Some(job)) => {
                notify();
                if let Err(e) = run_job(home, store, &job, notify) {
                    // The store itself failed; record what we can.
                    let _ = store.finish(&job.id, JobState::Error, None, Some(&e.to_string()));
                    notify();
                }
            }
            Ok(None) | Err(_) => {
                if let Ok(guard) = lock.lock() {
                    if *guard == seen {
                        let _ = cv.wait_timeout(guard, Duration::from_millis(500));
                    }
                }
            }
        }
    }
}
