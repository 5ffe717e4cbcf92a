//! The command line, as clap definitions. Ids, tiers and
//! paths are taken as strings here and validated once in `main`, so that a
//! bad one gets artisync's one-line message.

use std::path::PathBuf;

use artisync_model::Target;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The tiers `--lhs` and `--rhs` take, for help texts.
const TIERS: &str = "upstream, collection or project (project needs --project)";

#[derive(Debug, Parser)]
#[command(
    name = "artisync",
    version,
    about = "Keep Claude Code skills, commands and agents in step across upstream, your collection and your projects",
    after_help = "Examples:\n  artisync demo                       a demo home with real drift, served in the browser\n  artisync add github:anthropics/skills/skills/pdf\n  artisync status\n\nExit codes: 0 success, 1 error, 2 usage error, 3 a sync ended with conflicts (see 'artisync resolve').\nThe data home is $ARTISYNC_HOME if set."
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
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        default_value = "default",
        value_name = "NAME"
    )]
    pub collection: String,
    /// Print one JSON document on stdout instead of human output
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Print only errors
    #[arg(
        short,
        long,
        global = true,
        help_heading = "Global options",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,
    /// Print more detail
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
    /// Use your user scope (~/.claude, ~/.agents and the other layouts) as the project: the same as --project ~
    #[arg(long, global = true, help_heading = "Global options")]
    pub user: bool,
    /// Format of log lines on stderr
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_enum,
        default_value = "text",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the collection (a git repository)
    ///
    /// With --remote, the collection is shared through that git remote:
    /// when the remote already holds a collection, it is pulled in; when it
    /// is empty, 'artisync collection push' shares this one.
    #[command(
        after_help = "Examples:\n  artisync init\n  artisync --collection team init --remote git@github.com:acme/skills.git"
    )]
    Init {
        /// A git remote to share the collection through (as 'origin')
        #[arg(long, value_name = "URL")]
        remote: Option<String>,
    },
    /// Share the collection through a git remote: set it, pull, push
    #[command(
        after_help = "Examples:\n  artisync collection remote set git@github.com:acme/skills.git\n  artisync collection pull\n  artisync collection push\n  artisync collection remote                  where the collection stands against it"
    )]
    Collection {
        #[command(subcommand)]
        action: CollectionAction,
    },
    /// Import artifacts from an upstream, or plugins from a marketplace, into the collection
    #[command(
        after_help = "Examples:\n  artisync add github:anthropics/skills/skills/pdf\n  artisync add github:anthropics/skills/skills@main --all\n  artisync add ~/src/team-skills/commands/review.md --name team-review\n\nClaude Code plugin marketplaces (.claude-plugin/marketplace.json):\n  artisync add marketplace:acme/claude-plugins            list its plugins, import nothing\n  artisync add marketplace:acme/claude-plugins --plugin formatter --plugin linter\n  artisync add marketplace:./my-marketplace --all\n  artisync add marketplace:https://git.example.com/plugins.git#v2 --plugin formatter\nA plugin's skills, commands and agents are imported as ordinary upstream artifacts;\nnpm and archive plugins are listed but cannot be imported."
    )]
    Add {
        /// Where the artifact lives: github:OWNER/REPO/PATH@REF, https://HOST/REPO.git#REF:PATH, file:///REPO#REF:PATH or a local path; or a plugin marketplace: marketplace:OWNER/REPO[@REF], marketplace:PATH or marketplace:URL
        #[arg(value_name = "SPEC")]
        spec: String,
        /// Name to give the artifact in the collection (single artifact only)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// skill, command or agent, when the path does not tell (with a marketplace: import only that kind)
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Import every artifact under the spec's folder (with a marketplace: every plugin)
        #[arg(long)]
        all: bool,
        /// With a marketplace: spec, a plugin to import (repeatable)
        #[arg(long = "plugin", value_name = "NAME")]
        plugins: Vec<String>,
    },
    /// Artifacts with their status per tier
    #[command(after_help = "Examples:\n  artisync list\n  artisync list --json")]
    List,
    /// One artifact: metadata, source, hashes
    #[command(after_help = "Examples:\n  artisync show skill:pdf")]
    Show {
        /// The artifact, as KIND:NAME (e.g. skill:pdf)
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Every version of an artifact side by side
    #[command(
        after_help = "Examples:\n  artisync versions command:review\n  artisync versions skill:pdf --project ~/src/my-app"
    )]
    Versions {
        /// The artifact, as KIND:NAME (e.g. skill:pdf)
        #[arg(value_name = "ID")]
        id: String,
        /// Show only this project's copy (default: every project's)
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Drift of every artifact across the tiers (read-only)
    #[command(
        after_help = "Examples:\n  artisync status\n  artisync status --project ~/src/my-app"
    )]
    Status {
        /// Show only the artifacts deployed in this project
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
    },
    /// Refresh the upstream cache; nothing else changes
    #[command(after_help = "Examples:\n  artisync fetch\n  artisync fetch skill:pdf")]
    Fetch {
        /// Artifacts whose upstreams to fetch, as KIND:NAME (default: every upstream)
        #[arg(value_name = "ID")]
        ids: Vec<String>,
    },
    /// Audit what an artifact's upstream change brings in: hidden Unicode, exfiltration, hooks and MCP servers, scripts, prompt injection
    #[command(
        after_help = "Examples:\n  artisync audit skill:pdf\n  artisync audit suppress skill:pdf --rule exfiltration --file SKILL.md --line 12\n\nReads the last fetch ('artisync fetch' first for the newest). A sync from upstream with a high finding\nneeds --yes; accepted findings are stored in the collection's artisync.toml, shared by the team."
    )]
    Audit(crate::audit::AuditArgs),
    /// Check artifacts against the Agent Skills format (name, description, compatibility, metadata)
    #[command(
        after_help = "Examples:\n  artisync check\n  artisync check skill:pdf --json\n  artisync check --target codex      warn of fields Codex does not read\n\nExits 1 when an artifact has an error (agents may refuse or misread it); warnings alone exit 0."
    )]
    Check {
        /// Artifacts to check, as KIND:NAME (default: every artifact in the collection)
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// Also warn of fields this target's agents do not read (repeatable; default: every target your projects use)
        #[arg(long = "target", value_name = "TARGET", value_parser = parse_target)]
        targets: Vec<Target>,
    },
    /// Diff an artifact between two tiers (upstream, collection, project)
    #[command(
        after_help = "Examples:\n  artisync diff skill:pdf --lhs collection --rhs upstream\n  artisync diff skill:pdf --lhs collection --rhs project --project ~/src/my-app"
    )]
    Diff {
        /// The artifact, as KIND:NAME (e.g. skill:pdf)
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, value_name = "TIER", help = format!("The old side: {TIERS}"))]
        lhs: String,
        #[arg(long, value_name = "TIER", help = format!("The new side: {TIERS}"))]
        rhs: String,
        /// The project whose copy the tier "project" means
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// The project copy's target: claude, agents, codex, gemini, opencode, copilot or cursor (default: the project's first)
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
    },
    /// Copy artifacts from the collection into a project
    #[command(
        after_help = "Examples:\n  artisync deploy skill:pdf --project ~/src/my-app\n  artisync deploy skill:pdf command:review --project ."
    )]
    Deploy {
        /// Artifacts to copy, as KIND:NAME (e.g. skill:pdf)
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// The project to copy into (each of its targets; registered on first deploy)
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// Deploy into this target only (default: every target of the project)
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
    },
    /// Sync artifacts in one direction, merging three-way (a job recorded like any other)
    #[command(
        after_help = "Examples:\n  artisync sync --direction upstream_to_collection --dry-run\n  artisync sync --direction collection_to_project --project ~/src/my-app\n  artisync sync --direction project_to_collection skill:pdf --project ~/src/my-app\n\nA project's changes go upstream as a patch: see 'artisync patch'."
    )]
    Sync {
        /// upstream_to_collection, collection_to_project or project_to_collection
        #[arg(long, value_name = "DIRECTION")]
        direction: String,
        /// Artifacts to sync, as KIND:NAME (default: every artifact the direction applies to)
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// The project the direction reads or writes (needed by the project directions)
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// The project copy's target (default: every target into the project, the first one out of it)
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
        /// auto (three-way merge), ours (keep the destination) or theirs (take the source)
        #[arg(long, default_value = "auto", value_name = "STRATEGY")]
        strategy: String,
        /// A strategy for one artifact, e.g. --strategy-for skill:pdf=theirs
        #[arg(long = "strategy-for", value_name = "ID=STRATEGY")]
        strategy_for: Vec<String>,
        /// Show what would happen; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Confirm choices that discard changes, and an upstream change with high audit findings
        #[arg(long)]
        yes: bool,
    },
    /// Bring every copy that only lags its source up to date, as one job
    ///
    /// First the collection from its upstreams, then each project from the
    /// collection.
    /// Copies with changes of their own while their source moved
    /// (diverged, conflict) and copies missing from a project are held back
    /// and listed; sync those on their own. Run `artisync fetch` first to
    /// see the upstreams' newest commits.
    #[command(
        after_help = "Examples:\n  artisync fetch && artisync update --dry-run\n  artisync update skill:pdf --project ~/src/my-app"
    )]
    Update {
        /// Artifacts to update, as KIND:NAME (default: every artifact)
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// A project to update (repeatable; default: every project)
        #[arg(long = "project", value_name = "PATH")]
        projects: Vec<PathBuf>,
        /// Show what would happen; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Resolve a staged conflict (without a choice, show it)
    #[command(
        after_help = "Examples:\n  artisync resolve command:review                   show each conflicting hunk\n  artisync resolve command:review --edit            settle it in your editor\n  artisync resolve command:review -o merged.md      then edit merged.md, and:\n  artisync resolve command:review --file review.md=@merged.md\n  artisync resolve command:review --all theirs"
    )]
    Resolve {
        /// The artifact with the staged conflict, as KIND:NAME
        #[arg(value_name = "ID")]
        id: String,
        /// The project, when the conflict was staged by a sync into or out of one
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// The project copy's target, when conflicts wait in more than one
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
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
    #[command(
        after_help = "Examples:\n  artisync patch skill:pdf --project ~/src/my-app\n  artisync patch skill:pdf --project . --format mbox -o - | git -C ~/src/skills am"
    )]
    Patch {
        /// The artifact, as KIND:NAME (it needs an upstream)
        #[arg(value_name = "ID")]
        id: String,
        /// The project whose copy holds the changes
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// The project copy's target: claude, agents, codex, gemini, opencode, copilot or cursor (default: the project's first)
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
        /// zip or tar.gz (patch, mbox and README) or a bare mbox
        #[arg(long, default_value = "zip", value_name = "FORMAT")]
        format: String,
        /// Where to write the bundle, '-' for stdout (default: KIND-NAME.EXT in the current directory)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Restore the content before artisync's last write
    #[command(
        after_help = "Examples:\n  artisync undo skill:pdf --project ~/src/my-app\n  artisync undo                     the collection's last write"
    )]
    Undo {
        /// The artifact, as KIND:NAME (default: whatever was written last)
        #[arg(value_name = "ID")]
        id: Option<String>,
        /// Undo the last write into this project (default: the collection's)
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// The project copy's target: claude, agents, codex, gemini, opencode, copilot or cursor (default: the project's first)
        #[arg(long, value_name = "TARGET", value_parser = parse_target)]
        target: Option<Target>,
    },
    /// Recreate a project's copies exactly as its lockfile records them, or check them
    ///
    /// The lockfile (.claude/artisync.lock, committed with the project)
    /// records every copy: artifact, target, content hash, source and
    /// upstream commit. --frozen finds each locked content in the object
    /// store, the collection's history or the upstream at the locked commit
    /// (fetching it when needed) before writing any, and fails with nothing
    /// written when one cannot be found. Copies with local changes are only
    /// replaced with --yes, and undo brings them back. --check compares and
    /// writes nothing: exit 0 when every copy is as locked, 1 otherwise.
    #[command(
        after_help = "Examples:\n  artisync install --check                      in CI: does the project match its lockfile?\n  artisync install --frozen --project ~/src/my-app\n  artisync --user install --frozen"
    )]
    Install {
        /// The project whose lockfile to install (default: the current directory)
        #[arg(long, value_name = "PATH")]
        project: Option<PathBuf>,
        /// Recreate exactly the locked content; fail if any of it cannot be found
        #[arg(long, required_unless_present = "check")]
        frozen: bool,
        /// Compare the project with its lockfile; write nothing; exit 1 when they differ
        #[arg(long, conflicts_with_all = ["frozen", "yes"])]
        check: bool,
        /// Confirm replacing copies that have local changes
        #[arg(long)]
        yes: bool,
    },
    /// Recent jobs (every sync, from the CLI or the server)
    #[command(
        after_help = "Examples:\n  artisync jobs\n  artisync jobs --state conflict --limit 5"
    )]
    Jobs {
        /// Only jobs in this state: queued, running, success, conflict, error, cancelled
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// How many of the newest jobs to show
        #[arg(long, default_value = "20", value_name = "N")]
        limit: usize,
    },
    /// One job: state, progress, results and log
    #[command(
        after_help = "Examples:\n  artisync job 3f2a            a unique prefix of the id is enough"
    )]
    Job {
        /// The job id, or a prefix of it that names one job
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Registered projects
    #[command(
        after_help = "Examples:\n  artisync project add ~/src/my-app\n  artisync project list"
    )]
    Project {
        #[command(subcommand)]
        action: ProjectAction,
    },
    /// Serve the HTTP API (and web UI) on 127.0.0.1
    #[command(
        after_help = "Examples:\n  artisync serve\n  artisync serve --addr 127.0.0.1:9000 --allow-root ~/src"
    )]
    Serve {
        /// The address to listen on (a loopback address; port 0 picks a free one)
        #[arg(long, default_value = "127.0.0.1:8420", value_name = "ADDR")]
        addr: String,
        /// Also allow syncing projects under this directory (repeatable)
        #[arg(long = "allow-root", value_name = "DIR")]
        allow_root: Vec<PathBuf>,
        /// Job worker threads
        #[arg(long, default_value = "2", value_name = "N")]
        workers: usize,
        /// Connections served at once (hidden: a tuning knob, in README)
        #[arg(long, default_value = "256", hide = true, value_parser = clap::value_parser!(u32).range(1..=65536))]
        max_connections: u32,
        /// Milliseconds a client has to send a complete request head, also
        /// the keep-alive idle limit (hidden: a tuning knob, in README)
        #[arg(long, default_value = "10000", hide = true, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
        header_timeout_ms: u64,
    },
    /// Print a shell completion script for artisync
    #[command(
        after_help = "Examples:\n  artisync completions bash > ~/.local/share/bash-completion/completions/artisync\n  artisync completions zsh > ~/.zfunc/_artisync\n  artisync completions fish > ~/.config/fish/completions/artisync.fish"
    )]
    Completions {
        /// The shell to complete for
        #[arg(value_enum, value_name = "SHELL")]
        shell: CompletionShell,
    },
    /// Print artisync's manual page (roff), or write a page per command into a folder
    #[command(
        after_help = "Examples:\n  artisync man | man -l -\n  artisync man --dir ~/.local/share/man/man1"
    )]
    Man {
        /// Write artisync.1 and one artisync-COMMAND.1 per command into this folder instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Build a demo home (an upstream with history, a collection, two projects with drift) and show it
    #[command(
        after_help = "Examples:\n  artisync demo\n  artisync demo --dir /tmp/demo --no-serve"
    )]
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
                | Command::Audit(_)
                | Command::Check { .. }
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

    /// Whether the command uses git at all: `jobs`, `job`, `project`,
    /// `completions` and `man` do not, and starting libgit2 would only cost
    /// them time.
    pub fn uses_git(&self) -> bool {
        !matches!(
            self,
            Command::Jobs { .. }
                | Command::Job { .. }
                | Command::Project { .. }
                | Command::Completions { .. }
                | Command::Man { .. }
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
pub enum CollectionAction {
    /// Show the remote, or set it
    #[command(
        after_help = "Examples:\n  artisync collection remote\n  artisync collection remote set ../shared-skills.git"
    )]
    Remote {
        #[command(subcommand)]
        action: Option<RemoteAction>,
    },
    /// Fetch the remote and merge it into the collection
    ///
    /// The manifest is merged entry by entry (by artifact id), each
    /// artifact's files three-way like every sync. Edits made here and on
    /// the remote to the same lines are staged as conflicts: the collection
    /// keeps its version until 'artisync resolve' settles them. Every write
    /// can be undone.
    ///
    /// What the remote changed is audited first (hidden Unicode,
    /// exfiltration, scripts, hooks, prompt injection); a high finding the
    /// team's suppressions do not accept refuses the pull unless --yes.
    #[command(
        after_help = "Examples:\n  artisync collection pull\n  artisync collection pull --yes     confirm high audit findings"
    )]
    Pull {
        /// Confirm high audit findings in what the remote changed
        #[arg(long)]
        yes: bool,
    },
    /// Push the collection to its remote (fast-forward only)
    ///
    /// When the remote has commits the collection lacks, the push is
    /// refused: pull first, then push again.
    #[command(after_help = "Examples:\n  artisync collection push")]
    Push,
}

