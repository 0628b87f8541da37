//! Handle mint and verify, and the cost of each kind of refusal (they must
//! cost about the same: design §2 property 7); the same for `requestState`
//! handles, for a typical (~200 B) and a large (8 KiB) state.

#![allow(clippy::unwrap_used)] // bench setup on fixed inputs

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use taskgate::handle::{HandleCodec, KeyRing, Kind, Owner, Sealed, StateRequest};

fn make_codec(byte: u8) -> HandleCodec {
    HandleCodec::new(KeyRing::new(&[("k1".to_string(), vec![byte; 32])], "k1").unwrap())
}

fn typical() -> Sealed {
    Sealed {
        owner: Owner([7; 16]),
        issued_at: 1_800_000_000,
        expires_at: Some(1_800_003_600),
        epoch: 0,
        upstream: "786512e2-9e0d-44bd-8f29-4f2a8f3b5c1a".into(),
        session: Some("b4f2c1f0-3f7e-4a8e-9c55-0f5f6b1d2e3a".into()),
        tool: Some("slow_report".into()),
    }
}

fn bench(c: &mut Criterion) {
    let codec = make_codec(1);
    let sealed = typical();
    let handle = codec.seal(Kind::Task, "billing", &sealed).unwrap();
    let foreign_owner = Owner([8; 16]);
    let mut tampered = handle.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let other_key = make_codec(2).seal(Kind::Task, "billing", &sealed).unwrap();
    let malformed = "tg1.k1.%%%not-base64%%%".to_string();
    let now = 1_800_000_100;

    let mut g = c.benchmark_group("handle_codec");
    g.bench_function("seal", |b| {
        b.iter(|| codec.seal(Kind::Task, "billing", black_box(&sealed)))
    });
    g.bench_function("verify_hit", |b| {
        b.iter(|| {
            codec.verify(
                Kind::Task,
                "billing",
                black_box(&handle),
                &Owner([7; 16]),
                now,
                0,
            )
        })
    });
    for (name, input, owner) in [
        ("deny_foreign", &handle, foreign_owner),
        ("deny_tampered", &tampered, Owner([7; 16])),
        ("deny_other_key", &other_key, Owner([7; 16])),
        ("deny_malformed", &malformed, Owner([7; 16])),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| codec.verify(Kind::Task, "billing", black_box(input), &owner, now, 0))
        });
    }
    g.bench_function("deny_expired", |b| {
        b.iter(|| {
            codec.verify(
                Kind::Task,
                "billing",
                black_box(&handle),
                &Owner([7; 16]),
                1_900_000_000,
                0,
            )
        })
    });
    g.finish();
}

/// A `requestState` of `len` bytes, shaped like the conformance reference
/// server's (`{"data": …, "hmac": …}`).
fn state(len: usize) -> Sealed {
    let hmac = "9f".repeat(32);
    let filler = len.saturating_sub(30 + hmac.len());
    Sealed {
        owner: Owner([7; 16]),
        issued_at: 1_800_000_000,
        expires_at: Some(1_800_000_300),
        epoch: 0,
        upstream: format!(
            "{{\"data\":\"{}\",\"hmac\":\"{hmac}\"}}",
            "x".repeat(filler)
        ),
        session: None,
        tool: None,
    }
}

fn bench_request_state(c: &mut Criterion) {
    let codec = make_codec(1);
    let request = StateRequest {
        method: "tools/call",
        name: Some("book_trip"),
    };
    let other_tool = StateRequest {
        name: Some("cancel_trip"),
        ..request
    };
    let now = 1_800_000_100;
    let mut g = c.benchmark_group("request_state");
    for (size, sealed) in [("200b", state(200)), ("8kib", state(8 * 1024))] {
        let handle = codec
            .seal_request_state("billing", &request, &sealed)
            .unwrap();
        let mut tampered = handle.clone();
        tampered.push_str("-TAMPERED");
        g.bench_function(format!("seal_{size}"), |b| {
            b.iter(|| codec.seal_request_state("billing", &request, black_box(&sealed)))
        });
        let owner = Owner([7; 16]);
        for (name, input, request, owner) in [
            ("open", &handle, &request, owner),
            ("deny_foreign", &handle, &request, Owner([8; 16])),
            ("deny_other_tool", &handle, &other_tool, owner),
            ("deny_tampered", &tampered, &request, owner),
        ] {
            g.bench_function(format!("{name}_{size}"), |b| {
                b.iter(|| {
                    codec.verify_request_state("billing", request, black_box(input), &owner, now, 0)
                })
            });
        }
    }
    let malformed = "tg1.k1.%%%not-base64%%%".to_string();
    g.bench_function("deny_malformed", |b| {
        b.iter(|| {
            codec.verify_request_state(
                "billing",
                &request,
                black_box(&malformed),
                &Owner([7; 16]),
                now,
                0,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_request_state);
criterion_main!(benches);
