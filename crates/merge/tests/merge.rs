#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use artisync_merge::{
    has_conflict_markers, has_leftover_markers, merge, merge_text, ConflictKind, FileChange,
};
use artisync_model::{Content, FileEntry, FileMode, RelPath, Shape};
use proptest::prelude::*;

fn p(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn dir(files: &[(&str, &[u8])]) -> Content {
    Content::dir(
        files
            .iter()
            .map(|(k, v)| (p(k), FileEntry::regular(*v)))
            .collect(),
    )
}

fn text(c: &Content, path: &str) -> String {
    String::from_utf8(c.files[&p(path)].data.clone()).unwrap()
}

#[test]
fn both_edit_different_lines_merges_both() {
    let base = dir(&[("SKILL.md", b"a\nb\nc\nd\ne\n")]);
    let ours = dir(&[("SKILL.md", b"A\nb\nc\nd\ne\n")]);
    let theirs = dir(&[("SKILL.md", b"a\nb\nc\nd\nE\n")]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean());
    assert_eq!(text(&m.content(), "SKILL.md"), "A\nb\nc\nd\nE\n");
    assert_eq!(m.changes[&p("SKILL.md")], FileChange::Merged);
}

#[test]
fn same_lines_conflict_with_labelled_markers_and_ours_kept() {
    let base = dir(&[("SKILL.md", b"a\nb\nc\n")]);
    let ours = dir(&[("SKILL.md", b"a\nOURS\nc\n")]);
    let theirs = dir(&[("SKILL.md", b"a\nTHEIRS\nc\n")]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert_eq!(m.conflicts.len(), 1);
    let c = &m.conflicts[0];
    assert_eq!(c.kind, ConflictKind::Content);
    let marked = String::from_utf8(c.marked.clone().unwrap()).unwrap();
    assert_eq!(
        marked,
        "a\n<<<<<<< ours\nOURS\n=======\nTHEIRS\n>>>>>>> theirs\nc\n"
    );
    assert!(has_conflict_markers(marked.as_bytes()));
    // The destination's version stands in until resolved.
    assert_eq!(m.content(), ours);
    let mut d = BTreeMap::new();
    d.insert(p("SKILL.md"), Some(FileEntry::regular("a\nboth\nc\n")));
    assert_eq!(text(&m.resolve(&d).unwrap(), "SKILL.md"), "a\nboth\nc\n");
    assert_eq!(
        m.resolve(&BTreeMap::new()).unwrap_err(),
        vec![p("SKILL.md")]
    );
}

#[test]
fn added_and_deleted_files_carry_over() {
    let base = dir(&[("a.md", b"a\n"), ("old.md", b"old\n"), ("keep.md", b"k\n")]);
    let ours = dir(&[
        ("a.md", b"a edited\n"),
        ("old.md", b"old\n"),
        ("keep.md", b"k\n"),
        ("mine.md", b"m\n"),
    ]);
    let theirs = dir(&[("a.md", b"a\n"), ("keep.md", b"k\n"), ("new.md", b"n\n")]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean());
    let c = m.content();
    let names: Vec<&str> = c.files.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, vec!["a.md", "keep.md", "mine.md", "new.md"]);
    assert_eq!(text(&c, "a.md"), "a edited\n");
    assert_eq!(m.changes.get(&p("old.md")), Some(&FileChange::Taken));
    assert_eq!(m.changes.get(&p("new.md")), Some(&FileChange::Taken));
    assert!(!m.changes.contains_key(&p("keep.md")));
    assert!(!m.changes.contains_key(&p("a.md")));
}

#[test]
fn delete_against_edit_conflicts() {
    let base = dir(&[("a.md", b"a\n")]);
    let ours = dir(&[("a.md", b"edited\n")]);
    let theirs = dir(&[]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert_eq!(m.conflicts[0].kind, ConflictKind::DeleteEdit);
    let m = merge(Some(&base), Some(&theirs), Some(&ours));
    assert_eq!(m.conflicts[0].kind, ConflictKind::DeleteEdit);
    assert!(m.content().files.is_empty(), "ours (deleted) is kept");
}

#[test]
fn rename_with_small_edit_follows_the_rename() {
    let body = "one\ntwo\nthree\nfour\nfive\nsix\n";
    let base = dir(&[("guide.md", body.as_bytes())]);
    let ours = dir(&[("docs/guide.md", body.replace("two", "TWO").as_bytes())]);
    let theirs = dir(&[("guide.md", body.replace("six", "SIX").as_bytes())]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean(), "{:?}", m.conflicts);
    let c = m.content();
    assert_eq!(c.files.len(), 1);
    assert_eq!(
        text(&c, "docs/guide.md"),
        "one\nTWO\nthree\nfour\nfive\nSIX\n"
    );
}

#[test]
fn binary_conflicts_only_when_both_change() {
    let base = dir(&[("img.png", &[0, 1, 2])]);
    let ours = dir(&[("img.png", &[0, 1, 3])]);
    let theirs = dir(&[("img.png", &[0, 1, 4])]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert_eq!(m.conflicts[0].kind, ConflictKind::Binary);
    let m = merge(Some(&base), Some(&base), Some(&theirs));
    assert!(m.is_clean());
    assert_eq!(m.content(), theirs);
}

#[test]
fn exec_bit_merges_like_content() {
    let base = dir(&[("run.sh", b"echo 1\necho 2\necho 3\n")]);
    let mut ours = dir(&[("run.sh", b"echo 1\necho 2\necho 3\n")]);
    ours.files.get_mut(&p("run.sh")).unwrap().mode = FileMode::Executable;
    let theirs = dir(&[("run.sh", b"echo 1\necho 2\necho three\n")]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean());
    let e = &m.content().files[&p("run.sh")];
    assert_eq!(e.mode, FileMode::Executable);
    assert_eq!(e.data, b"echo 1\necho 2\necho three\n");
}

#[test]
fn line_endings_bom_and_final_newline_are_kept() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "a\r\nb\r\nc\r\n",
            "A\r\nb\r\nc\r\n",
            "a\r\nb\r\nC\r\n",
            "A\r\nb\r\nC\r\n",
        ),
        ("a\nb\nc", "A\nb\nc", "a\nb\nc", "A\nb\nc"),
        ("a\nb\nc", "A\nb\nc", "a\nb\nC", "A\nb\nC"),
        (
            "\u{feff}a\nb\nc\n",
            "\u{feff}a\nb\nc\n",
            "\u{feff}a\nb\nC\n",
            "\u{feff}a\nb\nC\n",
        ),
        ("", "", "x\n", "x\n"),
        ("", "x\n", "", "x\n"),
    ];
    for (b, o, t, want) in cases {
        assert_eq!(
            merge_text(b, o, t).as_deref(),
            Ok(*want),
            "{b:?} {o:?} {t:?}"
        );
    }
}

