//! The five steps of the demo scenario (see the parent module), each
//! printing what it sends, what came back, why it matters, and its checks.

use std::time::Duration;

use serde_json::{Value, json};

use super::client::Caller;
use super::{Scenario, Task};
use crate::protocol::{code, meta, method};

/// How long alice's report takes (seconds): well inside the TTL cap.
const REPORT_SECONDS: u64 = 1;
/// The TTL alice asks for: far above the cap, so the cap shows.
const REQUESTED_TTL_MS: u64 = 60_000;
/// How often alice polls, and for how long at most.
const POLL_EVERY: Duration = Duration::from_millis(250);
const POLL_FOR: Duration = Duration::from_secs(15);
/// How far past the TTL the script waits before trying the handle again.
/// Handles hold whole seconds and a granted TTL ends at the next whole
/// second (never cut short, see `tasks::clock`), so a handle may outlive the
/// cap by up to a second: waiting less than that fails up to one run in four.
const EXPIRY_MARGIN: Duration = Duration::from_millis(1250);

const GET_REFUSED: &str = "MCP error -32602: Failed to retrieve task: Task not found";

fn not_found(presented: &str) -> String {
    format!("MCP error -32602: Task not found: {presented}")
}

fn task_ids(list: &Value) -> Vec<String> {
    list["tasks"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .filter_map(|t| t["taskId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

// === impl Scenario ===

impl Scenario {
    /// Step 1: alice starts `slow_report` as a task.
    pub(super) async fn alice_starts_a_task(
        &mut self,
        alice: &mut Caller,
        operator: &Caller,
    ) -> anyhow::Result<Task> {
        self.t.step("1. alice starts a long-running task");
        self.initialize(alice).await?;
        let params = json!({
            "name": "slow_report",
            "arguments": {"topic": "quarterly numbers", "seconds": REPORT_SECONDS},
            "task": {"ttl": REQUESTED_TTL_MS},
        });
        let shown =
            format!("tools/call slow_report as a task (asks for ttl {REQUESTED_TTL_MS} ms)");
        let (_, reply) = self.ask(alice, method::TOOLS_CALL, params, &shown).await?;
        let created = tokio::time::Instant::now();
        let task = &reply.result()["task"];
        let handle = task["taskId"].as_str().unwrap_or_default().to_owned();
        self.t.abbreviate(&handle);
        let cap_ms = u64::try_from(self.max_ttl.as_millis()).unwrap_or(u64::MAX);
        self.t.check(
            handle.starts_with("tg1."),
            &format!("alice holds a gateway handle: {handle}"),
        );
        self.t.check(
            task["ttl"].as_u64() == Some(cap_ms),
            &format!("the granted ttl is the gateway's cap, {cap_ms} ms"),
        );

        let list = self.peek(operator, method::TASKS_LIST, json!({})).await?;
        let ids = task_ids(list.result());
        self.t
            .back(&format!("{}, tasks {ids:?}", list.status.as_u16()));
        let upstream_id = ids.last().cloned().unwrap_or_default();
        self.t.check(
            !upstream_id.is_empty() && !handle.contains(&upstream_id),
            &format!("the upstream calls it {upstream_id:?}; the handle does not contain that"),
        );
        self.t.check(
            !reply.raw.contains(&format!("\"{upstream_id}\"")),
            &format!("nothing alice received mentions {upstream_id:?}"),
        );
        self.t.why(&format!(
            "upstream ids are sequential ({upstream_id:?} → the next is easy to guess) and the upstream \
             checks no owner. Clients only ever see a sealed handle bound to alice's identity."
        ));
        Ok(Task {
            handle,
            upstream_id,
            created,
        })
    }

    /// Step 2: bob replays alice's handle; nothing reaches the upstream.
    pub(super) async fn bob_replays_the_handle(
        &mut self,
        bob: &mut Caller,
        operator: &Caller,
        task: &Task,
    ) -> anyhow::Result<()> {
        self.t
            .step("2. bob (another tenant) replays alice's handle");
        self.initialize(bob).await?;
        let before = self.counts();
        let inits = self.requests.method(method::INITIALIZE);
        self.t.check(
            inits == 2 && before.http > inits,
            &format!(
                "the upstream's request log is live: {} HTTP requests so far, {inits} initialize",
                before.http
            ),
        );
        let h = task.handle.as_str();
        let tries = [
            (
                method::TASKS_GET,
                json!({"taskId": h}),
                GET_REFUSED.to_owned(),
            ),
            (method::TASKS_RESULT, json!({"taskId": h}), not_found(h)),
            (method::TASKS_CANCEL, json!({"taskId": h}), not_found(h)),
            (
                method::TASKS_LIST,
                json!({"cursor": h}),
                format!("MCP error -32602: Failed to list tasks: Invalid cursor: {h}"),
            ),
        ];
        for (m, params, refusal) in tries {
            let shown = format!("{m} {params}");
            let (id, reply) = self.ask(bob, m, params, &shown).await?;
            self.expect_refusal(&reply, id, &refusal);
        }
        let raw = task.upstream_id.as_str();
        let shown = format!(
            "{} {{\"taskId\":\"{raw}\"}} (guessing the upstream's raw id)",
            method::TASKS_GET
        );
        let (id, reply) = self
            .ask(bob, method::TASKS_GET, json!({"taskId": raw}), &shown)
            .await?;
        self.expect_refusal(&reply, id, GET_REFUSED);
        let after = self.counts();
        self.t.note(&format!(
            "upstream received during bob's attempts: {} HTTP requests, tasks/get {}, \
             tasks/result {}, tasks/cancel {}, tasks/list {}",
            after.http - before.http,
            after.get - before.get,
            after.result - before.result,
            after.cancel - before.cancel,
            after.list - before.list,
        ));
        self.t.check(
            after == before,
            "the upstream never saw any of bob's attempts: the gateway answered them itself",
        );
        self.t.why(
            "a stolen or guessed handle is worth nothing to anyone else, and bob cannot even tell \
             a real task of alice's from one that never existed.",
        );

        let (_, reply) = self
            .ask(
                bob,
                method::TASKS_LIST,
                json!({}),
                "tasks/list {} (his own tasks)",
            )
            .await?;
        let listed = self.counts().list - after.list;
        self.t.check(
            listed == 1 && reply.error().is_none() && task_ids(reply.result()).is_empty(),
            "forwarded (the upstream lists alice's task to anyone), and the gateway removed it: bob sees none",
        );
        let direct = self
            .peek(operator, method::TASKS_GET, json!({"taskId": raw}))
            .await?;
        let status = direct.result()["status"].as_str().unwrap_or("?").to_owned();
        self.t
            .back(&format!("{}, status {status:?}", direct.status.as_u16()));
        self.t.why(&format!(
            "without the gateway, anyone who can reach the upstream could read, await or cancel {raw:?}."
        ));
        Ok(())
    }

    /// Step 3: bob replays alice's session id.
    pub(super) async fn bob_replays_the_session(
        &mut self,
        bob: &Caller,
        alice: &Caller,
    ) -> anyhow::Result<()> {
        self.t.step("3. bob replays alice's Mcp-Session-Id");
        let mut thief = Caller::new(bob.name, bob.authorization().to_owned());
        thief.session = alice.session.clone();
        let session = alice.session.clone().unwrap_or_default();
        let before = self.counts();
        let shown = format!("tasks/list {{}} with Mcp-Session-Id {session}");
        let (_, reply) = self
            .ask(&thief, method::TASKS_LIST, json!({}), &shown)
            .await?;
        self.t.check(
            reply.status.as_u16() == 404
                && reply.error() == Some((code::SESSION_NOT_FOUND, "Session not found")),
            "HTTP 404, -32001 \"Session not found\"",
        );
        self.t
            .check(self.counts() == before, "the upstream never saw it");
        self.t.why(
            "a session id is bound to the identity that opened it; to anyone else it does not exist.",
        );
        Ok(())
    }

    /// Step 4: alice polls until completed and reads the result.
    pub(super) async fn alice_finishes(
        &mut self,
        alice: &Caller,
        task: &Task,
    ) -> anyhow::Result<()> {
        self.t.step("4. alice follows her own task to the end");
        let h = task.handle.as_str();
        self.t.sends(
            alice.name,
            &format!("tasks/get {{\"taskId\":\"{h}\"}}, every {POLL_EVERY:?} until it ends"),
        );
        let deadline = tokio::time::Instant::now() + POLL_FOR;
        let (mut polls, mut last) = (0, String::new());
        let reply = loop {
            let id = self.id();
            let reply = self
                .gateway
                .request(alice, id, method::TASKS_GET, json!({"taskId": h}))
                .await?;
            polls += 1;
            let status = reply.result()["status"].as_str().unwrap_or("?").to_owned();
            if status != last {
                self.t.got(&reply);
                last = status;
            }
            let terminal = matches!(last.as_str(), "completed" | "failed" | "cancelled");
            if terminal || reply.error().is_some() || tokio::time::Instant::now() >= deadline {
                break reply;
            }
            tokio::time::sleep(POLL_EVERY).await;
        };
        self.t.check(
            last == "completed" && reply.result()["taskId"].as_str() == Some(h),
            &format!("completed (poll {polls}), under the same handle"),
        );
        let shown = format!("tasks/result {{\"taskId\":\"{h}\"}}");
        let (_, reply) = self
            .ask(alice, method::TASKS_RESULT, json!({"taskId": h}), &shown)
            .await?;
        let related = reply.result()["_meta"][meta::RELATED_TASK]["taskId"].as_str();
        self.t.check(
            reply.error().is_none() && reply.result()["content"].is_array(),
            "alice reads her report",
        );
        self.t.check(
            related == Some(h) && !reply.raw.contains(&format!("\"{}\"", task.upstream_id)),
            "its related-task _meta names her handle, not the upstream id",
        );
        Ok(())
    }

    /// Step 5: past the TTL cap, even alice's handle is refused.
    pub(super) async fn the_handle_expires(
        &mut self,
        alice: &Caller,
        task: &Task,
    ) -> anyhow::Result<()> {
        self.t.step("5. the handle expires");
        let at = task.created + self.max_ttl + EXPIRY_MARGIN;
        let wait = at.saturating_duration_since(tokio::time::Instant::now());
        self.t.note(&format!(
            "(waiting {:.1} s, until {:?} after the task started: the tasks.max_ttl cap, which ends on a whole second)",
            wait.as_secs_f64(),
            self.max_ttl + EXPIRY_MARGIN
        ));
        tokio::time::sleep_until(at).await;
        let before = self.counts();
        let h = task.handle.as_str();
        let shown = format!("tasks/get {{\"taskId\":\"{h}\"}}");
        let (id, reply) = self
            .ask(alice, method::TASKS_GET, json!({"taskId": h}), &shown)
            .await?;
        self.expect_refusal(&reply, id, GET_REFUSED);
        let shown = format!("tasks/result {{\"taskId\":\"{h}\"}}");
        let (id, reply) = self
            .ask(alice, method::TASKS_RESULT, json!({"taskId": h}), &shown)
            .await?;
        self.expect_refusal(&reply, id, &not_found(h));
        self.t.check(
            self.counts() == before,
            "the gateway refused both itself: the upstream received neither",
        );
        self.t.why(
            "a handle is a capability with a lifetime; the gateway enforces it for every upstream.",
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_reads_the_legacy_list_shape() {
        let list = json!({"tasks": [{"taskId": "task-1"}, {"taskId": "task-2"}, {"nope": 1}]});
        assert_eq!(task_ids(&list), ["task-1", "task-2"]);
        assert!(task_ids(&json!({})).is_empty());
    }
}
