#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn store() -> (tempfile::TempDir, JobStore) {
    let t = tempfile::tempdir().unwrap();
    let s = JobStore::open(&t.path().join("jobs.db")).unwrap();
    (t, s)
}

/// A new sync job without an idempotency key.
fn job(s: &JobStore, direction: &str, origin: Origin, state: JobState) -> (Job, bool) {
    s.create(JobKind::Sync, &req(direction), origin, state, "t", None)
        .unwrap()
}

fn req(direction: &str) -> JobRequest {
    JobRequest {
        direction: direction.into(),
        ..JobRequest::default()
    }
}

#[test]
fn a_job_moves_through_its_states_and_records_events() {
    let (_t, s) = store();
    let (job, created) = s
        .create(
            JobKind::Sync,
            &req("upstream_to_collection"),
            Origin::Api,
            JobState::Queued,
            "t1",
            None,
        )
        .unwrap();
    assert!(created);
    assert_eq!(job.state, JobState::Queued);
    let claimed = s.claim_next().unwrap().unwrap();
    assert_eq!(
        (claimed.id.as_str(), claimed.state, claimed.attempts),
        (job.id.as_str(), JobState::Running, 1)
    );
    assert!(s.claim_next().unwrap().is_none(), "nothing else is queued");
    s.progress(
        &job.id,
        1,
        2,
        &serde_json::json!({"id": "skill:a", "outcome": "updated"}),
    )
    .unwrap();
    s.log(&job.id, "hello").unwrap();
    let done = s.finish(&job.id, JobState::Success, None, None).unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!((done.done, done.total), (1, 2));
    assert!(done.duration_ms.is_some() && done.finished_at.is_some());
    assert!(done.log.iter().any(|l| l.ends_with("hello")));
    let kinds: Vec<(String, Option<String>)> = s
        .events_since(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.data["state"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("state".into(), Some("queued".into())),
            ("state".into(), Some("running".into())),
            ("progress".into(), None),
            ("state".into(), Some("success".into())),
        ]
    );
    let after = s.events_since(2, 100).unwrap();
    assert_eq!(
        after.first().unwrap().id,
        3,
        "replay starts after the given id"
    );
}

#[test]
fn idempotency_key_returns_the_same_job_and_refuses_a_different_request() {
    let (_t, s) = store();
    let r = req("collection_to_project");
    let (a, created) = s
        .create(
            JobKind::Sync,
            &r,
            Origin::Api,
            JobState::Queued,
            "t",
            Some("k1"),
        )
        .unwrap();
    let (b, again) = s
        .create(
            JobKind::Sync,
            &r,
            Origin::Api,
            JobState::Queued,
            "t",
            Some("k1"),
        )
        .unwrap();
    assert!(created && !again);
    assert_eq!(a.id, b.id);
    let err = s
        .create(
            JobKind::Sync,
            &req("upstream_to_collection"),
            Origin::Api,
            JobState::Queued,
            "t",
            Some("k1"),
        )
        .unwrap_err();
    assert!(matches!(err, JobError::IdempotencyMismatch(_)));
    assert_eq!(s.list(None, 10).unwrap().len(), 1);
}

#[test]
fn cancel_queued_running_and_finished() {
    let (_t, s) = store();
    let (q, _) = job(&s, "a", Origin::Api, JobState::Queued);
    assert_eq!(s.cancel(&q.id).unwrap().state, JobState::Cancelled);
    assert!(
        s.claim_next().unwrap().is_none(),
        "a cancelled job is never run"
    );
    let (r, _) = job(&s, "a", Origin::Api, JobState::Queued);
    s.claim_next().unwrap();
    let running = s.cancel(&r.id).unwrap();
    assert_eq!(running.state, JobState::Running);
    assert!(s.cancel_requested(&r.id));
    s.finish(&r.id, JobState::Cancelled, None, None).unwrap();
    assert!(matches!(
        s.cancel(&r.id),
        Err(JobError::Finished(_, JobState::Cancelled))
    ));
    assert!(matches!(s.cancel("nope"), Err(JobError::NotFound(_))));
}

#[test]
fn interrupted_api_jobs_are_queued_again_and_lists_filter_by_state() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("jobs.db");
    let id = {
        let s = JobStore::open(&path).unwrap();
        let (j, _) = job(&s, "a", Origin::Api, JobState::Queued);
        s.claim_next().unwrap();
        job(&s, "b", Origin::Cli, JobState::Running);
        j.id
    };
    // A new process opens the same store: the API job runs again.
    let s = JobStore::open(&path).unwrap();
    assert_eq!(s.requeue_interrupted().unwrap(), vec![id.clone()]);
    assert_eq!(s.get(&id).unwrap().unwrap().state, JobState::Queued);
    assert_eq!(s.list(Some(JobState::Queued), 10).unwrap().len(), 1);
    assert_eq!(s.list(Some(JobState::Running), 10).unwrap().len(), 1);
    assert_eq!(s.list(None, 10).unwrap().len(), 2);
    assert_eq!(s.claim_next().unwrap().unwrap().attempts, 2);
}

