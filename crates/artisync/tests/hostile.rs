//! Hostile content through the whole CLI. Upstream trees crafted with git
//! plumbing (symlink chains, absolute and escaping links, entry names with
//! `/`, NUL, `.`, `..`, `.git` in any case, duplicates, a file and a folder
//! of one name, deep nesting) and the same trees as real files in a project
//! go through add, sync in every direction, deploy, diff of every tier
//! pair, status, list and patch. After every command:
//!
//! (a) nothing outside the tiers changed: bait files beside the data home
//!     and the project, a fake `$HOME/.bashrc`, the upstream repository and
//!     `/etc/passwd` keep type, mode, size, bytes and times;
//! (b) the process ended by itself, with success or one `error:` line;
//! (c) a command that failed left the collection and the project as they
//!     were;
//! (d) no symlink artisync wrote in a tier resolves outside its artifact.
//!
//! Every link target that could be written through points into the
//! sandbox, at a path that does not exist or at a file, so a broken build
//! can only damage the bait, never the machine running the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use artisync_testkit::{
    assert_same_fingerprint, commit_tree_on_main, deep_tree, escaping_links, fingerprint,
    fingerprint_changes, id_at_main, show_changes, write_node, Fingerprint, FingerprintOptions,
    Node, RawOutput, TestEnv, UpstreamRepo,
};
use proptest::prelude::*;

/// No command may take longer than this (a hang is a failure too).
const LIMIT: Duration = Duration::from_secs(120);
/// The folder of bait beside the tiers; its name is unusual so that a
/// relative escape that misses it lands on a path that does not exist.
const BAIT_DIR: &str = "artisync-bait-outside";
const PWNED: &str = "# written by a hostile upstream\n";
const TIERS: [(&str, &str); 3] = [
    ("upstream", "collection"),
    ("collection", "project"),
    ("upstream", "project"),
];

/// One test's world: a data home with a collection, an upstream with two
/// benign skills (`x`, `z`) imported and deployed into the project `web`,
/// and bait outside the tiers.
struct Sandbox {
    env: TestEnv,
    up: UpstreamRepo,
    bait: PathBuf,
    collection: PathBuf,
    project: PathBuf,
    /// Project artifacts the test itself filled with hostile files: (d) is
    /// not checked in them until artisync has rewritten them.
    exempt: RefCell<Vec<PathBuf>>,
    steps: RefCell<usize>,
}

