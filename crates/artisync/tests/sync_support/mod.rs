//! Shared fixtures of the sync end-to-end tests (`sync_*.rs`): one skill
//! `skill:x` imported from an upstream into the collection and deployed into
//! a project, with the two ends of a sync direction as places on disk that
//! a test edits, plus helpers to read statuses, reports and artifact files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use artisync_testkit::{snapshot_tree, without, Output, TestEnv, Tree, UpstreamRepo};
use serde_json::Value;

pub fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// A file of an artifact as git sees it: executable or not, and its bytes.
pub type Files = BTreeMap<String, (bool, Vec<u8>)>;

/// The files under `dir` (recursively), with their exec bit. An absent
/// directory has no files.
pub fn read_files(dir: &Path) -> Files {
    snapshot_tree(dir)
        .into_iter()
        .filter(|(_, (mode, _))| mode & 0o170000 == 0o100000)
        .map(|(p, (mode, data))| (p.to_string_lossy().into_owned(), (mode & 0o100 != 0, data)))
        .collect()
}

/// `files` as a readable listing for assertion messages.
pub fn show_files(files: &Files) -> String {
    files
        .iter()
        .map(|(p, (x, d))| {
            format!(
                "{p}{}: {:?}",
                if *x { " (exec)" } else { "" },
                String::from_utf8_lossy(d)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn assert_files(actual: &Files, expected: &Files, what: &str) {
    assert!(
        actual == expected,
        "{what}: files differ\n--- actual:\n{}\n--- expected:\n{}",
        show_files(actual),
        show_files(expected)
    );
}

/// An edit to an artifact's files on disk.
#[derive(Debug, Clone)]
pub enum Op {
    Write(&'static str, Vec<u8>),
    SetExec(&'static str),
    Remove(&'static str),
    Rename(&'static str, &'static str),
}

pub fn write(path: &'static str, text: &str) -> Op {
    Op::Write(path, text.as_bytes().to_vec())
}

/// Applies `ops` to the artifact directory `dir`.
pub fn apply(dir: &Path, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Write(rel, data) => {
                let p = dir.join(rel);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                // Keep the mode of an existing file, as an editor does.
                fs::write(&p, data).unwrap();
            }
            Op::SetExec(rel) => {
                fs::set_permissions(dir.join(rel), fs::Permissions::from_mode(0o755)).unwrap()
            }
            Op::Remove(rel) => fs::remove_file(dir.join(rel)).unwrap(),
            Op::Rename(from, to) => {
                let to = dir.join(to);
                fs::create_dir_all(to.parent().unwrap()).unwrap();
                fs::rename(dir.join(from), to).unwrap();
            }
        }
    }
}

/// Applies `ops` to an in-memory file set, as [`apply`] does on disk.
pub fn apply_files(files: &Files, ops: &[Op]) -> Files {
    let mut f = files.clone();
    for op in ops {
        match op {
            Op::Write(rel, data) => {
                let exec = f.get(*rel).is_some_and(|e| e.0);
                f.insert(rel.to_string(), (exec, data.clone()));
            }
            Op::SetExec(rel) => f.get_mut(*rel).unwrap().0 = true,
            Op::Remove(rel) => {
                f.remove(*rel).unwrap();
            }
            Op::Rename(from, to) => {
                let e = f.remove(*from).unwrap();
                f.insert(to.to_string(), e);
            }
        }
    }
    f
}

/// The two directions between upstream, collection and project that the
/// scenario table runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    UpstreamToCollection,
    CollectionToProject,
}

impl Dir {
    pub const BOTH: [Dir; 2] = [Dir::UpstreamToCollection, Dir::CollectionToProject];

    pub fn as_str(self) -> &'static str {
        match self {
            Dir::UpstreamToCollection => "upstream_to_collection",
            Dir::CollectionToProject => "collection_to_project",
        }
    }
}

pub const ID: &str = "skill:x";

/// A skill `skill:x` with files `base`, in an upstream repository, imported
/// into the collection and deployed into the project `web`; the sync under
/// test runs in direction `dir`.
pub struct Fixture {
    pub env: TestEnv,
    pub up: UpstreamRepo,
    pub collection: PathBuf,
    pub project: PathBuf,
    pub dir: Dir,
}

impl Fixture {
    pub fn new(dir: Dir, base: &Files) -> Fixture {
        let env = env();
        let collection = env.init();
        let up = UpstreamRepo::new();
        for (p, (exec, data)) in base {
            let rel = format!("skills/x/{p}");
            up.write_bytes(&rel, data);
            if *exec {
                up.set_exec(&rel);
            }
        }
        up.commit("skill x");
        env.run_ok(&["add", &up.spec("main", "skills/x")]);
        let project = env.project("web");
        env.run_ok(&["deploy", ID, "--project", project.to_str().unwrap()]);
        let f = Fixture {
            env,
            up,
            collection,
            project,
            dir,
        };
        assert_files(&read_files(&f.source()), base, "the fixture's source");
        assert_files(&read_files(&f.dest()), base, "the fixture's destination");
        f
    }

    pub fn project_str(&self) -> &str {
        self.project.to_str().unwrap()
    }

    pub fn collection_skill(&self) -> PathBuf {
        self.collection.join("skills/x")
    }

    pub fn project_skill(&self) -> PathBuf {
        self.project.join(".claude/skills/x")
    }

    /// The source side's artifact directory.
    pub fn source(&self) -> PathBuf {
        match self.dir {
            Dir::UpstreamToCollection => self.up.path().join("skills/x"),
            Dir::CollectionToProject => self.collection_skill(),
        }
    }

    /// The destination side's artifact directory.
    pub fn dest(&self) -> PathBuf {
        match self.dir {
            Dir::UpstreamToCollection => self.collection_skill(),
            Dir::CollectionToProject => self.project_skill(),
        }
    }

    /// Edits the source. An upstream edit is committed and fetched, so that
    /// `status` (which reads only the cache) sees it.
    pub fn edit_source(&self, ops: &[Op]) {
        apply(&self.source(), ops);
        if self.dir == Dir::UpstreamToCollection {
            self.up.commit("upstream edit");
            self.env.run_ok(&["fetch"]);
        }
    }

    pub fn edit_dest(&self, ops: &[Op]) {
        apply(&self.dest(), ops);
    }

    /// `--project P` when the direction needs one.
    pub fn project_args(&self) -> Vec<String> {
        match self.dir {
            Dir::UpstreamToCollection => vec![],
            Dir::CollectionToProject => vec!["--project".into(), self.project_str().into()],
        }
    }

    /// Runs `sync --direction D skill:x [--project P] EXTRA… --json`.
    pub fn sync(&self, extra: &[&str]) -> (Output, Option<Value>) {
        let mut args: Vec<String> = vec![
            "sync".into(),
            "--direction".into(),
            self.dir.as_str().into(),
            ID.into(),
        ];
        args.extend(self.project_args());
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push("--json".into());
        run_json(&self.env, &args)
    }

    /// `resolve skill:x [--project P] ARGS…`.
    pub fn resolve(&self, extra: &[&str]) -> Output {
        let mut args: Vec<String> = vec!["resolve".into(), ID.into()];
        args.extend(self.project_args());
        args.extend(extra.iter().map(|s| s.to_string()));
        self.env.run(&args)
    }

    /// `undo skill:x [--project P]`.
    pub fn undo(&self) -> Output {
        let mut args: Vec<String> = vec!["undo".into(), ID.into()];
        args.extend(self.project_args());
        self.env.run(&args)
    }

    /// The status of the pair under test (`upstream` entry, or the project's).
    pub fn pair_status(&self) -> String {
        let st = self.env.json(&["status", "--project", self.project_str()]);
        let a = artifact(&st, ID);
        match self.dir {
            Dir::UpstreamToCollection => a["upstream"]["status"].as_str().unwrap().to_string(),
            Dir::CollectionToProject => project_entry(a, &self.project)["status"]
                .as_str()
                .unwrap()
                .to_string(),
        }
    }

    /// Everything the environment owns except the upstream cache (which a
    /// fetch refreshes) and the upstream repository.
    pub fn snapshot(&self) -> Tree {
        state_snapshot(&self.env)
    }
}

/// Runs the binary with `args` (which hold `--json`) and parses stdout when
/// there is any.
pub fn run_json<S: AsRef<std::ffi::OsStr>>(env: &TestEnv, args: &[S]) -> (Output, Option<Value>) {
    let out = env.run(args);
    assert!(
        !out.stderr.contains("panicked"),
        "artisync panicked: {}",
        out.stderr
    );
    let v = if out.stdout.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!("invalid JSON ({e}): {}", out.stdout);
        }))
    };
    (out, v)
}

