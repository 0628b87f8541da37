//! Capability mediation (`mcp-protocol.md` §8.2 item 6): on a route where
//! policy forbids tasks, neither side learns that the other supports them,
//! so no client is handed a task it could never follow up.
//!
//! What is removed (never added: a capability a client did not declare is
//! never injected):
//! - legacy: `capabilities.tasks` (and the extension, meaningless there) from
//!   the client's `initialize` and the server's result; `params.task` from a
//!   client's request (a receiver that did not declare tasks ignores it
//!   anyway); tools whose `execution.taskSupport` is `"required"` from
//!   `tools/list`, and `"optional"` is lowered to the default (forbidden);
//! - current: `io.modelcontextprotocol/tasks` from the client capabilities in
//!   every request's `_meta` and from the server's `server/discover` result.
//!
//! Which member is task support, where a client declares it, which answer
//! advertises the server's and what each generation's opt-in is are the
//! dialects' (`capability`, `opt_in`); the rules here read every dialect, so
//! a new generation's capability is mediated without a new arm.
//!
//! A task-creating response that still arrives on such a route (an upstream
//! that ignores the missing capability) is not relayed (see the caller).

use serde_json::{Map, Value};

use crate::mcp::Era;
use crate::mcp::dialect::{self, remove_at, value_at_mut};

/// `tools/list`, whose result names each tool's task support.
const TOOLS_LIST: &str = "tools/list";

/// Removes task capabilities and task augmentation from a client message:
/// every generation's task-creation opt-in, and task support from the
/// capabilities the message declares in `era` (the dialect's
/// `capability.declared_on` / `declared_at`). Returns whether it changed.
pub fn strip_request(message: &mut Value, era: Era) -> bool {
    if !message.get("params").is_some_and(Value::is_object) {
        return false;
    }
    let rule = era.dialect().capability;
    let declares = rule
        .declared_on
        .is_none_or(|on| message.get("method").and_then(Value::as_str) == Some(on));
    let mut changed = false;
    for other in dialect::ALL {
        changed |= remove_at(message, other.opt_in.path());
    }
    if declares && let Some(caps) = value_at_mut(message, rule.declared_at) {
        changed |= strip_capabilities(caps);
    }
    changed
}

/// Removes the *other* generations' task-creation opt-in from a request
/// that declared `era`, so a dual-generation server cannot be made to create
/// a task the declared era's rules do not govern (and that would escape the
/// live-task caps): `params.task` under the current era (which removed it:
/// a server must ignore it), the tasks extension from a legacy request's
/// `_meta` client capabilities (meaningless on 2025-11-25, §1.9). A
/// conforming server ignores both, so it sees no difference. Returns whether
/// the message changed.
pub fn strip_foreign_opt_in(message: &mut Value, era: Era) -> bool {
    let mut changed = false;
    for opt_in in era.dialect().foreign_opt_ins() {
        changed |= remove_at(message, opt_in.path());
    }
    changed
}

/// Removes task capabilities from the server's answer to `request_method`
/// (a capability advertisement of any generation, or `tools/list`).
/// Returns whether it changed.
pub fn strip_response(message: &mut Value, request_method: Option<&str>) -> bool {
    let Some(result) = message.get_mut("result").and_then(Value::as_object_mut) else {
        return false;
    };
    match request_method {
        Some(method) if is_advertisement(method) => result
            .get_mut("capabilities")
            .is_some_and(strip_capabilities),
        Some(TOOLS_LIST) => match result.get_mut("tools") {
            Some(Value::Array(tools)) => strip_tool_task_support(tools),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a response answering `request_method` may carry capabilities.
pub fn advertises_capabilities(request_method: Option<&str>) -> bool {
    request_method.is_some_and(|m| m == TOOLS_LIST || is_advertisement(m))
}

/// Whether `method`'s result advertises the server's capabilities in some
/// generation (`initialize`, `server/discover`).
fn is_advertisement(method: &str) -> bool {
    dialect::ALL
        .iter()
        .any(|d| d.capability.advertised_in == method)
}

/// Removes every generation's task support (legacy `tasks`, the tasks
/// extension) from a capabilities object.
fn strip_capabilities(caps: &mut Value) -> bool {
    let mut changed = false;
    for d in dialect::ALL {
        changed |= remove_at(caps, d.capability.member);
    }
    changed
}

/// Drops tools that require tasks; lowers optional task support to none.
fn strip_tool_task_support(tools: &mut Vec<Value>) -> bool {
    let before = tools.len();
    tools.retain(|tool| task_support(tool) != Some("required"));
    let mut changed = tools.len() != before;
    for tool in tools.iter_mut() {
        if let Some(execution) = tool.get_mut("execution").and_then(Value::as_object_mut) {
            changed |= remove_task_support(execution);
        }
    }
    changed
}

fn task_support(tool: &Value) -> Option<&str> {
    tool.get("execution")?.get("taskSupport")?.as_str()
}

fn remove_task_support(execution: &mut Map<String, Value>) -> bool {
    execution.remove("taskSupport").is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn legacy_initialize_loses_task_capabilities_both_ways() {
        let mut init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "capabilities":{"tasks":{"list":{}},"sampling":{},
                "extensions":{"io.modelcontextprotocol/tasks":{},"other":{}}}}});
        assert!(strip_request(&mut init, Era::Legacy));
        assert_eq!(
            init["params"]["capabilities"],
            json!({"sampling":{},"extensions":{"other":{}}})
        );
        assert!(!strip_request(&mut init, Era::Legacy), "idempotent");

        let mut result = json!({"jsonrpc":"2.0","id":1,"result":{"capabilities":{"tools":{},"tasks":{"requests":{}}}}});
        assert!(strip_response(&mut result, Some("initialize")));
        assert_eq!(result["result"]["capabilities"], json!({"tools":{}}));
        let mut call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","task":{"ttl":5}}});
        assert!(strip_request(&mut call, Era::Legacy));
        assert!(call["params"].get("task").is_none());
    }

    #[test]
    fn tools_that_require_tasks_disappear_and_optional_becomes_plain() {
        let mut list = json!({"jsonrpc":"2.0","id":1,"result":{"tools":[
            {"name":"a","execution":{"taskSupport":"required"}},
            {"name":"b","execution":{"taskSupport":"optional"}},
            {"name":"c"}]}});
        assert!(strip_response(&mut list, Some("tools/list")));
        assert_eq!(
            list["result"]["tools"],
            json!([{"name":"b","execution":{}},{"name":"c"}])
        );
    }

    #[test]
    fn current_era_declarations_and_discovery_lose_the_extension_only() {
        let mut req = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_meta":{
            "io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}},"elicitation":{}}}}});
        assert!(strip_request(&mut req, Era::Current));
        assert_eq!(
            req["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"],
            json!({"extensions":{},"elicitation":{}})
        );
        let mut discover = json!({"jsonrpc":"2.0","id":1,"result":{"capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}});
        assert!(strip_response(&mut discover, Some("server/discover")));
        let mut plain = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}});
        assert!(
            !strip_request(&mut plain, Era::Current),
            "nothing is ever added"
        );
        assert_eq!(plain["params"], json!({"name":"x"}));
    }
}