impl Sandbox {
    fn new() -> Sandbox {
        let env = TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")));
        let bait = env.root().join(BAIT_DIR);
        fs::create_dir_all(bait.join("dir/sub")).unwrap();
        fs::write(bait.join("bashrc"), "# the user's shell setup\n").unwrap();
        fs::write(bait.join("passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        fs::write(bait.join("dir/secret.txt"), "secret\n").unwrap();
        fs::write(env.root().join("user-home/.bashrc"), "export PS1='$ '\n").unwrap();
        let collection = env.init();
        let up = UpstreamRepo::new();
        up.write(
            "skills/x/SKILL.md",
            "---\nname: x\ndescription: benign x\n---\nX.\n",
        )
        .write("skills/x/scripts/run.sh", "#!/bin/sh\necho x\n")
        .set_exec("skills/x/scripts/run.sh")
        .write(
            "skills/z/SKILL.md",
            "---\nname: z\ndescription: benign z\n---\nZ.\n",
        )
        .write("skills/z/notes.md", "notes\n");
        up.commit("benign skills");
        env.run_ok(&["add", &up.spec("main", "skills/x")]);
        env.run_ok(&["add", &up.spec("main", "skills/z")]);
        let project = env.project("web");
        env.run_ok(&[
            "deploy",
            "skill:x",
            "skill:z",
            "--project",
            project.to_str().unwrap(),
        ]);
        Sandbox {
            env,
            up,
            bait,
            collection,
            project,
            exempt: RefCell::new(Vec::new()),
            steps: RefCell::new(0),
        }
    }

    fn p(&self) -> &str {
        self.project.to_str().unwrap()
    }

    /// Everything outside the tiers that a test can see: with times.
    fn outside_prints(&self) -> Vec<(PathBuf, Fingerprint)> {
        let strict = FingerprintOptions::strict();
        [
            self.bait.clone(),
            self.env.root().join("user-home"),
            self.up.path().to_path_buf(),
            PathBuf::from("/etc/passwd"),
        ]
        .into_iter()
        .map(|p| {
            let f = fingerprint(&p, &strict);
            (p, f)
        })
        .collect()
    }

    /// The collection (its git objects left out: unreachable objects are
    /// invisible) and the project, file times included, directory times not
    /// (a temporary entry created and removed again is no change).
    fn tier_prints(&self) -> (Fingerprint, Fingerprint) {
        let opts = FingerprintOptions {
            dir_mtimes: false,
            skip: vec![PathBuf::from(".git/objects")],
        };
        (
            fingerprint(&self.collection, &opts),
            fingerprint(&self.project, &FingerprintOptions::default()),
        )
    }

    /// (d): no symlink in an artifact of the collection or the project
    /// (other than the ones the test put there) leads outside the artifact.
    fn check_links(&self, what: &str) {
        let exempt = self.exempt.borrow();
        for tier in [self.collection.clone(), self.project.join(".claude")] {
            for kind in ["skills", "commands", "agents"] {
                let Ok(rd) = fs::read_dir(tier.join(kind)) else {
                    continue;
                };
                for e in rd.flatten() {
                    let artifact = e.path();
                    if exempt.contains(&artifact) {
                        continue;
                    }
                    let mut bad: Vec<String> = escaping_links(&artifact)
                        .into_iter()
                        .map(|(l, to)| format!("{} -> {}", l.display(), to.display()))
                        .collect();
                    bad.sort();
                    assert!(
                        bad.is_empty(),
                        "{what}: symlinks lead outside their artifact:\n  {}",
                        show_changes(&bad)
                    );
                }
            }
        }
    }

    /// Runs one command and checks (a) to (d). Returns the output and
    /// whether it succeeded.
    fn step(&self, args: &[&str]) -> (RawOutput, bool) {
        *self.steps.borrow_mut() += 1;
        let what = format!("artisync {}", args.join(" "));
        let outside = self.outside_prints();
        let (coll, proj) = self.tier_prints();
        let out = self.env.run_raw(args, LIMIT);
        let ok = out.assert_orderly(&what);
        for ((path, before), (_, after)) in outside.iter().zip(self.outside_prints()) {
            assert_same_fingerprint(
                before,
                &after,
                &format!("{what} [outside: {}]", path.display()),
            );
        }
        if !ok {
            let (coll2, proj2) = self.tier_prints();
            let mut changes = fingerprint_changes(&coll, &coll2);
            changes.extend(
                fingerprint_changes(&proj, &proj2)
                    .into_iter()
                    .map(|c| format!("project {c}")),
            );
            assert!(
                changes.is_empty(),
                "{what} failed ({}) but changed the tiers:\n  {}",
                out.stderr.trim(),
                show_changes(&changes)
            );
        }
        self.check_links(&what);
        (out, ok)
    }

    /// Puts `tree` upstream at `skills/x` and `skills/y` (`z` stays).
    fn commit_hostile(&self, tree: &Node) {
        let repo = self.up.path();
        let (mode, id) = write_node(repo, tree);
        let z = id_at_main(repo, "skills/z");
        let raw = |id: &str| Node::Raw {
            mode,
            id: id.to_string(),
        };
        let root = Node::dir(vec![(
            "skills",
            Node::dir(vec![
                ("x", raw(&id)),
                ("y", raw(&id)),
                (
                    "z",
                    Node::Raw {
                        mode: "40000",
                        id: z,
                    },
                ),
            ]),
        )]);
        let (_, root) = write_node(repo, &root);
        commit_tree_on_main(repo, &root, "hostile content");
    }

    /// The hostile tree reaches the collection and the project from
    /// upstream: every command that reads or writes it.
    fn upstream_phase(&self) {
        let p = self.p();
        let spec_y = self.up.spec("main", "skills/y");
        self.step(&["fetch"]);
        self.step(&["add", &spec_y]);
        for id in ["skill:x", "skill:y"] {
            self.step(&["sync", "--direction", "upstream_to_collection", id, "--yes"]);
        }
        self.step(&[
            "sync",
            "--direction",
            "collection_to_project",
            "skill:x",
            "--project",
            p,
            "--yes",
        ]);
        self.step(&["deploy", "skill:y", "--project", p]);
        self.step(&["deploy", "skill:x", "--project", p]);
        self.step(&[
            "sync",
            "--direction",
            "project_to_collection",
            "skill:x",
            "--project",
            p,
            "--yes",
        ]);
        for id in ["skill:x", "skill:y"] {
            for (l, r) in TIERS {
                self.step(&["diff", id, "--lhs", l, "--rhs", r, "--project", p]);
            }
        }
        self.step(&["status", "--project", p]);
        self.step(&["status"]);
        self.step(&["list"]);
        self.step(&["versions", "skill:y", "--project", p]);
        let bundle = self.env.cwd().join("x.zip");
        self.step(&[
            "patch",
            "skill:x",
            "--project",
            p,
            "-o",
            bundle.to_str().unwrap(),
        ]);
    }

    /// The same tree as real files in the project's copy of `skill:z`
    /// (what a disk can hold of it): read, exported, taken into the
    /// collection and overwritten again.
    fn project_phase(&self, tree: &Node) {
        let p = self.p();
        let z = self.project.join(".claude/skills/z");
        fs::remove_dir_all(&z).unwrap();
        fs::create_dir(&z).unwrap();
        materialize(&z, tree);
        self.exempt.borrow_mut().push(z.clone());
        self.step(&["status", "--project", p]);
        self.step(&[
            "diff",
            "skill:z",
            "--lhs",
            "collection",
            "--rhs",
            "project",
            "--project",
            p,
        ]);
        self.step(&[
            "diff",
            "skill:z",
            "--lhs",
            "upstream",
            "--rhs",
            "project",
            "--project",
            p,
        ]);
        let bundle = self.env.cwd().join("z.zip");
        self.step(&[
            "patch",
            "skill:z",
            "--project",
            p,
            "-o",
            bundle.to_str().unwrap(),
        ]);
        self.step(&[
            "sync",
            "--direction",
            "project_to_collection",
            "skill:z",
            "--project",
            p,
            "--yes",
        ]);
        self.step(&[
            "diff",
            "skill:z",
            "--lhs",
            "upstream",
            "--rhs",
            "collection",
        ]);
        self.step(&[
            "sync",
            "--direction",
            "upstream_to_collection",
            "skill:z",
            "--yes",
        ]);
        let (_, ok) = self.step(&[
            "sync",
            "--direction",
            "collection_to_project",
            "skill:z",
            "--project",
            p,
            "--strategy",
            "theirs",
            "--yes",
        ]);
        if ok {
            // The project's copy is now what artisync wrote.
            self.exempt.borrow_mut().retain(|e| e != &z);
            self.check_links("collection_to_project --strategy theirs over a hostile copy");
        }
        self.step(&["deploy", "skill:z", "--project", p]);
        self.step(&["list"]);
    }

    fn bait_intact(&self) {
        assert_eq!(
            fs::read_to_string(self.bait.join("bashrc")).unwrap(),
            "# the user's shell setup\n",
            "the bait was overwritten"
        );
    }
}

/// Writes what a disk can hold of `node` into the existing directory `dir`:
/// names a file system cannot have and second entries of one name are
/// left out. Never writes through a symlink: links get no children, and a
/// name that already exists is skipped.
fn materialize(dir: &Path, node: &Node) {
    let Node::Dir(entries) = node else {
        panic!("materialize takes a directory");
    };
    for (name, child) in entries {
        if name.is_empty()
            || name == b"."
            || name == b".."
            || name.contains(&b'/')
            || name.contains(&0)
        {
            continue;
        }
        let path = dir.join(std::ffi::OsStr::from_bytes(name));
        if fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        match child {
            Node::File { data, exec } => {
                fs::write(&path, data).unwrap();
                let mode = if *exec { 0o755 } else { 0o644 };
                fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            }
            Node::Link(target) => {
                // An empty target cannot be made on disk.
                let _ = std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &path);
            }
            Node::Dir(_) => {
                fs::create_dir(&path).unwrap();
                materialize(&path, child);
            }
            Node::Raw { .. } => {}
        }
    }
}

fn skill_md() -> Node {
    Node::file("---\nname: hostile\ndescription: generated content\n---\nBody.\n")
}

fn script() -> Node {
    Node::File {
        data: b"#!/bin/sh\necho hi\n".to_vec(),
        exec: true,
    }
}

/// `x/a0 -> ..`, `x/a1 -> a0/..`, … `x/a{len-1}`: each link one folder
/// higher, each passing a per-link depth count.
fn chain_links(len: usize, first: &str) -> Vec<(Vec<u8>, Node)> {
    (0..len)
        .map(|i| {
            let target = if i == 0 {
                "..".to_string()
            } else {
                format!("{first}{}/..", i - 1)
            };
            (format!("{first}{i}").into_bytes(), Node::link(&target))
        })
        .collect()
}

/// The bait folder's absolute path without its leading `/`, to append to
/// a link that resolves to `/`.
fn rel_from_root(p: &Path) -> String {
    p.to_str().unwrap().trim_start_matches('/').to_string()
}

// ---------------------------------------------------------------- recipes

#[derive(Debug, Clone, Copy)]
enum ChainEnd {
    /// `d -> a{n}/<bait folder>`: with enough links, the bait folder.
    BaitDir,
    /// `d -> a{n}/etc/passwd`.
    EtcPasswd,
    /// `d -> a{n}`: `/` with enough links.
    Root,
}

#[derive(Debug, Clone, Copy)]
enum Through {
    None,
    /// An entry named `d/bashrc` beside the link `d`.
    SlashName,
    /// A second entry `d`, a folder holding `bashrc`.
    Duplicate,
}

#[derive(Debug, Clone, Copy)]
struct Chain {
    len: usize,
    end: ChainEnd,
    through: Through,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Inside,
    Dot,
    Up(usize),
    UpToBait(usize, bool),
    AbsBait(bool),
    EtcPasswd,
    Empty,
    ThroughChain(usize),
    ThroughLink,
    Loop,
}

#[derive(Debug, Clone, Copy)]
struct Link {
    in_sub: bool,
    name: usize,
    target: Target,
    /// Also an entry named `<link>/bashrc`.
    below: bool,
}

const LINK_NAMES: [&str; 3] = ["d", "e", "l0"];

#[derive(Debug, Clone, Copy)]
enum OddName {
    Dot,
    DotDot,
    Git,
    GitUpper,
    GitMixed,
    Empty,
    Nul,
    SlashIntoScripts,
    DuplicateSkillMd,
    FileAndDir,
}

#[derive(Debug, Clone)]
struct Recipe {
    chain: Option<Chain>,
    links: Vec<Link>,
    odd: Vec<(OddName, u8)>,
    depth: Option<usize>,
}

fn chain() -> impl Strategy<Value = Chain> {
    (
        1usize..=16,
        prop_oneof![
            Just(ChainEnd::BaitDir),
            Just(ChainEnd::EtcPasswd),
            Just(ChainEnd::Root)
        ],
        prop_oneof![
            Just(Through::None),
            Just(Through::SlashName),
            Just(Through::Duplicate)
        ],
    )
        .prop_map(|(len, end, through)| Chain {
            len,
            end,
            // Writing through the end link only where it leads into the
            // sandbox (or nowhere): never through `/` or `/etc`.
            through: if matches!(end, ChainEnd::BaitDir) {
                through
            } else {
                Through::None
            },
        })
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Inside),
        Just(Target::Dot),
        (1usize..=3).prop_map(Target::Up),
        (1usize..=8, any::<bool>()).prop_map(|(k, f)| Target::UpToBait(k, f)),
        any::<bool>().prop_map(Target::AbsBait),
        Just(Target::EtcPasswd),
        Just(Target::Empty),
        (0usize..16).prop_map(Target::ThroughChain),
        Just(Target::ThroughLink),
        Just(Target::Loop),
    ]
}

