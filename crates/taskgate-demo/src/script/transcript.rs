//! The demo script's readable transcript: steps, who sent what, what came
//! back, why it matters, and the checks that decide the exit code. Lines go
//! to the caller's [`Print`] as they are made (the CLI writes them to stdout).
//!
//! Handles, session ids and cursors are long; the transcript shows their
//! first [`SHORT`] characters and `…`, counted after the `tg1.<kid>.` prefix
//! of a gateway handle so that different handles look different (the checks
//! always use them whole).

use serde_json::Value;

use super::client::Reply;

/// Where the transcript goes: called once per entry, with one or more whole
/// lines and no final line break.
pub type Print = fn(&str);

/// How many characters of a handle or session id the transcript shows
/// (after `tg1.<kid>.`).
pub(super) const SHORT: usize = 12;

/// Indentation of everything under a request line.
const UNDER: &str = "           ";

/// Prints as it goes and remembers which checks failed.
#[derive(Debug)]
pub(super) struct Transcript {
    print: Print,
    checks: usize,
    failures: Vec<String>,
    /// Long strings (handles, session ids) to shorten wherever they appear.
    long: Vec<String>,
}

// === impl Transcript ===

impl Transcript {
    /// An empty transcript that prints through `print`.
    pub(super) fn new(print: Print) -> Transcript {
        Transcript {
            print,
            checks: 0,
            failures: Vec::new(),
            long: Vec::new(),
        }
    }

    fn out(&self, text: &str) {
        (self.print)(text);
    }

    /// From now on, `text` is shown shortened wherever it appears.
    pub(super) fn abbreviate(&mut self, text: &str) {
        if text.chars().count() > SHORT && !self.long.iter().any(|l| l == text) {
            self.long.push(text.to_owned());
        }
    }

    /// A step heading.
    pub(super) fn step(&self, title: &str) {
        self.out(&format!("\n{title}"));
    }

    /// `who` sends something.
    pub(super) fn sends(&self, who: &str, what: &str) {
        self.out(&format!("  {who:<8} → {}", self.shorten(what)));
    }

    /// What came back, summarised.
    pub(super) fn got(&self, reply: &Reply) {
        self.back(&self.describe(reply));
    }

    /// What came back, in the script's own words.
    pub(super) fn back(&self, what: &str) {
        self.out(&format!("{UNDER}← {}", self.shorten(what)));
    }

    /// Why the exchange matters.
    pub(super) fn why(&self, text: &str) {
        self.out(&format!("{UNDER}why: {}", self.shorten(text)));
    }

    /// A plain indented note.
    pub(super) fn note(&self, text: &str) {
        self.out(&format!("{UNDER}{}", self.shorten(text)));
    }

    /// Records and prints one check; returns `ok`.
    pub(super) fn check(&mut self, ok: bool, what: &str) -> bool {
        self.checks += 1;
        let what = self.shorten(what);
        if ok {
            self.out(&format!("{UNDER}✓ {what}"));
        } else {
            self.out(&format!("{UNDER}✗ FAILED: {what}"));
            self.failures.push(what);
        }
        ok
    }

    /// Prints the verdict; `true` when every check passed.
    pub(super) fn finish(&self) -> bool {
        if self.failures.is_empty() {
            self.out(&format!(
                "\nPASS: all {} checks behaved as expected.",
                self.checks
            ));
            return true;
        }
        self.out(&format!(
            "\nFAIL: {} of {} checks did not behave as expected:",
            self.failures.len(),
            self.checks
        ));
        for failure in &self.failures {
            self.out(&format!("  - {failure}"));
        }
        false
    }

    /// `text` with every gateway handle (`tg1.…`) and every registered long
    /// string shortened.
    pub(super) fn shorten(&self, text: &str) -> String {
        let mut text = shorten_handles(text);
        for long in &self.long {
            text = text.replace(long.as_str(), &short(long));
        }
        text
    }

    /// `"200, result {…}"`, `"404, error -32001 \"Session not found\""`, …
    fn describe(&self, reply: &Reply) -> String {
        let status = reply.status.as_u16();
        if let Some((code, message)) = reply.error() {
            return format!("{status}, error {code} {message:?}");
        }
        match reply.message.get("result") {
            Some(result) => format!("{status}, {}", summary(result)),
            None if reply.message.is_null() => format!("{status}, empty body"),
            None => format!("{status}, {}", compact(&reply.message, 160)),
        }
    }
}

