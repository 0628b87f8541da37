//! The official MCP conformance suite (`@modelcontextprotocol/conformance`
//! 0.2.0-alpha.12, pinned in `tests/conformance/package.json`) through
//! taskgate: its current-era `tasks-*` server scenarios must pass and fail
//! exactly as they do direct against the same upstream.
//!
//! The suite plays the MCP client. Its scenarios call fixture tools by name
//! (`greet`, `slow_compute`, `confirm_delete`, …) that no packaged server
//! provides, so the upstream is `tests/conformance/tasks_fixture_server.mjs`,
//! a small 2026-07-28 server with exactly those fixtures.
//! `tests/conformance/run_tasks.mjs` runs every scenario the suite lists as
//! `tasks-*` and reports each check's status. The suite cannot send
//! credentials in server mode, so through taskgate the runner preloads
//! `bearer.mjs`, which adds the test token to the suite's requests to the
//! gateway (and to nothing else).
//!
//! Compared: the status of every check of every scenario (so also the
//! per-scenario pass/fail sets), direct vs through taskgate. The test also
//! proves the second run really went through the gateway: the task ids the
//! suite recorded there are gateway handles (`tg1.`), and direct ones are not.
//!
//! The suite is installed by `scripts/install-interop-deps.sh` (run by
//! `scripts/test`); this test fails, loudly, when it is missing.

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

#[path = "conformance_support/mod.rs"]
mod conformance_support;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use conformance_support::suite::runner_summary;
use conformance_support::{node, require_installed, suite_dir};
use support::gateway::TestGateway;

/// Whole-test bound: both suite runs happen concurrently and take ~30 s.
const TEST_BUDGET: Duration = Duration::from_secs(110);

/// The fixture upstream, killed on drop.
struct Fixtures {
    _child: Child,
    port: u16,
}

impl Fixtures {
    async fn start() -> Fixtures {
        let mut child = Command::new(node())
            .arg(suite_dir().join("tasks_fixture_server.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the pinned node runs");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
        )
        .await
        .expect("fixture server started in time")
        .unwrap();
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected fixture server output: {line:?}"));
        Fixtures {
            _child: child,
            port,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

/// One suite run: scenario → its checks, in the suite's order.
struct Run {
    scenarios: BTreeMap<String, Value>,
}

impl Run {
    fn passed(&self) -> BTreeMap<&str, bool> {
        self.scenarios
            .iter()
            .map(|(name, s)| (name.as_str(), s["passed"] == true))
            .collect()
    }

    /// `scenario/check-id` → statuses (a list, in case an id repeats).
    fn statuses(&self) -> BTreeMap<String, Vec<&str>> {
        let mut out: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (name, s) in &self.scenarios {
            for check in s["checks"].as_array().unwrap() {
                let id = check["id"].as_str().unwrap();
                out.entry(format!("{name}/{id}"))
                    .or_default()
                    .push(check["status"].as_str().unwrap());
            }
        }
        out
    }

    /// The checks of `key` (`scenario/check-id`), for failure reports.
    fn checks_of(&self, key: &str) -> Vec<&Value> {
        let (name, id) = key.split_once('/').unwrap();
        self.scenarios.get(name).map_or_else(Vec::new, |s| {
            s["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["id"] == id)
                .collect()
        })
    }

    /// Every string `taskId` the suite recorded in its check details.
    fn task_ids(&self) -> Vec<String> {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        match v.as_str() {
                            Some(id) if k == "taskId" => out.push(id.to_owned()),
                            _ => walk(v, out),
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for s in self.scenarios.values() {
            for check in s["checks"].as_array().unwrap() {
                walk(&check["details"], &mut out);
            }
        }
        out
    }

    fn print(&self, label: &str) {
        eprintln!("---- {label}: scenario pass/fail");
        for (name, passed) in self.passed() {
            eprintln!("  {} {name}", if passed { "PASS" } else { "FAIL" });
        }
        eprintln!("---- {label}: checks");
        for (key, statuses) in self.statuses() {
            eprintln!("  {key}: {}", statuses.join(", "));
        }
    }
}

/// Runs every `tasks-*` server scenario against `url`, as `bearer` if given.
async fn run_suite(url: &str, bearer: Option<&str>) -> Run {
    let what = format!("tasks-* against {url}");
    let summary = runner_summary("run_tasks.mjs", &["--url", url], bearer, &what).await;
    let scenarios: BTreeMap<String, Value> =
        serde_json::from_value(summary["scenarios"].clone()).unwrap();
    for (name, s) in &scenarios {
        assert!(name.starts_with("tasks-"), "unexpected scenario {name}");
        let checks = s["checks"].as_array().unwrap();
        assert!(
            !checks.is_empty(),
            "{name} against {url} produced no checks: {}",
            s["log"]
        );
    }
    Run { scenarios }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_scenarios_same_direct_and_through_taskgate() {
    require_installed();
    tokio::time::timeout(TEST_BUDGET, async {
        let fixtures = Fixtures::start().await;
        let gateway = TestGateway::start(&fixtures.url()).await;
        let token = gateway.token("conformance-suite", "acme");
        let (direct_url, gateway_url) = (fixtures.url(), gateway.url());
        let (direct, through) = tokio::join!(
            run_suite(&direct_url, None),
            run_suite(&gateway_url, Some(&token))
        );
        direct.print("direct");
        through.print("through taskgate");

        assert!(
            direct.scenarios.len() >= 10,
            "the suite lists fewer tasks-* scenarios than expected: {:?}",
            direct.passed()
        );
        assert_eq!(
            direct.passed().keys().collect::<Vec<_>>(),
            through.passed().keys().collect::<Vec<_>>(),
            "the two runs saw different scenarios"
        );
        // The comparison is worth something only if tasks really ran.
        assert!(
            direct.passed().values().filter(|p| **p).count() >= 9,
            "the fixture upstream no longer passes the suite direct: {:?}",
            direct.passed()
        );

        let direct_ids = direct.task_ids();
        let through_ids = through.task_ids();
        assert!(!direct_ids.is_empty() && !through_ids.is_empty());
        assert!(
            direct_ids.iter().all(|id| !id.starts_with("tg1.")),
            "direct ids: {direct_ids:?}"
        );
        assert!(
            through_ids.iter().all(|id| id.starts_with("tg1.")),
            "the suite saw task ids that are not gateway handles: {through_ids:?}"
        );

        let (d, t) = (direct.statuses(), through.statuses());
        let keys: std::collections::BTreeSet<&String> = d.keys().chain(t.keys()).collect();
        let differing: Vec<String> = keys
            .into_iter()
            .filter(|k| d.get(*k) != t.get(*k))
            .map(|k| {
                format!(
                    "{k}\n    direct:  {}\n    through: {}",
                    serde_json::to_string(&direct.checks_of(k)).unwrap(),
                    serde_json::to_string(&through.checks_of(k)).unwrap()
                )
            })
            .collect();
        assert!(
            differing.is_empty(),
            "checks that differ through taskgate:\n{}",
            differing.join("\n")
        );
        assert_eq!(direct.passed(), through.passed());
    })
    .await
    .expect("conformance run finished within its time budget");
}