fn link() -> impl Strategy<Value = Link> {
    (any::<bool>(), 0..LINK_NAMES.len(), target(), any::<bool>()).prop_map(
        |(in_sub, name, target, below)| Link {
            in_sub,
            name,
            target,
            below,
        },
    )
}

fn odd() -> impl Strategy<Value = (OddName, u8)> {
    (
        prop_oneof![
            Just(OddName::Dot),
            Just(OddName::DotDot),
            Just(OddName::Git),
            Just(OddName::GitUpper),
            Just(OddName::GitMixed),
            Just(OddName::Empty),
            Just(OddName::Nul),
            Just(OddName::SlashIntoScripts),
            Just(OddName::DuplicateSkillMd),
            Just(OddName::FileAndDir),
        ],
        0u8..3,
    )
}

fn recipe() -> impl Strategy<Value = Recipe> {
    (
        proptest::option::weighted(0.7, chain()),
        proptest::collection::vec(link(), 0..4),
        proptest::collection::vec(odd(), 0..3),
        proptest::option::weighted(0.3, 2usize..=100),
    )
        .prop_map(|(chain, links, odd, depth)| Recipe {
            chain,
            links,
            odd,
            depth,
        })
}

/// A file, a folder holding a file, or a link to `SKILL.md`.
fn odd_node(kind: u8) -> Node {
    match kind {
        0 => Node::file(PWNED),
        1 => Node::dir(vec![("inner.md", Node::file(PWNED))]),
        _ => Node::link("SKILL.md"),
    }
}