#[test]
fn one_very_long_line() {
    let long = format!("{{\"k\":\"{}\"}}", "x".repeat(200_000));
    let base = dir(&[("data.json", long.as_bytes()), ("README.md", b"a\n")]);
    let ours = dir(&[("data.json", long.as_bytes()), ("README.md", b"b\n")]);
    let theirs = dir(&[
        ("data.json", long.replace("\"k\"", "\"key\"").as_bytes()),
        ("README.md", b"a\n"),
    ]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean());
    assert_eq!(
        text(&m.content(), "data.json"),
        long.replace("\"k\"", "\"key\"")
    );
    assert_eq!(text(&m.content(), "README.md"), "b\n");
}

#[test]
fn single_file_artifacts_and_missing_sides() {
    let f = |s: &str| Content::file(p("review.md"), FileEntry::regular(s));
    let m = merge(
        Some(&f("a\nb\nc\n")),
        Some(&f("A\nb\nc\n")),
        Some(&f("a\nb\nC\n")),
    );
    assert_eq!(m.shape, Shape::File);
    assert_eq!(text(&m.content(), "review.md"), "A\nb\nC\n");
    // Nothing at the destination yet: take the source.
    let m = merge(None, None, Some(&f("x\n")));
    assert!(m.is_clean());
    assert_eq!(m.content(), f("x\n"));
    // Both added different content without a base: add/add conflict.
    let m = merge(None, Some(&f("x\n")), Some(&f("y\n")));
    assert_eq!(m.conflicts[0].kind, ConflictKind::AddAdd);
}

