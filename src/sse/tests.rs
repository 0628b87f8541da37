//! Parser and encoder tests: the WHATWG rules as a table, chunking
//! invariance and the encode/parse round trip as properties.

use super::*;
use bytes::BytesMut;
use proptest::prelude::*;

const BIG: usize = 1 << 20;

/// What a whole stream parses to, stopping at the first error.
type Parsed = Vec<Result<Item, Error>>;

/// Feeds `chunks` one by one, draining after each, then finishes. Stops at
/// the first error (which is recorded).
fn collect<'a>(chunks: impl IntoIterator<Item = &'a [u8]>, max: usize) -> Parsed {
    let mut parser = Parser::new(max);
    let mut out = Vec::new();
    for chunk in chunks {
        parser.push(chunk);
        loop {
            match parser.next_item() {
                Ok(Some(item)) => out.push(Ok(item)),
                Ok(None) => break,
                Err(err) => {
                    out.push(Err(err));
                    return out;
                }
            }
        }
    }
    loop {
        match parser.finish() {
            Ok(Some(item)) => out.push(Ok(item)),
            Ok(None) => return out,
            Err(err) => {
                out.push(Err(err));
                return out;
            }
        }
    }
}

fn parse(input: &[u8]) -> Parsed {
    collect([input], BIG)
}

fn data(d: &str) -> Result<Item, Error> {
    Ok(Item::Event(Event {
        data: d.into(),
        ..Event::default()
    }))
}

fn event(id: Option<&str>, kind: Option<&str>, d: &str, retry: Option<u64>) -> Result<Item, Error> {
    Ok(Item::Event(Event {
        id: id.map(Into::into),
        event: kind.map(Into::into),
        data: d.into(),
        retry,
    }))
}

fn comment(text: &str) -> Result<Item, Error> {
    Ok(Item::Comment(Bytes::copy_from_slice(text.as_bytes())))
}

#[test]
fn parsing_rules_table() {
    let cases: &[(&str, &[u8], Parsed)] = &[
        ("lf", b"data: a\n\n", vec![data("a")]),
        ("crlf", b"data: a\r\n\r\n", vec![data("a")]),
        ("cr", b"data: a\r\r", vec![data("a")]),
        (
            "mixed endings",
            b"data: a\rdata: b\r\ndata: c\n\r\n",
            vec![data("a\nb\nc")],
        ),
        ("bom skipped", b"\xEF\xBB\xBFdata: x\n\n", vec![data("x")]),
        // Only one BOM is skipped; the second makes the field name unknown.
        (
            "second bom kept",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n",
            vec![],
        ),
        ("comment", b": keep-alive\n", vec![comment(" keep-alive")]),
        ("empty comment", b":\n", vec![comment("")]),
        (
            "comment inside event",
            b"data: a\n:c\ndata: b\n\n",
            vec![comment("c"), data("a\nb")],
        ),
        (
            "multi-line data",
            b"data: a\ndata:\ndata:  b\n\n",
            vec![data("a\n\n b")],
        ),
        ("no space after colon", b"data:x\n\n", vec![data("x")]),
        ("colon in value", b"data: a: b\n\n", vec![data("a: b")]),
        (
            "priming event id only",
            b"id: 1\n\n",
            vec![event(Some("1"), None, "", None)],
        ),
        (
            "priming event id and empty data",
            b"id: 1\ndata: \n\n",
            vec![event(Some("1"), None, "", None)],
        ),
        (
            "empty id resets",
            b"id\ndata: x\n\n",
            vec![event(Some(""), None, "x", None)],
        ),
        (
            "retry",
            b"retry: 3000\ndata: a\n\n",
            vec![event(None, None, "a", Some(3000))],
        ),
        (
            "retry only surfaced",
            b"retry: 10\n\n",
            vec![event(None, None, "", Some(10))],
        ),
        (
            "retry not digits",
            b"retry: 3x\ndata: a\n\n",
            vec![data("a")],
        ),
        ("retry empty", b"retry\ndata: a\n\n", vec![data("a")]),
        ("retry signed", b"retry: +5\ndata: a\n\n", vec![data("a")]),
        (
            "retry overflow",
            b"retry: 99999999999999999999999\ndata: a\n\n",
            vec![data("a")],
        ),
        ("field without colon", b"data\n\n", vec![data("")]),
        ("two bare data lines", b"data\ndata\n\n", vec![data("\n")]),
        (
            "bare event is empty type",
            b"event\ndata: x\n\n",
            vec![event(None, Some(""), "x", None)],
        ),
        (
            "event type",
            b"event: ping\ndata: x\n\n",
            vec![event(None, Some("ping"), "x", None)],
        ),
        (
            "nul in id ignored",
            b"id: a\0b\ndata: x\n\n",
            vec![data("x")],
        ),
        ("nul id only dropped", b"id: a\0b\n\n", vec![]),
        ("event type only dropped", b"event: foo\n\n", vec![]),
        ("blank lines dropped", b"\n\n\r\n", vec![]),
        (
            "unknown field ignored",
            b"foo: bar\ndata: x\n\n",
            vec![data("x")],
        ),
        ("field name is case sensitive", b"Data: x\n\n", vec![]),
        (
            "last field wins",
            b"id: 1\nid: 2\nevent: a\nevent: b\ndata: x\n\n",
            vec![event(Some("2"), Some("b"), "x", None)],
        ),
        (
            "id is per block",
            b"id: 1\ndata: a\n\ndata: b\n\n",
            vec![event(Some("1"), None, "a", None), data("b")],
        ),
        ("eof discards unterminated event", b"data: a\n", vec![]),
        (
            "eof discards unterminated line",
            b"data: a\n\ndata: b",
            vec![data("a")],
        ),
        (
            "eof keeps complete comment",
            b":x\ndata: a",
            vec![comment("x")],
        ),
        (
            "invalid utf8",
            b"data: ok\n\ndata: \xFF\n\n",
            vec![data("ok"), Err(Error::InvalidUtf8)],
        ),
        (
            "unicode",
            "data: héllo ✓\n\n".as_bytes(),
            vec![data("héllo ✓")],
        ),
    ];
    for (name, input, want) in cases {
        assert_eq!(&parse(input), want, "case {name}");
    }
}