/// The skill a recipe describes.
fn build(recipe: &Recipe, bait: &Path) -> Node {
    let bait_rel = rel_from_root(bait);
    let mut root: Vec<(Vec<u8>, Node)> = vec![
        (b"SKILL.md".to_vec(), skill_md()),
        (b"scripts".to_vec(), Node::dir(vec![("run.sh", script())])),
    ];
    let mut sub: Vec<(Vec<u8>, Node)> = vec![(b"keep.md".to_vec(), Node::file("keep\n"))];
    if let Some(c) = recipe.chain {
        sub.extend(chain_links(c.len, "a"));
        let last = format!("a{}", c.len - 1);
        let end = match c.end {
            ChainEnd::BaitDir => format!("{last}/{bait_rel}"),
            ChainEnd::EtcPasswd => format!("{last}/etc/passwd"),
            ChainEnd::Root => last,
        };
        sub.push((b"d".to_vec(), Node::link(&end)));
        match c.through {
            Through::None => {}
            Through::SlashName => sub.push((b"d/bashrc".to_vec(), Node::file(PWNED))),
            Through::Duplicate => sub.push((
                b"d".to_vec(),
                Node::dir(vec![("bashrc", Node::file(PWNED))]),
            )),
        }
    }
    for l in &recipe.links {
        let name = LINK_NAMES[l.name];
        let to_chain = if l.in_sub { "" } else { "x/" };
        let bait_file = |f: bool| if f { "/bashrc" } else { "" };
        let target = match l.target {
            Target::Inside => (if l.in_sub { "keep.md" } else { "SKILL.md" }).to_string(),
            Target::Dot => ".".to_string(),
            Target::Up(k) => vec![".."; k].join("/"),
            Target::UpToBait(k, f) => format!("{}{BAIT_DIR}{}", "../".repeat(k), bait_file(f)),
            Target::AbsBait(f) => format!("{}{}", bait.display(), bait_file(f)),
            Target::EtcPasswd => "/etc/passwd".to_string(),
            Target::Empty => String::new(),
            Target::ThroughChain(i) => format!("{to_chain}a{i}/{bait_rel}"),
            Target::ThroughLink => format!("{}/.", LINK_NAMES[(l.name + 1) % LINK_NAMES.len()]),
            Target::Loop => name.to_string(),
        };
        let place = if l.in_sub { &mut sub } else { &mut root };
        place.push((name.as_bytes().to_vec(), Node::link(&target)));
        if l.below {
            place.push((format!("{name}/bashrc").into_bytes(), Node::file(PWNED)));
        }
    }
    for (odd, kind) in &recipe.odd {
        let named = |n: &[u8]| (n.to_vec(), odd_node(*kind));
        match odd {
            OddName::Dot => root.push(named(b".")),
            OddName::DotDot => root.push(named(b"..")),
            OddName::Git => root.push(named(b".git")),
            OddName::GitUpper => root.push(named(b".GIT")),
            OddName::GitMixed => root.push(named(b".Git")),
            OddName::Empty => root.push(named(b"")),
            OddName::Nul => root.push(named(b"a\0b")),
            OddName::SlashIntoScripts => root.push(named(b"scripts/evil.sh")),
            OddName::DuplicateSkillMd => {
                root.push((b"SKILL.md".to_vec(), Node::file("duplicate\n")))
            }
            OddName::FileAndDir => {
                root.push((b"both".to_vec(), Node::file("a file\n")));
                root.push((
                    b"both".to_vec(),
                    Node::dir(vec![("inner.md", Node::file("a folder\n"))]),
                ));
            }
        }
    }
    if let Some(depth) = recipe.depth {
        let mut n = Node::dir(vec![("leaf.md", Node::file("deep\n"))]);
        for _ in 1..depth {
            n = Node::dir(vec![("n", n)]);
        }
        root.push((b"deep".to_vec(), n));
    }
    root.push((b"x".to_vec(), Node::Dir(sub)));
    Node::Dir(root)
}

