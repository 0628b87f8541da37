//! The folding rule: which characters fold, which objects are checked,
//! which keys and methods are refused, through both parsers.

use super::folding::{Scope, fold_char, keys_are_ambiguous, method_is_ambiguous};
use super::*;

fn ambiguous(keys: &[&str]) -> bool {
    keys_are_ambiguous(keys.iter().copied())
}

fn refs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}

/// Both parsers' verdict on `body`; asserts they agree.
fn verdict(body: &str) -> Result<Message, Error> {
    let limits = Limits::default();
    let tree = Envelope::parse(body.as_bytes(), &limits).map(|e| e.message().clone());
    let skim = Summary::skim(body.as_bytes(), &limits).map(|s| s.message);
    assert_eq!(tree, skim, "{body}");
    tree
}

const KEYS: Error = Error::Shape(ShapeError::AmbiguousKeys);
const METHOD: Error = Error::Shape(ShapeError::AmbiguousMethod);

#[test]
fn folds_what_loose_decoders_fold() {
    for (c, folded) in [
        ('A', 'a'),
        ('z', 'z'),
        ('_', '_'),
        ('\u{17F}', 's'),  // ſ LATIN SMALL LETTER LONG S (Go, Java, .NET)
        ('\u{212A}', 'k'), // K KELVIN SIGN (Go, Java)
        ('\u{131}', 'i'),  // ı DOTLESS I (Java, .NET)
        ('\u{130}', 'i'),  // İ DOTTED CAPITAL I (Java)
        ('Σ', 'σ'),
        ('ς', 'σ'),
        ('\u{212B}', 'å'), // Å ANGSTROM SIGN
        ('ß', 'ß'),
        ('\u{1E9E}', 'ß'),
        ('é', 'é'),
        ('É', 'é'),
        ('ｓ', 'ｓ'), // full-width letters fold only in method names
    ] {
        assert_eq!(fold_char(c), folded, "{c:?}");
    }
}

#[test]
fn colliding_or_imitating_keys_are_ambiguous() {
    for keys in [
        &["taskId", "TaskId"][..],
        &["taskId", "ta\u{17F}kId"],
        &["tasKId", "tas\u{212A}Id"],
        &["foo", "FOO"],
        &["a", "b", "c", "A"],
        &["σx", "ςx"],
        &["TaskId"],
        &["ta\u{17F}kId"],
        &["Method"],
        &["param\u{17F}"],
        &["_META"],
        &["ID"],
        &["ı\u{64}"],
        &["Io.ModelContextProtocol/Related-Task"],
        &["TTL"],
    ] {
        assert!(ambiguous(keys), "{keys:?}");
    }
    for keys in [
        &["taskId", "taskIds", "task", "tasks"][..],
        &["jsonrpc", "id", "method", "params"],
        &["a", "b"],
        &["é", "e"],
        &["task_id", "taskId"],
        &["progressToken", "io.modelcontextprotocol/related-task"],
        &[],
    ] {
        assert!(!ambiguous(keys), "{keys:?}");
    }
}

#[test]
fn wide_objects_use_the_hash_set_with_the_same_verdict() {
    let mut keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    assert!(!ambiguous(&refs(&keys)));
    // A fold collision, a control character, a Unicode fold collision.
    for clash in ["K7", "k3\u{0}", "\u{212A}39"] {
        keys.push(clash.to_owned());
        assert!(ambiguous(&refs(&keys)), "{clash:?}");
        keys.pop();
    }
    // Many keys sharing one signature (length, first and last letter).
    let mut same_sig: Vec<String> = (0..30).map(|i| format!("a{i:02}z")).collect();
    assert!(!ambiguous(&refs(&same_sig)));
    same_sig.push("A07Z".to_owned());
    assert!(ambiguous(&refs(&same_sig)));
    // More keys than the chained check holds.
    let mut many: Vec<String> = (0..100).map(|i| format!("key{i}")).collect();
    assert!(!ambiguous(&refs(&many)));
    many.push("KEY99".to_owned());
    assert!(ambiguous(&refs(&many)));
    // Long keys hash in several chunks.
    let long = "x".repeat(200);
    let mut wide: Vec<String> = (0..20).map(|i| format!("{long}{i}")).collect();
    assert!(!ambiguous(&refs(&wide)));
    wide.push(format!("{}5", "X".repeat(200)));
    assert!(ambiguous(&refs(&wide)));
    wide.pop();
    wide.push(format!("{long}\u{17F}!"));
    assert!(!ambiguous(&refs(&wide)));
    wide.push(format!("{long}S!"));
    assert!(ambiguous(&refs(&wide)));
}

