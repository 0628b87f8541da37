//! Task-id rewriting cost: the per-message walk on small task messages, a
//! large inline tool result (parse + rewrite + serialize), and the byte
//! pre-check that lets payloads without ids pass unparsed.
//!
//! The mapping is a cheap stand-in (a prefix); handle sealing has its own
//! bench.

use std::convert::Infallible;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use taskgate::mcp::Era;
use taskgate::rewrite::{Direction, Role, may_need_rewrite, rewrite};

const LEGACY_CREATE: &str = r#"{"jsonrpc":"2.0","id":42,"result":{"task":{"taskId":"786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e","status":"working","statusMessage":"queued","createdAt":"2025-11-25T10:30:00Z","lastUpdatedAt":"2025-11-25T10:30:00Z","ttl":60000,"pollInterval":5000},"_meta":{"io.modelcontextprotocol/model-immediate-response":"Started."}}}"#;

const CURRENT_CREATE: &str = r#"{"jsonrpc":"2.0","id":42,"result":{"resultType":"task","taskId":"786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e","status":"working","statusMessage":"queued","createdAt":"2026-08-01T10:30:00Z","lastUpdatedAt":"2026-08-01T10:30:00Z","ttlMs":60000,"pollIntervalMs":5000}}"#;

const CURRENT_NOTIFY: &str = r#"{"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e","status":"input_required","createdAt":"2026-08-01T10:30:00Z","lastUpdatedAt":"2026-08-01T10:30:05Z","ttlMs":60000,"inputRequests":{"region":{"method":"elicitation/create","params":{"message":"Which region?","requestedSchema":{"type":"object","properties":{"region":{"type":"string"}}}}}},"_meta":{"io.modelcontextprotocol/subscriptionId":7}}}"#;

const CURRENT_LISTEN: &str = r#"{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"notifications":{"taskIds":["tg1.k.a","tg1.k.b","tg1.k.c"]},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#;

const LEGACY_ELICIT: &str = r#"{"jsonrpc":"2.0","id":"srv-7","method":"elicitation/create","params":{"message":"Which region should the report cover?","requestedSchema":{"type":"object","properties":{"region":{"type":"string","enum":["eu","us","apac"]}},"required":["region"]},"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e"}}}}"#;

/// Rows of structured content until the body passes `bytes`.
fn rows(bytes: usize) -> String {
    let mut out = String::new();
    let mut i = 0u64;
    while out.len() < bytes {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"id":{i},"name":"row {i}","score":{}.5,"tags":["alpha","beta"],"owner":{{"sub":"user-{i}","admin":false}},"note":null}}"#,
            i * 3
        ));
        i += 1;
    }
    out
}

/// A current-era `tasks/get` result for a completed task with a ~64 KiB
/// inline `CallToolResult`.
fn tasks_get_completed_64kb() -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":9,"result":{{"resultType":"complete","taskId":"786512e2-9e0d-44bd-8f29-7e1a2b3c4d5e","status":"completed","createdAt":"2026-08-01T10:30:00Z","lastUpdatedAt":"2026-08-01T10:31:00Z","ttlMs":3600000,"result":{{"content":[{{"type":"text","text":"report ready"}}],"structuredContent":{{"rows":[{}]}},"isError":false}}}}}}"#,
        rows(64 * 1024)
    )
}

/// A ~1 MiB `tools/call` result with no id keys: text plus structured rows.
fn tool_result_1mb_no_ids() -> String {
    let text = "All work and no play makes Jack a dull boy. ".repeat(8 * 1024);
    format!(
        r#"{{"jsonrpc":"2.0","id":3,"result":{{"content":[{{"type":"text","text":"{text}"}}],"structuredContent":{{"rows":[{}]}},"isError":false}}}}"#,
        rows(640 * 1024)
    )
}

fn prefix(_: Role, value: &str) -> Result<Option<String>, Infallible> {
    Ok(Some(format!("tg1.k.{value}")))
}

/// Parse, rewrite, serialize: what the relay does to one message.
fn round_trip(body: &[u8], era: Era, direction: Direction, method: Option<&str>) -> Vec<u8> {
    let Ok(mut message) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let _ = rewrite(&mut message, era, direction, method, &mut prefix);
    serde_json::to_vec(&message).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rewrite");

    // The walk alone on an already-parsed value (the clone is part of it).
    let create: Value = serde_json::from_str(LEGACY_CREATE).unwrap_or_default();
    group.throughput(Throughput::Bytes(LEGACY_CREATE.len() as u64));
    group.bench_function("legacy_create_task_result", |b| {
        b.iter(|| {
            let mut message = create.clone();
            let n = rewrite(
                black_box(&mut message),
                Era::Legacy,
                Direction::ToClient,
                Some("tools/call"),
                &mut prefix,
            );
            assert_eq!(n, Ok(1));
            message
        })
    });

    // The same walk on the current era's flat shape, side by side.
    let create: Value = serde_json::from_str(CURRENT_CREATE).unwrap_or_default();
    group.throughput(Throughput::Bytes(CURRENT_CREATE.len() as u64));
    group.bench_function("current_create_task_result", |b| {
        b.iter(|| {
            let mut message = create.clone();
            let n = rewrite(
                black_box(&mut message),
                Era::Current,
                Direction::ToClient,
                Some("tools/call"),
                &mut prefix,
            );
            assert_eq!(n, Ok(1));
            message
        })
    });

    group.throughput(Throughput::Bytes(CURRENT_NOTIFY.len() as u64));
    group.bench_function("current_sse_event_notifications_tasks", |b| {
        b.iter(|| {
            round_trip(
                black_box(CURRENT_NOTIFY.as_bytes()),
                Era::Current,
                Direction::ToClient,
                None,
            )
        })
    });

    group.throughput(Throughput::Bytes(CURRENT_LISTEN.len() as u64));
    group.bench_function("current_listen_three_task_ids", |b| {
        b.iter(|| {
            round_trip(
                black_box(CURRENT_LISTEN.as_bytes()),
                Era::Current,
                Direction::ToUpstream,
                None,
            )
        })
    });

    let big = tasks_get_completed_64kb();
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("current_tasks_get_completed_64kb", |b| {
        b.iter(|| {
            round_trip(
                black_box(big.as_bytes()),
                Era::Current,
                Direction::ToClient,
                Some("tasks/get"),
            )
        })
    });

    group.throughput(Throughput::Bytes(LEGACY_ELICIT.len() as u64));
    group.bench_function("legacy_sse_event_related_task", |b| {
        b.iter(|| {
            round_trip(
                black_box(LEGACY_ELICIT.as_bytes()),
                Era::Legacy,
                Direction::ToClient,
                None,
            )
        })
    });

    let plain = tool_result_1mb_no_ids();
    assert!(!may_need_rewrite(plain.as_bytes()));
    group.throughput(Throughput::Bytes(plain.len() as u64));
    group.bench_function("precheck_1mb_no_ids", |b| {
        b.iter(|| may_need_rewrite(black_box(plain.as_bytes())))
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
