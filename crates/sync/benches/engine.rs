//! Engine benchmarks: status over a fleet of 100 artifacts deployed into 20
//! projects, and hashing a 10 MB skill (against raw git blob hashing of the
//! same bytes, the SHA-1 floor).
//!
//! Run with `cargo bench -p artisync-sync --bench engine`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

mod common;

use artisync_model::{blob_id, Shape};
use artisync_store::{fsio, Home};
use artisync_sync::Engine;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench_status(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = common::fleet(dir.path(), 20);
    let home = engine.home.root().to_path_buf();
    let mut g = c.benchmark_group("status");
    g.sample_size(20);
    g.bench_function("100_artifacts_x_20_projects", |b| {
        b.iter(|| {
            // A fresh engine each time: nothing cached between runs.
            let e = Engine::new(Home::at(&home), "default");
            let r = e.status(None).unwrap();
            assert_eq!(r.artifacts.len(), common::ARTIFACTS);
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
