//! The durable job store: SQLite in WAL mode in the data home, shared by the
//! CLI and a running server. Every transition is one statement or one
//! transaction, so two processes never see a half-written job.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::{Event, Job, JobError, JobKind, JobRequest, JobState, Origin};

/// Why the store at `path` cannot be written, when its folder is on a
/// read-only file system (SQLite itself only says it cannot open the file).
fn read_only_hint(path: &Path) -> Option<String> {
    let dir = path.parent()?;
    match rustix::fs::access(dir, rustix::fs::Access::WRITE_OK) {
        Err(rustix::io::Errno::ROFS) => Some(format!(
            "{} is on a read-only file system; artisync records every sync there, so make it writable",
            dir.display()
        )),
        _ => None,
    }
}

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_jobs.sql"),
    include_str!("../migrations/002_pid.sql"),
    include_str!("../migrations/003_seq_index.sql"),
];

/// Lines of log kept per job.
const LOG_TAIL: usize = 200;

/// How many times a server may start an API job that it never finished
/// (it crashed or was killed while running it) before the job ends in
/// `error` instead of being queued again.
pub const MAX_ATTEMPTS: i64 = 3;

pub struct JobStore {
    /// The one connection that writes; SQLite allows one writer at a time.
    conn: Mutex<Connection>,
    /// Read-only connections, taken one per read: in WAL mode they read a
    /// consistent snapshot without waiting for the writer, so polling a
    /// job never queues behind a worker's or a POST's transaction.
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
    /// Uses of the writer, so that the checkpoint thread works only after
    /// writes.
    writes: std::sync::atomic::AtomicU64,
}

/// Readers kept open between reads; more are opened under load.
const IDLE_READERS: usize = 8;

fn now() -> String {
    artisync_store::now_millis()
}

fn db(e: rusqlite::Error) -> JobError {
    JobError::Db(e.to_string())
}

/// A write transaction that takes SQLite's write lock at BEGIN, so that the
/// busy timeout covers waiting for another process. A deferred transaction
/// that reads and then writes fails at once ("database is locked") when
/// another connection wrote in between.
fn immediate(conn: &Connection) -> Result<rusqlite::Transaction<'_>, JobError> {
    rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).map_err(db)
}

/// `Connection::execute` with the statement kept in the connection's cache,
/// so that the job store's few statements are parsed once, not per call.
fn execute_cached(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(p)
}

/// `Connection::query_row` with a cached statement.
fn query_row_cached<T>(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(p, f)
}

const COLUMNS: &str = "id, kind, direction, request, state, origin, done, total, results, report, error, \
     log, trace_id, idempotency_key, cancel_requested, attempts, created_at, started_at, finished_at, duration_ms";

fn row_to_job(r: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get::<_, String>(i) };
    let json = |s: String| serde_json::from_str::<Value>(&s).unwrap_or(Value::Null);
    let request: JobRequest = serde_json::from_str(&text(3)?).unwrap_or_default();
    let log: String = text(11)?;
    Ok(Job {
        id: text(0)?,
        kind: match text(1)?.as_str() {
            "patch" => JobKind::Patch,
            "fetch" => JobKind::Fetch,
            "update" => JobKind::Update,
            "pull" => JobKind::Pull,
            "push" => JobKind::Push,
            _ => JobKind::Sync,
        },
        direction: text(2)?,
        request,
        state: JobState::parse(&text(4)?),
        origin: if text(5)? == "cli" {
            Origin::Cli
        } else {
            Origin::Api
        },
        done: r.get::<_, i64>(6)? as u64,
        total: r.get::<_, i64>(7)? as u64,
        results: json(text(8)?),
        report: r.get::<_, Option<String>>(9)?.map(json),
        error: r.get(10)?,
        log: log.lines().map(str::to_string).collect(),
        trace_id: text(12)?,
        idempotency_key: r.get(13)?,
        cancel_requested: r.get::<_, i64>(14)? != 0,
        attempts: r.get::<_, i64>(15)? as u64,
        created_at: text(16)?,
        started_at: r.get(17)?,
        finished_at: r.get(18)?,
        duration_ms: r.get::<_, Option<i64>>(19)?.map(|d| d.max(0) as u64),
    })
}

impl JobStore {
    /// Opens (creating and migrating) the store at `path`.
    pub fn open(path: &Path) -> Result<JobStore, JobError> {
        Self::open_store(path).map_err(|e| match read_only_hint(path) {
            Some(hint) => JobError::Db(format!("{e}; {hint}")),
            None => e,
        })
    }

