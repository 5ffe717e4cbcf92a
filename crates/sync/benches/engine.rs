//! Engine benchmarks: status over a fleet of 100 artifacts deployed into 20
//! projects, and hashing a 10 MB skill (against raw git blob hashing of the
//! same bytes, the SHA-1 floor).
//!
//! Run with `cargo bench -p artisync-sync --bench engine`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use artisync_model::{blob_id, ArtifactId, Shape};
use artisync_store::{fsio, repo, Home};
use artisync_sync::{AddRequest, Engine};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ARTIFACTS: usize = 100;
const PROJECTS: usize = 20;

fn fleet(dir: &Path) -> Engine {
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
    let ids: Vec<ArtifactId> = (0..ARTIFACTS)
        .map(|i| format!("skill:skill-{i:03}").parse().unwrap())
        .collect();
    for p in 0..PROJECTS {
        let pd = dir.join(format!("projects/p{p:02}"));
        fs::create_dir_all(&pd).unwrap();
        engine.deploy(&ids, &pd).unwrap();
        // Some drift so that status has real work of every kind.
        let f = pd.join(format!(".claude/skills/skill-{:03}/SKILL.md", p));
        fs::write(&f, "edited\n").unwrap();
    }
    engine
}

fn bench_status(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = fleet(dir.path());
    let home = engine.home.root().to_path_buf();
    let mut g = c.benchmark_group("status");
    g.sample_size(20);
    g.bench_function("100_artifacts_x_20_projects", |b| {
        b.iter(|| {
            // A fresh engine each time: nothing cached between runs.
            let e = Engine::new(Home::at(&home), "default");
            let r = e.status(None).unwrap();
            assert_eq!(r.artifacts.len(), ARTIFACTS);
            r
        })
    });
    g.finish();
}

fn bench_hash(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let skill = dir.path().join("big");
    fs::create_dir_all(skill.join("data")).unwrap();
    fs::write(skill.join("SKILL.md"), "---\nname: big\n---\n").unwrap();
    let mut all = Vec::new();
    for i in 0..10u32 {
        let chunk: Vec<u8> = (0..1024 * 1024u32)
            .map(|j| (j.wrapping_mul(2654435761).wrapping_add(i) >> 13) as u8)
            .collect();
        fs::write(skill.join(format!("data/part-{i}.bin")), &chunk).unwrap();
        all.extend_from_slice(&chunk);
    }
    let mut g = c.benchmark_group("hash");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(all.len() as u64));
    g.bench_function("skill_10mb_from_disk", |b| {
        b.iter(|| {
            fsio::read_content(&skill, Shape::Dir)
                .unwrap()
                .unwrap()
                .hash()
        })
    });
    g.bench_function("sha1_floor_blob_id_10mb_in_memory", |b| {
        b.iter(|| blob_id(&all))
    });
    g.finish();
}

criterion_group!(benches, bench_status, bench_hash);
criterion_main!(benches);
