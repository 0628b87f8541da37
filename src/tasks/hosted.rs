//! Client-hosted legacy tasks (L10–L14): the server asks the client to run a
//! sampling or elicitation request as a task, then polls the client for it.
//!
//! The ids are the client's own and travel unchanged both ways (the
//! upstream only ever sees the real ones), but they are bound: when a client
//! answers with a `CreateTaskResult` (L11) the gateway records the id for
//! that caller in that upstream session, and from then on an id in a
//! client-hosted position must be one the same caller recorded in the same
//! session:
//! - from the client (L13 answers, L14 status, related-task `_meta`) an
//!   unrecorded id is refused like an unknown task, so no client can speak
//!   for another client's task, nor smuggle a server task's raw id;
//! - from the upstream (L12 `tasks/*` requests to the client) a request
//!   naming an unrecorded id is not delivered.
//!
//! Records live in the store under the route name with a suffix no route
//! name has, so they never mix with server tasks in listings.

use serde_json::Value;

use super::{Caller, TaskGuard};
use crate::store::{self, Caps, TaskKey, TaskRecord};

/// Suffix of the store route under which hosted ids are recorded.
const HOSTED: &str = "\u{0}hosted";

/// The id a client's answer creates (L11): `result.task.taskId` of a
/// response.
pub(super) fn hosted_creation(message: &Value) -> Option<&str> {
    if message.get("method").is_some() {
        return None;
    }
    message.pointer("/result/task/taskId")?.as_str()
}

impl TaskGuard {
    fn hosted_key(caller: &Caller, id: &str) -> TaskKey {
        TaskKey {
            route: format!("{}{HOSTED}", caller.route),
            session: caller.session.clone(),
            upstream: id.to_string(),
        }
    }

    /// Records a client-hosted task id for the caller's session.
    pub(super) async fn record_hosted(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(), store::Error> {
        let record = TaskRecord {
            owner: caller.owner(),
            tenant: caller.tenant().map(str::to_owned),
            tool: None,
            created_at: self.clock.now_secs(),
            expires_at: Some(self.clock.secs_after(self.max_ttl_ms())),
            terminal_at: None,
        };
        let key = Self::hosted_key(caller, id);
        let admission = self
            .store
            .admit_task(&key, record, &Caps::default(), self.clock.now_secs())
            .await?;
        if !admission.is_admitted() {
            tracing::warn!(route = %caller.route, ?admission, "client-hosted task id not recorded");
        }
        Ok(())
    }

    /// Whether `id` is a client-hosted task the caller recorded in this session.
    pub(super) async fn is_hosted(&self, caller: &Caller, id: &str) -> Result<bool, store::Error> {
        let key = Self::hosted_key(caller, id);
        let record = self.store.task(&key, self.clock.now_secs()).await?;
        Ok(record.is_some_and(|r| r.owner == caller.owner()))
    }
}