#[test]
fn markers_are_detected_only_as_whole_lines() {
    assert!(has_conflict_markers(b"a\n<<<<<<< ours\nb\n"));
    assert!(has_conflict_markers(b"=======\n"));
    assert!(!has_conflict_markers(b"a <<<<<<< b\n== x ==\n"));
}

#[test]
fn a_marker_line_one_version_holds_is_content_not_a_leftover() {
    let heading: &[u8] = b"Title\n=======\ntext\n";
    // The file's own setext underline, kept in a resolution.
    assert!(!has_leftover_markers(
        b"Title\n=======\nnew text\n",
        &[Some(heading), None, None]
    ));
    // A marker the merge added, left in.
    assert!(has_leftover_markers(
        b"Title\n=======\n<<<<<<< ours\nx\n",
        &[Some(heading), None, None]
    ));
    assert!(has_leftover_markers(
        b"a\n=======\nb\n",
        &[Some(b"a\nb\n"), Some(b"a\n"), None]
    ));
    // CRLF text: the marker with its carriage return is still one.
    assert!(has_leftover_markers(
        b"a\r\n>>>>>>> theirs\r\n",
        &[Some(b"a\r\n"), None, None]
    ));
}

fn lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z]{1,6}", 0..30).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, s)| format!("{i}{s}"))
            .collect()
    })
}

fn join(v: &[String]) -> String {
    v.iter().map(|l| format!("{l}\n")).collect()
}

