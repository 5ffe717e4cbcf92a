//! `TestEnv`: a temporary data home and runs of the built `artisync` binary
//! against it, hermetically (fresh environment, temporary `HOME`, no colour,
//! no system git config, proxies pointing nowhere so nothing reaches the
//! network).

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

use crate::tree::{snapshot_tree, Tree};

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts the run failed the way every artisync error must: a non-zero
    /// exit code, exactly one line on stderr starting with `error: `, and no
    /// panic. Returns that line.
    pub fn assert_error(&self, what: &str) -> &str {
        assert_ne!(self.code, 0, "{what}: expected a failure, got {self:#?}");
        assert!(
            !self.stderr.contains("panicked") && !self.stdout.contains("panicked"),
            "{what}: panicked: {self:#?}"
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{what}: expected exactly one line on stderr, got {:?}",
            self.stderr
        );
        assert!(
            lines[0].starts_with("error: "),
            "{what}: stderr does not start with 'error: ': {:?}",
            self.stderr
        );
        lines[0]
    }
}

/// What one run of the binary did, as the OS reports it: the exit code, or
/// the signal that ended it, or that it had to be killed after a time limit.
#[derive(Debug, Clone)]
pub struct RawOutput {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
}

impl RawOutput {
    /// Asserts the process ended by itself (no signal, no abort, no time
    /// out, no panic or stack overflow reported) and, if it failed, with
    /// one `error: ` line on stderr (other stderr lines may only be
    /// warnings). Returns whether it succeeded (exit 0).
    pub fn assert_orderly(&self, what: &str) -> bool {
        assert!(
            !self.timed_out,
            "{what}: still running after the time limit: {self:#?}"
        );
        assert!(
            self.signal.is_none(),
            "{what}: killed by signal {:?}: {self:#?}",
            self.signal
        );
        for bad in [
            "panicked",
            "stack overflow",
            "has overflowed its stack",
            "RUST_BACKTRACE",
        ] {
            assert!(
                !self.stderr.contains(bad) && !self.stdout.contains(bad),
                "{what}: the process reported {bad:?}: {self:#?}"
            );
        }
        let code = self.code.unwrap_or(-1);
        if code == 0 {
            return true;
        }
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("warning: "))
            .collect();
        assert!(
            errors.len() == 1 && errors[0].starts_with("error: "),
            "{what}: a failure (exit {code}) must say why in one 'error: ' line on stderr, got {:?}",
            self.stderr
        );
        false
    }
}

pub struct TestEnv {
    _tmp: TempDir,
    root: PathBuf,
    bin: PathBuf,
    home: PathBuf,
    user_home: PathBuf,
    cwd: PathBuf,
}

impl TestEnv {
    /// A new environment for `bin` (in integration tests:
    /// `env!("CARGO_BIN_EXE_artisync")`). The data home is not created: the
    /// first `init` creates it.
    pub fn new(bin: &Path) -> TestEnv {
        let tmp = tempfile::Builder::new()
            .prefix("artisync-test-")
            .tempdir()
            .expect("temp dir");
        let root = fs::canonicalize(tmp.path()).expect("canonical temp dir");
        let user_home = root.join("user-home");
        let cwd = root.join("cwd");
        for d in [&user_home, &cwd, &root.join("projects")] {
            fs::create_dir_all(d).expect("create test dirs");
        }
        TestEnv {
            _tmp: tmp,
            home: root.join("artisync-home"),
            bin: bin.to_path_buf(),
            root,
            user_home,
            cwd,
        }
    }

    /// The temporary directory holding everything of this environment.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$ARTISYNC_HOME`.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Where the collection `name` lives.
    pub fn collection_dir(&self, name: &str) -> PathBuf {
        self.home.join("collections").join(name)
    }

    /// The working directory commands run in.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// A `Command` for the binary with the hermetic environment, not run yet.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env_clear()
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .env("ARTISYNC_HOME", &self.home)
            .env("HOME", &self.user_home)
            .env("XDG_CONFIG_HOME", self.user_home.join(".config"))
            .env("XDG_DATA_HOME", self.user_home.join(".local/share"))
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TZ", "UTC");
        // Nothing may reach the network: every proxy points at a closed port.
        for var in [
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env(var, "http://127.0.0.1:9");
        }
        for keep in ["PATH", "LLVM_PROFILE_FILE"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
        cmd
    }

    /// Runs the binary with `args`.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        let out = self.command(args).output().expect("running artisync");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the binary with `args`, killing it after `limit`, and reports
    /// how it ended (see [`RawOutput`]).
    pub fn run_raw<S: AsRef<OsStr>>(&self, args: &[S], limit: std::time::Duration) -> RawOutput {
        use std::os::unix::process::ExitStatusExt;
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running artisync");
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let (out, timed_out) = match rx.recv_timeout(limit) {
            Ok(out) => (out.expect("waiting for artisync"), false),
            Err(_) => {
                // Kill only the child this call started, by its pid.
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
                (
                    rx.recv()
                        .expect("artisync ended")
                        .expect("waiting for artisync"),
                    true,
                )
            }
        };
        RawOutput {
            code: out.status.code(),
            signal: out.status.signal(),
            timed_out,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the binary and asserts it succeeded.
    pub fn run_ok<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.code,
            0,
            "artisync {} failed (exit {}):\nstderr:\n{}\nstdout:\n{}",
            show_args(args),
            out.code,
            out.stderr,
            out.stdout
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        out
    }

    /// Runs the binary, asserts it failed as an artisync error must (see
    /// [`Output::assert_error`]) and returns the output.
    pub fn run_err<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        let out = self.run(args);
        out.assert_error(&format!("artisync {}", show_args(args)));
        out
    }

    /// Runs the binary with `--json` added, asserts success and parses the
    /// one JSON document on stdout.
    pub fn json<S: AsRef<OsStr>>(&self, args: &[S]) -> serde_json::Value {
        let mut all: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
        all.push(OsStr::new("--json"));
        let out = self.run_ok(&all);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "artisync {} printed invalid JSON ({e}):\n{}",
                show_args(args),
                out.stdout
            )
        })
    }

    /// Creates an empty project directory `name` (outside the data home) and
    /// returns its canonical path.
    pub fn project(&self, name: &str) -> PathBuf {
        let p = self.root.join("projects").join(name);
        fs::create_dir_all(&p).expect("create project dir");
        p
    }

    /// Runs `artisync init` and returns the collection directory.
    pub fn init(&self) -> PathBuf {
        self.run_ok(&["init"]);
        self.collection_dir("default")
    }

    /// Snapshot of everything this environment owns: the data home, every
    /// project, the temporary `HOME` and the working directory.
    /// Everything below the test's root (data home, projects, HOME, cwd)
    /// except the data home's stat cache (`cache/stat/`, and the `cache`
    /// folder's own entry, which the stat cache may have created): a
    /// disposable record of file stamps and hashes that reads refresh,
    /// holding no state of the user's (tests/reading.rs checks it is the
    /// only thing a read writes).
    pub fn snapshot(&self) -> Tree {
        let Ok(home) = self.home.strip_prefix(&self.root) else {
            return snapshot_tree(&self.root);
        };
        let cache = home.join("cache");
        let mut tree = crate::tree::without(&snapshot_tree(&self.root), &cache.join("stat"));
        tree.remove(&cache);
        tree
    }

    /// `snapshot`, stat cache included.
    pub fn snapshot_all(&self) -> Tree {
        snapshot_tree(&self.root)
    }
}

fn show_args<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
