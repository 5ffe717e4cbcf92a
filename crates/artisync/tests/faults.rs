//! Writes that the file system refuses: a full disk (ENOSPC) and a
//! read-only file system, at the project and at the data home. Each runs on
//! a small tmpfs mounted for the test (root only; otherwise the test prints
//! why it did not run and returns). A refused write must fail with a clear
//! error, leave the destination byte for byte as it was with no temporary
//! leftovers, keep `status` working, and leave no journal entry that would
//! make `undo` refuse ("changed since artisync's last write").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use artisync_testkit::{
    assert_same_tree, snapshot_tree, without, RawOutput, TestEnv, Tree, UpstreamRepo,
};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(120);
const ID: &str = "skill:big";

/// A tmpfs mounted on a directory for the length of a test.
struct Mount {
    dir: PathBuf,
}

impl Mount {
    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it) on `dir`, or
    /// says why it cannot.
    fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| format!("cannot run id: {e}"))?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            return Err("not running as root, so no tmpfs can be mounted".into());
        }
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        mount(
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ],
            dir,
        )?;
        Ok(Mount {
            dir: dir.to_path_buf(),
        })
    }

    fn read_only(&self) {
        mount(&["-o", "remount,ro"], &self.dir).expect("remount read-only");
    }

    fn read_write(&self) {
        mount(&["-o", "remount,rw"], &self.dir).expect("remount read-write");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Something still holds it open: detach it now, it goes when
            // the last user does.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

fn mount(args: &[&str], dir: &Path) -> Result<(), String> {
    let out = Command::new("mount")
        .args(args)
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run mount: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "mount {args:?} {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Mounts or explains on stderr why the test does not run.
macro_rules! mount_or_skip {
    ($dir:expr, $size:expr) => {
        match Mount::tmpfs($dir, $size) {
            Ok(m) => m,
            Err(why) => {
                eprintln!("skipping {}: {why}", module_path!());
                return;
            }
        }
    };
}

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// `n` bytes that no compression shrinks (a tmpfs stores bytes as they are,
/// but git packs what it fetches).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `n` bytes of text that compresses to almost nothing.
fn text(n: usize) -> Vec<u8> {
    b"a line of a large but very repetitive skill file\n"
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect()
}

/// An upstream with `skills/big` (small for now) imported into a new
/// collection.
fn upstream_and_collection(env: &TestEnv) -> UpstreamRepo {
    env.init();
    let up = UpstreamRepo::new();
    up.write(
        "skills/big/SKILL.md",
        "---\nname: big\ndescription: A test skill.\n---\nBig.\n",
    )
    .write("skills/big/data.txt", "small for now\n");
    up.commit("big, small");
    env.run_ok(&["add", &up.spec("main", "skills/big")]);
    up
}

/// Asserts `out` is a failure with one error line and the cause somewhere
/// in what was printed.
fn failed_clearly(out: &RawOutput, what: &str, causes: &[&str]) {
    assert!(
        !out.assert_orderly(what),
        "{what}: expected a failure: {out:#?}"
    );
    let all = format!("{}\n{}", out.stdout, out.stderr).to_lowercase();
    assert!(
        causes.iter().any(|c| all.contains(c)),
        "{what}: the output does not say why (one of {causes:?}): {out:#?}"
    );
}

/// The status entry of `skill:big` in `project`, or in the collection.
fn big_status(env: &TestEnv, project: Option<&Path>) -> Value {
    let mut args = vec!["status".to_string(), "--json".into()];
    if let Some(p) = project {
        args.push("--project".into());
        args.push(p.to_str().unwrap().into());
    }
    let out = env.run_ok(&args);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ID)
        .unwrap_or_else(|| panic!("{ID} not in status: {doc:#}"))
        .clone()
}

/// Runs undo for `skill:big` after a refused write: it may say there is
/// nothing to undo or undo the previous real write (then `undone` must
/// hold), but never refuse because of the write that did not happen.
fn undo_is_not_blocked(env: &TestEnv, project: Option<&Path>, undone: impl Fn() -> bool) {
    let mut args = vec!["undo".to_string(), ID.into()];
    if let Some(p) = project {
        args.push("--project".into());
        args.push(p.to_str().unwrap().into());
    }
    let out = env.run_raw(&args, LIMIT);
    let ok = out.assert_orderly("undo after a refused write");
    assert!(
        !out.stderr.contains("changed since"),
        "the refused write blocks undo: {out:#?}"
    );
    if ok {
        assert!(
            undone(),
            "undo succeeded but did not restore the previous write: {out:#?}"
        );
    }
}

/// No name artisync uses for a write in progress is left in `dir`.
fn no_leftovers(dir: &Path) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !name.contains(".artisync-"),
                "a temporary {} was left in {}",
                name,
                dir.display()
            );
        }
    }
}

