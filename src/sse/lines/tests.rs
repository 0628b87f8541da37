//! [`Lines`] framing tests: chunk boundaries, CRLF, limits, UTF-8, the
//! end of the stream, and the wire form written back.

use super::*;

fn data(s: &str) -> Result<Option<Item>, Error> {
    Ok(Some(Item::Event(Event {
        data: s.to_owned(),
        ..Event::default()
    })))
}

/// Every item `chunks` yield, pushed one by one, then finished; stops at
/// the first error.
fn frame(chunks: &[&[u8]], max: usize) -> Vec<Result<Option<Item>, Error>> {
    let mut lines = Lines::new(max);
    let mut got = vec![];
    for chunk in chunks {
        lines.push(chunk);
        if !pull(&mut got, || lines.next_item()) {
            return got;
        }
    }
    pull(&mut got, || lines.finish());
    got
}

/// Moves items from `next` into `got` until it needs more bytes (`true`)
/// or fails (`false`, the error kept).
fn pull(
    got: &mut Vec<Result<Option<Item>, Error>>,
    mut next: impl FnMut() -> Result<Option<Item>, Error>,
) -> bool {
    loop {
        match next() {
            Ok(None) => return true,
            Err(err) => {
                got.push(Err(err));
                return false;
            }
            item => got.push(item),
        }
    }
}

#[test]
fn a_line_split_across_chunks_is_one_message() {
    let got = frame(&[b"{\"a\":", b"1}\n{\"b\"", b":2}\n"], 64);
    assert_eq!(got, vec![data(r#"{"a":1}"#), data(r#"{"b":2}"#)]);
}

#[test]
fn a_line_is_yielded_as_soon_as_it_is_complete() {
    let mut lines = Lines::new(64);
    lines.push(b"{\"a\":1}\n{\"b\"");
    assert_eq!(lines.next_item(), data(r#"{"a":1}"#));
    assert_eq!(lines.next_item(), Ok(None));
    lines.push(b":2}\n");
    assert_eq!(lines.next_item(), data(r#"{"b":2}"#));
}

#[test]
fn crlf_ends_a_line_and_a_cr_split_from_its_lf_too() {
    let got = frame(&[b"{\"a\":1}\r\n{\"b\":2}\r", b"\n"], 64);
    assert_eq!(got, vec![data(r#"{"a":1}"#), data(r#"{"b":2}"#)]);
}

#[test]
fn utf8_split_across_chunks_is_whole_again() {
    let text = "{\"t\":\"é€😀\"}\n".as_bytes();
    // Cut inside every multi-byte character.
    for cut in 1..text.len() {
        let got = frame(&[&text[..cut], &text[cut..]], 64);
        assert_eq!(got, vec![data("{\"t\":\"é€😀\"}")], "cut at {cut}");
    }
}

#[test]
fn invalid_utf8_ends_the_stream() {
    let got = frame(&[b"{\"a\":1}\n\"\xff\"\n{\"b\":2}\n"], 64);
    assert_eq!(got, vec![data(r#"{"a":1}"#), Err(Error::InvalidUtf8)]);
}

#[test]
fn an_over_long_line_ends_the_stream_complete_or_not() {
    let limit = Err(Error::EventTooLarge { limit: 8 });
    // Complete in one chunk.
    let got = frame(&[b"{}\n{\"abcdefgh\":1}\n{}\n"], 8);
    assert_eq!(got, vec![data("{}"), limit.clone()]);
    // Still growing, never terminated: refused before its end arrives.
    let mut lines = Lines::new(8);
    lines.push(b"{\"abc");
    assert_eq!(lines.next_item(), Ok(None));
    lines.push(b"defgh");
    assert_eq!(lines.next_item(), limit);
    assert_eq!(lines.next_item(), limit, "sticky");
    assert_eq!(lines.finish(), limit, "sticky");
}

#[test]
fn a_line_at_the_limit_passes() {
    let got = frame(&[b"[1,2,3]\n"], 7);
    assert_eq!(got, vec![data("[1,2,3]")]);
}

#[test]
fn blank_lines_pass_as_comments_and_are_no_message() {
    let got = frame(&[b"\n  \r\n{}\n"], 64);
    assert_eq!(
        got,
        vec![
            Ok(Some(Item::Comment(Bytes::new()))),
            Ok(Some(Item::Comment(Bytes::from_static(b"  ")))),
            data("{}"),
        ]
    );
}

#[test]
fn a_message_split_over_lines_ends_the_stream() {
    let got = frame(&[b"{\n\"taskId\": \"t-1\"\n}\n"], 64);
    assert_eq!(got, vec![Err(Error::NotJsonLine)]);
}

#[test]
fn an_unterminated_last_line_is_a_message() {
    let got = frame(&[b"{\"a\":1}\n{\"b\":2}"], 64);
    assert_eq!(got, vec![data(r#"{"a":1}"#), data(r#"{"b":2}"#)]);
    let got = frame(&[b"{\"b\":"], 64);
    assert_eq!(got, vec![Err(Error::NotJsonLine)]);
}

#[test]
fn written_back_each_item_is_one_line() {
    let lines = Lines::new(64);
    let mut out = BytesMut::new();
    lines.encode(
        &Item::Event(Event {
            data: "{\"a\":\n1}".into(),
            ..Event::default()
        }),
        &mut out,
    );
    lines.encode(&Item::Comment(Bytes::from_static(b" ")), &mut out);
    assert_eq!(&out[..], b"{\"a\": 1}\n \n");
}