/// The first [`SHORT`] characters of `text` and `…` (unchanged when short);
/// a gateway handle keeps its `tg1.<kid>.` prefix on top.
pub(super) fn short(text: &str) -> String {
    let prefix = match text
        .strip_prefix("tg1.")
        .and_then(|rest| rest.split_once('.'))
    {
        Some((kid, _)) if kid.len() <= 16 => "tg1.".len() + kid.len() + 1,
        _ => 0,
    };
    let (prefix, rest) = text.split_at(prefix);
    if rest.chars().count() <= SHORT {
        return text.to_owned();
    }
    let head: String = rest.chars().take(SHORT).collect();
    format!("{prefix}{head}…")
}

/// The interesting part of a `result`: a task, a task list, a tool's text.
fn summary(result: &Value) -> String {
    let task = result.get("task").unwrap_or(result);
    if let (Some(id), Some(status)) = (task["taskId"].as_str(), task["status"].as_str()) {
        let ttl = task["ttl"]
            .as_u64()
            .map(|ttl| format!(", ttl {ttl} ms"))
            .unwrap_or_default();
        return format!("task {id}, status {status}{ttl}");
    }
    if let Some(tasks) = result["tasks"].as_array() {
        let ids: Vec<&str> = tasks.iter().filter_map(|t| t["taskId"].as_str()).collect();
        return format!("tasks {ids:?}");
    }
    if let Some(text) = result.pointer("/content/0/text") {
        return format!("content {}", compact(text, 90));
    }
    format!("result {}", compact(result, 120))
}

/// Every `tg1.` handle in `text` (a run of base64url characters and dots)
/// shortened with [`short`].
fn shorten_handles(text: &str) -> String {
    let handle_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("tg1.") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let len = from.find(|c: char| !handle_char(c)).unwrap_or(from.len());
        let (handle, after) = from.split_at(len);
        out.push_str(&short(handle));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// One-line JSON, cut to about `max` characters.
pub(super) fn compact(value: &Value, max: usize) -> String {
    let text = value.to_string();
    if text.chars().count() <= max {
        return text;
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_shortened_everywhere_they_appear() {
        let handle = "tg1.k1.AAAAAAAAAAAABBBBBBBBBBBBBBBBBBBBBB";
        assert_eq!(short(handle), "tg1.k1.AAAAAAAAAAAA…");
        assert_eq!(short("tg1.k1.short"), "tg1.k1.short");
        assert_eq!(short("0123456789abcdef"), "0123456789ab…");
        assert_eq!(short("task-1"), "task-1");
        let mut t = Transcript::new(|_| {});
        t.abbreviate(handle);
        t.abbreviate("short");
        assert_eq!(
            t.shorten(&format!("Task not found: {handle} (short)")),
            "Task not found: tg1.k1.AAAAAAAAAAAA… (short)"
        );
    }

    #[test]
    fn handles_are_shortened_without_registration() {
        let t = Transcript::new(|_| {});
        let handle = format!("tg1.kid.{}", "x".repeat(40));
        assert_eq!(
            t.shorten(&format!("task {handle}, and \"{handle}\"")),
            "task tg1.kid.xxxxxxxxxxxx…, and \"tg1.kid.xxxxxxxxxxxx…\""
        );
        assert_eq!(t.shorten("no handle here"), "no handle here");
    }

    #[test]
    fn a_failed_check_fails_the_run() {
        let mut t = Transcript::new(|_| {});
        assert!(t.check(true, "fine"));
        assert!(t.finish());
        assert!(!t.check(false, "broken"));
        assert!(!t.finish());
    }

    #[test]
    fn results_are_summarised() {
        let task = serde_json::json!({"task": {"taskId": "t", "status": "working", "ttl": 5}});
        assert_eq!(summary(&task), "task t, status working, ttl 5 ms");
        let got = serde_json::json!({"taskId": "t", "status": "completed"});
        assert_eq!(summary(&got), "task t, status completed");
        let list = serde_json::json!({"tasks": [{"taskId": "a"}]});
        assert_eq!(summary(&list), "tasks [\"a\"]");
        let tool = serde_json::json!({"content": [{"type": "text", "text": "hi"}]});
        assert_eq!(summary(&tool), "content \"hi\"");
        assert_eq!(summary(&serde_json::json!({})), "result {}");
    }

    #[test]
    fn compact_cuts_long_json() {
        let v = serde_json::json!({"text": "x".repeat(50)});
        assert!(compact(&v, 10).ends_with('…'));
        assert_eq!(compact(&serde_json::json!({}), 10), "{}");
    }
}
