//! Shared by the conformance tests (`tests/conformance.rs`,
//! `tests/conformance_full.rs`): where the pinned official suite lives
//! (`tests/conformance`, installed by `scripts/install-interop-deps.sh`), the
//! Node it needs, the vendored reference servers, and one whole suite run.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod reference;
pub mod suite;

use std::path::{Path, PathBuf};

pub fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// The Node the suite needs (>= 22), pinned next to it.
pub fn node() -> PathBuf {
    suite_dir().join("node_modules/.bin/node")
}

/// Fails, loudly, when the suite (or what the reference servers need) is
/// missing.
pub fn require_installed() {
    let modules = suite_dir().join("node_modules");
    let needed = [
        "@modelcontextprotocol/conformance/dist/index.js",
        "conformance-0.1.16/dist/index.js",
        "tsx/package.json",
        "express/package.json",
    ];
    assert!(
        node().is_file() && needed.iter().all(|p| modules.join(p).is_file()),
        "the conformance suite is not installed: run `bash scripts/install-interop-deps.sh` \
         (scripts/test does)"
    );
}
