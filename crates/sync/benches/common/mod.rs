//! The fixture the engine benchmarks share: an upstream with 100 skills,
//! imported into a collection and deployed into some projects.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use artisync_model::ArtifactId;
use artisync_store::{repo, Home};
use artisync_sync::{AddRequest, Engine};

pub const ARTIFACTS: usize = 100;

pub fn ids() -> Vec<ArtifactId> {
    (0..ARTIFACTS)
        .map(|i| format!("skill:skill-{i:03}").parse().unwrap())
        .collect()
}

/// Builds the fleet under `dir` with `projects` projects; project `p` has a
/// local edit of skill `p`. Returns the engine and the project paths.
pub fn fleet(dir: &Path, projects: usize) -> (Engine, Vec<PathBuf>) {
    let up = dir.join("upstream");
    let r = repo::init(&up).unwrap();
    for i in 0..ARTIFACTS {
        let s = up.join(format!("skills/skill-{i:03}"));
        fs::create_dir_all(s.join("scripts")).unwrap();
        fs::write(
            s.join("SKILL.md"),
            format!(
                "---\nname: skill-{i:03}\ndescription: Benchmark skill {i}\n---\n# Skill {i}\n\n{}",
                "Some guidance.\n".repeat(40)
            ),
        )
        .unwrap();
        fs::write(s.join("scripts/run.sh"), "#!/bin/sh\necho run\n".repeat(20)).unwrap();
        fs::write(s.join("reference.md"), "Reference text.\n".repeat(100)).unwrap();
    }
    repo::commit_all(&r, "fleet").unwrap();
    let home = dir.join("home");
    fs::create_dir_all(&home).unwrap();
    let engine = Engine::new(Home::at(&home), "default");
    engine.init(None).unwrap();
    engine
        .add(&AddRequest {
            spec: up.join("skills").display().to_string(),
            all: true,
            ..AddRequest::default()
        })
        .unwrap();
    let mut paths = Vec::new();
    for p in 0..projects {
        let pd = dir.join(format!("projects/p{p:02}"));
        fs::create_dir_all(&pd).unwrap();
        engine.deploy(&ids(), &pd, None).unwrap();
        let f = pd.join(format!(".claude/skills/skill-{p:03}/SKILL.md"));
        fs::write(&f, "edited\n").unwrap();
        paths.push(fs::canonicalize(&pd).unwrap());
    }
    (engine, paths)
}
