//! Strict JSON-RPC parsing cost, per request and on a large result, with
//! plain `serde_json` as the baseline so the price of strictness shows.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use taskgate::jsonrpc::{Envelope, Limits, Summary, parse_strict};

const TOOLS_CALL: &str = r#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"task handles","limit":10,"filters":{"lang":["en","de"],"since":"2026-01-01"}},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","progressToken":"p-42"}}}"#;

/// A ~64 KiB `tools/call` result: text content plus nested structured rows.
fn result_64kb() -> String {
    let mut rows = Vec::new();
    let mut i = 0u64;
    loop {
        rows.push(format!(
            r#"{{"id":{i},"name":"row {i}","score":{}.5,"tags":["alpha","beta"],"owner":{{"sub":"user-{i}","admin":false}},"note":null}}"#,
            i * 3
        ));
        i += 1;
        if rows.iter().map(String::len).sum::<usize>() > 60 * 1024 {
            break;
        }
    }
    format!(
        r#"{{"jsonrpc":"2.0","id":42,"result":{{"content":[{{"type":"text","text":"{} rows \"quoted\" \u00e9"}}],"structuredContent":{{"rows":[{}]}},"isError":false}}}}"#,
        rows.len(),
        rows.join(",")
    )
}

/// A `tools/call` whose `_meta` has 40 vendor keys: the widest protocol-level
/// object a client plausibly sends.
fn wide_meta() -> String {
    let keys: Vec<String> = (0..40)
        .map(|i| format!(r#""com.example/key{i}":"value {i}""#))
        .collect();
    format!(
        r#"{{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{{"name":"search_docs","arguments":{{"query":"x"}},"_meta":{{{}}}}}}}"#,
        keys.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("jsonrpc_parse");

    // The per-request path: strict parse plus shape classification.
    group.throughput(Throughput::Bytes(TOOLS_CALL.len() as u64));
    group.bench_function("strict_tools_call_small", |b| {
        b.iter(|| Envelope::parse(black_box(TOOLS_CALL.as_bytes()), &limits).is_ok())
    });

    // What the gateway actually runs on every client body: the tree-less skim.
    group.bench_function("skim_tools_call_small", |b| {
        b.iter(|| Summary::skim(black_box(TOOLS_CALL.as_bytes()), &limits).is_ok())
    });
    let wide = wide_meta();
    assert!(Summary::skim(wide.as_bytes(), &limits).is_ok());
    group.throughput(Throughput::Bytes(wide.len() as u64));
    group.bench_function("skim_wide_meta", |b| {
        b.iter(|| Summary::skim(black_box(wide.as_bytes()), &limits).is_ok())
    });

    let big = result_64kb();
    assert!(parse_strict(big.as_bytes(), &limits).is_ok());
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("strict_result_64kb", |b| {
        b.iter(|| parse_strict(black_box(big.as_bytes()), &limits).is_ok())
    });
    group.bench_function("serde_json_result_64kb", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(big.as_bytes())).is_ok())
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