#[test]
fn a_full_project_disk_keeps_the_deployed_skill_and_undo_usable() {
    let env = env();
    let up = upstream_and_collection(&env);
    let project = env.root().join("projects/web");
    let _mount = mount_or_skip!(&project, "512k");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", ID, "--project", p]);
    let deployed = snapshot_tree(&project);

    // Upstream grows past what the project's disk holds.
    up.write_bytes("skills/big/data.txt", &noise(1024 * 1024));
    up.commit("big, now 1 MiB");
    env.run_ok(&["fetch"]);
    env.run_ok(&["sync", "--direction", "upstream_to_collection", ID]);
    let status_before = big_status(&env, Some(&project));

    let out = env.run_raw(
        &[
            "sync",
            "--direction",
            "collection_to_project",
            ID,
            "--project",
            p,
            "--yes",
        ],
        LIMIT,
    );
    failed_clearly(&out, "sync into a full project", &["space", "full"]);
    assert_same_tree(
        &deployed,
        &snapshot_tree(&project),
        "a sync that ran out of space",
    );
    no_leftovers(&project.join(".claude/skills"));
    assert_eq!(
        big_status(&env, Some(&project)),
        status_before,
        "status after the failed sync"
    );

    // A deploy of a second large skill fails the same way.
    up.write_bytes(
        "skills/huge/SKILL.md",
        b"---\nname: huge\ndescription: A test skill.\n---\nHuge.\n",
    );
    up.write_bytes("skills/huge/data.bin", &noise(1024 * 1024));
    up.commit("huge");
    env.run_ok(&["add", &up.spec("main", "skills/huge")]);
    let out = env.run_raw(&["deploy", "skill:huge", "--project", p], LIMIT);
    failed_clearly(&out, "deploy into a full project", &["space", "full"]);
    assert_same_tree(
        &deployed,
        &snapshot_tree(&project),
        "a deploy that ran out of space",
    );
    no_leftovers(&project.join(".claude/skills"));

    let big = project.join(".claude/skills/big");
    undo_is_not_blocked(&env, Some(&project), || !big.exists());
}

#[test]
fn a_read_only_project_keeps_the_deployed_skill_and_undo_usable() {
    let env = env();
    let up = upstream_and_collection(&env);
    let project = env.root().join("projects/web");
    let mount = mount_or_skip!(&project, "4m");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", ID, "--project", p]);
    let deployed = snapshot_tree(&project);

    up.write("skills/big/data.txt", "a new version\n");
    up.commit("big, v2");
    env.run_ok(&["fetch"]);
    env.run_ok(&["sync", "--direction", "upstream_to_collection", ID]);
    let status_before = big_status(&env, Some(&project));

    mount.read_only();
    let out = env.run_raw(
        &[
            "sync",
            "--direction",
            "collection_to_project",
            ID,
            "--project",
            p,
            "--yes",
        ],
        LIMIT,
    );
    failed_clearly(
        &out,
        "sync into a read-only project",
        &["read-only", "read only"],
    );
    let out = env.run_raw(&["deploy", ID, "--project", p], LIMIT);
    assert!(!out.assert_orderly("deploy into a read-only project"));
    assert_same_tree(
        &deployed,
        &snapshot_tree(&project),
        "writes to a read-only project",
    );
    assert_eq!(big_status(&env, Some(&project)), status_before);

    mount.read_write();
    no_leftovers(&project.join(".claude/skills"));
    let big = project.join(".claude/skills/big");
    undo_is_not_blocked(&env, Some(&project), || !big.exists());
}

/// The collection's files (its `.git` left out) and its commit.
fn collection_state(env: &TestEnv) -> (Tree, String) {
    let c = env.collection_dir("default");
    (
        without(&snapshot_tree(&c), Path::new(".git")),
        artisync_testkit::git(&c, &["rev-parse", "HEAD"]),
    )
}

#[test]
fn a_full_data_home_keeps_the_collection_and_undo_usable() {
    let env = env();
    let _mount = mount_or_skip!(env.home(), "3m");
    let up = upstream_and_collection(&env);
    // 8 MiB on disk, a few kilobytes in git: the fetch fits, the copy in
    // the collection does not.
    up.write_bytes("skills/big/data.txt", &text(8 * 1024 * 1024));
    up.commit("big, now 8 MiB of text");
    env.run_ok(&["fetch"]);
    let before = collection_state(&env);
    let status_before = big_status(&env, None);

    let out = env.run_raw(
        &["sync", "--direction", "upstream_to_collection", ID, "--yes"],
        LIMIT,
    );
    failed_clearly(&out, "sync into a full data home", &["space", "full"]);
    let after = collection_state(&env);
    assert_same_tree(&before.0, &after.0, "a sync that ran out of space");
    assert_eq!(before.1, after.1, "no commit was made");
    no_leftovers(&env.collection_dir("default").join("skills"));
    assert_eq!(big_status(&env, None), status_before);
    env.run_ok(&["list"]);

    let big = env.collection_dir("default").join("skills/big");
    undo_is_not_blocked(&env, None, || !big.exists());
}

#[test]
fn a_read_only_data_home_still_shows_status() {
    let env = env();
    let mount = mount_or_skip!(env.home(), "8m");
    let up = upstream_and_collection(&env);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", ID, "--project", p]);
    up.write("skills/big/data.txt", "a new version\n");
    up.commit("big, v2");
    env.run_ok(&["fetch"]);
    let before = collection_state(&env);
    let status_before = big_status(&env, Some(&project));

    mount.read_only();
    // Reading never writes: status and list work on a read-only home.
    assert_eq!(big_status(&env, Some(&project)), status_before);
    env.run_ok(&["list"]);
    let out = env.run_raw(
        &["sync", "--direction", "upstream_to_collection", ID, "--yes"],
        LIMIT,
    );
    failed_clearly(
        &out,
        "sync into a read-only data home",
        &["read-only", "read only"],
    );
    assert_eq!(
        before,
        collection_state(&env),
        "a sync into a read-only home"
    );
    assert_eq!(big_status(&env, Some(&project)), status_before);

    mount.read_write();
    no_leftovers(&env.collection_dir("default").join("skills"));
    let big = env.collection_dir("default").join("skills/big");
    undo_is_not_blocked(&env, None, || !big.exists());
}
