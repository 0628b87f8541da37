//! [`Summary::skim`] against [`Envelope::parse`]: same verdict, same error,
//! and the captured fields equal what the tree says; the generated keys and
//! methods include ones that collide or imitate under case folding, inside
//! and outside the user-data subtrees.

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::mcp::meta::{CLIENT_CAPABILITIES, PROTOCOL_VERSION, TASKS_EXTENSION};

/// The fields as the tree-reading code computes them.
fn reference(envelope: &Envelope) -> Summary {
    let params = envelope.params();
    let meta = params.and_then(|p| p.get("_meta"));
    let field = |name: &str| {
        params.and_then(|p| p.get(name)).map(|v| match v {
            Value::String(s) => Field::Str(s.clone()),
            _ => Field::Other,
        })
    };
    Summary {
        message: envelope.message().clone(),
        meta_version: meta
            .and_then(|m| m.get(PROTOCOL_VERSION))
            .and_then(Value::as_str)
            .map(str::to_owned),
        declares_tasks: meta
            .and_then(|m| m.get(CLIENT_CAPABILITIES))
            .and_then(|c| c.get("extensions"))
            .and_then(|e| e.get(TASKS_EXTENSION))
            .is_some_and(Value::is_object),
        name: field("name"),
        uri: field("uri"),
        task_id: field("taskId"),
        has_task: params.is_some_and(|p| p.get("task").is_some()),
        listens_for_tasks: params
            .and_then(|p| p.pointer("/notifications/taskIds"))
            .is_some(),
    }
}

fn agree(bytes: &[u8], max_depth: usize) -> Result<(), TestCaseError> {
    let limits = Limits { max_depth };
    let strict = Envelope::parse(bytes, &limits);
    let skim = Summary::skim(bytes, &limits);
    let text = String::from_utf8_lossy(bytes);
    match (strict, skim) {
        (Ok(envelope), Ok(summary)) => {
            prop_assert_eq!(reference(&envelope), summary, "{}", text);
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b, "{}", text),
        (a, b) => prop_assert!(false, "{}: strict {:?}, skim {:?}", text, a, b),
    }
    Ok(())
}

#[test]
fn typical_request_is_summarized() {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"echo","task":{{}},
        "_meta":{{"{PROTOCOL_VERSION}":"2026-07-28","{CLIENT_CAPABILITIES}":{{"extensions":{{"{TASKS_EXTENSION}":{{}}}}}}}},
        "notifications":{{"taskIds":[]}},"arguments":{{"text":"hello"}}}}}}"#
    );
    let s = Summary::skim(body.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(s.method(), Some("tools/call"));
    assert_eq!(s.id(), Some(&Id::from(7i64)));
    assert_eq!(s.meta_version.as_deref(), Some("2026-07-28"));
    assert!(s.declares_tasks && s.has_task && s.listens_for_tasks);
    assert_eq!(s.name_field("name"), Some(&Field::Str("echo".into())));
    assert_eq!(s.name_field("uri"), None);
    agree(body.as_bytes(), 64).unwrap();
}