    fn open_store(path: &Path) -> Result<JobStore, JobError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| JobError::Db(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
        // Room for every statement the store runs.
        conn.set_prepared_statement_cache_capacity(32);
        // Switching a new database to WAL needs an exclusive lock, and
        // SQLite answers "database is locked" for it at once instead of
        // waiting for the busy timeout; another process opening the store
        // at the same moment holds that lock only briefly, so retry.
        let start = Instant::now();
        while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
            let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
            if !busy || start.elapsed() > Duration::from_secs(10) {
                return Err(db(e));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        // Read the schema version inside the write transaction: two
        // processes opening a new store at once must not both migrate.
        let tx = immediate(&conn)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql).map_err(db)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(JobStore {
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_path_buf(),
            writes: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JobError>,
    ) -> Result<T, JobError> {
        let guard = self
            .conn
            .lock()
            .map_err(|_| JobError::Db("the job store lock is poisoned".into()))?;
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f(&guard)
    }

    /// Moves WAL checkpoints off the write path for a long-running process:
    /// the writer stops checkpointing on commit (where one in a thousand
    /// commits would copy the log into the database and wait for the disk),
    /// and a background thread checkpoints, at most every `every` and only
    /// after writes (looking less often while idle), on a connection of its
    /// own without blocking writers or readers. Checkpointing often keeps the log short, so that new
    /// commits reuse its pages instead of growing the file. The thread ends
    /// when the store is dropped.
    pub fn checkpoint_in_background(
        store: &std::sync::Arc<JobStore>,
        every: Duration,
    ) -> Result<(), JobError> {
        let conn = Connection::open(&store.path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
        store.with(|w| w.pragma_update(None, "wal_autocheckpoint", 0).map_err(db))?;
        let weak = std::sync::Arc::downgrade(store);
        std::thread::Builder::new()
            .name("artisync-checkpoint".into())
            .spawn(move || {
                let (mut seen, mut wait) = (0, every);
                loop {
                    std::thread::sleep(wait);
                    let Some(store) = weak.upgrade() else {
                        return;
                    };
                    let writes = store.writes.load(std::sync::atomic::Ordering::Relaxed);
                    drop(store);
                    if writes == seen {
                        // Idle: look less often, up to once a second.
                        wait = (wait * 2).min(Duration::from_secs(1).max(every));
                        continue;
                    }
                    (seen, wait) = (writes, every);
                    // PASSIVE never waits for other connections; what it
                    // could not copy now it copies next time.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| JobError::Db(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(())
    }

    /// Runs `f` on a read-only connection of its own.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JobError>,
    ) -> Result<T, JobError> {
        let idle = self.readers.lock().ok().and_then(|mut r| r.pop());
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(db)?;
                c.busy_timeout(Duration::from_secs(10)).map_err(db)?;
                // Reads are point lookups and short scans; a small page
                // cache per reader keeps an idle server small.
                c.pragma_update(None, "cache_size", -512).map_err(db)?;
                c
            }
        };
        let out = f(&conn);
        if let Ok(mut r) = self.readers.lock() {
            if r.len() < IDLE_READERS {
                r.push(conn);
            }
        }
        out
    }

    fn event(conn: &Connection, job: &str, kind: &str, data: &Value) -> Result<i64, JobError> {
        execute_cached(
            conn,
            "INSERT INTO events (job_id, kind, data, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![job, kind, data.to_string(), now()],
        )
        .map_err(db)?;
        Ok(conn.last_insert_rowid())
    }

    fn state_event(conn: &Connection, job: &Job) -> Result<i64, JobError> {
        Self::event(
            conn,
            &job.id,
            "state",
            &serde_json::json!({
                "job_id": job.id,
                "state": job.state,
                "direction": job.direction,
                "done": job.done,
                "total": job.total,
                "duration_ms": job.duration_ms,
                "trace_id": job.trace_id,
            }),
        )
    }

    fn get_in(conn: &Connection, id: &str) -> Result<Option<Job>, JobError> {
        query_row_cached(
            conn,
            &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
            params![id],
            row_to_job,
        )
        .optional()
        .map_err(db)
    }

    /// Stores a new job and returns it, or, when `idempotency_key` was used
    /// before, the job it created (`false` in the second field). The same
    /// key with a different request is refused.
    pub fn create(
        &self,
        kind: JobKind,
        request: &JobRequest,
        origin: Origin,
        state: JobState,
        trace_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<(Job, bool), JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            if let Some(key) = idempotency_key {
                let existing = query_row_cached(
                    &tx,
                    &format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = ?1"),
                    params![key],
                    row_to_job,
                )
                .optional()
                .map_err(db)?;
                if let Some(job) = existing {
                    if &job.request != request || job.kind != kind {
                        return Err(JobError::IdempotencyMismatch(key.to_string()));
                    }
                    return Ok((job, false));
                }
            }
            let id = crate::random_id();
            let seq: i64 = query_row_cached(
                &tx,
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
            let started = (state == JobState::Running).then(now);
            execute_cached(
                &tx,
                "INSERT INTO jobs (id, seq, kind, direction, request, state, origin, trace_id, idempotency_key, created_at, started_at, attempts, pid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    id,
                    seq,
                    kind.as_str(),
                    request.direction,
                    serde_json::to_string(request).map_err(|e| JobError::Db(e.to_string()))?,
                    state.as_str(),
                    origin.as_str(),
                    trace_id,
                    idempotency_key,
                    now(),
                    started,
                    i64::from(state == JobState::Running),
                    i64::from(std::process::id()),
                ],
            )
            .map_err(db)?;
            let job = Self::get_in(&tx, &id)?.ok_or_else(|| JobError::Db("a new job vanished".into()))?;
            Self::state_event(&tx, &job)?;
            tx.commit().map_err(db)?;
            Ok((job, true))
        })
    }

    pub fn get(&self, id: &str) -> Result<Option<Job>, JobError> {
        self.read(|c| Self::get_in(c, id))
    }

    /// The jobs whose id starts with `prefix` (hex digits, case-insensitive),
    /// at most `limit`, newest first: a unique prefix names a job, as in git.
    pub fn find_by_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<Job>, JobError> {
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Vec::new());
        }
        // Ids are lower-case hex; the range [prefix, prefix + 'g') holds
        // exactly the ids that start with it, and uses the primary key.
        let low = prefix.to_ascii_lowercase();
        let high = format!("{low}g");
        self.read(|conn| {
            let mut st = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE id >= ?1 AND id < ?2 ORDER BY seq DESC LIMIT ?3"
                ))
                .map_err(db)?;
            let rows = st
                .query_map(params![low, high, limit.min(1000) as i64], row_to_job)
                .map_err(db)?;
            rows.map(|j| j.map_err(db)).collect()
        })
    }

    /// Recent jobs, newest first, optionally only those in `state`.
    pub fn list(&self, state: Option<JobState>, limit: usize) -> Result<Vec<Job>, JobError> {
        self.read(|conn| {
            let limit = limit.min(1000) as i64;
            let mut out = Vec::new();
            match state {
                Some(s) => {
                    let mut st = conn
                        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE state = ?1 ORDER BY seq DESC LIMIT ?2"))
                        .map_err(db)?;
                    for j in st.query_map(params![s.as_str(), limit], row_to_job).map_err(db)? {
                        out.push(j.map_err(db)?);
                    }
                }
                None => {
                    let mut st = conn
                        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?1"))
                        .map_err(db)?;
                    for j in st.query_map(params![limit], row_to_job).map_err(db)? {
                        out.push(j.map_err(db)?);
                    }
                }
            }
            Ok(out)
        })
    }

    /// Takes the oldest queued job and marks it running.
    pub fn claim_next(&self) -> Result<Option<Job>, JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            let id: Option<String> = query_row_cached(
                &tx,
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
            let Some(id) = id else {
                return Ok(None);
            };
            execute_cached(
                &tx,
                "UPDATE jobs SET state = 'running', started_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                params![id, now()],
            )
            .map_err(db)?;
            let job = Self::get_in(&tx, &id)?.ok_or_else(|| JobError::Db("a claimed job vanished".into()))?;
            Self::state_event(&tx, &job)?;
            tx.commit().map_err(db)?;
            Ok(Some(job))
        })
    }

    /// Records one finished artifact of a running job.
    pub fn progress(
        &self,
        id: &str,
        done: u64,
        total: u64,
        result: &Value,
    ) -> Result<(), JobError> {
        self.record_progress(id, done, total, Some(result))
    }

    /// Records how far a job is, for steps that are no artifact's result
    /// (a fetch counts upstreams).
    pub fn count_progress(&self, id: &str, done: u64, total: u64) -> Result<(), JobError> {
        self.record_progress(id, done, total, None)
    }

    fn record_progress(
        &self,
        id: &str,
        done: u64,
        total: u64,
        result: Option<&Value>,
    ) -> Result<(), JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            let results: String = query_row_cached(
                &tx,
                "SELECT results FROM jobs WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(db)?;
            let mut list: Vec<Value> = serde_json::from_str(&results).unwrap_or_default();
            list.extend(result.cloned());
            execute_cached(
                &tx,
                "UPDATE jobs SET done = ?2, total = ?3, results = ?4 WHERE id = ?1",
                params![
                    id,
                    done as i64,
                    total as i64,
                    Value::Array(list).to_string()
                ],
            )
            .map_err(db)?;
            Self::event(
                &tx,
                id,
                "progress",
                &serde_json::json!({"job_id": id, "done": done, "total": total, "result": result.unwrap_or(&Value::Null)}),
            )?;
            tx.commit().map_err(db)
        })
    }

    /// Appends a line to the job's log, keeping the last lines only.
    pub fn log(&self, id: &str, line: &str) -> Result<(), JobError> {
        self.with(|conn| {
            let log: String = query_row_cached(
                conn,
                "SELECT log FROM jobs WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(db)?;
            let mut lines: Vec<&str> = log.lines().collect();
            let stamped = format!("{} {}", now(), line.replace('\n', " "));
            lines.push(&stamped);
            let keep = lines.len().saturating_sub(LOG_TAIL);
            let text = lines[keep..].join("\n");
            execute_cached(
                conn,
                "UPDATE jobs SET log = ?2 WHERE id = ?1",
                params![id, text],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    /// Ends a job in a final state with its report.
    pub fn finish(
        &self,
        id: &str,
        state: JobState,
        report: Option<&Value>,
        error: Option<&str>,
    ) -> Result<Job, JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            let started: Option<String> = query_row_cached(
                &tx,
                "SELECT started_at FROM jobs WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(db)?;
            let duration = started
                .and_then(|s| crate::parse_time(&s))
                .and_then(|s| std::time::SystemTime::now().duration_since(s).ok())
                .map(|d| d.as_millis() as i64);
            let results = report
                .and_then(|r| r.get("artifacts"))
                .map(|a| a.to_string());
            execute_cached(
                &tx,
                "UPDATE jobs SET state = ?2, report = ?3, error = ?4, finished_at = ?5, duration_ms = ?6,
                        results = COALESCE(?7, results) WHERE id = ?1",
                params![id, state.as_str(), report.map(|r| r.to_string()), error, now(), duration, results],
            )
            .map_err(db)?;
            let job = Self::get_in(&tx, id)?.ok_or_else(|| JobError::NotFound(id.to_string()))?;
            Self::state_event(&tx, &job)?;
            tx.commit().map_err(db)?;
            Ok(job)
        })
    }

    /// Cancels a queued job at once, or asks a running one to stop between
    /// artifacts. A finished job cannot be cancelled.
    pub fn cancel(&self, id: &str) -> Result<Job, JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            let job = Self::get_in(&tx, id)?.ok_or_else(|| JobError::NotFound(id.to_string()))?;
            match job.state {
                JobState::Queued => {
                    execute_cached(
                        &tx,
                        "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?2 WHERE id = ?1",
                        params![id, now()],
                    )
                    .map_err(db)?;
                    let job = Self::get_in(&tx, id)?.ok_or_else(|| JobError::NotFound(id.to_string()))?;
                    Self::state_event(&tx, &job)?;
                    tx.commit().map_err(db)?;
                    Ok(job)
                }
                JobState::Running => {
                    execute_cached(
                        &tx,
                        "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1",
                        params![id],
                    )
                    .map_err(db)?;
                    tx.commit().map_err(db)?;
                    Self::get_in(conn, id)?.ok_or_else(|| JobError::NotFound(id.to_string()))
                }
                s => Err(JobError::Finished(id.to_string(), s)),
            }
        })
    }

    pub fn cancel_requested(&self, id: &str) -> bool {
        self.read(|conn| {
            query_row_cached(
                conn,
                "SELECT cancel_requested FROM jobs WHERE id = ?1",
                params![id],
                |r| r.get::<_, i64>(0),
            )
            .map_err(db)
        })
        .map(|v| v != 0)
        .unwrap_or(false)
    }

    /// Puts back in the queue the jobs a crashed process left running, and
    /// returns their ids. Re-running is safe: an artifact already at its
    /// target is unchanged. A job already started `MAX_ATTEMPTS` times ends
    /// in `error` instead, and one whose cancel was asked ends `cancelled`.
    /// Jobs started by the CLI are not re-run by a server; they are marked
    /// as errors if their process is gone (only the CLI knows, so they are
    /// left to time out after `stale_after`).
    pub fn requeue_interrupted(&self) -> Result<Vec<String>, JobError> {
        self.with(|conn| {
            let tx = immediate(conn)?;
            let interrupted: Vec<(String, i64, i64)> = {
                let mut st = tx
                    .prepare("SELECT id, attempts, cancel_requested FROM jobs WHERE state = 'running' AND origin = 'api'")
                    .map_err(db)?;
                let rows = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            let mut ids = Vec::new();
            for (id, attempts, cancel) in interrupted {
                // A job whose run took the server down would take it down at
                // every start: after a few tries it ends instead. A job the
                // user asked to cancel is not started again either.
                let end = if cancel != 0 {
                    Some((JobState::Cancelled, None))
                } else if attempts >= MAX_ATTEMPTS {
                    Some((
                        JobState::Error,
                        Some(format!(
                            "the server stopped {attempts} times while running this job; not retried (check the server's log, then start the sync again)"
                        )),
                    ))
                } else {
                    None
                };
                if let Some((state, error)) = end {
                    execute_cached(
                        &tx,
                        "UPDATE jobs SET state = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
                        params![id, state.as_str(), error, now()],
                    )
                    .map_err(db)?;
                    if let Some(job) = Self::get_in(&tx, &id)? {
                        Self::state_event(&tx, &job)?;
                    }
                    continue;
                }
                ids.push(id);
            }
            for id in &ids {
                execute_cached(
                    &tx,
                    "UPDATE jobs SET state = 'queued', done = 0, results = '[]' WHERE id = ?1",
                    params![id],
                )
                .map_err(db)?;
                if let Some(job) = Self::get_in(&tx, id)? {
                    Self::state_event(&tx, &job)?;
                }
            }
            // A CLI job is run by its own process; if that process is gone,
            // the job can never finish: say so instead of leaving it running.
            let orphans: Vec<(String, i64)> = {
                let mut st = tx
                    .prepare("SELECT id, COALESCE(pid, 0) FROM jobs WHERE state = 'running' AND origin = 'cli'")
                    .map_err(db)?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            for (id, pid) in orphans {
                if pid > 0 && Path::new(&format!("/proc/{pid}")).exists() {
                    continue;
                }
                execute_cached(
                    &tx,
                    "UPDATE jobs SET state = 'error', error = ?2, finished_at = ?3 WHERE id = ?1",
                    params![id, "the artisync process running this job ended before it finished; run the sync again", now()],
                )
                .map_err(db)?;
                if let Some(job) = Self::get_in(&tx, &id)? {
                    Self::state_event(&tx, &job)?;
                }
            }
            tx.commit().map_err(db)?;
            Ok(ids)
        })
    }

    /// Events after `after`, oldest first.
    pub fn events_since(&self, after: i64, limit: usize) -> Result<Vec<Event>, JobError> {
        self.read(|conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT id, job_id, kind, data FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
                )
                .map_err(db)?;
            let rows = st
                .query_map(params![after, limit as i64], |r| {
                    Ok(Event {
                        id: r.get(0)?,
                        job_id: r.get(1)?,
                        kind: r.get(2)?,
                        data: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or(Value::Null),
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
    }

    pub fn last_event_id(&self) -> Result<i64, JobError> {
        self.read(|conn| {
            query_row_cached(conn, "SELECT COALESCE(MAX(id), 0) FROM events", [], |r| {
                r.get(0)
            })
            .map_err(db)
        })
    }

    /// Counts of jobs by state (for metrics).
    pub fn counts(&self) -> Result<Vec<(String, String, u64)>, JobError> {
        self.read(|conn| {
            let mut st = conn
                .prepare("SELECT direction, state, COUNT(*) FROM jobs GROUP BY direction, state")
                .map_err(db)?;
            let rows = st
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
                })
                .map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
    }

    /// (direction, duration in ms) of every finished job.
    pub fn durations(&self) -> Result<Vec<(String, u64)>, JobError> {
        self.read(|conn| {
            let mut st = conn
                .prepare("SELECT direction, duration_ms FROM jobs WHERE duration_ms IS NOT NULL")
                .map_err(db)?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
                .map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
    }

    /// Waits until `id` is in a final state or `timeout` passes.
    pub fn wait(&self, id: &str, timeout: Duration) -> Result<Option<Job>, JobError> {
        let start = Instant::now();
        loop {
            let job = self.get(id)?;
            if job.as_ref().is_none_or(|j| j.state.is_final()) || start.elapsed() > timeout {
                return Ok(job);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