#[derive(Debug, Subcommand)]
pub enum RemoteAction {
    /// Set (or replace) the remote's URL
    #[command(
        after_help = "Examples:\n  artisync collection remote set git@github.com:acme/skills.git"
    )]
    Set {
        /// A git URL or path, e.g. git@host:team/skills.git or /srv/git/skills.git
        #[arg(value_name = "URL")]
        url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    /// Register a project directory, and the layouts its copies live in
    ///
    /// Each target is a layout agents read: claude (.claude/skills,
    /// commands, agents), agents (.agents/skills, read by Codex, Gemini
    /// CLI, OpenCode and Copilot), codex (.codex/skills), gemini
    /// (.gemini/skills), opencode (.opencode/skills), copilot
    /// (.github/skills) and cursor (.cursor/skills). Only claude holds
    /// commands and agents. A new project gets claude unless targets are
    /// given; giving targets for a registered project replaces its list.
    #[command(
        after_help = "Examples:\n  artisync project add ~/src/my-app\n  artisync project add . --target claude --target agents\n  artisync --user project add --target claude --target codex"
    )]
    Add {
        /// The project's root (the folder that holds, or will hold, .claude/; default with --user: your home)
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        /// A layout the project's copies live in (repeatable; the first is read when a command names none)
        #[arg(long = "target", value_name = "TARGET", value_parser = parse_target)]
        targets: Vec<Target>,
    },
    /// List registered projects
    #[command(after_help = "Examples:\n  artisync project list\n  artisync project list --json")]
    List,
    /// Forget a project (its files are left alone)
    #[command(after_help = "Examples:\n  artisync project remove ~/src/old-app")]
    Remove {
        /// The project's root, as registered
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
}

/// A `--target` value: one of the layouts.
fn parse_target(s: &str) -> Result<Target, String> {
    s.parse::<Target>().map_err(|e| e.to_string())
}
