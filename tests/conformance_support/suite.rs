//! One run of a whole scenario set of the official suite against one
//! endpoint, through `tests/conformance/run_suite.mjs` (which lets the suite
//! pick the scenarios from the selection flags it is given).

use std::process::Stdio;

use serde_json::Value;
use tokio::process::Command;

use super::{node, suite_dir};

/// One check as the suite reported it.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub status: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// `None` when scored; else the suite's reason (`extension`, `pending`, …).
    pub unscored: Option<String>,
    pub checks: Vec<Check>,
    /// Why there are no checks, when there are none.
    pub log: Option<String>,
}

/// The scenarios of one run, in the order the suite ran them.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    pub cli_version: String,
    pub scenarios: Vec<Scenario>,
}

impl SuiteRun {
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    /// Replaces (or adds) the scenarios of `rerun`.
    pub fn replace(&mut self, rerun: SuiteRun) {
        for scenario in rerun.scenarios {
            match self.scenarios.iter_mut().find(|s| s.name == scenario.name) {
                Some(old) => *old = scenario,
                None => self.scenarios.push(scenario),
            }
        }
    }
}

/// Runs the runner script `script` (in `tests/conformance`) with `args`,
/// as `bearer` if given, and returns the one JSON summary it prints; `what`
/// names the run in failure messages.
pub async fn runner_summary(
    script: &str,
    args: &[&str],
    bearer: Option<&str>,
    what: &str,
) -> Value {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(node());
    cmd.arg(suite_dir().join(script))
        .arg("--out")
        .arg(out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(token) = bearer {
        cmd.env("TASKGATE_CONFORMANCE_TOKEN", token)
            .args(["--bearer-env", "TASKGATE_CONFORMANCE_TOKEN"]);
    }
    cmd.args(args);
    let done = cmd.output().await.expect("the suite runner starts");
    assert!(
        done.status.success(),
        "suite runner ({what}) failed:\n{}",
        String::from_utf8_lossy(&done.stderr)
    );
    serde_json::from_slice(&done.stdout).unwrap_or_else(|e| {
        panic!(
            "runner output is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&done.stdout)
        )
    })
}

/// Runs `conformance server` (`cli`: `alpha12` or `0.1.16`) with
/// `selection` against `url`, as `bearer` if given.
pub async fn run(cli: &str, url: &str, selection: &[&str], bearer: Option<&str>) -> SuiteRun {
    let mut args = vec!["--cli", cli, "--url", url, "--"];
    args.extend_from_slice(selection);
    let what = format!("{cli} {selection:?} against {url}");
    let summary = runner_summary("run_suite.mjs", &args, bearer, &what).await;
    assert!(
        summary["timedOut"] != true,
        "the suite ({cli} {selection:?}) against {url} ran out of time:\n{}",
        summary["log"].as_str().unwrap_or_default()
    );
    let scenarios: Vec<Scenario> = summary["scenarios"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| Scenario {
            name: name.clone(),
            unscored: s["unscoredReason"].as_str().map(str::to_owned),
            checks: s["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| Check {
                    id: c["id"].as_str().unwrap().to_owned(),
                    status: c["status"].as_str().unwrap().to_owned(),
                    error: c["errorMessage"].as_str().map(str::to_owned),
                })
                .collect(),
            log: s["log"].as_str().map(str::to_owned),
        })
        .collect();
    assert!(
        !scenarios.is_empty(),
        "the suite ({cli} {selection:?}) ran no scenario against {url}:\n{}",
        summary["log"].as_str().unwrap_or_default()
    );
    SuiteRun {
        cli_version: summary["cli"].as_str().unwrap_or_default().to_owned(),
        scenarios,
    }
}
