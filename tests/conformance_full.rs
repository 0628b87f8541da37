//! The official MCP conformance suite's full scored sets, direct against an
//! upstream and through taskgate: every check must have the same status both
//! ways, except the differences listed, each with its reason, in
//! `conformance_full/allowed.rs` (and a listed difference that no longer
//! differs fails the test as stale).
//!
//! Sets (scenario lists come from the suite's own selection flags):
//! - `alpha.12 2026-07-28`: `@modelcontextprotocol/conformance@0.2.0-alpha.12
//!   server --requirements 2026-07-28` (the scenarios that revision requires,
//!   plus the extension and pending ones the suite runs but does not score);
//! - `alpha.12 2025-11-25`: the same suite's `--requirements 2025-11-25`, on the
//!   same (dual-era) upstream: the legacy revision's frozen required set, run
//!   at its wire, which is what that suite scores for the legacy generation
//!   (its `active` suite is not tied to one revision);
//! - `0.1.16 active`: `@modelcontextprotocol/conformance@0.1.16 server --suite
//!   active` (that suite's scored set) in front of a legacy-only server.
//!
//! Upstreams: the conformance repo's reference everything-server, vendored
//! unmodified in `tests/conformance/reference/` (HEAD: dual-era, for the
//! first two sets; tag v0.1.16: legacy only, for the third). Each run has its
//! own upstream process; the server counts requests carrying the gateway's
//! upstream credential, which proves the direct runs never went through
//! taskgate and the others only did.
//!
//! The per-check table goes to stderr, and to the file named by
//! `TASKGATE_CONFORMANCE_TABLE` when set (for the README's Testing section).

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

#[path = "conformance_support/mod.rs"]
mod conformance_support;

#[path = "conformance_full/allowed.rs"]
mod allowed;
#[path = "conformance_full/compare.rs"]
mod compare;

use std::time::{Duration, Instant};

use conformance_support::reference::ReferenceServer;
use conformance_support::suite::{self, SuiteRun};
use support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};

pub const SET_CURRENT: &str = "alpha.12 2026-07-28";
pub const SET_LEGACY: &str = "alpha.12 2025-11-25";
pub const SET_OLD_SUITE: &str = "0.1.16 active";

/// Whole-test bound. A run takes ~15 s, ~75 s when the v0.1.16 server's race
/// (see `allowed::RACY`) makes one call wait out the suite's 60 s timeout
/// (most runs), and each rerun that hits it again adds 60 s (at most
/// `RACE_RERUNS`: ~260 s worst case).
const TEST_BUDGET: Duration = Duration::from_secs(330);

const DUAL_SERVER: &str = "everything-server.ts";
const LEGACY_SERVER: &str = "everything-server-0.1.16.ts";

/// One set: its name, which suite (`run_suite.mjs --cli`), its selection.
struct Set {
    name: &'static str,
    cli: &'static str,
    selection: &'static [&'static str],
}

const CURRENT: Set = Set {
    name: SET_CURRENT,
    cli: "alpha12",
    selection: &["--requirements", "2026-07-28"],
};
const LEGACY: Set = Set {
    name: SET_LEGACY,
    cli: "alpha12",
    selection: &["--requirements", "2025-11-25"],
};
const OLD_SUITE: Set = Set {
    name: SET_OLD_SUITE,
    cli: "0.1.16",
    selection: &["--suite", "active"],
};

async fn run(set: &Set, url: &str, bearer: Option<&str>) -> SuiteRun {
    suite::run(set.cli, url, set.selection, bearer).await
}

/// Reruns, alone and both ways, the racy scenarios of `set` that differ.
async fn settle_races(
    set: &Set,
    (direct_url, through_url, token): (&str, &str, &str),
    direct: &mut SuiteRun,
    through: &mut SuiteRun,
) {
    for (_, name) in allowed::RACY.iter().filter(|(s, _)| *s == set.name) {
        for attempt in 0..allowed::RACE_RERUNS {
            let differs = compare::rows(direct, through)
                .iter()
                .any(|r| r.scenario == *name && r.differs());
            if !differs {
                break;
            }
            eprintln!("RACE: {} | {name} differs; rerun {}", set.name, attempt + 1);
            let only = ["--scenario", name];
            let (d, t) = tokio::join!(
                suite::run(set.cli, direct_url, &only, None),
                suite::run(set.cli, through_url, &only, Some(token))
            );
            direct.replace(d);
            through.replace(t);
        }
    }
}

