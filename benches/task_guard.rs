//! The whole per-message cost of the task rules ([`TaskGuard`]), with the
//! real codec and the in-memory store, legacy and current-era shapes side by
//! side:
//!
//! - `*_create`: an upstream task-creating result → admitted, TTL capped,
//!   id sealed into a handle (the first sighting of a task);
//! - `*_get_request`: a client's `tasks/get` → handle verified, store
//!   checked (known, not revoked), id resolved;
//! - `*_status_event`: a status notification on a stream → ownership looked
//!   up, handle re-sealed from the store record;
//! - `foreign_get_request`: another identity's handle refused.
//!
//! Messages are parsed values (the JSON parse is in the `rewrite` and
//! `jsonrpc_parse` benches).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use taskgate::auth::Principal;
use taskgate::config::TaskPolicy;
use taskgate::handle::{HandleCodec, KeyRing};
use taskgate::mcp::Era;
use taskgate::store::memory::MemoryStore;
use taskgate::tasks::{Caller, Clock, Follow, TaskGuard};

const ID: &str = "786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e";

fn caller(sub: &str, session: Option<&str>) -> Caller {
    let principal =
        Principal::for_tests("https://login.example.com/", sub, Some("acme"), Some("app"));
    Caller::new(
        "mcp".into(),
        Arc::new(principal),
        session.map(str::to_owned),
    )
}

fn create_message(era: Era) -> Value {
    match era {
        Era::Legacy => {
            json!({"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":ID,"status":"working",
            "createdAt":"2025-11-25T10:30:00Z","lastUpdatedAt":"2025-11-25T10:30:00Z","ttl":60000,"pollInterval":5000}}})
        }
        Era::Current => {
            json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"task","taskId":ID,"status":"working",
            "createdAt":"2026-08-01T10:30:00Z","lastUpdatedAt":"2026-08-01T10:30:00Z","ttlMs":60000,"pollIntervalMs":5000}})
        }
    }
}

fn status_message(era: Era) -> Value {
    let method = match era {
        Era::Legacy => "notifications/tasks/status",
        Era::Current => "notifications/tasks",
    };
    json!({"jsonrpc":"2.0","method":method,"params":{"taskId":ID,"status":"working",
        "createdAt":"2026-08-01T10:30:00Z","lastUpdatedAt":"2026-08-01T10:30:05Z","ttl":60000,"ttlMs":60000}})
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("runtime: {e}");
            std::process::exit(1)
        });
    let policy = TaskPolicy::default();
    let store = Arc::new(MemoryStore::new(TaskGuard::retention(&policy)));
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let guard = TaskGuard::new(codec, store, policy, Clock::system());
    let follow = Follow {
        method: Some("tools/call".into()),
        name: Some("slow_report".into()),
        ..Follow::default()
    };
    let mut group = c.benchmark_group("task_guard");
    for (era, name, session) in [
        (Era::Legacy, "legacy", Some("session-1")),
        (Era::Current, "current", None),
    ] {
        let alice = caller("alice", session);
        let created = create_message(era);
        group.bench_function(format!("{name}_create"), |b| {
            b.iter(|| {
                let mut message = created.clone();
                rt.block_on(guard.to_client(&alice, era, Some(&follow), black_box(&mut message)));
                message
            })
        });
        let mut sealed = created.clone();
        rt.block_on(guard.to_client(&alice, era, Some(&follow), &mut sealed));
        let handle = match era {
            Era::Legacy => sealed["result"]["task"]["taskId"].clone(),
            Era::Current => sealed["result"]["taskId"].clone(),
        };
        let get = json!({"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"taskId": handle}});
        group.bench_function(format!("{name}_get_request"), |b| {
            b.iter(|| {
                let mut message = get.clone();
                let follow = rt.block_on(guard.to_upstream(&alice, era, black_box(&mut message)));
                assert!(follow.is_ok());
                message
            })
        });
        let status = status_message(era);
        group.bench_function(format!("{name}_status_event"), |b| {
            b.iter(|| {
                let mut message = status.clone();
                rt.block_on(guard.to_client(&alice, era, None, black_box(&mut message)));
                message
            })
        });
        if era == Era::Legacy {
            let mallory = caller("mallory", session);
            group.bench_function("foreign_get_request", |b| {
                b.iter(|| {
                    let mut message = get.clone();
                    let refused =
                        rt.block_on(guard.to_upstream(&mallory, era, black_box(&mut message)));
                    assert!(refused.is_err());
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
