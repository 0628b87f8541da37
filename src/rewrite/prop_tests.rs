//! The pre-check, and property tests over arbitrary and generated messages.

use std::convert::Infallible;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::precheck::{AFTER_QUOTE, AFTER_QUOTE_PREFIXES, BEFORE_QUOTE, BEFORE_QUOTE_SUFFIXES};
use super::{CURRENT, Direction, LEGACY, Location, Seg, Selector, find, may_need_rewrite, rewrite};
use crate::mcp::Era;
use crate::mcp::meta::{RELATED_TASK, RELATED_TASK_IDS};

// === may_need_rewrite ===

/// Whether a needle matches the quoted spelling of `key`.
fn key_has_needle(key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    let quoted = quoted.as_bytes();
    let contains = |needle: &[u8]| quoted.windows(needle.len()).any(|w| w == needle);
    AFTER_QUOTE.iter().any(|n| contains(&[b"\"", *n].concat()))
        || BEFORE_QUOTE.iter().any(|n| contains(&[*n, b"\""].concat()))
}

#[test]
fn every_location_path_has_a_precheck_needle() {
    for location in LEGACY.iter().chain(CURRENT) {
        let covered = location.path.iter().any(|seg| match seg {
            Seg::Key(key) => key_has_needle(key),
            Seg::Each => false,
        });
        assert!(
            covered,
            "{} {:?} escapes the pre-check",
            location.id, location.path
        );
    }
}

#[test]
fn every_dialects_governed_rows_have_a_precheck_needle() {
    for dialect in crate::mcp::dialect::ALL {
        for location in dialect.governed {
            let covered = location.path.iter().any(|seg| match seg {
                Seg::Key(key) => key_has_needle(key),
                Seg::Each => false,
            });
            assert!(
                covered,
                "{}: {} escapes the pre-check",
                dialect.label, location.id
            );
        }
    }
}

#[test]
fn block_filter_is_a_superset_of_the_needles() {
    for needle in AFTER_QUOTE {
        assert!(
            AFTER_QUOTE_PREFIXES.iter().any(|p| needle.starts_with(p)),
            "{needle:?}"
        );
    }
    for needle in BEFORE_QUOTE {
        assert!(
            BEFORE_QUOTE_SUFFIXES.iter().any(|s| needle.ends_with(s)),
            "{needle:?}"
        );
    }
}

#[test]
fn precheck_clears_bodies_without_id_keys() {
    for body in [
        "",
        r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello"}]}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","task":{"ttl":1}}}"#,
        r#"{"tasks":[],"taskid":"x","cursors":"y","text":"see taskId, cursor, relatedTaskIds."}"#,
        r#"{"a":"\\","b":"\n\"\t"}"#,
        r#"{"error":{"code":1,"message":"an error","author":"precursors"},"requests":1}"#,
    ] {
        assert!(!may_need_rewrite(body.as_bytes()), "{body}");
    }
}

#[test]
fn precheck_flags_every_id_key_and_unicode_escapes() {
    for body in [
        r#"{"taskId":"x"}"#,
        r#"{"taskIds":["x"]}"#,
        r#"{"cursor":"x"}"#,
        r#"{"nextCursor":"x"}"#,
        r#"{"io.modelcontextprotocol/relatedTaskIds":["x"]}"#,
        r#"{"io.modelcontextprotocol\/relatedTaskIds":["x"]}"#,
        r#"{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"x"}}}"#,
        r#"{"result":{"requestState":"x"}}"#,
        r#"{"params":{"request\u0053tate":"x"}}"#,
        r#"{"task\u0049d":"x"}"#,
        r#"{"text":"\u00e9"}"#,
    ] {
        assert!(may_need_rewrite(body.as_bytes()), "{body}");
    }
}

#[test]
fn precheck_finds_needles_across_block_boundaries() {
    for needle in [
        r#""taskId":1"#,
        r#""x/relatedTaskIds":1"#,
        r#"\u0041"#,
        r#""cursor":1"#,
        r#""nextCursor":1"#,
        r#""requestState":1"#,
    ] {
        for pad in 0..70 {
            let body = format!("{}{needle}{}", " ".repeat(pad), " ".repeat(pad % 7));
            assert!(may_need_rewrite(body.as_bytes()), "{pad} {needle}");
        }
    }
    for len in 0..70 {
        assert!(!may_need_rewrite(
            format!("\"{}\"", "t".repeat(len)).as_bytes()
        ));
    }
}

// === generated messages ===

/// Keys that reach locations, so arbitrary values often look like messages.
const KEYS: &[&str] = &[
    "params",
    "result",
    "error",
    "_meta",
    "taskId",
    "taskIds",
    "task",
    "tasks",
    "notifications",
    "cursor",
    "nextCursor",
    "resultType",
    RELATED_TASK,
    RELATED_TASK_IDS,
    "id",
    "method",
];
const METHODS: &[&str] = &[
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
    "tasks/update",
    "tools/call",
    "subscriptions/listen",
    "notifications/tasks",
    "notifications/tasks/status",
    "notifications/subscriptions/acknowledged",
    "elicitation/create",
    "notifications/progress",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => ".{0,6}"]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(&["task", "complete", "tools/call"][..]).prop_map(Value::from),
        prop::sample::select(METHODS).prop_map(Value::from),
        ".{0,10}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Mostly message-shaped objects, sometimes any JSON at all.
