//! Validation of the settings that have no test of their own elsewhere.

use super::*;
use crate::config::raw::{RawAuth, RawListen, RawRoute};

fn raw(workers: Option<usize>) -> RawConfig {
    RawConfig {
        listen: RawListen {
            address: "127.0.0.1:0".into(),
            workers,
            ..RawListen::default()
        },
        auth: RawAuth {
            issuer: "https://issuer.test".into(),
            jwks_file: Some("/dev/null".into()),
            ..RawAuth::default()
        },
        routes: vec![RawRoute {
            path: "/mcp".into(),
            upstream: "http://127.0.0.1:9/mcp".into(),
            ..RawRoute::default()
        }],
        ..RawConfig::default()
    }
}

#[test]
fn workers_default_to_none_and_must_not_be_zero() {
    let env = |_: &str| None;
    assert_eq!(from_raw(raw(None), &env).unwrap().workers, None);
    assert_eq!(from_raw(raw(Some(3)), &env).unwrap().workers, Some(3));
    let errs = from_raw(raw(Some(0)), &env).unwrap_err();
    assert!(errs.to_string().contains("listen.workers"), "{errs}");
}
