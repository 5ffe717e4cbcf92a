//! `artisync check`: the collection's artifacts against the Agent Skills
//! format. An import says what the format would have different but never
//! refuses; `check` lists it again, exits 1 on an error and 0 on warnings
//! alone, and names the field and what to change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use artisync_testkit::UpstreamRepo;
use sync_support::*;

#[test]
fn check_lists_what_the_format_asks_for_and_add_warns_without_refusing() {
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
    let added = env.run_ok(&["add", &up.local(""), "--all"]);
    assert!(added.stdout.contains("skill:bare"), "{}", added.stdout);
    for needle in [
        "skill:renamed: name \"old-name\" differs from the skill's folder name \"renamed\"",
        "skill:bare: front matter SKILL.md has no front matter",
        "command:broken: front matter the front matter is not valid YAML",
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
    assert!(line("agent:plain")[0].contains(" ok"), "{}", out.stdout);
    assert!(
        out.stdout
            .ends_with("6 artifacts checked: 3 with errors, 1 with warnings only\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("3 artifacts are not as the Agent Skills format asks"),
        "{}",
        out.stderr
    );

    // Warnings alone pass; one artifact can be checked; JSON holds the findings.
    env.run_ok(&["check", "skill:meta"]);
    env.run_ok(&["check", "skill:good", "agent:plain"]);
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
