//! `UpstreamRepo`: a real, non-bare git repository in a temporary directory
//! that tests write files into and commit, as an upstream author would.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::Repository;
use tempfile::TempDir;

/// Runs the `git` command in `dir` with no system or global configuration
/// and returns its trimmed stdout; panics (showing stderr) when git fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("TZ", "UTC")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@test.invalid")
        .env("GIT_COMMITTER_NAME", "Test Author")
        .env("GIT_COMMITTER_EMAIL", "author@test.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("git output is UTF-8")
        .trim_end()
        .to_string()
}

/// An upstream repository with `main` as its branch. The work tree lives at
/// `<tmp>/<name>`, so it can be moved away (to simulate an unreachable
/// upstream) and still be cleaned up.
pub struct UpstreamRepo {
    _tmp: TempDir,
    root: PathBuf,
    path: PathBuf,
}

impl Default for UpstreamRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl UpstreamRepo {
    pub fn new() -> Self {
        Self::named("upstream")
    }

    /// A repository whose directory is called `name` (the name artisync gives
    /// a skill at a repository's root).
    pub fn named(name: &str) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("artisync-upstream-")
            .tempdir()
            .expect("temp dir");
        let root = fs::canonicalize(tmp.path()).expect("canonical temp dir");
        let path = root.join(name);
        fs::create_dir_all(&path).expect("create upstream dir");
        let repo = artisync_store::repo::init(&path).expect("git init");
        let mut cfg = repo.config().expect("repo config");
        cfg.set_str("user.name", "Upstream Author").expect("config");
        cfg.set_str("user.email", "author@upstream.test")
            .expect("config");
        UpstreamRepo {
            _tmp: tmp,
            root,
            path,
        }
    }

    /// The work tree (canonical).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `file:///…` of the repository.
    pub fn url(&self) -> String {
        format!("file://{}", self.path.display())
    }

    /// `file:///…#reference:path`.
    pub fn spec(&self, reference: &str, path: &str) -> String {
        format!("{}#{reference}:{path}", self.url())
    }

    /// A plain local-path spec for `rel` inside the work tree.
    pub fn local(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.path.display().to_string()
        } else {
            self.path.join(rel).display().to_string()
        }
    }

    fn abs(&self, rel: &str) -> PathBuf {
        assert!(
            !rel.starts_with('/') && !rel.split('/').any(|c| c == ".."),
            "fixture paths stay inside the repository: {rel}"
        );
        self.path.join(rel)
    }

    fn parent_dirs(p: &Path) {
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).expect("create parent dirs");
        }
    }

    /// Writes a text file (mode 0644), creating parent directories.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        self.write_bytes(rel, text.as_bytes())
    }

    /// Writes a file with arbitrary bytes (mode 0644).
    pub fn write_bytes(&self, rel: &str, data: &[u8]) -> &Self {
        let p = self.abs(rel);
        Self::parent_dirs(&p);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            fs::remove_file(&p).expect("replace symlink");
        }
        fs::write(&p, data).expect("write file");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).expect("chmod 644");
        self
    }

    /// Makes a file executable (mode 0755).
    pub fn set_exec(&self, rel: &str) -> &Self {
        fs::set_permissions(self.abs(rel), fs::Permissions::from_mode(0o755)).expect("chmod 755");
        self
    }

    /// Creates a symlink at `rel` pointing at `target` (taken verbatim).
    pub fn symlink(&self, rel: &str, target: &str) -> &Self {
        let p = self.abs(rel);
        Self::parent_dirs(&p);
        let _ = fs::remove_file(&p);
        std::os::unix::fs::symlink(target, &p).expect("create symlink");
        self
    }

    /// Removes a file, symlink or directory.
    pub fn remove(&self, rel: &str) -> &Self {
        let p = self.abs(rel);
        let meta = fs::symlink_metadata(&p).expect("path to remove exists");
        if meta.is_dir() {
            fs::remove_dir_all(&p).expect("remove dir");
        } else {
            fs::remove_file(&p).expect("remove file");
        }
        self
    }

    /// Reads a file of the work tree.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.abs(rel)).expect("read file")
    }

    /// Commits the whole work tree as it is on disk and returns the commit id
    /// (hex). The index is rebuilt from scratch so that an edit made within
    /// the same second as the last commit is never missed.
    pub fn commit(&self, message: &str) -> String {
        let _ = fs::remove_file(self.path.join(".git/index"));
        let repo = Repository::open(&self.path).expect("open upstream");
        match artisync_store::repo::commit_all(&repo, message).expect("commit") {
            Some(id) => id.to_string(),
            None => self.head(),
        }
    }

    /// The commit id of HEAD.
    pub fn head(&self) -> String {
        self.rev_parse("HEAD")
    }

    /// Creates a lightweight tag at HEAD.
    pub fn tag(&self, name: &str) {
        git(&self.path, &["tag", name]);
    }

    /// `git rev-parse SPEC`, with the git command.
    pub fn rev_parse(&self, spec: &str) -> String {
        git(&self.path, &["rev-parse", spec])
    }

    /// Moves the repository away so that its URL no longer resolves;
    /// returns where it went.
    pub fn move_away(&self) -> PathBuf {
        let to = self.root.join("moved-away");
        fs::rename(&self.path, &to).expect("move the upstream away");
        to
    }
}

/// Text of the sample upstream's files, for assertions.
pub mod sample {
    pub const PDF_SKILL: &str = "---\nname: pdf\ndescription: Extract text from PDF files\n---\n# PDF\n\nRun `scripts/extract.sh FILE`.\n\n## Steps\n1. Check the file opens.\n2. Extract the text.\n3. Summarise the tables.\n";
    pub const EXTRACT_SH: &str = "#!/bin/sh\nexec pdftotext \"$1\" -\n";
    pub const CHANGELOG_SKILL: &str = "---\nname: changelog\ndescription: Write a changelog entry\n---\n# Changelog\n\n- Group commits by type.\n- One line per change.\n";
    pub const REVIEW_CMD: &str =
        "---\ndescription: Review the current diff\n---\nReview the staged changes.\nFocus on correctness first.\n";
    pub const REVIEWER_AGENT: &str =
        "---\nname: reviewer\ndescription: A careful code reviewer\n---\nYou review code for bugs.\n";
}

impl UpstreamRepo {
    /// A small upstream with one commit: two skills (`skills/pdf` with an
    /// executable script in a subfolder, `skills/changelog`), a command
    /// (`commands/review.md`), an agent (`agents/reviewer.md`) and a README.
    pub fn sample() -> Self {
        let up = Self::new();
        up.write("README.md", "# Team skills\n")
            .write("skills/pdf/SKILL.md", sample::PDF_SKILL)
            .write("skills/pdf/scripts/extract.sh", sample::EXTRACT_SH)
            .set_exec("skills/pdf/scripts/extract.sh")
            .write("skills/changelog/SKILL.md", sample::CHANGELOG_SKILL)
            .write("commands/review.md", sample::REVIEW_CMD)
            .write("agents/reviewer.md", sample::REVIEWER_AGENT);
        up.commit("Initial skills, commands and agents");
        up
    }
}
