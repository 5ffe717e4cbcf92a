//! `artisync check`: the collection's artifacts against the Agent Skills
//! format. An import says what the format would have different, and
//! refuses only what no agent can use (front matter that does not read, a
//! skill without a description); `check` lists the findings again, exits 1
//! on an error and 0 on warnings alone, names the field and what to change,
//! and warns of fields only Claude Code reads when a project uses another
//! target.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use artisync_testkit::UpstreamRepo;
use sync_support::*;

#[test]
fn check_lists_what_the_format_asks_for_and_add_refuses_only_what_no_agent_can_use() {
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    up.write(
        "skills/good/SKILL.md",
        "---\nname: good\ndescription: Does good things.\n---\nBody\n",
    )
    .write(
        "skills/renamed/SKILL.md",
        "---\nname: old-name\ndescription: d\nmetadata:\n  pages: 3\n---\n",
    )
    .write("skills/bare/SKILL.md", "No front matter at all.\n")
    .write(
        "skills/meta/SKILL.md",
        "---\nname: meta\ndescription: d\nmetadata:\n  pages: 3\n---\n",
    )
    .write("commands/broken.md", "---\nmodel: [\n---\nBody\n")
    .write("agents/plain.md", "An agent without front matter.\n");
    up.commit("artifacts");
    // What no agent can use is refused, and nothing is imported.
    let collection = env.collection_dir("default");
    let refused = env.run_err(&["add", &up.local(""), "--all"]);
    assert!(
        refused.stderr.contains("cannot import command:broken")
            && refused.stderr.contains("not valid YAML")
            && refused.stderr.contains("nothing was imported"),
        "{}",
        refused.stderr
    );
    assert!(!collection.join("skills/good").exists());
    up.remove("commands/broken.md");
    up.commit("no broken");
    let refused = env.run_err(&["add", &up.local(""), "--all"]);
    assert!(
        refused.stderr.contains("cannot import skill:bare")
            && refused.stderr.contains("SKILL.md has no front matter"),
        "{}",
        refused.stderr
    );
    up.write(
        "skills/bare/SKILL.md",
        "---\nname: bare\n---\nNo description.\n",
    );
    up.commit("bare gets front matter");
    let refused = env.run_err(&["add", &up.local("skills/bare")]);
    assert!(
        refused.stderr.contains("description is missing"),
        "{}",
        refused.stderr
    );
    up.remove("skills/bare");
    up.commit("no bare");

    let added = env.run_ok(&["add", &up.local(""), "--all"]);
    assert!(added.stdout.contains("skill:renamed"), "{}", added.stdout);
    // Later edits in the collection can break what import refused.
    std::fs::write(
        collection.join("agents/plain.md"),
        "---\nmodel: [\n---\nBody\n",
    )
    .unwrap();
    for needle in [
        "skill:renamed: name \"old-name\" differs from the skill's folder name \"renamed\"",
        "skill:meta: metadata entry \"pages\" is not text",
    ] {
        assert!(
            added.stderr.contains(needle),
            "{needle:?} not in {}",
            added.stderr
        );
    }
    assert!(!added.stderr.contains("skill:good"), "{}", added.stderr);

    let out = env.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = |id: &str| -> Vec<String> {
        out.stdout
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(id))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(line("skill:good").len(), 1);
    assert!(line("skill:good")[0].contains(" ok"), "{}", out.stdout);
    assert!(line("skill:renamed")
        .iter()
        .any(|l| l.contains("error") && l.contains("name:")));
    assert!(
        line("skill:meta").iter().all(|l| l.contains("warning")),
        "{}",
        out.stdout
    );
    assert!(
        line("agent:plain")[0].contains("not valid YAML"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("4 artifacts checked: 2 with errors, 1 with warnings only\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("2 artifacts are not as the Agent Skills format asks"),
        "{}",
        out.stderr
    );

    // Warnings alone pass; one artifact can be checked; JSON holds the findings.
    env.run_ok(&["check", "skill:meta"]);
    env.run_ok(&["check", "skill:good"]);
    let (out, doc) = run_json(&env, &["check", "skill:renamed", "--json"]);
    assert_eq!(out.code, 1);
    let doc = doc.unwrap();
    let findings = doc[0]["findings"].as_array().unwrap();
    assert_eq!(doc[0]["id"], "skill:renamed");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["field"], "name");
    assert_eq!(findings[1]["severity"], "warning");
    assert_eq!(findings[1]["field"], "metadata");
    let e = env.run_err(&["check", "skill:godo"]);
    assert!(
        e.stderr.contains("did you mean skill:good?"),
        "{}",
        e.stderr
    );
}

#[test]
fn fields_only_claude_code_reads_are_warned_of_for_other_targets() {
    let env = env();
    env.init();
    let up = UpstreamRepo::new();
    up.write(
        "skills/tuned/SKILL.md",
        "---\nname: tuned\ndescription: Uses a model.\nmodel: opus\nlicense: MIT\n---\nBody\n",
    );
    up.commit("tuned");
    env.run_ok(&["add", &up.local("skills/tuned")]);
    // No project uses another target yet: nothing to say.
    let out = env.run_ok(&["check"]);
    assert!(
        out.stdout.contains("skill:tuned") && out.stdout.contains(" ok"),
        "{}",
        out.stdout
    );
    // Asked for, or used by a project: a warning for `model` only.
    let out = env.run_ok(&["check", "--target", "codex"]);
    assert!(
        out.stdout.contains("model")
            && out.stdout.contains("read by Claude Code only")
            && out.stdout.contains("codex target follows"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("license"),
        "license is in the format: {}",
        out.stdout
    );
    let project = env.project("web");
    env.run_ok(&[
        "project",
        "add",
        project.to_str().unwrap(),
        "--target",
        "claude",
        "--target",
        "agents",
    ]);
    let (out, doc) = run_json(&env, &["check", "--json"]);
    assert_eq!(out.code, 0, "warnings alone pass");
    let findings = doc.unwrap()[0]["findings"].clone();
    assert_eq!(findings.as_array().unwrap().len(), 1, "{findings}");
    assert_eq!(findings[0]["field"], "model");
    assert_eq!(findings[0]["severity"], "warning");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("agents target"),
        "{findings}"
    );
    let out = env.run_ok(&["check", "--target", "claude"]);
    assert!(!out.stdout.contains("model"), "{}", out.stdout);
}
