//! Per-check comparison of a direct run and a run through taskgate: which
//! checks differ, which allowed rows are stale, and the markdown table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

#[cfg(doc)]
use super::allowed::ALLOWED;
use super::allowed::Allowed;
use crate::conformance_support::suite::SuiteRun;

/// Statuses of one check id within one scenario, in the suite's order (an
/// id may repeat, e.g. once per header case).
pub fn render(statuses: &[&str]) -> String {
    match statuses {
        [] => "(absent)".to_owned(),
        [one] => (*one).to_owned(),
        [first, ..] if statuses.iter().all(|s| s == first) => {
            format!("{first} ×{}", statuses.len())
        }
        _ => statuses.join(", "),
    }
}

/// One check of one set, both ways.
pub struct Row {
    pub scenario: String,
    /// `Some(reason)` when the suite does not score the scenario.
    pub unscored: Option<String>,
    pub check: String,
    pub direct: String,
    pub through: String,
}

impl Row {
    pub fn differs(&self) -> bool {
        self.direct != self.through
    }
}

/// Every check of either run, in the direct run's order (then any only
/// through taskgate).
pub fn rows(direct: &SuiteRun, through: &SuiteRun) -> Vec<Row> {
    let mut order: Vec<(String, Option<String>, String)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for run in [direct, through] {
        for s in &run.scenarios {
            for c in &s.checks {
                if seen.insert((s.name.clone(), c.id.clone())) {
                    order.push((s.name.clone(), s.unscored.clone(), c.id.clone()));
                }
            }
        }
    }
    let (d, t) = (statuses(direct), statuses(through));
    order
        .into_iter()
        .map(|(scenario, unscored, check)| {
            let key = (scenario.as_str(), check.as_str());
            let direct = render(d.get(&key).map_or(&[][..], Vec::as_slice));
            let through = render(t.get(&key).map_or(&[][..], Vec::as_slice));
            Row {
                scenario,
                unscored,
                check,
                direct,
                through,
            }
        })
        .collect()
}

/// `(scenario, check id)` → its statuses, in the suite's order.
fn statuses(run: &SuiteRun) -> BTreeMap<(&str, &str), Vec<&str>> {
    let mut map: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for s in &run.scenarios {
        for c in &s.checks {
            map.entry((s.name.as_str(), c.id.as_str()))
                .or_default()
                .push(c.status.as_str());
        }
    }
    map
}

/// The verdict over all sets.
#[derive(Default)]
pub struct Verdict {
    /// Differences no allowed row explains.
    pub unexpected: Vec<String>,
    /// Allowed rows that no longer describe a difference.
    pub stale: Vec<String>,
    /// Listed differences seen, as `set | scenario | check: reason`.
    pub allowed: Vec<String>,
}

/// Judges `rows` of `set` against `allowed` (the test's [`ALLOWED`]).
pub fn judge(set: &str, rows: &[Row], allowed: &[Allowed], verdict: &mut Verdict) {
    let listed = |r: &Row| -> Option<&Allowed> {
        allowed
            .iter()
            .find(|a| a.set == set && a.scenario == r.scenario && a.check == r.check)
    };
    for r in rows.iter().filter(|r| r.differs()) {
        match listed(r) {
            Some(a) if a.direct == r.direct && a.through == r.through => verdict.allowed.push(
                format!("{set} | {} | {}: {}", r.scenario, r.check, a.reason),
            ),
            _ => verdict.unexpected.push(format!(
                "{set} | {} | {} | direct {} | through taskgate {}",
                r.scenario, r.check, r.direct, r.through
            )),
        }
    }
    for a in allowed.iter().filter(|a| a.set == set) {
        let now = rows
            .iter()
            .find(|r| r.scenario == a.scenario && r.check == a.check);
        let still = now.is_some_and(|r| r.direct == a.direct && r.through == a.through);
        if !still {
            let now = now.map_or("(check not run)".to_owned(), |r| {
                format!("direct {} | through taskgate {}", r.direct, r.through)
            });
            verdict.stale.push(format!(
                "{set} | {} | {} | listed {} -> {} | now {now}",
                a.scenario, a.check, a.direct, a.through
            ));
        }
    }
}

/// The markdown table (`set | scenario | check | direct | through taskgate`),
/// differing statuses in bold, then why each listed difference is allowed.
pub fn markdown(sets: &[(&str, Vec<Row>)], verdict: &Verdict) -> String {
    let mut out = String::from("| set | scenario | check | direct | through taskgate |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for (set, rows) in sets {
        for r in rows {
            let scenario = match &r.unscored {
                Some(why) => format!("{} (not scored: {why})", r.scenario),
                None => r.scenario.clone(),
            };
            let (d, t) = if r.differs() {
                (format!("**{}**", r.direct), format!("**{}**", r.through))
            } else {
                (r.direct.clone(), r.through.clone())
            };
            let _ = writeln!(out, "| {set} | {scenario} | {} | {d} | {t} |", r.check);
        }
    }
    out.push_str("\nWhy each difference is allowed:\n\n");
    for line in &verdict.allowed {
        let _ = writeln!(out, "- {line}");
    }
    out
}

#[test]
fn judge_allows_listed_refuses_unlisted_and_names_stale_rows() {
    let row = |check: &str, direct: &str, through: &str| Row {
        scenario: "s".into(),
        unscored: None,
        check: check.into(),
        direct: direct.into(),
        through: through.into(),
    };
    let listed = |check: &'static str, direct: &'static str, through: &'static str| Allowed {
        set: "set",
        scenario: "s",
        check,
        direct,
        through,
        reason: "because",
    };
    let rows = [
        row("same", "SUCCESS", "SUCCESS"),
        row("allowed", "SUCCESS", "FAILURE"),
        row("unlisted", "SUCCESS", "FAILURE"),
        row("changed", "SUCCESS", "WARNING"),
    ];
    let table = [
        listed("allowed", "SUCCESS", "FAILURE"),
        listed("same", "SUCCESS", "FAILURE"),
        listed("changed", "SUCCESS", "FAILURE"),
        listed("gone", "SUCCESS", "FAILURE"),
    ];
    let mut verdict = Verdict::default();
    judge("set", &rows, &table, &mut verdict);
    assert_eq!(verdict.allowed, ["set | s | allowed: because"]);
    assert_eq!(verdict.unexpected.len(), 2, "{:?}", verdict.unexpected);
    assert!(verdict.unexpected[0].contains("| unlisted |"));
    assert!(verdict.unexpected[1].contains("| changed |"));
    let stale: Vec<_> = verdict
        .stale
        .iter()
        .map(|s| s.split(" | ").nth(2).unwrap())
        .collect();
    assert_eq!(stale, ["same", "changed", "gone"]);
    // Rows of another set are not judged here.
    let mut other = Verdict::default();
    judge("other", &rows[..1], &table, &mut other);
    assert!(other.unexpected.is_empty() && other.stale.is_empty());
}
