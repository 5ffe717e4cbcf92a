//! `artisync add marketplace:…`: listing a Claude Code plugin marketplace
//! and importing its plugins' skills, commands and agents, through the
//! built binary. The fixture is a marketplace repository with a plugin of
//! every source form (folders of the marketplace, github, url and
//! git-subdir, with and without a sha pin, npm and an archive), and the
//! repositories those point at. GitHub is reached without a network the
//! way a user would mirror it: git's `url.<base>.insteadOf` in the global
//! git config of the test's HOME maps https://github.com/acme/ to a folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use artisync_testkit::{git, snapshot_tree, TestEnv, UpstreamRepo};
use serde_json::{json, Value};

fn env() -> TestEnv {
    TestEnv::new(Path::new(env!("CARGO_BIN_EXE_artisync")))
}

fn skill(name: &str, body: &str) -> String {
    format!("---\nname: {name}\ndescription: The {name} skill\n---\n{body}\n")
}

fn md(description: &str, body: &str) -> String {
    format!("---\ndescription: {description}\n---\n{body}\n")
}

/// The marketplace and the repositories its plugins come from.
struct Fx {
    market: UpstreamRepo,
    /// Reached as github:acme/tools through insteadOf.
    tools: UpstreamRepo,
    /// Reached by a file:// url source.
    urlrepo: UpstreamRepo,
    /// A monorepo whose folder tools/x is a plugin (git-subdir).
    mono: UpstreamRepo,
    tools_first: String,
    url_first: String,
}

impl Fx {
    fn spec(&self) -> String {
        format!("marketplace:{}", self.market.path().display())
    }
}

fn write_json(up: &UpstreamRepo, rel: &str, v: &Value) {
    up.write(rel, &serde_json::to_string_pretty(v).unwrap());
}

fn fixture(env: &TestEnv) -> Fx {
    let tools = UpstreamRepo::named("tools.git");
    tools
        .write("agents/rev.md", &md("Reviews", "v1"))
        .write("agents/pinned.md", &md("Pinned reviewer", "v1"))
        .write("skills/unused/SKILL.md", &skill("unused", "not chosen"));
    let tools_first = tools.commit("tools v1");

    let urlrepo = UpstreamRepo::named("urlrepo");
    urlrepo
        .write("commands/url-cmd.md", &md("From a url", "v1"))
        .write("commands/url-pinned.md", &md("Pinned url", "v1"));
    let url_first = urlrepo.commit("url v1");

    let mono = UpstreamRepo::named("mono");
    mono.write(
        "tools/x/skills/sub-skill/SKILL.md",
        &skill("sub-skill", "v1"),
    )
    .write("other/skills/elsewhere/SKILL.md", &skill("elsewhere", "no"));
    let mono_first = mono.commit("mono v1");

    // https://github.com/acme/tools.git is the folder tools.git.
    let mirror = tools.path().parent().unwrap().display().to_string();
    fs::write(
        env.root().join("user-home/.gitconfig"),
        format!("[url \"file://{mirror}/\"]\n\tinsteadOf = https://github.com/acme/\n"),
    )
    .unwrap();

    let market = UpstreamRepo::named("market");
    market
        // Defaults: skills/ and commands/, no plugin.json.
        .write("plugins/fmt/skills/fmt/SKILL.md", &skill("fmt", "v1"))
        .write("plugins/fmt/commands/fmt-now.md", &md("Format now", "v1"))
        .write("plugins/fmt/hooks/hooks.json", "{}")
        // plugin.json names its own paths: the default folders are not read.
        .write(
            "plugins/custom/my-skills/lint/SKILL.md",
            &skill("lint", "v1"),
        )
        .write("plugins/custom/cmds/only.md", &md("Only this", "v1"))
        .write("plugins/custom/cmds/other.md", &md("Not listed", "v1"))
        .write(
            "plugins/custom/skills/ignored/SKILL.md",
            &skill("ignored", "no"),
        )
        // The marketplace entry's agents win over plugin.json's.
        .write("plugins/over/a1/from-plugin-json.md", &md("No", "no"))
        .write("plugins/over/a2/from-entry.md", &md("Yes", "v1"))
        .write("plugins/hooks-only/hooks/hooks.json", "{}");
    write_json(
        &market,
        "plugins/custom/.claude-plugin/plugin.json",
        &json!({"name": "custom", "skills": "./my-skills", "commands": ["./cmds/only.md"]}),
    );
    write_json(
        &market,
        "plugins/over/.claude-plugin/plugin.json",
        &json!({"name": "over", "agents": "./a1"}),
    );
    let tools_sha = tools_first.clone();
    let url = urlrepo.url();
    write_json(
        &market,
        ".claude-plugin/marketplace.json",
        &json!({
            "name": "acme-tools",
            "owner": {"name": "Acme"},
            "metadata": {"description": "Acme's plugins", "pluginRoot": "./plugins"},
            "plugins": [
                {"name": "fmt", "description": "Formats code", "source": "./fmt"},
                {"name": "custom", "source": "custom"},
                {"name": "over", "source": "./over", "agents": ["./a2"]},
                {"name": "hooks-only", "source": "./hooks-only"},
                {"name": "gh-ref", "source": {"source": "github", "repo": "acme/tools", "ref": "main"},
                 "agents": "./agents/rev.md", "skills": []},
                {"name": "gh-pin", "source": {"source": "github", "repo": "acme/tools", "ref": "main", "sha": tools_sha},
                 "agents": ["./agents/pinned.md"], "skills": []},
                {"name": "url-ref", "source": {"source": "url", "url": url},
                 "commands": ["./commands/url-cmd.md"]},
                {"name": "url-pin", "source": {"source": "url", "url": url, "sha": url_first},
                 "commands": ["./commands/url-pinned.md"]},
                {"name": "sub", "source": {"source": "git-subdir", "url": mono.url(), "path": "./tools/x", "ref": "main"}},
                {"name": "sub-pin", "source": {"source": "git-subdir", "url": mono.url(), "path": "tools/x", "sha": mono_first}},
                {"name": "npm-tool", "source": {"source": "npm", "package": "@acme/tool"}},
                {"name": "zipped", "source": {"source": "url", "url": "https://example.invalid/p.zip"}}
            ]
        }),
    );
    market.commit("marketplace v1");
    Fx {
        market,
        tools,
        urlrepo,
        mono,
        tools_first,
        url_first,
    }
}