#[test]
fn line_endings_split_across_chunks() {
    let cases: &[&[&[u8]]] = &[
        &[b"data: a\r", b"\ndata: b\r\n\r\n"],
        &[b"data: a\r", b"\n", b"data: b\r", b"\n\r", b"\n"],
        &[b"data: a\r", b"data: b\r", b"\r"],
        &[b"data: a\n", b"data: b\n", b"\n"],
        &[b"da", b"ta: a\ndata:", b" b\n\n"],
    ];
    for chunks in cases {
        assert_eq!(
            collect(chunks.iter().copied(), BIG),
            vec![data("a\nb")],
            "{chunks:?}"
        );
    }
}

#[test]
fn bom_split_across_chunks() {
    let got = collect([&b"\xEF"[..], b"\xBB", b"\xBF", b"data: x\n\n"], BIG);
    assert_eq!(got, vec![data("x")]);
}

#[test]
fn cr_then_lf_is_one_line_end_even_when_lf_comes_later() {
    // If the LF after a chunk-final CR were a second line end, the event
    // would be dispatched after `a` alone.
    let mut parser = Parser::new(BIG);
    parser.push(b"data: a\r");
    assert_eq!(parser.next_item(), Ok(None));
    parser.push(b"\n");
    assert_eq!(parser.next_item(), Ok(None));
    parser.push(b"data: b\n\n");
    assert_eq!(parser.next_item().map(Option::unwrap), data("a\nb"));
}

#[test]
fn errors_are_sticky() {
    let mut parser = Parser::new(BIG);
    parser.push(b"data: \xC3\n\ndata: fine\n\n");
    assert_eq!(parser.next_item(), Err(Error::InvalidUtf8));
    assert_eq!(parser.next_item(), Err(Error::InvalidUtf8));
    assert_eq!(parser.finish(), Err(Error::InvalidUtf8));
}

#[test]
fn event_too_large_is_refused() {
    let too_large = Err(Error::EventTooLarge { limit: 16 });
    // One line over the limit.
    assert_eq!(
        collect([&b"data: 0123456789abcdef\n\n"[..]], 16),
        vec![too_large.clone()]
    );
    // Lines under the limit that add up past it.
    assert_eq!(
        collect([&b"data: 0123\ndata: 4567\ndata: 89\n\n"[..]], 16),
        vec![too_large]
    );
    // Exactly at the limit is fine; the next event starts from zero.
    let at_limit = b"data: 0123456789\n\ndata: 0123456789\n\n";
    assert_eq!(
        collect([&at_limit[..]], 16),
        vec![data("0123456789"), data("0123456789")]
    );
}