fn edit(base: &[String], seed: &[(usize, String)]) -> Vec<String> {
    let mut out = base.to_vec();
    for (i, s) in seed {
        if !out.is_empty() {
            let i = i % out.len();
            out[i] = format!("edit-{s}");
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn one_side_unchanged_yields_the_other(base in lines(), e in prop::collection::vec((0usize..40, "[a-z]{1,4}"), 0..6), extra in lines()) {
        let b = join(&base);
        let mut other = edit(&base, &e);
        other.extend(extra);
        let o = join(&other);
        prop_assert_eq!(merge_text(&b, &b, &o), Ok(o.clone()));
        prop_assert_eq!(merge_text(&b, &o, &b), Ok(o.clone()));
        let bc = dir(&[("f.md", b.as_bytes())]);
        let oc = dir(&[("f.md", o.as_bytes()), ("g.md", b"g\n")]);
        prop_assert_eq!(merge(Some(&bc), Some(&bc), Some(&oc)).content(), oc.clone());
        prop_assert_eq!(merge(Some(&bc), Some(&oc), Some(&bc)).content(), oc);
    }

    #[test]
    fn identical_edits_merge_cleanly(base in lines(), e in prop::collection::vec((0usize..40, "[a-z]{1,4}"), 0..6)) {
        let b = join(&base);
        let x = join(&edit(&base, &e));
        prop_assert_eq!(merge_text(&b, &x, &x), Ok(x.clone()));
    }

    #[test]
    fn clean_merge_keeps_every_edit(n in 4usize..60, picks in prop::collection::vec((0usize..60, any::<bool>()), 1..10)) {
        // Unique base lines; each pick edits one line for ours or theirs. Edits
        // on different sides are kept at least two lines apart so they are
        // separate hunks, which must merge cleanly.
        let base: Vec<String> = (0..n).map(|i| format!("line {i}")).collect();
        let (mut ours, mut theirs) = (base.clone(), base.clone());
        let mut taken: Vec<(usize, bool)> = Vec::new();
        for (i, side) in picks {
            let i = i % n;
            if taken.iter().any(|(j, s)| *s != side && i.abs_diff(*j) < 2 || *j == i) {
                continue;
            }
            taken.push((i, side));
            if side { ours[i] = format!("ours {i}") } else { theirs[i] = format!("theirs {i}") }
        }
        let mut want = base.clone();
        for (i, side) in &taken {
            want[*i] = if *side { format!("ours {i}") } else { format!("theirs {i}") };
        }
        let merged = merge_text(&join(&base), &join(&ours), &join(&theirs));
        prop_assert_eq!(merged, Ok(join(&want)));
    }

    #[test]
    fn conflicts_keep_the_destination(base in lines(), a in "[a-z]{1,5}", b in "[A-Z]{1,5}") {
        prop_assume!(!base.is_empty());
        let bt = join(&base);
        let mut o = base.clone();
        o[0] = a;
        let mut t = base.clone();
        t[0] = b;
        let oc = dir(&[("f.md", join(&o).as_bytes())]);
        let tc = dir(&[("f.md", join(&t).as_bytes())]);
        let m = merge(Some(&dir(&[("f.md", bt.as_bytes())])), Some(&oc), Some(&tc));
        prop_assert!(!m.is_clean());
        prop_assert_eq!(m.content(), oc);
    }
}

/// A text of `n` lines where every `every`-th line (from `at`) is `tag`ged.
fn numbered(n: usize, every: usize, at: usize, tag: &str) -> Vec<u8> {
    (0..n)
        .map(|i| {
            if every > 0 && i % every == at {
                format!("{tag} {i}\n")
            } else {
                format!("line {i}\n")
            }
        })
        .collect::<String>()
        .into_bytes()
}

#[test]
fn a_huge_two_sided_edit_is_a_too_large_conflict_at_once() {
    // 100,000 lines, 10,000 changed on each side: too costly to merge line
    // by line (diffy takes seconds), so it is a conflict settled by choice.
    let n = 100_000;
    let base = dir(&[("big.md", &numbered(n, 0, 0, ""))]);
    let ours = dir(&[("big.md", &numbered(n, 10, 1, "ours"))]);
    let theirs = dir(&[("big.md", &numbered(n, 10, 5, "theirs"))]);
    let start = std::time::Instant::now();
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    let took = start.elapsed();
    assert_eq!(m.conflicts.len(), 1);
    assert_eq!(m.conflicts[0].kind, ConflictKind::TooLarge);
    assert!(m.conflicts[0].marked.is_none());
    assert_eq!(m.content(), ours, "ours stands in until resolved");
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    let mut d = BTreeMap::new();
    d.insert(p("big.md"), m.conflicts[0].theirs.clone());
    assert_eq!(m.resolve(&d).unwrap(), theirs);
    // Fewer changes stay within the budget and merge cleanly.
    let ours = dir(&[("big.md", &numbered(n, 1000, 1, "ours"))]);
    let theirs = dir(&[("big.md", &numbered(n, 1000, 5, "theirs"))]);
    let m = merge(Some(&base), Some(&ours), Some(&theirs));
    assert!(m.is_clean(), "{:?}", m.conflicts.first().map(|c| c.kind));
}

#[test]
fn a_cancelled_merge_stops_between_files_and_has_no_result() {
    use artisync_merge::{merge_limited, Cancelled, MergeLimits};
    let side = |every: usize, at: usize, tag: &str| {
        Content::dir(
            (0..50)
                .map(|i| {
                    let data = numbered(2000, every, at, tag);
                    (p(&format!("f{i}.md")), FileEntry::regular(data))
                })
                .collect(),
        )
    };
    let (base, ours, theirs) = (side(0, 0, ""), side(7, 1, "ours"), side(7, 4, "theirs"));
    let asked = std::cell::Cell::new(0);
    let cancel = || {
        asked.set(asked.get() + 1);
        asked.get() > 1
    };
    let limits = MergeLimits {
        cancelled: &cancel,
        ..MergeLimits::default()
    };
    let start = std::time::Instant::now();
    let r = merge_limited(Some(&base), Some(&ours), Some(&theirs), &limits);
    assert_eq!(r.unwrap_err(), Cancelled);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    // Uncancelled, the same merge is clean.
    assert!(merge(Some(&base), Some(&ours), Some(&theirs)).is_clean());
}

#[test]
fn past_the_deadline_text_files_are_too_large() {
    use artisync_merge::{merge_limited, MergeLimits};
    let base = dir(&[("a.md", b"a\nb\nc\n")]);
    let ours = dir(&[("a.md", b"A\nb\nc\n")]);
    let theirs = dir(&[("a.md", b"a\nb\nC\n")]);
    let limits = MergeLimits {
        deadline: Some(std::time::Instant::now()),
        ..MergeLimits::default()
    };
    let m = merge_limited(Some(&base), Some(&ours), Some(&theirs), &limits).unwrap();
    assert_eq!(m.conflicts[0].kind, ConflictKind::TooLarge);
}
