//! [`Summary::skim`] against [`Envelope::parse`]: same verdict, same error,
//! and the captured fields equal what the tree says.

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
    let dup = format!("{},\"k3\":0}}", &ok[..ok.len() - 1]);
    let err = Summary::skim(dup.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(
        err,
        Error::Parse(ParseError::DuplicateKey { key: "k3".into() })
    );
    agree(dup.as_bytes(), 64).unwrap();
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
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
    ])
    .prop_map(String::from)
}

fn leaf() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
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
        "\"\\ud800\"",
        "1e999",
    ])
    .prop_map(String::from)
}

fn json() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| {
                let members: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// Mostly message-like objects: a version, then random members.
fn message() -> impl Strategy<Value = String> {
    (
        prop::option::of(leaf()),
        prop::collection::vec((key(), json()), 0..6),
    )
        .prop_map(|(version, members)| {
            let mut all: Vec<String> = version
                .map(|v| format!("\"jsonrpc\":{v}"))
                .into_iter()
                .collect();
            all.extend(members.iter().map(|(k, v)| format!("\"{k}\":{v}")));
            format!("{{{}}}", all.join(","))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn skim_agrees_with_the_strict_parser(
        text in prop_oneof![json(), message()],
        cut in prop::option::weighted(0.1, any::<prop::sample::Index>()),
        max_depth in 1usize..8,
    ) {
        let mut bytes = text.into_bytes();
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        agree(&bytes, max_depth)?;
    }
}