/// The environment's snapshot without the upstream cache, the job records
/// (every sync, dry runs too, is recorded as a job) and the lock files: the
/// tiers and the data artisync keeps about them.
pub fn state_snapshot(env: &TestEnv) -> Tree {
    let home = env.home().strip_prefix(env.root()).unwrap().to_path_buf();
    let mut tree = without(&env.snapshot(), &home.join("cache"));
    for bookkeeping in ["jobs.db", "jobs.db-wal", "jobs.db-shm", "locks"] {
        tree = without(&tree, &home.join(bookkeeping));
    }
    tree
}

/// The entry of `id` in a `status --json` report.
pub fn artifact<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in status: {status:#}"))
}

/// The entry of `project` in one artifact's status.
pub fn project_entry<'a>(artifact: &'a Value, project: &Path) -> &'a Value {
    artifact["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == project.to_str().unwrap())
        .unwrap_or_else(|| panic!("{} not in {artifact:#}", project.display()))
}

/// The only artifact result of a sync report.
pub fn only_result(report: &Value) -> &Value {
    let a = report["artifacts"].as_array().unwrap();
    assert_eq!(a.len(), 1, "one artifact result: {report:#}");
    &a[0]
}

/// The report's files as (path, change) pairs.
pub fn file_changes(result: &Value) -> Vec<(String, String)> {
    result["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The parsed lockfile of a project.
pub fn lockfile(project: &Path) -> toml::Table {
    let text = fs::read_to_string(project.join(".claude/artisync.lock")).unwrap();
    text.parse()
        .unwrap_or_else(|e| panic!("the lockfile is not valid TOML ({e}):\n{text}"))
}

/// The lockfile entry of `kind:name`.
pub fn lock_entry(project: &Path, id: &str) -> Option<toml::Table> {
    let (kind, name) = id.split_once(':').unwrap();
    lockfile(project)
        .get("artifact")?
        .as_array()?
        .iter()
        .filter_map(|e| e.as_table())
        .find(|e| e["kind"].as_str() == Some(kind) && e["name"].as_str() == Some(name))
        .cloned()
}

/// The text of `n` numbered lines `prefix 1` … `prefix n`.
pub fn lines(prefix: &str, n: usize) -> String {
    (1..=n).map(|i| format!("{prefix} {i}\n")).collect()
}

/// `text` with line `n` (1-based) replaced by `with` (given without its
/// line ending; the original's ending is kept).
pub fn replace_line(text: &str, n: usize, with: &str) -> String {
    let mut out = String::new();
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == n {
            let ending = &l[l.trim_end_matches(['\r', '\n']).len()..];
            out.push_str(with);
            out.push_str(ending);
        } else {
            out.push_str(l);
        }
    }
    out
}

/// Calls `f` on every item, on a few threads; a panic in any call fails the
/// caller once the others have finished.
pub fn run_in_parallel<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    const THREADS: usize = 4;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let panics = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match items.get(i) {
                        Some(item) => f(item),
                        None => break,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().is_err())
            .filter(|failed| *failed)
            .count()
    });
    assert_eq!(panics, 0, "{panics} thread(s) failed; see the panics above");
}

