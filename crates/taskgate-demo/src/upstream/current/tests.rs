use super::*;
use http::HeaderValue;

fn headers(version: &str, method: &str, name: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::PROTOCOL_VERSION,
        HeaderValue::from_str(version).unwrap(),
    );
    h.insert(header::METHOD, HeaderValue::from_str(method).unwrap());
    if let Some(name) = name {
        h.insert(header::NAME, HeaderValue::from_str(name).unwrap());
    }
    h
}

fn params(extra: Value) -> Value {
    let mut p = json!({"_meta": { (meta::PROTOCOL_VERSION): version::V2026_07_28 }});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p
}

#[test]
fn matching_headers_pass() {
    let h = headers(version::V2026_07_28, "tools/call", Some("echo"));
    assert!(check_headers(&h, "tools/call", &params(json!({"name": "echo"}))).is_ok());
    let h = headers(version::V2026_07_28, "server/discover", None);
    assert!(check_headers(&h, "server/discover", &params(json!({}))).is_ok());
}

#[test]
fn every_mismatch_is_32020() {
    let p = params(json!({"taskId": "task-1"}));
    let cases = [
        headers(version::V2025_11_25, "tasks/get", Some("task-1")),
        headers(version::V2026_07_28, "tasks/cancel", Some("task-1")),
        headers(version::V2026_07_28, "tasks/get", Some("task-2")),
        headers(version::V2026_07_28, "tasks/get", None),
    ];
    for h in cases {
        let err = check_headers(&h, "tasks/get", &p).unwrap_err();
        assert_eq!(err.code, code::HEADER_MISMATCH);
    }
    // Missing `_meta` version.
    let h = headers(version::V2026_07_28, "tasks/get", Some("task-1"));
    let err = check_headers(&h, "tasks/get", &json!({"taskId": "task-1"})).unwrap_err();
    assert_eq!(err.code, code::HEADER_MISMATCH);
}

#[test]
fn base64_names_are_decoded() {
    assert_eq!(decode_name("plain").as_deref(), Some("plain"));
    let encoded = format!("=?base64?{}?=", STANDARD.encode("tâche-1"));
    assert_eq!(decode_name(&encoded).as_deref(), Some("tâche-1"));
    assert_eq!(decode_name("=?base64?!!?="), None);
}

#[test]
fn results_are_marked_complete() {
    assert_eq!(complete(json!({}))["resultType"], "complete");
    let d = discover();
    assert_eq!(d["resultType"], "complete");
    assert!(d["capabilities"]["extensions"][meta::TASKS_EXTENSION].is_object());
}