fn run_recipe(recipe: &Recipe) {
    let s = Sandbox::new();
    let tree = build(recipe, &s.bait);
    s.commit_hostile(&tree);
    s.upstream_phase();
    s.project_phase(&tree);
    s.bait_intact();
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 6,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn hostile_trees_change_nothing_outside_and_never_crash(recipe in recipe()) {
        run_recipe(&recipe);
    }
}

// ------------------------------------------------ the issue's attacks, exactly

/// The 15-link chain `x/a0 -> ..` … `x/a14 -> a13/..`, `x/d -> a14/<bait
/// folder>`, plus `rest` (what makes the write go through `d`).
fn chain_attack(s: &Sandbox, rest: Vec<(Vec<u8>, Node)>) -> Node {
    let mut x = chain_links(15, "a");
    x.push((
        b"d".to_vec(),
        Node::link(&format!("a14/{}", rel_from_root(&s.bait))),
    ));
    x.extend(rest);
    Node::dir(vec![
        (b"SKILL.md".to_vec(), skill_md()),
        (b"x".to_vec(), Node::Dir(x)),
    ])
}

/// Runs the commands the issue names against a crafted upstream at
/// `skills/x` (an update) and `skills/y` (a new import) and checks that the
/// bait behind the chain is untouched and undo is not blocked.
fn crafted_upstream_is_harmless(s: &Sandbox) {
    let p = s.p();
    s.step(&["fetch"]);
    s.step(&["add", &s.up.spec("main", "skills/y")]);
    s.bait_intact();
    let (_, synced) = s.step(&[
        "sync",
        "--direction",
        "upstream_to_collection",
        "skill:x",
        "--yes",
    ]);
    s.bait_intact();
    if !synced {
        // The refused write left nothing to undo but earlier, real writes:
        // undo must not refuse because of it.
        let (out, _) = s.step(&["undo", "skill:x"]);
        assert!(
            !out.stderr.contains("changed since"),
            "a refused sync blocked undo: {}",
            out.stderr
        );
    }
    s.step(&["deploy", "skill:y", "--project", p]);
    s.step(&[
        "sync",
        "--direction",
        "collection_to_project",
        "skill:x",
        "--project",
        p,
        "--yes",
    ]);
    s.step(&["status", "--project", p]);
    s.step(&["list"]);
    s.bait_intact();
    assert!(
        !s.bait.join("d").exists() && !s.bait.join("x").exists(),
        "nothing new appears in the bait folder"
    );
}

