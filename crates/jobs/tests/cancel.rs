//! Cancelling sync jobs through the worker: a cancel that arrives before
//! the first artifact, or during a long merge, ends the job `cancelled`
//! at once and writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use artisync_jobs::{run_sync_job, Job, JobKind, JobRequest, JobState, JobStore, Origin};
use artisync_store::Home;
use artisync_sync::{AddRequest, Engine};
use artisync_testkit::{assert_same_tree, snapshot_tree, UpstreamRepo};

struct Fixture {
    tmp: tempfile::TempDir,
    home: Home,
    engine: Engine,
    store: Arc<JobStore>,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let home = Home::at(tmp.path().join("home"));
    let engine = Engine::new(home.clone(), "default");
    engine.init(None).unwrap();
    let store = Arc::new(JobStore::open(&home.jobs_db_path()).unwrap());
    Fixture {
        tmp,
        home,
        engine,
        store,
    }
}

impl Fixture {
    fn add(&self, spec: String) {
        self.engine
            .add(&AddRequest {
                spec,
                ..AddRequest::default()
            })
            .unwrap();
    }

    fn collection(&self) -> std::path::PathBuf {
        self.home.collection_dir("default").unwrap()
    }

    /// A sync job as a server's worker holds it: running.
    fn sync_job(&self, direction: &str, project: Option<&std::path::Path>) -> Job {
        let req = JobRequest {
            direction: direction.into(),
            project_path: project.map(|p| p.display().to_string()),
            ..JobRequest::default()
        };
        self.store
            .create(
                JobKind::Sync,
                &req,
                Origin::Api,
                JobState::Running,
                "t",
                None,
            )
            .unwrap()
            .0
    }
}

#[test]
fn a_cancel_before_the_first_artifact_ends_cancelled_not_success() {
    let f = fixture();
    let up = UpstreamRepo::sample();
    f.add(up.local("skills/pdf"));
    let project = f.tmp.path().join("web");
    std::fs::create_dir_all(&project).unwrap();
    f.engine
        .deploy(&["skill:pdf".parse().unwrap()], &project, None)
        .unwrap();
    // Something to do: the collection's copy changed.
    let skill = f.collection().join("skills/pdf/SKILL.md");
    std::fs::write(&skill, "changed in the collection\n").unwrap();
    let before = snapshot_tree(&project);

    let job = f.sync_job("collection_to_project", Some(&project));
    f.store.cancel(&job.id).unwrap();
    let (done, _) = run_sync_job(&f.home, &f.store, &job, &|| {}).unwrap();
    assert_eq!(done.state, JobState::Cancelled, "{done:?}");
    assert_same_tree(&before, &snapshot_tree(&project), "a cancelled sync");

    // A job with nothing at all to do that was cancelled is cancelled too.
    let empty = f.tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    f.engine.project_add(&empty, &[]).unwrap();
    let job = f.sync_job("collection_to_project", Some(&empty));
    f.store.cancel(&job.id).unwrap();
    let (done, _) = run_sync_job(&f.home, &f.store, &job, &|| {}).unwrap();
    assert_eq!((done.state, done.total), (JobState::Cancelled, 0));
}

/// `n` lines, each `prefix` and its number.
fn text(n: usize, prefix: &str) -> String {
    (0..n).map(|i| format!("{prefix} line {i}\n")).collect()
}

#[test]
fn a_cancel_during_a_long_merge_ends_the_job_within_a_second_or_so() {
    let f = fixture();
    // One skill of 120 text files rewritten on both sides: each is within
    // the merge budget, but together they take many seconds to merge.
    let (files, lines) = (120, 2000);
    let up = UpstreamRepo::new();
    up.write("skills/big/SKILL.md", "---\ndescription: big\n---\n");
    for i in 0..files {
        up.write(&format!("skills/big/f{i}.md"), &text(lines, "base"));
    }
    up.commit("base");
    f.add(up.local("skills/big"));
    let dir = f.collection().join("skills/big");
    for i in 0..files {
        std::fs::write(dir.join(format!("f{i}.md")), text(lines, "ours")).unwrap();
        up.write(&format!("skills/big/f{i}.md"), &text(lines, "theirs"));
    }
    up.commit("theirs");
    let before = snapshot_tree(&f.collection());

    let job = f.sync_job("upstream_to_collection", None);
    let start = Instant::now();
    let runner = {
        let (home, store, job) = (f.home.clone(), f.store.clone(), job.clone());
        std::thread::spawn(move || run_sync_job(&home, &store, &job, &|| {}).unwrap().0)
    };
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!runner.is_finished(), "the merge should still be running");
    let asked = Instant::now();
    f.store.cancel(&job.id).unwrap();
    let done = runner.join().unwrap();
    let after_cancel = asked.elapsed();
    eprintln!(
        "job ended {after_cancel:?} after the cancel, {:?} after its start",
        start.elapsed()
    );
    assert_eq!(done.state, JobState::Cancelled, "{done:?}");
    // Debug builds merge slower than release ones; one file's line merge
    // (well under a second here) is the longest step a cancel waits for.
    assert!(after_cancel < Duration::from_secs(2), "{after_cancel:?}");
    assert_same_tree(
        &before,
        &snapshot_tree(&f.collection()),
        "a cancelled merge",
    );
    assert!(
        std::fs::read_dir(f.home.pending_dir()).map_or(true, |mut d| d.next().is_none()),
        "nothing staged"
    );
}
