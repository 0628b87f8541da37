//! `sse::Parser` throughput: a burst of events in one chunk, and the worst
//! case of a stream arriving one byte at a time.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taskgate::sse::{Item, Parser};

const MAX_EVENT: usize = 1 << 20;

/// One event whose `data` is a ~1 KiB JSON-RPC notification.
fn event_1kb(i: usize) -> String {
    let text = "x".repeat(900);
    format!(
        "id: {i}\nevent: message\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\
         \"params\":{{\"progressToken\":{i},\"progress\":{i},\"message\":\"{text}\"}}}}\n\n"
    )
}

/// Parses everything pushed so far, then finishes; returns the item count.
fn drain(parser: &mut Parser) -> usize {
    let mut n = 0;
    while let Ok(Some(item)) = parser.next_item() {
        black_box(&item);
        n += matches!(item, Item::Event(_)) as usize;
    }
    n
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sse_parse");

    let burst: String = (0..100).map(event_1kb).collect();
    group.throughput(Throughput::Bytes(burst.len() as u64));
    group.bench_function("events_x100_1kb", |b| {
        b.iter(|| {
            let mut parser = Parser::new(MAX_EVENT);
            parser.push(black_box(burst.as_bytes()));
            let n = drain(&mut parser);
            assert_eq!(n, 100);
        })
    });

    let one = event_1kb(7);
    group.throughput(Throughput::Bytes(one.len() as u64));
    group.bench_function("bytewise_feed_1kb", |b| {
        b.iter(|| {
            let mut parser = Parser::new(MAX_EVENT);
            let mut n = 0;
            for byte in black_box(one.as_bytes()).chunks(1) {
                parser.push(byte);
                n += drain(&mut parser);
            }
            assert_eq!(n, 1);
        })
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