#[test]
fn issue_1_chain_and_a_slash_in_an_entry_name_write_nothing_outside() {
    let s = Sandbox::new();
    let tree = chain_attack(&s, vec![(b"d/bashrc".to_vec(), Node::file(PWNED))]);
    s.commit_hostile(&tree);
    let listing = artisync_testkit::git(s.up.path(), &["ls-tree", "-r", "main:skills/x/x"]);
    assert!(
        listing.contains("d/bashrc"),
        "the crafted name is in the tree: {listing}"
    );
    crafted_upstream_is_harmless(&s);
}

#[test]
fn issue_1_chain_and_duplicate_entries_write_nothing_outside() {
    let s = Sandbox::new();
    let tree = chain_attack(
        &s,
        vec![(
            b"d".to_vec(),
            Node::dir(vec![("bashrc", Node::file(PWNED))]),
        )],
    );
    s.commit_hostile(&tree);
    let listing = artisync_testkit::git(s.up.path(), &["ls-tree", "main:skills/x/x"]);
    assert_eq!(
        listing.lines().filter(|l| l.ends_with("\td")).count(),
        2,
        "two entries named d: {listing}"
    );
    crafted_upstream_is_harmless(&s);
}

#[test]
fn issue_2_a_plain_repo_with_a_relative_chain_deploys_no_escaping_link() {
    let s = Sandbox::new();
    // A real repository, committed from disk: y -> .., l1 -> y/.., …,
    // l14 -> l13/.., secret -> l14/etc/passwd.
    s.up.write(
        "skills/evil/SKILL.md",
        "---\nname: evil\ndescription: A test skill.\n---\nEvil.\n",
    );
    s.up.symlink("skills/evil/x/y", "..");
    s.up.symlink("skills/evil/x/l1", "y/..");
    for i in 2..=14 {
        s.up.symlink(&format!("skills/evil/x/l{i}"), &format!("l{}/..", i - 1));
    }
    s.up.symlink("skills/evil/x/secret", "l14/etc/passwd");
    s.up.commit("a skill with a relative chain");
    let p = s.p();
    let passwd = fingerprint(Path::new("/etc/passwd"), &FingerprintOptions::strict());
    s.step(&["fetch"]);
    s.step(&["add", &s.up.spec("main", "skills/evil")]);
    s.step(&["deploy", "skill:evil", "--project", p]);
    s.step(&[
        "sync",
        "--direction",
        "collection_to_project",
        "skill:evil",
        "--project",
        p,
    ]);
    s.step(&["status", "--project", p]);
    let deployed = s.project.join(".claude/skills/evil/x/secret");
    if let Ok(to) = fs::canonicalize(&deployed) {
        assert!(
            to.starts_with(s.project.join(".claude/skills/evil")),
            "the deployed secret resolves to {}",
            to.display()
        );
    }
    assert_same_fingerprint(
        &passwd,
        &fingerprint(Path::new("/etc/passwd"), &FingerprintOptions::strict()),
        "the chain",
    );
}