#[test]
fn a_job_that_keeps_stopping_the_server_is_not_run_again() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("jobs.db");
    let id = {
        let s = JobStore::open(&path).unwrap();
        job(&s, "a", Origin::Api, JobState::Queued).0.id
    };
    // Each start claims the job and "crashes" before it ends.
    for attempt in 1..=crate::store::MAX_ATTEMPTS {
        let s = JobStore::open(&path).unwrap();
        if attempt > 1 {
            assert_eq!(s.requeue_interrupted().unwrap(), vec![id.clone()]);
        }
        let claimed = s.claim_next().unwrap().unwrap();
        assert_eq!(
            (claimed.id.as_str(), claimed.attempts as i64),
            (id.as_str(), attempt)
        );
    }
    let s = JobStore::open(&path).unwrap();
    assert!(s.requeue_interrupted().unwrap().is_empty());
    assert!(s.claim_next().unwrap().is_none(), "not queued again");
    let after = s.get(&id).unwrap().unwrap();
    assert_eq!(after.state, JobState::Error);
    assert_eq!(
        after.error.as_deref(),
        Some("the server stopped 3 times while running this job; not retried (check the server's log, then start the sync again)")
    );
    assert!(after.finished_at.is_some());
    let last = s.events_since(0, 100).unwrap().pop().unwrap();
    assert_eq!(last.data["state"], "error");
}

#[test]
fn a_running_job_asked_to_cancel_ends_cancelled_at_the_next_start() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("jobs.db");
    let id = {
        let s = JobStore::open(&path).unwrap();
        let (j, _) = job(&s, "a", Origin::Api, JobState::Queued);
        s.claim_next().unwrap();
        s.cancel(&j.id).unwrap();
        j.id
    };
    let s = JobStore::open(&path).unwrap();
    assert!(s.requeue_interrupted().unwrap().is_empty());
    assert_eq!(s.get(&id).unwrap().unwrap().state, JobState::Cancelled);
}

#[test]
fn the_log_keeps_its_tail() {
    let (_t, s) = store();
    let (j, _) = job(&s, "a", Origin::Cli, JobState::Running);
    for i in 0..250 {
        s.log(&j.id, &format!("line {i}\nwith newline")).unwrap();
    }
    let log = s.get(&j.id).unwrap().unwrap().log;
    assert_eq!(log.len(), 200);
    assert!(log.last().unwrap().ends_with("line 249 with newline"));
}

#[test]
fn ids_are_random_hex() {
    let (a, b) = (random_id(), random_id());
    assert_eq!(a.len(), 32);
    assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a, b);
}

#[test]
fn a_cli_job_whose_process_died_ends_in_error() {
    let (_t, s) = store();
    let (j, _) = job(&s, "a", Origin::Cli, JobState::Running);
    // A pid that certainly is not running any more: a child that has exited.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    s.with(|c| {
        c.execute(
            "UPDATE jobs SET pid = ?1 WHERE id = ?2",
            rusqlite::params![dead, j.id],
        )
        .map_err(|e| JobError::Db(e.to_string()))
    })
    .unwrap();
    s.requeue_interrupted().unwrap();
    let after = s.get(&j.id).unwrap().unwrap();
    assert_eq!(after.state, JobState::Error);
    assert!(after.error.unwrap().contains("ended before it finished"));
}

#[test]
fn a_store_from_an_older_version_is_migrated_in_place() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("jobs.db");
    {
        // A store as the first two migrations left it, with one job.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(crate::store::MIGRATIONS[0]).unwrap();
        c.execute_batch(crate::store::MIGRATIONS[1]).unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        c.execute(
            "INSERT INTO jobs (id, seq, kind, direction, request, state, origin, trace_id, created_at)
             VALUES ('a', 1, 'sync', 'collection_to_project', '{}', 'success', 'cli', 't', 'now')",
            [],
        )
        .unwrap();
    }
    let s = JobStore::open(&path).unwrap();
    let (version, index): (i64, i64) = s
        .with(|c| {
            let v = c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| JobError::Db(e.to_string()))?;
            let i = c
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'jobs_seq'",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| JobError::Db(e.to_string()))?;
            Ok((v, i))
        })
        .unwrap();
    assert_eq!((version, index), (crate::store::MIGRATIONS.len() as i64, 1));
    assert_eq!(s.get("a").unwrap().unwrap().state, JobState::Success);
    let (next, _) = job(&s, "a", Origin::Api, JobState::Queued);
    assert_eq!(s.list(None, 10).unwrap()[0].id, next.id, "newest first");
}

#[test]
fn the_background_checkpoint_moves_jobs_into_the_database_file() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("jobs.db");
    let s = std::sync::Arc::new(JobStore::open(&path).unwrap());
    JobStore::checkpoint_in_background(&s, std::time::Duration::from_millis(20)).unwrap();
    let mut ids = Vec::new();
    for _ in 0..50 {
        let (j, _) = job(&s, "a", Origin::Api, JobState::Queued);
        ids.push(j.id);
    }
    // The writer no longer checkpoints by itself ...
    let auto: i64 = s
        .with(|c| {
            c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
                .map_err(|e| JobError::Db(e.to_string()))
        })
        .unwrap();
    assert_eq!(auto, 0);
    // ... the thread does: the database file alone, without its log,
    // soon holds every job.
    let copy = t.path().join("copy.db");
    let start = std::time::Instant::now();
    let in_file = loop {
        std::fs::copy(&path, &copy).unwrap();
        let n: i64 = rusqlite::Connection::open(&copy)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0))
            .unwrap_or(0);
        if n == 50 || start.elapsed() > std::time::Duration::from_secs(10) {
            break n;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(in_file, 50);
    // Readers see every job at once, from their own connections.
    for id in &ids {
        assert!(s.get(id).unwrap().is_some());
    }
}
