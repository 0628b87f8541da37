//! [`MethodKind`]: an MCP method name classified once, so the phases match
//! on a small `Copy` value instead of comparing strings.
//!
//! Invariant: every name in [`super::method::KNOWN`] classifies to a kind
//! whose [`MethodKind::as_str`] is that name; any other name is
//! [`MethodKind::Custom`] (its text is not kept: logs and metrics must not
//! take arbitrary client strings).

use super::method::{
    INITIALIZE, KNOWN, SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST, TASKS_RESULT,
    TASKS_UPDATE, TOOLS_CALL,
};

/// What a JSON-RPC request or notification asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// `initialize` (legacy).
    Initialize,
    /// `tools/call`: may create a task.
    ToolsCall,
    /// `tasks/get`.
    TasksGet,
    /// `tasks/result` (legacy only).
    TasksResult,
    /// `tasks/list` (legacy only).
    TasksList,
    /// `tasks/cancel`.
    TasksCancel,
    /// `tasks/update` (current only).
    TasksUpdate,
    /// `subscriptions/listen` (current only).
    SubscriptionsListen,
    /// Any other method or notification the specification defines.
    Spec(&'static str),
    /// A method the specification does not define.
    Custom,
}

impl MethodKind {
    /// Classifies a method name.
    pub fn of(method: &str) -> MethodKind {
        match method {
            INITIALIZE => MethodKind::Initialize,
            TOOLS_CALL => MethodKind::ToolsCall,
            TASKS_GET => MethodKind::TasksGet,
            TASKS_RESULT => MethodKind::TasksResult,
            TASKS_LIST => MethodKind::TasksList,
            TASKS_CANCEL => MethodKind::TasksCancel,
            TASKS_UPDATE => MethodKind::TasksUpdate,
            SUBSCRIPTIONS_LISTEN => MethodKind::SubscriptionsListen,
            other => KNOWN
                .iter()
                .find(|k| **k == other)
                .map_or(MethodKind::Custom, |k| MethodKind::Spec(k)),
        }
    }

    /// The method's name (`"custom"` for one the specification lacks).
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Initialize => INITIALIZE,
            MethodKind::ToolsCall => TOOLS_CALL,
            MethodKind::TasksGet => TASKS_GET,
            MethodKind::TasksResult => TASKS_RESULT,
            MethodKind::TasksList => TASKS_LIST,
            MethodKind::TasksCancel => TASKS_CANCEL,
            MethodKind::TasksUpdate => TASKS_UPDATE,
            MethodKind::SubscriptionsListen => SUBSCRIPTIONS_LISTEN,
            MethodKind::Spec(name) => name,
            MethodKind::Custom => "custom",
        }
    }

    /// A task operation of either generation: it names tasks by id (or
    /// lists or watches them), so it always goes through the task rules.
    pub fn is_task_operation(self) -> bool {
        matches!(
            self,
            MethodKind::TasksGet
                | MethodKind::TasksResult
                | MethodKind::TasksList
                | MethodKind::TasksCancel
                | MethodKind::TasksUpdate
                | MethodKind::SubscriptionsListen
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_method_round_trips_and_others_are_custom() {
        for name in KNOWN {
            let kind = MethodKind::of(name);
            assert_ne!(kind, MethodKind::Custom, "{name}");
            assert_eq!(kind.as_str(), *name);
        }
        assert_eq!(MethodKind::of("tasks/Get"), MethodKind::Custom);
        assert_eq!(MethodKind::of("x/custom"), MethodKind::Custom);
        assert_eq!(MethodKind::of(""), MethodKind::Custom);
    }

    #[test]
    fn task_operations_are_the_six_task_methods() {
        let ops: Vec<_> = KNOWN
            .iter()
            .filter(|n| MethodKind::of(n).is_task_operation())
            .collect();
        assert_eq!(
            ops,
            [
                &TASKS_GET,
                &TASKS_RESULT,
                &TASKS_LIST,
                &TASKS_CANCEL,
                &TASKS_UPDATE,
                &SUBSCRIPTIONS_LISTEN
            ]
        );
    }
}
