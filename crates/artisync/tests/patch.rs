//! `artisync patch`: a project's changes exported against the upstream
//! commit they came from, as a patch `git apply` accepts and an mbox `git am`
//! accepts on a clone of the upstream; the upstream itself is never touched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use artisync_testkit::{assert_same_tree, git, snapshot_tree, TestEnv, UpstreamRepo};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

/// An env with the sample upstream imported, skill:pdf and command:review
/// deployed into a project, and local edits of every kind made there.
fn edited() -> (TestEnv, UpstreamRepo, PathBuf) {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let project = env.project("web");
    env.run_ok(&[
        "deploy",
        "skill:pdf",
        "command:review",
        "--project",
        project.to_str().unwrap(),
    ]);
    let skill = project.join(".claude/skills/pdf");
    let text = std::fs::read_to_string(skill.join("SKILL.md")).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        format!("{text}\nAlso check scanned pages.\n"),
    )
    .unwrap();
    std::fs::write(skill.join("NOTES.md"), "New notes file.\n").unwrap();
    std::fs::write(skill.join("logo.bin"), [0u8, 1, 2, 250, 251, 0, 7]).unwrap();
    let script = skill.join("scripts/extract.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    (env, up, project)
}

fn clone(up: &UpstreamRepo, dir: &Path) -> PathBuf {
    let dest = dir.join("clone");
    std::fs::create_dir_all(dir).unwrap();
    git(
        dir,
        &[
            "clone",
            "-q",
            up.path().to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
    );
    dest
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip archive");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

#[test]
fn zip_bundle_applies_with_git_apply_and_git_am() {
    let (env, up, project) = edited();
    let upstream_before = snapshot_tree(up.path());
    let out_file = env.cwd().join("bundle.zip");
    let report = env.json(&[
        "patch",
        "skill:pdf",
        "--project",
        project.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(report["bundle"]["base_commit"], up.head());
    assert_eq!(report["bundle"]["path"], "skills/pdf");
    let files = unzip(&std::fs::read(&out_file).unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "skill-pdf/README.md",
            "skill-pdf/skill-pdf.patch",
            "skill-pdf/skill-pdf.mbox"
        ]
    );
    let readme = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(
        readme.contains("git apply") && readme.contains(&up.head()),
        "{readme}"
    );

    let work = tempfile::tempdir().unwrap();
    // git apply at the upstream root reproduces the project's artifact exactly.
    let a = clone(&up, work.path());
    let patch = work.path().join("x.patch");
    std::fs::write(&patch, &files[1].1).unwrap();
    git(&a, &["apply", "--check", patch.to_str().unwrap()]);
    git(&a, &["apply", patch.to_str().unwrap()]);
    assert_same_tree(
        &snapshot_tree(&project.join(".claude/skills/pdf")),
        &snapshot_tree(&a.join("skills/pdf")),
        "git apply result",
    );
    // git am makes a commit whose tree at the path has the project's hash.
    let b = clone(&up, work.path().join("b").as_path());
    let mbox = work.path().join("x.mbox");
    std::fs::write(&mbox, &files[2].1).unwrap();
    git(&b, &["am", mbox.to_str().unwrap()]);
    let subject = git(&b, &["log", "-1", "--format=%s"]);
    assert_eq!(subject, "Update skills/pdf from web");
    let status = env.json(&["status", "--project", project.to_str().unwrap()]);
    let pdf = status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "skill:pdf")
        .unwrap();
    assert_eq!(
        git(&b, &["rev-parse", "HEAD:skills/pdf"]),
        pdf["projects"][0]["hash"].as_str().unwrap()
    );

    // The upstream repository is exactly as it was.
    assert_same_tree(
        &upstream_before,
        &snapshot_tree(up.path()),
        "upstream after patch",
    );
}

#[test]
fn tar_gz_and_mbox_formats() {
    let (env, up, project) = edited();
    let p = project.to_str().unwrap();
    // Nothing changed in command:review: there is nothing to export.
    let err = env.run_err(&["patch", "command:review", "--project", p]);
    assert!(err.stderr.contains("nothing to export"), "{}", err.stderr);

    let tgz = env.cwd().join("b.tar.gz");
    env.run_ok(&[
        "patch",
        "skill:pdf",
        "--project",
        p,
        "--format",
        "tar.gz",
        "-o",
        tgz.to_str().unwrap(),
    ]);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&tgz).unwrap(),
    ));
    let mut names = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut e = entry.unwrap();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        names.push(e.path().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(
        names,
        vec![
            "skill-pdf/README.md",
            "skill-pdf/skill-pdf.patch",
            "skill-pdf/skill-pdf.mbox"
        ]
    );

    let mbox = env.cwd().join("c.mbox");
    env.run_ok(&[
        "patch",
        "skill:pdf",
        "--project",
        p,
        "--format",
        "mbox",
        "-o",
        mbox.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&mbox).unwrap();
    assert!(
        text.starts_with("From ") && text.contains("Subject: [PATCH] Update skills/pdf from web"),
        "{text}"
    );
    let work = tempfile::tempdir().unwrap();
    let c = clone(&up, work.path());
    git(&c, &["am", mbox.to_str().unwrap()]);

    // A file that exists is never overwritten.
    let again = env.run_err(&[
        "patch",
        "skill:pdf",
        "--project",
        p,
        "--format",
        "mbox",
        "-o",
        mbox.to_str().unwrap(),
    ]);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let bad = env.run(&["patch", "skill:pdf", "--project", p, "--format", "rar"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn unchanged_artifact_has_nothing_to_export() {
    let env = env();
    env.init();
    let up = UpstreamRepo::sample();
    env.run_ok(&["add", &up.local(""), "--all"]);
    let project = env.project("web");
    let p = project.to_str().unwrap();
    env.run_ok(&["deploy", "agent:reviewer", "--project", p]);
    let err = env.run_err(&["patch", "agent:reviewer", "--project", p]);
    assert!(err.stderr.contains("nothing to export"), "{}", err.stderr);
    let err = env.run_err(&["patch", "skill:pdf", "--project", p]);
    assert!(err.stderr.contains("not in project"), "{}", err.stderr);
}