/// A skill whose `deep` folder nests `depth` levels, as a crafted tree.
fn deep_skill(s: &Sandbox, depth: usize) -> Node {
    let deep = deep_tree(s.up.path(), depth, "d", "leaf\n");
    Node::dir(vec![
        ("SKILL.md", skill_md()),
        (
            "deep",
            Node::Raw {
                mode: "40000",
                id: deep,
            },
        ),
    ])
}

#[test]
fn issue_3_a_20000_level_tree_crashes_nothing() {
    let s = Sandbox::new();
    let tree = deep_skill(&s, 20_000);
    s.commit_hostile(&tree);
    let p = s.p();
    s.step(&["fetch"]);
    s.step(&["add", &s.up.spec("main", "skills/y")]);
    s.step(&[
        "sync",
        "--direction",
        "upstream_to_collection",
        "skill:x",
        "--yes",
    ]);
    s.step(&["sync", "--direction", "upstream_to_collection"]);
    s.step(&["status"]);
    s.step(&["status", "--project", p]);
    s.step(&["list"]);
    s.step(&[
        "diff",
        "skill:x",
        "--lhs",
        "upstream",
        "--rhs",
        "collection",
    ]);
    s.step(&["versions", "skill:x", "--project", p]);
}

#[test]
fn a_few_hundred_levels_on_disk_in_a_project_crash_nothing() {
    let s = Sandbox::new();
    let p = s.p();
    let z = s.project.join(".claude/skills/z");
    let mut deep = z.join("deep");
    for _ in 0..300 {
        deep.push("n");
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("leaf.md"), "deep\n").unwrap();
    s.step(&["status", "--project", p]);
    s.step(&[
        "diff",
        "skill:z",
        "--lhs",
        "collection",
        "--rhs",
        "project",
        "--project",
        p,
    ]);
    let bundle = s.env.cwd().join("z.zip");
    s.step(&[
        "patch",
        "skill:z",
        "--project",
        p,
        "-o",
        bundle.to_str().unwrap(),
    ]);
    s.step(&[
        "sync",
        "--direction",
        "project_to_collection",
        "skill:z",
        "--project",
        p,
        "--yes",
    ]);
    s.step(&["status"]);
    s.step(&["list"]);
    s.step(&[
        "sync",
        "--direction",
        "collection_to_project",
        "skill:z",
        "--project",
        p,
        "--yes",
    ]);
    s.step(&[
        "diff",
        "skill:z",
        "--lhs",
        "upstream",
        "--rhs",
        "collection",
    ]);
}
