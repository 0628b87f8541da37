//! The demo's tools: their `tools/list` entries, argument parsing, and the
//! pure parts of their results. How a call *runs* (plainly, streamed, or as a
//! task) is decided elsewhere.
//!
//! Invariant: bad arguments never panic; they become a tool execution error
//! (`isError: true`), as the 2025-11-25 spec asks for input validation, while
//! an unknown tool name is a protocol error (`-32602`).

use serde_json::{Value, json};

/// Default and maximum duration of `slow_report` (seconds).
const DEFAULT_SECONDS: f64 = 2.0;
const MAX_SECONDS: f64 = 60.0;

/// A parsed `tools/call`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    /// `echo {text}`.
    Echo(String),
    /// `add {a, b}`.
    Add(f64, f64),
    /// `slow_report {topic, seconds}`.
    SlowReport {
        /// Report topic.
        topic: String,
        /// How long it takes, clamped to `0..=60`.
        seconds: f64,
    },
    /// `fail_report {topic}`.
    FailReport(String),
    /// `confirm_action {action}`.
    ConfirmAction(String),
}

/// Why a call could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallError {
    /// No such tool: a protocol error (`-32602`).
    UnknownTool(String),
    /// The arguments do not fit the schema: a tool execution error.
    BadArguments(String),
}

// === impl Call ===

impl Call {
    /// Parses `params.name` + `params.arguments`.
    ///
    /// # Errors
    /// [`CallError::UnknownTool`] for names not in the catalogue,
    /// [`CallError::BadArguments`] when arguments are missing or mistyped.
    pub(crate) fn parse(name: &str, args: &Value) -> Result<Call, CallError> {
        match name {
            "echo" => Ok(Call::Echo(string_arg(args, "text")?)),
            "add" => Ok(Call::Add(number_arg(args, "a")?, number_arg(args, "b")?)),
            "slow_report" => {
                let seconds = match args.get("seconds") {
                    None | Some(Value::Null) => DEFAULT_SECONDS,
                    Some(_) => number_arg(args, "seconds")?.clamp(0.0, MAX_SECONDS),
                };
                Ok(Call::SlowReport {
                    topic: string_arg(args, "topic")?,
                    seconds,
                })
            }
            "fail_report" => Ok(Call::FailReport(string_arg(args, "topic")?)),
            "confirm_action" => Ok(Call::ConfirmAction(string_arg(args, "action")?)),
            other => Err(CallError::UnknownTool(other.to_owned())),
        }
    }

    /// Whether the tool advertises `execution.taskSupport: "optional"`.
    pub(crate) fn supports_tasks(&self) -> bool {
        matches!(
            self,
            Call::SlowReport { .. } | Call::FailReport(_) | Call::ConfirmAction(_)
        )
    }
}

fn string_arg(args: &Value, key: &str) -> Result<String, CallError> {
    match args.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(CallError::BadArguments(format!("`{key}` must be a string"))),
        None => Err(CallError::BadArguments(format!("missing `{key}`"))),
    }
}

fn number_arg(args: &Value, key: &str) -> Result<f64, CallError> {
    match args.get(key) {
        Some(v) => v
            .as_f64()
            .ok_or_else(|| CallError::BadArguments(format!("`{key}` must be a number"))),
        None => Err(CallError::BadArguments(format!("missing `{key}`"))),
    }
}

/// The `tools/list` entries. `with_execution` adds the legacy
/// `execution.taskSupport` field (the 2026-07-28 `Tool` has none).
pub(crate) fn catalogue(with_execution: bool) -> Vec<Value> {
    let task_optional = |mut tool: Value| {
        if with_execution {
            tool["execution"] = json!({"taskSupport": "optional"});
        }
        tool
    };
    vec![
        json!({
            "name": "echo",
            "description": "Echoes the given text back.",
            "inputSchema": object_schema(json!({"text": {"type": "string"}}), &["text"]),
        }),
        json!({
            "name": "add",
            "description": "Adds two numbers.",
            "inputSchema": object_schema(
                json!({"a": {"type": "number"}, "b": {"type": "number"}}),
                &["a", "b"],
            ),
            "outputSchema": object_schema(json!({"sum": {"type": "number"}}), &["sum"]),
        }),
        task_optional(json!({
            "name": "slow_report",
            "description": "Writes a report on a topic; takes `seconds` (default 2, at most 60) \
                            and reports progress once per second.",
            "inputSchema": object_schema(
                json!({
                    "topic": {"type": "string"},
                    "seconds": {"type": "number", "minimum": 0, "maximum": 60, "default": 2},
                }),
                &["topic"],
            ),
        })),
        task_optional(json!({
            "name": "fail_report",
            "description": "Tries to write a report and always fails.",
            "inputSchema": object_schema(json!({"topic": {"type": "string"}}), &["topic"]),
        })),
        task_optional(json!({
            "name": "confirm_action",
            "description": "Asks the user to confirm an action (elicitation), then reports \
                            the answer.",
            "inputSchema": object_schema(json!({"action": {"type": "string"}}), &["action"]),
        })),
    ]
}

fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// A `CallToolResult` with one text item.
pub(crate) fn text_result(text: impl Into<String>) -> Value {
    json!({"content": [{"type": "text", "text": text.into()}]})
}

/// A `CallToolResult` marked as a tool execution error.
pub(crate) fn error_result(text: impl Into<String>) -> Value {
    json!({"content": [{"type": "text", "text": text.into()}], "isError": true})
}

/// `add`: text plus `structuredContent`.
pub(crate) fn add_result(a: f64, b: f64) -> Value {
    let sum = a + b;
    json!({"content": [{"type": "text", "text": format!("{sum}")}], "structuredContent": {"sum": sum}})
}

/// The finished `slow_report`.
pub(crate) fn report_result(topic: &str, seconds: f64) -> Value {
    text_result(format!(
        "Report on {topic}: everything checked out after {seconds} s of careful study."
    ))
}

/// The message of `fail_report`'s failure.
pub(crate) fn failure_text(topic: &str) -> String {
    format!("report generation failed: no sources found for {topic}")
}

/// `elicitation/create` params (form mode) asking to confirm `action`.
pub(crate) fn confirm_elicitation(action: &str) -> Value {
    json!({
        "mode": "form",
        "message": format!("Confirm action: {action}?"),
        "requestedSchema": {
            "type": "object",
            "properties": {"confirm": {"type": "boolean"}},
            "required": ["confirm"],
        },
    })
}

/// The result of `confirm_action` given the client's elicitation answer
/// (`Ok(ElicitResult)` or `Err(error object)`).
pub(crate) fn confirm_result(action: &str, answer: &Result<Value, Value>) -> Value {
    match answer {
        Ok(r) => {
            let accepted = r.get("action").and_then(Value::as_str) == Some("accept");
            let confirmed = r.pointer("/content/confirm").and_then(Value::as_bool) == Some(true);
            if accepted && confirmed {
                text_result(format!("confirmed: {action}"))
            } else {
                text_result(format!("declined: {action}"))
            }
        }
        Err(e) => {
            let msg = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            error_result(format!("elicitation failed: {msg}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_and_clamps_seconds() {
        assert_eq!(
            Call::parse("echo", &json!({"text": "hi"})),
            Ok(Call::Echo("hi".into()))
        );
        let slow = Call::parse("slow_report", &json!({"topic": "t", "seconds": 999})).unwrap();
        assert_eq!(
            slow,
            Call::SlowReport {
                topic: "t".into(),
                seconds: 60.0
            }
        );
        let slow = Call::parse("slow_report", &json!({"topic": "t", "seconds": -3})).unwrap();
        assert_eq!(
            slow,
            Call::SlowReport {
                topic: "t".into(),
                seconds: 0.0
            }
        );
        let slow = Call::parse("slow_report", &json!({"topic": "t"})).unwrap();
        assert_eq!(
            slow,
            Call::SlowReport {
                topic: "t".into(),
                seconds: 2.0
            }
        );
    }

    #[test]
    fn bad_arguments_and_unknown_tools_are_distinguished() {
        assert!(matches!(
            Call::parse("nope", &json!({})),
            Err(CallError::UnknownTool(_))
        ));
        assert!(matches!(
            Call::parse("add", &json!({"a": 1})),
            Err(CallError::BadArguments(_))
        ));
        assert!(matches!(
            Call::parse("echo", &json!({"text": 5})),
            Err(CallError::BadArguments(_))
        ));
        assert!(matches!(
            Call::parse("echo", &Value::Null),
            Err(CallError::BadArguments(_))
        ));
    }

    #[test]
    fn catalogue_marks_task_tools_only_in_legacy() {
        let legacy = catalogue(true);
        let slow = legacy.iter().find(|t| t["name"] == "slow_report").unwrap();
        assert_eq!(slow["execution"]["taskSupport"], "optional");
        let echo = legacy.iter().find(|t| t["name"] == "echo").unwrap();
        assert!(echo.get("execution").is_none());
        assert!(
            catalogue(false)
                .iter()
                .all(|t| t.get("execution").is_none())
        );
    }

    #[test]
    fn confirm_result_reads_the_answer() {
        let yes = json!({"action": "accept", "content": {"confirm": true}});
        let no = json!({"action": "accept", "content": {"confirm": false}});
        let text = |v: Value| v["content"][0]["text"].as_str().unwrap().to_owned();
        assert_eq!(text(confirm_result("x", &Ok(yes))), "confirmed: x");
        assert_eq!(text(confirm_result("x", &Ok(no))), "declined: x");
        assert_eq!(
            confirm_result("x", &Err(json!({"message": "m"})))["isError"],
            true
        );
    }
}
