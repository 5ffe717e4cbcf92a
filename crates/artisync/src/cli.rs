//! The command line, as clap definitions. Ids, tiers and
//! paths are taken as strings here and validated once in `main`, so that a
//! bad one gets artisync's one-line message.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "artisync",
    version,
    about = "Keep Claude Code skills, commands and agents in step across upstream, your collection and your projects"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The collection to use
    #[arg(long, global = true, default_value = "default", value_name = "NAME")]
    pub collection: String,
    /// Print one JSON document on stdout instead of human output
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Format of log lines on stderr
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the collection (a git repository)
    Init {
        /// A git remote to add as 'origin'
        #[arg(long, value_name = "URL")]
        remote: Option<String>,
    },
    /// Import artifacts from an upstream spec into the collection
    Add {
        /// github:OWNER/REPO/PATH@REF, https://HOST/REPO.git#REF:PATH, file:///REPO#REF:PATH or a local path
        spec: String,
        /// Name to give the artifact (single artifact only)
        #[arg(long)]
        name: Option<String>,
        /// skill, command or agent, when the path does not tell
        #[arg(long)]
        kind: Option<String>,
        /// Import every artifact under the spec's folder
        #[arg(long)]
        all: bool,
    },
    /// Artifacts with their status per tier
    List,
    /// One artifact: metadata, source, hashes
    Show { id: String },
    /// Every version of an artifact side by side
    Versions {
        id: String,
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Drift of every artifact across the tiers (read-only)
    Status {
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Refresh the upstream cache; nothing else changes
    Fetch { ids: Vec<String> },
    /// Diff an artifact between two tiers (upstream, collection, project)
    Diff {
        id: String,
        #[arg(long, value_name = "TIER")]
        lhs: String,
        #[arg(long, value_name = "TIER")]
        rhs: String,
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Copy artifacts from the collection into a project
    Deploy {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long, value_name = "PATH")]
        project: PathBuf,
    },
    /// Sync artifacts in one direction, merging three-way (a job recorded like any other)
    Sync {
        /// upstream_to_collection, collection_to_project, project_to_collection
        #[arg(long, value_name = "DIRECTION")]
        direction: String,
        /// Artifacts to sync (default: every artifact the direction applies to)
        ids: Vec<String>,
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// auto (three-way merge), ours (keep the destination) or theirs (take the source)
        #[arg(long, default_value = "auto", value_name = "STRATEGY")]
        strategy: String,
        /// A strategy for one artifact, e.g. --strategy-for skill:pdf=theirs
        #[arg(long = "strategy-for", value_name = "ID=STRATEGY")]
        strategy_for: Vec<String>,
        /// Show what would happen; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Confirm choices that discard changes
        #[arg(long)]
        yes: bool,
    },
    /// Bring every copy that only lags its source up to date, as one job: the
    /// collection from its upstreams, then each project from the collection.
    /// Copies with changes of their own while their source moved
    /// (diverged, conflict) and copies missing from a project are held back
    /// and listed; sync those on their own. Run `artisync fetch` first to
    /// see the upstreams' newest commits.
    Update {
        /// Artifacts to update (default: every artifact)
        ids: Vec<String>,
        /// A project to update (repeatable; default: every project)
        #[arg(long = "project", value_name = "PATH")]
        projects: Vec<PathBuf>,
        /// Show what would happen; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Resolve a staged conflict (without a choice, show it)
    Resolve {
        id: String,
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// Settle every conflicted file with ours or theirs
        #[arg(long, value_name = "ours|theirs")]
        all: Option<String>,
        /// Settle one file: PATH=ours, PATH=theirs or PATH=@EDITED_FILE
        #[arg(long = "file", value_name = "PATH=CHOICE")]
        files: Vec<String>,
        /// Edit the merged text of each conflicted file in $VISUAL or $EDITOR
        ///
        /// Each conflicted text file in turn (or only --path's) opens with
        /// its conflict markers in $VISUAL, else $EDITOR, run as git runs
        /// it. Once the editor exits 0 and no marker is left, the saved text
        /// settles the file; otherwise nothing changes. Conflicts with no
        /// text to edit (binary, deleted on one side) need --file or --all
        /// alongside.
        #[arg(long, conflicts_with = "output")]
        edit: bool,
        /// Write the merged text, with markers, to FILE ('-': stdout); change nothing
        ///
        /// Edit FILE with any tool, then come back with --file PATH=@FILE.
        /// With several conflicted text files, choose one with --path; an
        /// existing FILE is not overwritten.
        #[arg(short = 'o', long, value_name = "FILE", conflicts_with_all = ["all", "files"])]
        output: Option<PathBuf>,
        /// The conflicted file for --edit or --output, e.g. SKILL.md
        #[arg(long = "path", value_name = "PATH")]
        path: Option<String>,
    },
    /// Export a project's changes to an artifact as a patch bundle for upstream
    Patch {
        id: String,
        #[arg(long, value_name = "PATH")]
        project: PathBuf,
        /// zip or tar.gz (patch, mbox and README) or a bare mbox
        #[arg(long, default_value = "zip", value_name = "FORMAT")]
        format: String,
        /// Where to write the bundle (default: KIND-NAME.EXT in the current directory)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Restore the content before artisync's last write
    Undo {
        id: Option<String>,
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Recent jobs (every sync, from the CLI or the server)
    Jobs {
        /// Only jobs in this state: queued, running, success, conflict, error, cancelled
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value = "20")]
        limit: usize,
    },
    /// One job: state, progress, results and log
    Job { id: String },
    /// Registered projects
    Project {
        #[command(subcommand)]
        action: ProjectAction,
    },
    /// Serve the HTTP API (and web UI) on 127.0.0.1
    Serve {
        #[arg(long, default_value = "127.0.0.1:8420", value_name = "ADDR")]
        addr: String,
        /// Also allow syncing projects under this directory (repeatable)
        #[arg(long = "allow-root", value_name = "DIR")]
        allow_root: Vec<PathBuf>,
        /// Job worker threads
        #[arg(long, default_value = "2")]
        workers: usize,
        /// Connections served at once (hidden: a tuning knob, in README)
        #[arg(long, default_value = "256", hide = true, value_parser = clap::value_parser!(u32).range(1..=65536))]
        max_connections: u32,
        /// Milliseconds a client has to send a complete request head, also
        /// the keep-alive idle limit (hidden: a tuning knob, in README)
        #[arg(long, default_value = "10000", hide = true, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
        header_timeout_ms: u64,
    },
    /// Build a demo home (an upstream with history, a collection, two projects with drift) and show it
    Demo {
        /// Where to build it (default: a new temporary directory)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Where to serve the web UI (another free port if this one is taken)
        #[arg(long, default_value = "127.0.0.1:8420", value_name = "ADDR")]
        addr: String,
        /// Only build the demo home and show its status; do not serve it
        #[arg(long)]
        no_serve: bool,
    },
}

impl Command {
    /// Whether the command reads local git repositories and never fetches,
    /// so libgit2 can start without TLS set-up (see `repo::start_git`).
    /// `init` (may clone), `add`, `fetch` and `sync` (may fetch), and
    /// `serve`/`demo` (run jobs that fetch) are not.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            Command::List
                | Command::Show { .. }
                | Command::Versions { .. }
                | Command::Status { .. }
                | Command::Diff { .. }
                | Command::Deploy { .. }
                | Command::Resolve { .. }
                | Command::Patch { .. }
                | Command::Undo { .. }
        )
    }

    /// Whether the command uses git at all: `jobs`, `job` and `project`
    /// do not, and starting libgit2 would only cost them time.
    pub fn uses_git(&self) -> bool {
        !matches!(
            self,
            Command::Jobs { .. } | Command::Job { .. } | Command::Project { .. }
        )
    }

    /// Whether the command may need no git at all: `list` and `status`
    /// read upstream hashes from the data home's memo when it knows them,
    /// and start libgit2 themselves when it does not.
    pub fn starts_git_lazily(&self) -> bool {
        matches!(self, Command::List | Command::Status { .. })
    }
}

#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    /// Register a project directory
    Add { path: PathBuf },
    /// List registered projects
    List,
    /// Forget a project (its files are left alone)
    Remove { path: PathBuf },
}
