//! Message-model tests: every shape rule as a table, accessors, error codes
//! and error objects.

use super::*;
use serde_json::json;

fn shape(value: Value) -> Result<Message, ShapeError> {
    Envelope::from_value(value).map(|e| e.message().clone())
}

fn request(id: impl Into<Id>, method: &str) -> Result<Message, ShapeError> {
    Ok(Message::Request {
        id: id.into(),
        method: method.into(),
    })
}

#[test]
fn shape_rules_table() {
    use ShapeError as E;
    let notification = Ok(Message::Notification {
        method: "notifications/initialized".into(),
    });
    let cases = [
        (
            "request",
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}),
            request(1i64, "tools/call"),
        ),
        (
            "string id",
            json!({"jsonrpc":"2.0","id":"a","method":"m"}),
            request("a", "m"),
        ),
        (
            "negative id",
            json!({"jsonrpc":"2.0","id":-7,"method":"m"}),
            request(-7i64, "m"),
        ),
        (
            "u64 id",
            json!({"jsonrpc":"2.0","id":u64::MAX,"method":"m"}),
            request(u64::MAX, "m"),
        ),
        (
            "array params",
            json!({"jsonrpc":"2.0","id":1,"method":"m","params":[1]}),
            request(1i64, "m"),
        ),
        (
            "notification",
            json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
            notification,
        ),
        (
            "result",
            json!({"jsonrpc":"2.0","id":1,"result":{}}),
            Ok(Message::Response {
                id: Some(1i64.into()),
                is_error: false,
            }),
        ),
        (
            "null result",
            json!({"jsonrpc":"2.0","id":"x","result":null}),
            Ok(Message::Response {
                id: Some("x".into()),
                is_error: false,
            }),
        ),
        (
            "error",
            json!({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"nope"}}),
            Ok(Message::Response {
                id: Some(2i64.into()),
                is_error: true,
            }),
        ),
        (
            "error null id",
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}),
            Ok(Message::Response {
                id: None,
                is_error: true,
            }),
        ),
        (
            "extra members ignored",
            json!({"jsonrpc":"2.0","id":1,"method":"m","x":1}),
            request(1i64, "m"),
        ),
        (
            "batch",
            json!([{"jsonrpc":"2.0","id":1,"method":"m"}]),
            Err(E::Batch),
        ),
        ("empty batch", json!([]), Err(E::Batch)),
        ("string", json!("x"), Err(E::NotAnObject)),
        ("null", Value::Null, Err(E::NotAnObject)),
        ("no version", json!({"id":1,"method":"m"}), Err(E::Version)),
        (
            "version 1.0",
            json!({"jsonrpc":"1.0","id":1,"method":"m"}),
            Err(E::Version),
        ),
        (
            "version number",
            json!({"jsonrpc":2.0,"id":1,"method":"m"}),
            Err(E::Version),
        ),
        (
            "version with space",
            json!({"jsonrpc":"2.0 ","id":1,"method":"m"}),
            Err(E::Version),
        ),
        (
            "method number",
            json!({"jsonrpc":"2.0","id":1,"method":1}),
            Err(E::MethodNotString),
        ),
        (
            "method null",
            json!({"jsonrpc":"2.0","id":1,"method":null}),
            Err(E::MethodNotString),
        ),
        (
            "params string",
            json!({"jsonrpc":"2.0","id":1,"method":"m","params":"x"}),
            Err(E::InvalidParams),
        ),
        (
            "params null",
            json!({"jsonrpc":"2.0","id":1,"method":"m","params":null}),
            Err(E::InvalidParams),
        ),
        (
            "notification params number",
            json!({"jsonrpc":"2.0","method":"m","params":3}),
            Err(E::InvalidParams),
        ),
        (
            "id null",
            json!({"jsonrpc":"2.0","id":null,"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "id fractional",
            json!({"jsonrpc":"2.0","id":1.5,"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "id float integral",
            json!({"jsonrpc":"2.0","id":1.0,"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "id bool",
            json!({"jsonrpc":"2.0","id":true,"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "id object",
            json!({"jsonrpc":"2.0","id":{},"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "id array",
            json!({"jsonrpc":"2.0","id":[1],"method":"m"}),
            Err(E::InvalidId),
        ),
        (
            "method and result",
            json!({"jsonrpc":"2.0","id":1,"method":"m","result":{}}),
            Err(E::Ambiguous),
        ),
        (
            "method and error",
            json!({"jsonrpc":"2.0","method":"m","error":{"code":1,"message":""}}),
            Err(E::Ambiguous),
        ),
        (
            "result and error",
            json!({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":""}}),
            Err(E::ResultAndError),
        ),
        (
            "neither",
            json!({"jsonrpc":"2.0","id":1}),
            Err(E::NoResultOrError),
        ),
        (
            "response no id",
            json!({"jsonrpc":"2.0","result":{}}),
            Err(E::MissingId),
        ),
        (
            "result null id",
            json!({"jsonrpc":"2.0","id":null,"result":{}}),
            Err(E::InvalidId),
        ),
        (
            "response bool id",
            json!({"jsonrpc":"2.0","id":false,"error":{"code":1,"message":""}}),
            Err(E::InvalidId),
        ),
        (
            "error not object",
            json!({"jsonrpc":"2.0","id":1,"error":"boom"}),
            Err(E::InvalidErrorObject),
        ),
        (
            "error code float",
            json!({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":""}}),
            Err(E::InvalidErrorObject),
        ),
        (
            "error no message",
            json!({"jsonrpc":"2.0","id":1,"error":{"code":1}}),
            Err(E::InvalidErrorObject),
        ),
    ];
    for (name, value, want) in cases {
        assert_eq!(shape(value), want, "case {name}");
    }
}

#[test]
fn parse_combines_strict_json_and_shape_with_codes() {
    let limits = Limits::default();
    let ok = Envelope::parse(
        br#"{"jsonrpc":"2.0","id":"r1","method":"tasks/get","params":{"taskId":"t"}}"#,
        &limits,
    )
    .unwrap();
    assert_eq!(ok.method(), Some("tasks/get"));
    assert_eq!(ok.id(), Some(&Id::from("r1")));
    assert_eq!(ok.params(), Some(&json!({"taskId":"t"})));

    let dup = Envelope::parse(
        br#"{"jsonrpc":"2.0","id":1,"method":"m","method":"n"}"#,
        &limits,
    )
    .unwrap_err();
    assert!(matches!(dup, Error::Parse(ParseError::DuplicateKey { .. })));
    assert_eq!(dup.code(), crate::mcp::code::PARSE_ERROR);

    let batch = Envelope::parse(b"[]", &limits).unwrap_err();
    assert!(batch.is_batch());
    assert_eq!(batch.code(), crate::mcp::code::INVALID_REQUEST);

    let syntax = Envelope::parse(b"{", &limits).unwrap_err();
    assert_eq!(syntax.code(), -32700);
}

#[test]
fn accessors_and_params_mut() {
    let mut env = Envelope::from_value(
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"a"}}),
    )
    .unwrap();
    if let Some(Value::Object(params)) = env.params_mut() {
        params.insert("name".into(), json!("b"));
    }
    assert_eq!(env.params(), Some(&json!({"name":"b"})));
    assert_eq!(env.id().map(Id::as_value), Some(&json!(3)));
    assert!(env.result().is_none());

    let mut resp =
        Envelope::from_value(json!({"jsonrpc":"2.0","id":3,"result":{"taskId":"t"}})).unwrap();
    assert_eq!(resp.method(), None);
    assert_eq!(resp.params(), None);
    if let Some(result) = resp.result_mut() {
        result["taskId"] = json!("gw-1");
    }
    assert_eq!(
        resp.into_value(),
        json!({"jsonrpc":"2.0","id":3,"result":{"taskId":"gw-1"}})
    );

    let note = Envelope::from_value(json!({"jsonrpc":"2.0","method":"n"})).unwrap();
    assert_eq!(note.id(), None);
    assert_eq!(note.method(), Some("n"));
}

#[test]
fn id_conversions() {
    assert_eq!(Id::try_from(json!("a")).unwrap().as_str(), Some("a"));
    assert_eq!(Id::try_from(json!(9)).unwrap().into_value(), json!(9));
    assert_eq!(Id::try_from(json!(null)), Err(ShapeError::InvalidId));
    assert_eq!(Id::try_from(json!(0.5)), Err(ShapeError::InvalidId));
    assert_eq!(Id::from("a").to_string(), "\"a\"");
    assert_eq!(Id::from(-1i64).to_string(), "-1");
}

#[test]
fn error_object_shape() {
    let id = Id::from(7i64);
    let with_data = error_object(Some(&id), -32602, "Task not found", Some(json!({"x":1})));
    assert_eq!(
        to_bytes(&with_data),
        r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Task not found","data":{"x":1}}}"#
    );
    let no_id = error_object(None, crate::mcp::code::PARSE_ERROR, "Parse error", None);
    assert_eq!(
        to_bytes(&no_id),
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#
    );
    // The gateway's own error objects are valid error responses.
    let env = Envelope::from_value(no_id).unwrap();
    assert_eq!(
        env.message(),
        &Message::Response {
            id: None,
            is_error: true
        }
    );
}