fn message() -> impl Strategy<Value = Value> {
    let member = |name: &'static str, value: BoxedStrategy<Value>| {
        prop::option::of(value).prop_map(move |v| v.map(|v| (name.to_owned(), v)))
    };
    let shaped = (
        member(
            "method",
            prop::sample::select(METHODS).prop_map(Value::from).boxed(),
        ),
        member("id", leaf().boxed()),
        member("params", json_value().boxed()),
        member("result", json_value().boxed()),
        member("error", json_value().boxed()),
    )
        .prop_map(|(a, b, c, d, e)| Value::Object([a, b, c, d, e].into_iter().flatten().collect()));
    prop_oneof![3 => shaped, 1 => json_value()]
}

/// A message that `location` applies to, with `id` at its path.
fn message_at(location: &Location, id: &str, pick: u8) -> (Value, Option<&'static str>) {
    let mut object = Map::new();
    object.insert("jsonrpc".into(), "2.0".into());
    let (method, is_request, request_method) = match location.on {
        Selector::Request(m) => (Some(m), true, None),
        Selector::Notification(m) => (Some(m), false, None),
        Selector::ResponseTo(m) => (None, false, Some(m)),
        Selector::AnyRequest => (Some(METHODS[usize::from(pick) % METHODS.len()]), true, None),
        Selector::AnyNotification => (Some("notifications/message"), false, None),
        Selector::AnyResponse => (None, false, None),
        Selector::Any => match pick % 3 {
            0 => (Some("tools/call"), true, None),
            1 => (Some("notifications/progress"), false, None),
            _ => (None, false, Some("tools/call")),
        },
    };
    match method {
        Some(method) => {
            object.insert("method".into(), method.into());
        }
        None => {
            object.insert("result".into(), json!({}));
        }
    }
    if is_request || method.is_none() {
        object.insert("id".into(), json!(pick));
    }
    let mut message = Value::Object(object);
    if let Some((path, want)) = location.when {
        put(&mut message, path, want.into());
    }
    put(&mut message, location.path, id.into());
    (message, request_method)
}

/// Writes `value` at `path`, creating objects (and one-element arrays).
fn put(target: &mut Value, path: &[Seg], value: Value) {
    let Some((seg, rest)) = path.split_first() else {
        *target = value;
        return;
    };
    match seg {
        Seg::Key(key) => {
            if !target.is_object() {
                *target = json!({});
            }
            let child = target
                .as_object_mut()
                .unwrap()
                .entry(*key)
                .or_insert(Value::Null);
            put(child, rest, value);
        }
        Seg::Each => {
            let mut item = Value::Null;
            put(&mut item, rest, value);
            *target = json!([item]);
        }
    }
}

/// One walk to try: a message, the era, the direction and the request method.
type Case = (Value, Era, Direction, Option<&'static str>);

/// Arbitrary messages under arbitrary settings, and messages built for a
/// real location (with any leaf there, string or not, and noise around it)
/// under that location's settings, so both misses and hits are common.
fn case() -> impl Strategy<Value = Case> {
    let arbitrary = (
        message(),
        prop::sample::select(&[Era::Legacy, Era::Current][..]),
        prop::sample::select(&[Direction::ToClient, Direction::ToUpstream][..]),
        prop::option::of(prop::sample::select(METHODS)),
    );
    let built = (
        any::<bool>(),
        any::<prop::sample::Index>(),
        prop_oneof![leaf(), ".{0,8}".prop_map(Value::String)],
        any::<u8>(),
        json_value(),
        key(),
    )
        .prop_map(|(current, row, value, pick, noise, noise_key)| {
            let (table, era) = if current {
                (CURRENT, Era::Current)
            } else {
                (LEGACY, Era::Legacy)
            };
            let location = &table[row.index(table.len())];
            let (mut message, request_method) = message_at(location, "", pick);
            put(&mut message, location.path, value);
            let body = if message.get("params").is_some() {
                "params"
            } else {
                "result"
            };
            if let Some(Value::Object(body)) = message.get_mut(body) {
                body.entry(noise_key).or_insert(noise);
            }
            (message, era, location.direction, request_method)
        });
    prop_oneof![arbitrary, built]
}

proptest! {
    #[test]
    fn never_panics_and_find_agrees_with_rewrite(
        (message, era, direction, request_method) in case(),
    ) {
        let found = find(&message, era, direction, request_method);
        let mut seen = Vec::new();
        let mut out = message.clone();
        let count = rewrite(&mut out, era, direction, request_method, &mut |role, value| {
            seen.push((role, value.to_owned()));
            Ok::<_, Infallible>(Some(format!("h.{value}")))
        });
        prop_assert_eq!(count, Ok(seen.len()));
        prop_assert_eq!(&found, &seen);
        if !found.is_empty() {
            let bytes = serde_json::to_vec(&message).unwrap();
            prop_assert!(may_need_rewrite(&bytes), "{}", message);
        }
    }

    #[test]
    fn precheck_never_misses_a_generated_location(
        current in any::<bool>(),
        row in any::<prop::sample::Index>(),
        id in ".{0,16}",
        pick in any::<u8>(),
        noise in json_value(),
    ) {
        let table = if current { CURRENT } else { LEGACY };
        let era = if current { Era::Current } else { Era::Legacy };
        let location = &table[row.index(table.len())];
        let (mut message, request_method) = message_at(location, &id, pick);
        message["noise"] = noise;
        let found = find(&message, era, location.direction, request_method);
        prop_assert!(found.contains(&(location.role, id.clone())), "{} {}", location.id, message);
        let bytes = serde_json::to_vec(&message).unwrap();
        prop_assert!(may_need_rewrite(&bytes), "{}", message);
    }
}
