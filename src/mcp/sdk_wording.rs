//! [`UnknownTaskWording`]: the words each official SDK's server uses for a
//! task (or list cursor) it does not know.
//!
//! Invariant: the gateway answers a refused handle with exactly these words
//! (as `-32602` in a normal `200` answer, built in `error.rs`), so a client
//! cannot tell a refusal from the upstream not knowing the task.

use super::method::{TASKS_GET, TASKS_LIST};

/// The wording of the `-32602` unknown-task error of an upstream's SDK
/// (chosen per route in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownTaskWording {
    /// The official TypeScript SDK (as sent on the wire, with its
    /// `MCP error -32602: ` prefix).
    #[default]
    TypescriptSdk,
    /// The official Python SDK.
    PythonSdk,
    /// The official Rust SDK (`rmcp`).
    RustSdk,
}

impl UnknownTaskWording {
    /// The message for an unknown task (or cursor) in a `method` request
    /// that presented `presented`.
    pub fn message(self, method: &str, presented: &str) -> String {
        match (self, method) {
            (Self::TypescriptSdk, TASKS_GET) => {
                "MCP error -32602: Failed to retrieve task: Task not found".to_string()
            }
            (Self::TypescriptSdk, TASKS_LIST) => {
                format!("MCP error -32602: Failed to list tasks: Invalid cursor: {presented}")
            }
            (Self::TypescriptSdk, _) => format!("MCP error -32602: Task not found: {presented}"),
            (Self::PythonSdk, TASKS_LIST) => format!("Invalid cursor: {presented}"),
            (Self::PythonSdk, _) => format!("Task not found: {presented}"),
            (Self::RustSdk, _) => format!("unknown task: {presented}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::method::TASKS_CANCEL;

    #[test]
    fn each_sdk_says_it_in_its_own_words() {
        use UnknownTaskWording::{PythonSdk, RustSdk, TypescriptSdk};
        let cases = [
            (
                TypescriptSdk,
                TASKS_GET,
                "MCP error -32602: Failed to retrieve task: Task not found",
            ),
            (
                TypescriptSdk,
                TASKS_LIST,
                "MCP error -32602: Failed to list tasks: Invalid cursor: h",
            ),
            (
                TypescriptSdk,
                TASKS_CANCEL,
                "MCP error -32602: Task not found: h",
            ),
            (PythonSdk, TASKS_LIST, "Invalid cursor: h"),
            (PythonSdk, TASKS_GET, "Task not found: h"),
            (RustSdk, TASKS_LIST, "unknown task: h"),
        ];
        for (wording, method, want) in cases {
            assert_eq!(wording.message(method, "h"), want, "{wording:?} {method}");
        }
    }

    #[test]
    fn the_configuration_names_them_in_kebab_case() {
        #[derive(serde::Deserialize)]
        struct Route {
            w: UnknownTaskWording,
        }
        let parse = |text: &str| toml::from_str::<Route>(text).map(|r| r.w).ok();
        assert_eq!(
            parse("w = 'typescript-sdk'"),
            Some(UnknownTaskWording::TypescriptSdk)
        );
        assert_eq!(
            parse("w = 'python-sdk'"),
            Some(UnknownTaskWording::PythonSdk)
        );
        assert_eq!(parse("w = 'rust-sdk'"), Some(UnknownTaskWording::RustSdk));
        assert_eq!(parse("w = 'RustSdk'"), None);
    }
}