fn plugin<'a>(listing: &'a Value, name: &str) -> &'a Value {
    listing["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no plugin {name} in {listing:#}"))
}

fn manifest(collection: &Path) -> toml::Table {
    fs::read_to_string(collection.join("artisync.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

fn entry(collection: &Path, id: &str) -> toml::Table {
    let (kind, name) = id.split_once(':').unwrap();
    manifest(collection)["artifact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_table().unwrap().clone())
        .find(|e| e["kind"].as_str() == Some(kind) && e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {id} in the manifest"))
}

fn imported_ids(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn commits(collection: &Path) -> usize {
    git(collection, &["rev-list", "--count", "HEAD"])
        .parse()
        .unwrap()
}

#[test]
fn without_a_plugin_it_lists_every_plugin_with_what_it_resolves_to_and_imports_nothing() {
    let env = env();
    let collection = env.init();
    let fx = fixture(&env);
    let before = snapshot_tree(&collection);

    let l = env.json(&["add", &fx.spec()]);
    assert_eq!(l["marketplace"], fx.spec());
    assert_eq!(l["name"], "acme-tools");
    assert_eq!(l["description"], "Acme's plugins");
    assert_eq!(l["ref"], "main");
    assert_eq!(l["commit"], fx.market.head().as_str());
    assert_eq!(l["plugins"].as_array().unwrap().len(), 12);
    let market = fx.market.url();
    for (name, form, resolves, pinned) in [
        (
            "fmt",
            "relative",
            format!("{market}#main:plugins/fmt"),
            false,
        ),
        (
            "custom",
            "relative",
            format!("{market}#main:plugins/custom"),
            false,
        ),
        (
            "gh-ref",
            "github",
            "github:acme/tools@main".to_string(),
            false,
        ),
        (
            "gh-pin",
            "github",
            format!("github:acme/tools@{}", fx.tools_first),
            true,
        ),
        ("url-ref", "url", fx.urlrepo.url(), false),
        (
            "url-pin",
            "url",
            format!("{}#{}", fx.urlrepo.url(), fx.url_first),
            true,
        ),
        (
            "sub",
            "git-subdir",
            format!("{}#main:tools/x", fx.mono.url()),
            false,
        ),
        (
            "sub-pin",
            "git-subdir",
            format!("{}#{}:tools/x", fx.mono.url(), fx.mono.rev_parse("HEAD")),
            true,
        ),
    ] {
        let p = plugin(&l, name);
        assert_eq!(p["source"], form, "{p}");
        assert_eq!(p["resolves_to"], resolves.as_str(), "{p}");
        assert_eq!(p["pinned"], pinned, "{p}");
        assert_eq!(p["importable"], true, "{p}");
    }
    assert_eq!(plugin(&l, "fmt")["description"], "Formats code");
    let npm = plugin(&l, "npm-tool");
    assert_eq!(npm["source"], "npm");
    assert_eq!(npm["importable"], false);
    assert_eq!(npm["resolves_to"], Value::Null);
    assert!(npm["problem"]
        .as_str()
        .unwrap()
        .starts_with("plugin npm-tool: it comes from npm; artisync tracks git repositories only"));
    let zip = plugin(&l, "zipped");
    assert_eq!(
        (zip["source"].as_str(), zip["importable"].as_bool()),
        (Some("archive"), Some(false))
    );

    // The human listing says the same in a table, the refused ones with why.
    let out = env.run_ok(&["add", &fx.spec()]);
    assert!(
        out.stdout
            .starts_with(&format!("Marketplace acme-tools ({}) at main", fx.spec())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("12 plugins, 10 importable"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("github:acme/tools@{} (pinned)", fx.tools_first)),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Not importable: plugin npm-tool: it comes from npm"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--plugin NAME"), "{}", out.stdout);

    // Nothing was imported.
    assert_eq!(snapshot_tree(&collection), before);
}

#[test]
fn chosen_plugins_are_imported_in_one_commit_with_the_marketplace_and_plugin_recorded() {
    let env = env();
    let collection = env.init();
    let fx = fixture(&env);
    let before = commits(&collection);

    let r = env.json(&[
        "add",
        &fx.spec(),
        "--plugin",
        "fmt",
        "--plugin",
        "custom",
        "--plugin",
        "over",
    ]);
    assert_eq!(
        imported_ids(&r),
        [
            "agent:from-entry",
            "command:fmt-now",
            "command:only",
            "skill:fmt",
            "skill:lint"
        ]
    );
    assert_eq!(r["marketplace"], fx.spec());
    assert_eq!(r["plugins"][0]["name"], "fmt");
    assert_eq!(
        r["plugins"][0]["artifacts"],
        json!(["skill:fmt", "command:fmt-now"])
    );
    assert_eq!(commits(&collection), before + 1, "one commit per add");
    assert!(
        git(&collection, &["log", "-1", "--format=%B"]).contains("(plugin custom of marketplace:")
    );

    // Each artifact tracks an ordinary source spec at the marketplace's
    // commit, with the marketplace and plugin beside it.
    let head = fx.market.head();
    let e = entry(&collection, "skill:lint");
    assert_eq!(
        e["source"].as_str().unwrap(),
        format!("{}#main:plugins/custom/my-skills/lint", fx.market.url())
    );
    assert_eq!(e["ref"].as_str(), Some("main"));
    assert_eq!(e["upstream_commit"].as_str(), Some(head.as_str()));
    assert_eq!(e["marketplace"].as_str(), Some(fx.spec().as_str()));
    assert_eq!(e["plugin"].as_str(), Some("custom"));
    assert_eq!(
        fs::read(collection.join("skills/lint/SKILL.md")).unwrap(),
        fx.market.read("plugins/custom/my-skills/lint/SKILL.md")
    );
    // plugin.json's paths replace the defaults; the entry's replace plugin.json's.
    for absent in [
        "skills/ignored",
        "commands/other.md",
        "agents/from-plugin-json.md",
    ] {
        assert!(!collection.join(absent).exists(), "{absent} was imported");
    }

    let show = env.json(&["show", "agent:from-entry"]);
    assert_eq!(show["marketplace"], fx.spec());
    assert_eq!(show["plugin"], "over");
    let out = env.run_ok(&["show", "command:fmt-now"]);
    assert!(
        out.stdout
            .contains(&format!("  marketplace      {}\n", fx.spec())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  plugin           fmt\n"),
        "{}",
        out.stdout
    );
    // An artifact added otherwise shows neither.
    let plain = UpstreamRepo::sample();
    env.run_ok(&["add", &plain.local("commands/review.md")]);
    let show = env.json(&["show", "command:review"]);
    assert!(
        show.get("marketplace").is_none() && show.get("plugin").is_none(),
        "{show}"
    );
    assert!(!env
        .run_ok(&["show", "command:review"])
        .stdout
        .contains("marketplace"));

    // Adding the same plugin again imports nothing new.
    let again = env.json(&["add", &fx.spec(), "--plugin", "fmt"]);
    assert_eq!(imported_ids(&again), Vec::<String>::new());
    assert!(again["warnings"][0]
        .as_str()
        .unwrap()
        .contains("is already in the collection; skipped"));
}

#[test]
fn every_git_source_form_imports_and_only_ref_tracked_plugins_move_on_fetch_and_sync() {
    let env = env();
    let collection = env.init();
    let fx = fixture(&env);

    let out = env.run_ok(&["add", &fx.spec(), "--all"]);
    // The plugins artisync cannot track are skipped, with why.
    assert!(
        out.stderr
            .contains("warning: skipped plugin npm-tool: it comes from npm"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: skipped plugin zipped: it comes from an archive"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: plugin hooks-only holds no skills, commands or agents"),
        "{}",
        out.stderr
    );
    let m = manifest(&collection);
    assert_eq!(m["artifact"].as_array().unwrap().len(), 10, "{m:#?}");

    let e = entry(&collection, "agent:rev");
    assert_eq!(
        e["source"].as_str(),
        Some("github:acme/tools/agents/rev.md@main")
    );
    assert_eq!(e["ref"].as_str(), Some("main"));
    assert_eq!(e["plugin"].as_str(), Some("gh-ref"));
    let e = entry(&collection, "agent:pinned");
    assert_eq!(
        e["source"].as_str().unwrap(),
        format!("github:acme/tools/agents/pinned.md@{}", fx.tools_first)
    );
    assert_eq!(e["ref"].as_str(), Some(fx.tools_first.as_str()));
    let e = entry(&collection, "command:url-pinned");
    assert_eq!(e["ref"].as_str(), Some(fx.url_first.as_str()));
    let e = entry(&collection, "command:url-cmd");
    assert_eq!(
        e["ref"].as_str(),
        Some("main"),
        "the default branch is tracked"
    );
    let e = entry(&collection, "skill:sub-skill");
    assert_eq!(
        e["source"].as_str().unwrap(),
        format!("{}#main:tools/x/skills/sub-skill", fx.mono.url())
    );
    assert!(!collection.join("skills/unused").exists());
    assert!(!collection.join("skills/elsewhere").exists());

    // Every upstream moves on.
    fx.tools
        .write("agents/rev.md", &md("Reviews", "v2"))
        .write("agents/pinned.md", &md("Pinned reviewer", "v2"));
    fx.tools.commit("tools v2");
    fx.urlrepo
        .write("commands/url-cmd.md", &md("From a url", "v2"))
        .write("commands/url-pinned.md", &md("Pinned url", "v2"));
    fx.urlrepo.commit("url v2");
    fx.mono.write(
        "tools/x/skills/sub-skill/SKILL.md",
        &skill("sub-skill", "v2"),
    );
    fx.mono.commit("mono v2");
    fx.market
        .write("plugins/fmt/skills/fmt/SKILL.md", &skill("fmt", "v2"));
    fx.market.commit("fmt v2");

    env.run_ok(&["fetch"]);
    let status = env.json(&["status"]);
    let upstream = |id: &str| -> String {
        status["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {status:#}"))["upstream"]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (id, want) in [
        ("agent:rev", "behind"),
        ("command:url-cmd", "behind"),
        ("skill:sub-skill", "behind"),
        ("skill:fmt", "behind"),
        ("agent:pinned", "in_sync"),
        ("command:url-pinned", "in_sync"),
        ("skill:lint", "in_sync"),
    ] {
        assert_eq!(upstream(id), want, "{id}");
    }

    env.run_ok(&["sync", "--direction", "upstream_to_collection"]);
    let text = |rel: &str| fs::read_to_string(collection.join(rel)).unwrap();
    assert!(text("agents/rev.md").contains("v2"));
    assert!(text("commands/url-cmd.md").contains("v2"));
    assert!(text("skills/sub-skill/SKILL.md").contains("v2"));
    assert!(text("skills/fmt/SKILL.md").contains("v2"));
    assert!(
        text("agents/pinned.md").contains("v1"),
        "a sha pin never moves"
    );
    assert!(
        text("commands/url-pinned.md").contains("v1"),
        "a sha pin never moves"
    );
    assert_eq!(
        entry(&collection, "agent:rev")["upstream_commit"].as_str(),
        Some(fx.tools.head().as_str())
    );
    // The marketplace and plugin stay recorded through a sync.
    assert_eq!(
        entry(&collection, "agent:rev")["plugin"].as_str(),
        Some("gh-ref")
    );

    // Diff reads the upstream tier of a plugin artifact like any other.
    env.run_ok(&[
        "diff",
        "agent:pinned",
        "--lhs",
        "upstream",
        "--rhs",
        "collection",
    ]);
}

#[test]
fn a_github_marketplace_is_read_through_the_same_cache() {
    let env = env();
    env.init();
    let fx = fixture(&env);
    // The marketplace itself on "GitHub": tools.git gets a marketplace file.
    write_json(
        &fx.tools,
        ".claude-plugin/marketplace.json",
        &json!({"name": "on-github", "plugins": [
            {"name": "reviewers", "source": "./", "skills": []}
        ]}),
    );
    fx.tools.commit("a marketplace");
    let l = env.json(&["add", "marketplace:acme/tools@main"]);
    assert_eq!(l["marketplace"], "marketplace:acme/tools@main");
    assert_eq!(l["repository"], "https://github.com/acme/tools.git");
    assert_eq!(
        plugin(&l, "reviewers")["resolves_to"],
        "github:acme/tools@main"
    );
    let r = env.json(&[
        "add",
        "marketplace:acme/tools@main",
        "--plugin",
        "reviewers",
    ]);
    assert_eq!(imported_ids(&r), ["agent:pinned", "agent:rev"]);
    let show = env.json(&["show", "agent:rev"]);
    assert_eq!(show["source"], "github:acme/tools/agents/rev.md@main");
    assert_eq!(show["marketplace"], "marketplace:acme/tools@main");
}

#[test]
fn bad_requests_fail_with_one_clear_line_and_leave_nothing_behind() {
    let env = env();
    let collection = env.init();
    let fx = fixture(&env);
    let before = snapshot_tree(&collection);
    let cache = env.home().join("cache");
    let caches = || -> Vec<String> {
        let Ok(rd) = fs::read_dir(cache.join("upstream")) else {
            return vec![];
        };
        rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };

    // A mistyped plugin: a usage error naming the nearest and the list.
    let out = env.run_err(&["add", &fx.spec(), "--plugin", "fmt", "--plugin", "custon"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "has no plugin \"custon\" (did you mean \"custom\"?); it lists: fmt, custom, over,"
        ),
        "{}",
        out.stderr
    );

    let out = env.run_err(&["add", &fx.spec(), "--plugin", "npm-tool"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("plugin npm-tool: it comes from npm; artisync tracks git repositories only"),
        "{}",
        out.stderr
    );
    let out = env.run_err(&["add", &fx.spec(), "--plugin", "zipped"]);
    assert!(
        out.stderr
            .contains("comes from an archive (https://example.invalid/p.zip)"),
        "{}",
        out.stderr
    );

    let out = env.run_err(&["add", &fx.spec(), "--plugin", "fmt", "--name", "x"]);
    assert_eq!(out.code, 2);
    let out = env.run_err(&["add", &fx.market.local("plugins/fmt"), "--plugin", "fmt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--plugin applies to marketplace specs"),
        "{}",
        out.stderr
    );
    let out = env.run_err(&["add", "marketplace:"]);
    assert!(out.stderr.contains("invalid source spec"), "{}", out.stderr);
    let out = env.run_err(&["add", "marketplace:not/a/github/spec"]);
    assert!(out.stderr.contains("expected OWNER/REPO"), "{}", out.stderr);

    // A repository that is no marketplace.
    let out = env.run_err(&[
        "add",
        &format!("marketplace:{}", fx.urlrepo.path().display()),
    ]);
    assert!(
        out.stderr
            .contains("has no .claude-plugin/marketplace.json at main"),
        "{}",
        out.stderr
    );

    let hostile = UpstreamRepo::named("hostile");
    let spec = format!("marketplace:{}", hostile.path().display());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"{\"plugins\": [".to_vec(),
            "malformed .claude-plugin/marketplace.json in file://",
        ),
        (
            b"{\"plugins\": \"all\"}".to_vec(),
            "plugins must be an array, found a string",
        ),
        (
            {
                let mut v = b"{\"plugins\": [], \"pad\": \"".to_vec();
                v.extend(vec![b'x'; 2 << 20]);
                v.extend(b"\"}");
                v
            },
            "bytes; artisync reads at most 1048576 bytes of it",
        ),
    ];
    for (bytes, want) in cases {
        hostile.write_bytes(".claude-plugin/marketplace.json", &bytes);
        hostile.commit("hostile");
        let out = env.run_err(&["add", &spec]);
        assert!(out.stderr.contains(want), "{want}: {}", out.stderr);
    }
    // A plugin whose paths leave it.
    write_json(
        &hostile,
        ".claude-plugin/marketplace.json",
        &json!({"plugins": [
            {"name": "escape", "source": "./p", "skills": ["../../etc"]},
            {"name": "escape-json", "source": "./q"},
            {"name": "escape-source", "source": "../outside"}
        ]}),
    );
    write_json(
        &hostile,
        "q/.claude-plugin/plugin.json",
        &json!({"commands": "/etc"}),
    );
    hostile.write("q/commands/x.md", "x\n");
    hostile.commit("escaping");
    let l = env.json(&["add", &spec]);
    assert_eq!(plugin(&l, "escape")["importable"], false);
    assert!(plugin(&l, "escape-source")["problem"]
        .as_str()
        .unwrap()
        .contains("leaves its root"));
    let out = env.run_err(&["add", &spec, "--plugin", "escape"]);
    assert!(
        out.stderr
            .contains("plugins[0].skills[0] \"../../etc\" leaves its root"),
        "{}",
        out.stderr
    );
    let out = env.run_err(&["add", &spec, "--plugin", "escape-json"]);
    assert!(
        out.stderr
            .contains("malformed q/.claude-plugin/plugin.json in file://"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("commands \"/etc\" is absolute"),
        "{}",
        out.stderr
    );

    // No import happened, and no failed first read left a cache behind.
    assert_eq!(snapshot_tree(&collection), before);
    let left = caches();
    assert!(
        left.iter()
            .all(|c| c.contains("market") || c.contains("hostile")),
        "{left:?}"
    );
}

#[test]
fn a_marketplace_in_a_folder_of_a_repository_resolves_its_plugins_from_that_folder() {
    let env = env();
    let collection = env.init();
    let repo = UpstreamRepo::named("mixed");
    repo.write("tools/market/p/commands/hello.md", &md("Hello", "hi"))
        .write("p/commands/hello.md", &md("Wrong one", "no"));
    write_json(
        &repo,
        "tools/market/.claude-plugin/marketplace.json",
        &json!({"plugins": [{"name": "p", "source": "./p"}]}),
    );
    repo.commit("a marketplace in a folder");
    let spec = format!("marketplace:{}", repo.local("tools/market"));
    let l = env.json(&["add", &spec]);
    assert_eq!(
        plugin(&l, "p")["resolves_to"],
        format!("{}#main:tools/market/p", repo.url()).as_str()
    );
    // `~` is the user's home, as the shell would have it: the recorded
    // spec is where it led.
    std::os::unix::fs::symlink(repo.path(), env.root().join("user-home/m")).unwrap();
    let l = env.json(&["add", "marketplace:~/m/tools/market"]);
    assert_eq!(l["marketplace"], spec.as_str());
    // The same through a file:// URL with a ref and a path.
    let by_url = format!("marketplace:{}#main:tools/market", repo.url());
    let r = env.json(&["add", &by_url, "--plugin", "p"]);
    assert_eq!(imported_ids(&r), ["command:hello"]);
    assert_eq!(r["marketplace"], by_url.as_str());
    assert!(fs::read_to_string(collection.join("commands/hello.md"))
        .unwrap()
        .contains("hi"));
}