/// The checks direct with status SUCCESS (to show the comparison is worth
/// something: the reference server passes most of each set direct).
fn successes(run: &SuiteRun) -> usize {
    run.scenarios
        .iter()
        .flat_map(|s| &s.checks)
        .filter(|c| c.status == "SUCCESS")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_scored_sets_same_direct_and_through_taskgate() {
    conformance_support::require_installed();
    let started = Instant::now();
    tokio::time::timeout(TEST_BUDGET, async {
        let (dual_direct, dual_up, legacy_direct, legacy_up) = tokio::join!(
            ReferenceServer::start(DUAL_SERVER, UPSTREAM_CREDENTIAL),
            ReferenceServer::start(DUAL_SERVER, UPSTREAM_CREDENTIAL),
            ReferenceServer::start(LEGACY_SERVER, UPSTREAM_CREDENTIAL),
            ReferenceServer::start(LEGACY_SERVER, UPSTREAM_CREDENTIAL),
        );
        let dual_gateway = TestGateway::start(&dual_up.url()).await;
        let legacy_gateway = TestGateway::start(&legacy_up.url()).await;
        let dual_token = dual_gateway.token("conformance-suite", "acme");
        let legacy_token = legacy_gateway.token("conformance-suite", "acme");
        let (dual_url, legacy_url) = (dual_gateway.url(), legacy_gateway.url());
        let (dual_direct_url, legacy_direct_url) = (dual_direct.url(), legacy_direct.url());

        // The two alpha.12 sets share an upstream, so each side runs them in
        // turn; the sides and the 0.1.16 set run concurrently.
        let direct_sets = async {
            let current = run(&CURRENT, &dual_direct_url, None).await;
            (current, run(&LEGACY, &dual_direct_url, None).await)
        };
        let through_sets = async {
            let current = run(&CURRENT, &dual_url, Some(&dual_token)).await;
            (current, run(&LEGACY, &dual_url, Some(&dual_token)).await)
        };
        let ((current_d, legacy_d), (current_t, legacy_t), mut old_d, mut old_t) = tokio::join!(
            direct_sets,
            through_sets,
            run(&OLD_SUITE, &legacy_direct_url, None),
            run(&OLD_SUITE, &legacy_url, Some(&legacy_token)),
        );
        settle_races(
            &OLD_SUITE,
            (&legacy_direct_url, &legacy_url, &legacy_token),
            &mut old_d,
            &mut old_t,
        )
        .await;

        // Each run went where it should: direct upstreams never saw the
        // gateway's credential, gateway upstreams saw nothing else.
        for (label, server, via_gateway) in [
            ("dual-era upstream, direct", &dual_direct, false),
            ("dual-era upstream, behind taskgate", &dual_up, true),
            ("legacy upstream, direct", &legacy_direct, false),
            ("legacy upstream, behind taskgate", &legacy_up, true),
        ] {
            let (from_gateway, without) = server.counts();
            eprintln!("{label}: {from_gateway} requests from taskgate, {without} without its credential");
            if via_gateway {
                assert!(from_gateway > 50 && without == 0, "{label}: {from_gateway} / {without}");
            } else {
                assert!(without > 50 && from_gateway == 0, "{label}: {from_gateway} / {without}");
            }
        }

        let mut verdict = compare::Verdict::default();
        let mut tables = Vec::new();
        for (set, direct, through, min_success) in [
            (&CURRENT, &current_d, &current_t, 100),
            (&LEGACY, &legacy_d, &legacy_t, 75),
            (&OLD_SUITE, &old_d, &old_t, 35),
        ] {
            let names = |r: &SuiteRun| r.scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
            assert_eq!(names(direct), names(through), "{}: the runs saw different scenarios", set.name);
            for s in direct.scenarios.iter().chain(&through.scenarios) {
                assert!(!s.checks.is_empty(), "{} | {}: no checks ({:?})", set.name, s.name, s.log);
            }
            assert!(
                successes(direct) >= min_success,
                "{}: only {} checks pass direct: the reference server no longer fits the suite",
                set.name,
                successes(direct)
            );
            let rows = compare::rows(direct, through);
            eprintln!(
                "{} (suite {}): {} scenarios, {} checks, {} differ",
                set.name,
                direct.cli_version,
                direct.scenarios.len(),
                rows.len(),
                rows.iter().filter(|r| r.differs()).count()
            );
            compare::judge(set.name, &rows, allowed::ALLOWED, &mut verdict);
            tables.push((set.name, rows));
        }

        let table = compare::markdown(&tables, &verdict);
        eprintln!("---- per-check table\n{table}");
        if let Some(path) = std::env::var_os("TASKGATE_CONFORMANCE_TABLE") {
            std::fs::write(&path, &table).expect("writing TASKGATE_CONFORMANCE_TABLE");
        }
        eprintln!(
            "{} allowed differences seen; the whole comparison took {:.1} s",
            verdict.allowed.len(),
            started.elapsed().as_secs_f64()
        );
        for line in &verdict.stale {
            eprintln!("STALE allowed difference (delete or fix its row): {line}");
        }
        for line in &verdict.unexpected {
            eprintln!("UNEXPECTED difference: {line}");
        }
        assert!(
            verdict.unexpected.is_empty() && verdict.stale.is_empty(),
            "{} unexpected difference(s):\n  {}\n{} stale allowed row(s) in tests/conformance_full/allowed.rs:\n  {}",
            verdict.unexpected.len(),
            verdict.unexpected.join("\n  "),
            verdict.stale.len(),
            verdict.stale.join("\n  ")
        );
    })
    .await
    .expect("conformance comparison finished within its time budget");
}