#[test]
fn fixed_cases_agree() {
    let cases: &[&str] = &[
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","method":"ping","params":3}"#,
        r#"{"jsonrpc":"2.0","id":1.0,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}}"#,
        r#"{"jsonrpc":"2.0","id":null,"result":{}}"#,
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":1,"error":2}"#,
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"2.0","result":1}"#,
        r#"{"jsonrpc":"2.0","method":1}"#,
        r#"{"jsonrpc":"2.0","method":"a","result":1}"#,
        r#"{"jsonrpc":"1.0","method":"a"}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"a":[[[[[[1]]]]]],"a":2}"#,
        r#"{"a":1,"a":[[[[[[1]]]]]]}"#,
        r#"{"a":1,"a":tru}"#,
        r#"[{"jsonrpc":"2.0","method":"a"}]"#,
        r#""x""#,
        r#"{"jsonrpc":"2.0","method":"a"} x"#,
        r#"{"jsonrpc":"2.0","method":"a","params":{"x":"\ud800"}}"#,
        r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"a"}"#,
        r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"a"}"#,
        r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"a"}"#,
        r#"{"jsonrpc":"2.0","method":"a","params":[{"_meta":{}}]}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":"a","TaskId":"b"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"ta\u017fkId":"b"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"a":1,"A":2}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"Tasks/Get"}"#,
        r#"{"jsonrpc":"2.0","id":1,"Method":"tasks/get","method":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks\u0000/get","result":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"content":{"a":1,"A":2}}}"#,
        "",
        "{",
    ];
    for case in cases {
        agree(case.as_bytes(), 4).unwrap();
        agree(case.as_bytes(), 64).unwrap();
    }
}

#[test]
fn many_keys_switch_to_the_hash_set() {
    let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
    let ok = format!(
        "{{\"jsonrpc\":\"2.0\",\"method\":\"a\",{}}}",
        keys.join(",")
    );
    agree(ok.as_bytes(), 64).unwrap();
    // A repeat of a key from the inline part, the spilled list and the set.
    for key in ["k3", "k10", "k30"] {
        let dup = format!("{},\"{key}\":0}}", &ok[..ok.len() - 1]);
        let err = Summary::skim(dup.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(
            err,
            Error::Parse(ParseError::DuplicateKey { key: key.into() })
        );
        agree(dup.as_bytes(), 64).unwrap();
    }
}

/// Object keys: the ones the skim reads (so duplicates of them and of
/// their escaped spellings come up often), and random others.
fn key() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "jsonrpc",
        "method",
        "id",
        "params",
        "result",
        "error",
        "code",
        "message",
        "_meta",
        PROTOCOL_VERSION,
        CLIENT_CAPABILITIES,
        "extensions",
        TASKS_EXTENSION,
        "name",
        "uri",
        "taskId",
        "task",
        "notifications",
        "taskIds",
        "a",
        "\\u0061",
        // The names that open user-data subtrees.
        "arguments",
        "inputResponses",
        "context",
        "content",
        "data",
    ])
    .prop_map(String::from);
    // Keys that collide with the ones above, or imitate governed names,
    // under case folding (raw and escaped non-ASCII).
    let folding = prop::sample::select(vec![
        "A",
        "\\u0041",
        "TaskId",
        "taskid",
        "ta\\u017fkId",
        "taſkIds",
        "tas\\u212aId",
        "tasK",
        "Method",
        "paramſ",
        "ID",
        "_Meta",
        "Arguments",
        "DATA",
        "Io.modelcontextprotocol/protocolVersion",
        "ı",
    ])
    .prop_map(String::from);
    prop_oneof![3 => known, 1 => folding, 5 => "[a-z]{1,8}", 1 => "[a-zA-Z]{1,2}"]
}

/// Scalars, mostly valid; a few that are not JSON (lone surrogate, out of
/// range number).
fn leaf() -> impl Strategy<Value = String> {
    let good = prop::sample::select(vec![
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "1e2",
        "18446744073709551615",
        "18446744073709551616",
        "\"2.0\"",
        "\"tools/call\"",
        "\"tasks/get\"",
        "\"2026-07-28\"",
        "\"x\\u0041\"",
    ])
    .prop_map(String::from);
    let bad =
        prop::sample::select(vec!["\"\\ud800\"", "1e999", "01", "\"\\x\""]).prop_map(String::from);
    prop_oneof![30 => good, 1 => bad]
}

fn object(members: Vec<(String, String)>) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn json() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(object),
        ]
    })
}

/// An optional member `key: value`.
fn member(
    key: &'static str,
    value: impl Strategy<Value = String>,
    p: f64,
) -> impl Strategy<Value = Option<(String, String)>> {
    prop::option::weighted(p, value.prop_map(move |v| (key.to_owned(), v)))
}