#[test]
fn user_data_scopes_are_exactly_the_listed_ones() {
    use Scope::*;
    assert_eq!(Envelope.member("params"), Params);
    assert_eq!(Params.member("arguments"), UserData);
    assert_eq!(Params.member("inputResponses"), UserData);
    assert_eq!(Params.member("context"), ParamsContext);
    assert_eq!(ParamsContext.member("arguments"), UserData);
    assert_eq!(Envelope.member("result"), Result);
    assert_eq!(Result.member("content"), UserData);
    assert_eq!(Envelope.member("error"), Error);
    assert_eq!(Error.member("data"), UserData);
    assert_eq!(UserData.member("_meta"), UserData);
    assert_eq!(UserData.element(), UserData);
    // Not user data: the same names elsewhere, and everything else.
    for (scope, key) in [
        (Envelope, "arguments"),
        (Params, "_meta"),
        (Params, "task"),
        (Params, "notifications"),
        (Params, "content"),
        (Params, "data"),
        (Protocol, "arguments"),
        (Result, "task"),
        (Result, "_meta"),
        (Result, "arguments"),
        (Error, "content"),
        (ParamsContext, "other"),
    ] {
        assert_eq!(scope.member(key), Protocol, "{scope:?}.{key}");
    }
    assert_eq!(Params.element(), Protocol);
}

#[test]
fn protocol_objects_with_ambiguous_keys_are_refused_by_both_parsers() {
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":"h","TaskId":"raw"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":"h","ta\u017fkId":"raw"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","Params":{"taskId":"raw"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tasks/get"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_meta":{"a":1,"A":2}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_Meta":{}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","task":{"ttl":1,"TTL":9}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"notifications":{"TaskIds":["raw"]}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"h","tas\u212aId":"raw"}}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":"h","TASKID":"raw"}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"tasks":[{"taskId":"h","TaskId":"raw"}]}}"#,
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","Code":2}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[{"a":1,"A":1}]}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"x","extra":{"deep":[{"b":1,"B":1}]}}"#,
        // The rule runs before the envelope rules.
        r#"{"jsonrpc":"1.0","JSONRPC":"2.0","method":"x"}"#,
    ] {
        assert_eq!(verdict(body), Err(KEYS), "{body}");
    }
}

#[test]
fn user_data_with_colliding_keys_passes() {
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"taskId":"a","TaskId":"b","ta\u017fkId":"c","Params":{"x":1,"X":2}}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tasks/update","params":{"taskId":"h","inputResponses":{"k":{"content":{"a":1,"A":2}}}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"context":{"arguments":{"a":"1","A":"2"}}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"action":"accept","content":{"Name":"a","name":"b"}}}"#,
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","data":{"a":1,"A":2}}}"#,
    ] {
        assert!(verdict(body).is_ok(), "{body}");
    }
}

#[test]
fn parse_errors_win_over_ambiguous_keys() {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":1,"A":2},"p":{"q":1,"q":2}}"#;
    assert!(matches!(
        verdict(body),
        Err(Error::Parse(ParseError::DuplicateKey { .. }))
    ));
}

#[test]
fn method_names_that_only_resemble_known_ones_are_refused() {
    for name in [
        "Tasks/Get",
        "TASKS/UPDATE",
        "ta\u{17F}ks/get",
        "tools/call ",
        " tasks/get",
        "tasks/ get",
        "tasks\u{0}/get",
        "tasks/get\u{0}junk",
        "tasks\u{7}/get",
        "tasks\u{85}/get",
        "tasks／get",
        "ｔａｓｋｓ／ｇｅｔ",
        "tasks/\u{200B}get",
        "\u{FEFF}tasks/get",
        "tasks/get\u{3000}",
        "logging/setlevel",
        "Notifications/Tasks/Status",
        "notifications/tasKs",
        "unknown\u{0}",
    ] {
        assert!(method_is_ambiguous(name), "{name:?}");
        let body = serde_json::json!({"jsonrpc":"2.0","id":1,"method":name}).to_string();
        assert_eq!(verdict(&body), Err(METHOD), "{name:?}");
    }
    for name in crate::mcp::method::KNOWN.iter().copied().chain([
        "vendor/Custom",
        "tasks/getx",
        "tasks∕get",
        "",
        "é",
    ]) {
        assert!(!method_is_ambiguous(name), "{name:?}");
    }
}

#[test]
fn every_known_name_is_indexed_and_names_are_distinct_under_folding() {
    use super::folding::{GOVERNED, GOVERNED_KEYS, METHODS, signature};
    for (index, names) in [
        (&GOVERNED, GOVERNED_KEYS),
        (&METHODS, crate::mcp::method::KNOWN),
    ] {
        for (i, name) in names.iter().enumerate() {
            assert!(
                index.with_signature(signature(name)).any(|k| k == *name),
                "{name} is not reachable"
            );
            for other in &names[i + 1..] {
                assert!(!name.eq_ignore_ascii_case(other), "{name} / {other}");
            }
        }
    }
}

#[test]
fn keys_with_control_characters_are_refused_in_protocol_objects_only() {
    for keys in [
        &["taskId\u{0}x"][..],
        &["taskId\u{0}"],
        &["a\u{7f}"],
        &["ok", "line\nbreak"],
        &["tâche\u{85}"],
    ] {
        assert!(ambiguous(keys), "{keys:?}");
    }
    assert!(!ambiguous(&["tab-free", "tâche"]));
    assert_eq!(
        verdict(r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId\u0000x":"h"}}"#),
        Err(KEYS)
    );
    let arguments = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a\u0000b":1}}}"#;
    assert!(verdict(arguments).is_ok(), "user data keeps its keys");
}
