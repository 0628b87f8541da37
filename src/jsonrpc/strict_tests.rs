//! [`parse_strict`] tests: duplicates, depth, syntax, numbers, and the
//! round trip of arbitrary values.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn strict(input: &str) -> Result<Value, ParseError> {
    parse_strict(input.as_bytes(), &Limits::default())
}

fn is_syntax(res: Result<Value, ParseError>) -> bool {
    matches!(res, Err(ParseError::Syntax(_)))
}

#[test]
fn accepts_plain_json_and_keeps_key_order() {
    let value = strict(r#" {"z":1,"a":[true,null,"s",{"m":{}}],"b":-2.5} "#).unwrap();
    assert_eq!(value, json!({"z":1,"a":[true,null,"s",{"m":{}}],"b":-2.5}));
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["z", "a", "b"]);
    assert_eq!(strict("\"x\"").unwrap(), json!("x"));
    assert_eq!(strict("0").unwrap(), json!(0));
}

#[test]
fn rejects_duplicate_keys() {
    let dup = |k: &str| Err(ParseError::DuplicateKey { key: k.to_owned() });
    assert_eq!(strict(r#"{"a":1,"a":2}"#), dup("a"));
    // Equal after unescaping is still a duplicate: other parsers see one key.
    assert_eq!(strict(r#"{"a":1,"\u0061":2}"#), dup("a"));
    assert_eq!(
        strict(r#"{"params":{"taskId":"mine","taskId":"yours"}}"#),
        dup("taskId")
    );
    assert_eq!(strict(r#"[{"x":[{"y":{"k":1,"k":1}}]}]"#), dup("k"));
    // Same key in sibling objects is fine.
    assert!(strict(r#"[{"a":1},{"a":2}]"#).is_ok());
}

#[test]
fn duplicate_key_deep_inside_is_caught() {
    let depth = 60;
    let mut doc = r#"{"t":1,"t":2}"#.to_owned();
    for _ in 0..depth {
        doc = format!(r#"{{"n":{doc},"o":[]}}"#);
    }
    assert_eq!(
        strict(&doc),
        Err(ParseError::DuplicateKey { key: "t".into() })
    );
}

#[test]
fn duplicate_key_is_truncated_in_the_error() {
    let key = "é".repeat(100);
    let doc = format!(r#"{{"{key}":1,"{key}":2}}"#);
    let Err(ParseError::DuplicateKey { key: got }) = strict(&doc) else {
        panic!("duplicate not detected");
    };
    assert_eq!(got, "é".repeat(64));
}

#[test]
fn depth_limit_is_exact() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let limits = Limits { max_depth: 3 };
    assert!(parse_strict(nested(3).as_bytes(), &limits).is_ok());
    assert_eq!(
        parse_strict(nested(4).as_bytes(), &limits),
        Err(ParseError::TooDeep)
    );
    let objects = r#"{"a":{"b":{"c":{}}}}"#;
    assert_eq!(
        parse_strict(objects.as_bytes(), &limits),
        Err(ParseError::TooDeep)
    );
    // Scalars do not count as a level.
    assert!(parse_strict(br#"{"a":{"b":{"c":1}}}"#, &limits).is_ok());
    assert!(strict(&nested(64)).is_ok());
    assert_eq!(strict(&nested(65)), Err(ParseError::TooDeep));
}

#[test]
fn nesting_bombs_do_not_overflow_the_stack() {
    let bomb = "[".repeat(1_000_000);
    assert_eq!(strict(&bomb), Err(ParseError::TooDeep));
    let bomb = r#"{"a":"#.repeat(1_000_000);
    assert_eq!(strict(&bomb), Err(ParseError::TooDeep));
    // A limit above serde_json's own guard is capped, not a stack risk.
    let huge = Limits {
        max_depth: 1_000_000,
    };
    assert_eq!(
        parse_strict(bomb.as_bytes(), &huge),
        Err(ParseError::TooDeep)
    );
    let at_ceiling = format!("{}{}", "[".repeat(DEPTH_CEILING), "]".repeat(DEPTH_CEILING));
    assert!(parse_strict(at_ceiling.as_bytes(), &huge).is_ok());
    let over = format!("[{at_ceiling}]");
    assert_eq!(
        parse_strict(over.as_bytes(), &huge),
        Err(ParseError::TooDeep)
    );
}

#[test]
fn rejects_what_parsers_disagree_on() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"{} {}",
        b"{}x",
        b"[1,]",
        b"{\"a\":1,}",
        b"\xEF\xBB\xBF{}",   // BOM
        b"{\"a\":\"\xFF\"}", // invalid UTF-8
        b"\"\\ud800\"",      // lone surrogate
        b"NaN",
        b"01",
        b"1e400", // out of f64 range
        b"{'a':1}",
        b"// c\n{}",
        b"\"tab\there\"", // raw control character
    ];
    for input in cases {
        assert!(
            is_syntax(parse_strict(input, &Limits::default())),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert!(strict("{}\n\t ").is_ok());
}

#[test]
fn numbers_keep_their_representation() {
    let value = strict(r#"[18446744073709551615,-9223372036854775808,0.1,1e2,-0,1.5e-7]"#).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items[0].as_u64(), Some(u64::MAX));
    assert_eq!(items[1].as_i64(), Some(i64::MIN));
    assert_eq!(items[2].as_f64(), Some(0.1));
    assert_eq!(items[3].as_f64(), Some(100.0));
    assert!(
        items[3].is_f64(),
        "an exponent makes a float, as in serde_json"
    );
    assert_eq!(
        to_bytes(&value),
        "[18446744073709551615,-9223372036854775808,0.1,100.0,-0.0,1.5e-7]"
    );
    // Past u64 an integer becomes the nearest f64: the documented lossy case.
    let big = strict("18446744073709551616").unwrap();
    assert!(big.is_f64());
    assert_eq!(big.as_f64(), Some(18_446_744_073_709_551_616.0));
    // Whatever the representation, it equals serde_json's own reading.
    let text = "[1,-1,2.5,1e300,123456789012345678901234567890,0.30000000000000004]";
    assert_eq!(
        strict(text).unwrap(),
        serde_json::from_str::<Value>(text).unwrap()
    );
}

/// Arbitrary JSON without duplicate keys. Floats are dyadic with at most 15
/// significant digits, so text → f64 is exact without serde_json's
/// `float_roundtrip` (17-digit ones can come back one ULP off, e.g.
/// `360676.16845703125`); other floats are covered by the comparison against
/// serde_json itself.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (any::<i16>(), 0..10u32)
            .prop_map(|(m, e)| Value::from(f64::from(m) / f64::from(1u32 << e))),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::String("\u{0}\"\\\n\u{1F}\u{FEFF}".into())),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn strict_parse_of_serialized_value_is_identity(value in arb_value()) {
        let text = serde_json::to_vec(&value).unwrap();
        prop_assert_eq!(parse_strict(&text, &Limits::default()).unwrap(), value.clone());
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert_eq!(parse_strict(&pretty, &Limits::default()).unwrap(), value);
    }

    #[test]
    fn strict_agrees_with_serde_json_on_floats(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = serde_json::to_vec(&Value::from(f)).unwrap();
        let ours = parse_strict(&text, &Limits::default()).unwrap();
        prop_assert_eq!(ours, serde_json::from_slice::<Value>(&text).unwrap());
    }

    #[test]
    fn strict_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_strict(&bytes, &Limits { max_depth: 4 });
    }
}
