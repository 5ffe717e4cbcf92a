//! The CLI reference: `--help` of every command is a snapshot (so a change
//! to it is reviewed in the diff), every argument and option has a
//! description, every command shows examples; shell completions parse in
//! their shell, and the manual pages render.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use artisync_testkit::TestEnv;

fn env() -> TestEnv {
    TestEnv::new(env!("CARGO_BIN_EXE_artisync").as_ref())
}

/// The commands `artisync --help` lists, in its order.
fn commands(env: &TestEnv) -> Vec<String> {
    let out = env.run_ok(&["--help"]).stdout;
    out.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Entries of the "Arguments:" and "Options:" sections that have no words
/// after their name: on the same line ("  -q, --quiet   Print only
/// errors"), or, in the long form clap uses when a command has a long
/// description, on the next line, indented deeper.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut out = Vec::new();
    let mut in_list = false;
    for (i, line) in lines.iter().enumerate() {
        if line.ends_with(':') && !line.starts_with(' ') {
            in_list = matches!(*line, "Arguments:" | "Options:" | "Global options:");
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        // An entry's name starts at 2 columns (6 for a long option alone).
        if !in_list || line.trim().is_empty() || indent > 6 {
            continue;
        }
        let trimmed = line.trim_start();
        let same_line = trimmed
            .split_once("  ")
            .is_some_and(|(_, rest)| !rest.trim().is_empty());
        let next_line = lines
            .get(i + 1)
            .is_some_and(|n| n.len() - n.trim_start().len() >= 8 && !n.trim().is_empty());
        if !same_line && !next_line {
            out.push(trimmed.to_string());
        }
    }
    out
}

#[test]
fn every_command_has_a_reviewed_help_with_descriptions_and_examples() {
    let env = env();
    let commands = commands(&env);
    assert!(commands.len() >= 20, "{commands:?}");
    let mut pages = vec![(vec![], "artisync".to_string())];
    for c in &commands {
        pages.push((vec![c.clone()], format!("artisync_{c}")));
    }
    for (group, subs) in [
        ("project", &["add", "list", "remove"][..]),
        ("collection", &["remote", "pull", "push"][..]),
    ] {
        for sub in subs {
            pages.push((
                vec![group.into(), (*sub).into()],
                format!("artisync_{group}_{sub}"),
            ));
        }
    }
    pages.push((
        vec!["collection".into(), "remote".into(), "set".into()],
        "artisync_collection_remote_set".into(),
    ));
    for (args, name) in pages {
        let mut all = args.clone();
        all.push("--help".into());
        let help = env.run_ok(&all).stdout;
        assert_eq!(undescribed(&help), Vec::<String>::new(), "{name}:\n{help}");
        if !args.is_empty() && args != ["project"] {
            assert!(
                help.contains("\nExamples:\n  artisync "),
                "{name} shows no example:\n{help}"
            );
        }
        insta::assert_snapshot!(name, help);
    }
}

#[test]
fn the_tier_options_list_the_tiers() {
    let help = env().run_ok(&["diff", "--help"]).stdout;
    for side in ["--lhs <TIER>", "--rhs <TIER>"] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(side))
            .unwrap();
        for tier in ["upstream", "collection", "project"] {
            assert!(line.contains(tier), "{line}");
        }
    }
}

#[test]
fn completion_scripts_name_every_command_and_bash_parses_its_own() {
    let env = env();
    let commands = commands(&env);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = env.run_ok(&["completions", shell]).stdout;
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completion lacks {c}");
        }
    }
    // A syntax check by the shell itself.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("artisync.bash");
    std::fs::write(&path, env.run_ok(&["completions", "bash"]).stdout).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let e = env.run_err(&["completions", "tcsh"]);
    assert_eq!(e.code, 2);
    assert!(
        e.stderr.contains("bash, zsh, fish, powershell"),
        "{}",
        e.stderr
    );
}

#[test]
fn the_manual_renders_and_a_folder_gets_a_page_per_command() {
    let env = env();
    let page = env.run_ok(&["man"]).stdout;
    assert!(page.contains(".TH artisync 1"), "{page}");
    assert!(
        page.contains(".SH NAME") && page.contains("artisync\\-resolve"),
        "{page}"
    );
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("man1");
    env.run_ok(&["man", "--dir", folder.to_str().unwrap()]);
    for c in commands(&env)
        .iter()
        .map(|c| format!("artisync-{c}.1"))
        .chain(["artisync.1".into()])
    {
        assert!(folder.join(&c).is_file(), "{c} is missing");
    }
    // groff reads it without a warning.
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(folder.join("artisync-sync.1"))
        .output();
    if let Ok(r) = rendered {
        assert!(r.status.success());
        assert!(String::from_utf8_lossy(&r.stdout).contains("--direction"));
        assert_eq!(String::from_utf8_lossy(&r.stderr), "");
    }
}