/// `params`: the members the skim reads, nested where it reads them, plus
/// random ones; sometimes an array or a scalar instead.
fn params() -> impl Strategy<Value = String> {
    let name = prop_oneof![3 => "\"[a-z/]{1,6}\"", 1 => leaf()];
    let extensions = prop::collection::vec(
        prop_oneof![
            json().prop_map(|v| (TASKS_EXTENSION.to_owned(), v)),
            (key(), json()),
        ],
        0..3,
    )
    .prop_map(object);
    let caps = member("extensions", extensions, 0.8).prop_map(|m| object(m.into_iter().collect()));
    let meta = (
        member(PROTOCOL_VERSION, leaf(), 0.6),
        member(CLIENT_CAPABILITIES, caps, 0.6),
        prop::collection::vec((key(), json()), 0..2),
    )
        .prop_map(|(v, c, rest)| object(v.into_iter().chain(c).chain(rest).collect()));
    let notifications = (
        member("taskIds", json(), 0.7),
        prop::collection::vec((key(), json()), 0..2),
    )
        .prop_map(|(t, rest)| object(t.into_iter().chain(rest).collect()));
    let obj = (
        member("name", name.clone(), 0.5),
        member("uri", name.clone(), 0.2),
        member("taskId", name, 0.3),
        member("task", json(), 0.3),
        member("_meta", prop_oneof![4 => meta, 1 => json()], 0.6),
        member("notifications", notifications, 0.2),
        (
            member("arguments", json(), 0.4),
            prop::collection::vec((key(), json()), 0..3),
        ),
    )
        .prop_map(|(a, b, c, d, e, f, (g, rest))| {
            let mut all: Vec<(String, String)> =
                [a, b, c, d, e, f, g].into_iter().flatten().collect();
            all.extend(rest);
            object(all)
        });
    prop_oneof![8 => obj, 1 => json()]
}

/// Message-like objects, mostly valid: a version, a method or a result or
/// an error, an id, params, then random members, in a shuffled order.
fn message() -> impl Strategy<Value = String> {
    let version = prop_oneof![10 => Just("\"2.0\"".to_owned()), 1 => leaf()];
    let method = prop_oneof![
        5 => prop::sample::select(vec!["\"tools/call\"", "\"tasks/get\"", "\"ping\""])
            .prop_map(String::from),
        2 => prop::sample::select(vec![
            "\"Tasks/Get\"",
            "\"tasks/get \"",
            "\"tasks\\u0000/get\"",
            "\"tasks／get\"",
            "\"ta\\u017fks/get\"",
            "\"vendor/Tasks\"",
        ])
        .prop_map(String::from),
        1 => leaf(),
    ];
    let error = prop_oneof![
        3 => (leaf(), leaf()).prop_map(|(c, m)| format!("{{\"code\":{c},\"message\":{m}}}")),
        1 => json(),
    ];
    (
        member("jsonrpc", version, 0.95),
        member("method", method, 0.7),
        member("id", leaf(), 0.8),
        member("params", params(), 0.8),
        member("result", json(), 0.15),
        member("error", error, 0.15),
        prop::collection::vec((key(), json()), 0..2),
    )
        .prop_map(|(a, b, c, d, e, f, rest)| {
            let mut all: Vec<(String, String)> = [a, b, c, d, e, f].into_iter().flatten().collect();
            all.extend(rest);
            all
        })
        .prop_shuffle()
        .prop_map(object)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn skim_agrees_with_the_strict_parser(
        text in prop_oneof![1 => json(), 4 => message()],
        cut in prop::option::weighted(0.1, any::<prop::sample::Index>()),
        max_depth in prop_oneof![1 => 1usize..6, 3 => Just(64usize)],
    ) {
        let mut bytes = text.into_bytes();
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        agree(&bytes, max_depth)?;
    }
}