/// After two concurrent writes of `id` into `project` from collections "a"
/// and "b" (whose versions `version` gives): the project holds one side's
/// complete version, never a mix; the lockfile names that side at its hash;
/// and status says the pair is in sync. Returns (winner, loser).
pub fn assert_one_version_won(
    env: &TestEnv,
    project: &Path,
    skill: &Path,
    id: &str,
    version: impl Fn(&str) -> Files,
    what: &str,
) -> (&'static str, &'static str) {
    let now = read_files(skill);
    let (winner, loser) = if now == version("a") {
        ("a", "b")
    } else if now == version("b") {
        ("b", "a")
    } else {
        panic!(
            "{what}: the project holds neither version:\n{}",
            show_files(&now)
        );
    };
    let entry =
        lock_entry(project, id).unwrap_or_else(|| panic!("{what}: {id} missing from the lockfile"));
    assert_eq!(entry["collection"].as_str(), Some(winner), "{what}");
    let p = project.to_str().unwrap();
    let st = env.json(&["--collection", winner, "status", "--project", p]);
    let a = artifact(&st, id);
    let pe = project_entry(a, project);
    assert_eq!(pe["hash"], a["collection"]["hash"], "{what}: {a:#}");
    assert_eq!(pe["deployed_hash"], pe["hash"], "{what}: {a:#}");
    assert_eq!(pe["status"], "in_sync", "{what}");
    (winner, loser)
}

/// Version `round` of a skill as `side` ("a" or "b") writes it: the two
/// sides have different file sets, so a mix of both is easy to see.
pub fn version(side: &str, round: usize) -> Files {
    let mut f = Files::new();
    f.insert(
        "SKILL.md".into(),
        (
            false,
            format!("---\nname: x\ndescription: from {side}, round {round}\n---\n").into_bytes(),
        ),
    );
    for i in 0..24 {
        f.insert(
            format!("{side}/{i:02}.md"),
            (false, format!("{side} {round} {i}\n").into_bytes()),
        );
    }
    f.insert(
        format!("scripts/{side}.sh"),
        (
            true,
            format!("#!/bin/sh\necho {side} {round}\n").into_bytes(),
        ),
    );
    f
}

/// Replaces the artifact directory `dir` by `files`.
pub fn put(dir: &Path, files: &Files) {
    if dir.exists() {
        fs::remove_dir_all(dir).unwrap();
    }
    for (p, (exec, data)) in files {
        let path = dir.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        if *exec {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

/// Collections "a" and "b", each holding its own version 0 of `skill:x`
/// (imported from an upstream of its own), and project "web" with
/// collection a's copy deployed. Returns the upstreams (keep them alive),
/// the project and the skill's directory in it.
pub fn two_collections_one_project(env: &TestEnv) -> (Vec<UpstreamRepo>, PathBuf, PathBuf) {
    let ups = ["a", "b"]
        .iter()
        .map(|side| {
            let up = UpstreamRepo::new();
            put(&up.path().join("skills/x"), &version(side, 0));
            up.commit("x");
            env.run_ok(&["--collection", side, "init"]);
            env.run_ok(&["--collection", side, "add", &up.local("skills/x")]);
            up
        })
        .collect();
    let project = env.project("web");
    let skill = project.join(".claude/skills/x");
    env.run_ok(&[
        "--collection",
        "a",
        "deploy",
        ID,
        "--project",
        project.to_str().unwrap(),
    ]);
    (ups, project, skill)
}
