//! `store::memory::MemoryStore` through `Arc<dyn Store>`: follow-up lookups
//! must cost the same at 1 k and 1 M live tasks (keyed lookups only), and
//! admission must stay cheap as the store grows.
//!
//! The memory store answers synchronously, so each future is polled once
//! with `now_or_never`; the measured cost includes the boxed future, as the
//! gateway pays it.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use taskgate::handle::Owner;
use taskgate::store::memory::MemoryStore;
use taskgate::store::{Caps, RetentionPolicy, Store, TaskKey, TaskRecord};

const NOW: u64 = 1_000_000;
const RETENTION: RetentionPolicy = RetentionPolicy {
    result_retention_secs: 600,
    max_task_lifetime_secs: 86_400,
    max_session_lifetime_secs: 0,
    max_request_state_lifetime_secs: 0,
};
/// A prime step through the keys: visits every key before repeating.
const STRIDE: usize = 7_919;
const CAPS: Caps = Caps {
    per_principal: Some(100),
    per_tenant: Some(u32::MAX),
};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

fn key(n: u32) -> TaskKey {
    TaskKey {
        route: "reports".into(),
        session: Some(format!("session-{:08}", n / 16)),
        upstream: format!("0f1e2d3c-4b5a-6978-8796-{n:012}"),
    }
}

/// Four tasks per owner, 64 tenants.
fn owner(n: u32) -> Owner {
    let mut o = [0u8; 16];
    o[..4].copy_from_slice(&(n / 4).to_le_bytes());
    Owner(o)
}

fn record(n: u32, created_at: u64) -> TaskRecord {
    TaskRecord {
        owner: owner(n),
        tenant: Some(format!("tenant-{}", n % 64)),
        tool: Some("slow_report".into()),
        created_at,
        expires_at: Some(created_at + 3_600),
        terminal_at: None,
    }
}

/// A store with `n` live tasks, plus a few revocations so `is_revoked`
/// finds populated maps.
fn filled(n: u32) -> (Arc<dyn Store>, Vec<TaskKey>) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new(RETENTION));
    let keys: Vec<TaskKey> = (0..n).map(key).collect();
    for (i, k) in keys.iter().enumerate() {
        let got = store
            .admit_task(k, record(i as u32, NOW), &CAPS, NOW)
            .now_or_never();
        assert!(matches!(got, Some(Ok(a)) if a.is_admitted()));
    }
    for i in (0..n).step_by(1_000) {
        let _ = store.revoke_task(&key(i), NOW - 1).now_or_never();
        let _ = store.revoke_owner(&owner(i), NOW - 1).now_or_never();
    }
    let _ = store.revoke_tenant("tenant-0", NOW - 1).now_or_never();
    (store, keys)
}

/// Looks keys up in a scattered order so the 1 M case is not served from
/// cache lines a sequential walk would warm.
fn bench_lookup(group: &mut Group<'_>, name: &str, store: &Arc<dyn Store>, keys: &[TaskKey]) {
    let mut i = 0usize;
    group.bench_function(name, |b| {
        b.iter(|| {
            i = (i + STRIDE) % keys.len();
            black_box(store.task(black_box(&keys[i]), NOW + 1).now_or_never())
        })
    });
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("store_memory");

    let (small, small_keys) = filled(1_000);
    bench_lookup(&mut group, "task_lookup_1k_live", &small, &small_keys);
    drop(small);

    // Built once for both 1 M benches: filling takes seconds.
    // `cargo test --benches` runs each bench once as a smoke test (no
    // `--bench` flag): a small store keeps that fast; real runs use 1 M.
    let real_run = std::env::args().any(|a| a == "--bench");
    let (big, big_keys) = filled(if real_run { 1_000_000 } else { 10_000 });
    bench_lookup(&mut group, "task_lookup_1m_live", &big, &big_keys);
    let tenant = "tenant-7".to_string();
    let mut i = 0usize;
    group.bench_function("is_revoked_1m_live", |b| {
        b.iter(|| {
            // Unrevoked handles: all three scopes are consulted.
            i = (i + STRIDE) % big_keys.len();
            let o = owner(i as u32 * 4 + 1);
            let f = big.is_revoked(&big_keys[i], &o, Some(&tenant), NOW + 1);
            black_box(f.now_or_never())
        })
    });
    drop(big);

    // Admission into a store that is swept after every chunk, so memory
    // stays flat however many iterations criterion picks.
    let store = MemoryStore::new(RETENTION);
    let keys: Vec<TaskKey> = (0..200_000).map(key).collect();
    group.bench_function("admit", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let chunk = (iters - done).min(keys.len() as u64) as usize;
                let start = Instant::now();
                for (n, k) in keys[..chunk].iter().enumerate() {
                    let f = store.admit_task(k, record(n as u32, NOW), &CAPS, NOW);
                    black_box(f.now_or_never());
                }
                total += start.elapsed();
                store.sweep(NOW + RETENTION.max_task_lifetime_secs);
                done += chunk as u64;
            }
            total
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