#[test]
fn unterminated_line_is_refused_before_it_ends() {
    // Bounded memory: a line that never ends is refused while it grows.
    let mut parser = Parser::new(64);
    for _ in 0..8 {
        parser.push(b"data: xxxxxxxxxxxx");
        if parser.next_item().is_err() {
            return;
        }
    }
    panic!("an unterminated 144-byte line was not refused at 64 bytes");
}

#[test]
fn encode_wire_form() {
    let mut out = BytesMut::new();
    let ev = Event {
        id: Some("7".into()),
        event: Some("message".into()),
        data: "a\nb".into(),
        retry: Some(1500),
    };
    encode(&Item::Event(ev), &mut out);
    encode(&Item::Comment(Bytes::from_static(b" ping")), &mut out);
    encode(&Item::Event(Event::default()), &mut out);
    assert_eq!(
        &out[..],
        b"id: 7\nevent: message\nretry: 1500\ndata: a\ndata: b\n\n: ping\ndata: \n\n"
    );
}

#[test]
fn encode_never_lets_a_value_break_its_line() {
    let mut out = BytesMut::new();
    let ev = Event {
        id: Some("1\ndata: injected".into()),
        event: Some("x\r\nid: 666".into()),
        data: "a\r\nb\rc".into(),
        retry: None,
    };
    encode(&Item::Event(ev), &mut out);
    encode(&Item::Comment(Bytes::from_static(b"a\ndata: b")), &mut out);
    assert_eq!(&out[..], b"data: a\ndata: b\ndata: c\n\n:a\n:data: b\n");
    assert_eq!(
        parse(&out),
        vec![data("a\nb\nc"), comment("a"), comment("data: b")]
    );
}

/// Lines that exercise every rule, including invalid UTF-8 and a BOM.
fn arb_stream() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "data: [a-z :]{0,6}",
        Just("data".to_owned()),
        "id: [0-9\u{0}]{0,3}",
        "event:[a-z]{0,3}",
        "retry: [0-9x]{0,4}",
        ": ?[a-z]{0,4}",
        Just(String::new()),
        Just("\u{FEFF}".to_owned()),
        Just("é✓".to_owned()),
        Just("x: y".to_owned()),
    ];
    let piece = prop_oneof![
        8 => (line, prop_oneof![Just("\n"), Just("\r"), Just("\r\n")])
            .prop_map(|(l, end)| format!("{l}{end}").into_bytes()),
        1 => Just(vec![0xFF]),
        1 => Just(vec![0xC3]),
    ];
    (any::<bool>(), prop::collection::vec(piece, 0..40)).prop_map(|(bom, pieces)| {
        let mut out = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        out.extend(pieces.concat());
        out
    })
}

fn arb_item() -> impl Strategy<Value = Item> {
    let event = (
        proptest::option::of("[^\r\n\u{0}]{0,8}"),
        proptest::option::of("[^\r\n]{0,8}"),
        "[^\r]{0,24}",
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(id, event, data, retry)| {
            Item::Event(Event {
                id,
                event,
                data,
                retry,
            })
        });
    let comment = "[^\r\n]{0,12}".prop_map(|c| Item::Comment(Bytes::from(c)));
    prop_oneof![4 => event, 1 => comment]
}

proptest! {
    #[test]
    fn chunking_does_not_change_the_result(
        input in arb_stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        max in prop_oneof![Just(8usize), Just(24), Just(BIG)],
    ) {
        let whole = collect([&input[..]], max);
        let bytewise = collect(input.chunks(1), max);
        prop_assert_eq!(&whole, &bytewise);

        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for to in at {
            chunks.push(&input[from..to]);
            from = to;
        }
        chunks.push(&input[from..]);
        prop_assert_eq!(&whole, &collect(chunks, max));
    }

    #[test]
    fn encode_then_parse_round_trips(items in prop::collection::vec(arb_item(), 0..12)) {
        let mut out = BytesMut::new();
        for item in &items {
            encode(item, &mut out);
        }
        let want: Parsed = items.into_iter().map(Ok).collect();
        prop_assert_eq!(parse(&out), want);
    }
}
