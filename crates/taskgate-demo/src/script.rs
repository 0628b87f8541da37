//! `taskgate demo --script`: a two-identity scenario over real HTTP against
//! the gateway in front of the bundled (deliberately weak) example server,
//! printed as a readable transcript. The run passes when every check does.
//!
//! The scenario (in `steps`):
//! 1. alice starts `slow_report` as a task and gets a `tg1.` handle that does
//!    not contain the upstream's own task id;
//! 2. bob replays alice's handle on `tasks/get`, `tasks/result`,
//!    `tasks/cancel` and as a `tasks/list` cursor: each is refused exactly
//!    like an unknown task, and the upstream's [`RequestLog`] proves none of
//!    it was forwarded;
//! 3. bob replays alice's `Mcp-Session-Id`: 404 `Session not found`;
//! 4. alice polls her task to completion and reads the result;
//! 5. after the `tasks.max_ttl` cap has passed, alice's own handle is dead.
//!
//! Besides the gateway, the script talks to the upstream directly (with the
//! upstream credential, as an operator could) only to show what the gateway
//! hides: the upstream's ids and its lack of owner checks.

mod client;
mod steps;
mod transcript;

use std::time::Duration;

use serde_json::{Value, json};

use self::client::{Caller, Client, Reply};
use self::transcript::Transcript;
use crate::protocol::{code, method};
use crate::upstream::RequestLog;

pub use self::transcript::Print;

/// Where the scenario runs and with whom.
#[derive(Debug)]
pub struct Setup {
    /// The gateway's MCP endpoint.
    pub gateway_url: String,
    /// The example server's MCP endpoint (behind the gateway).
    pub upstream_url: String,
    /// The `Authorization` value the example server requires.
    pub upstream_authorization: String,
    /// alice's bearer token (tenant acme).
    pub alice_token: String,
    /// bob's bearer token (another tenant).
    pub bob_token: String,
    /// What the example server received.
    pub requests: RequestLog,
    /// The gateway's `tasks.max_ttl`.
    pub max_ttl: Duration,
    /// Where the transcript goes, as it is made.
    pub print: Print,
}

/// Runs the scenario, printing the transcript through `setup.print`.
/// `Ok(true)` when every check passed, `Ok(false)` when one did not; `Err`
/// when the scenario could not run at all (e.g. no answer).
///
/// # Errors
/// A transport failure or timeout talking to the gateway or the upstream.
pub async fn run(setup: Setup) -> anyhow::Result<bool> {
    let mut alice = Caller::new("alice", format!("Bearer {}", setup.alice_token));
    let mut bob = Caller::new("bob", format!("Bearer {}", setup.bob_token));
    let operator = Caller::new("operator", setup.upstream_authorization.clone());
    let mut s = Scenario {
        gateway: Client::new(&setup.gateway_url)?,
        upstream: Client::new(&setup.upstream_url)?,
        t: Transcript::new(setup.print),
        requests: setup.requests.clone(),
        max_ttl: setup.max_ttl,
        next_id: 0,
    };
    s.t.step(&format!(
        "taskgate demo --script\n  gateway   {} (tasks.max_ttl = {:?})\n  upstream  {} \
         (the bundled example server: sequential task ids, no owner checks)\n  \
         alice is tenant acme, bob is tenant globex; both hold valid tokens for the gateway.",
        setup.gateway_url, setup.max_ttl, setup.upstream_url
    ));
    let task = s.alice_starts_a_task(&mut alice, &operator).await?;
    s.bob_replays_the_handle(&mut bob, &operator, &task).await?;
    s.bob_replays_the_session(&bob, &alice).await?;
    s.alice_finishes(&alice, &task).await?;
    s.the_handle_expires(&alice, &task).await?;
    Ok(s.t.finish())
}

/// alice's task as the scenario knows it.
struct Task {
    /// The gateway handle alice was given.
    handle: String,
    /// The upstream's own id for it (seen only by talking to the upstream directly).
    upstream_id: String,
    /// When alice got the handle.
    created: tokio::time::Instant,
}

/// Upstream request counts, to prove what was (not) forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    http: u64,
    get: u64,
    result: u64,
    cancel: u64,
    list: u64,
}

/// The clients, the transcript and the request id counter.
struct Scenario {
    gateway: Client,
    upstream: Client,
    t: Transcript,
    requests: RequestLog,
    max_ttl: Duration,
    next_id: u64,
}

// === impl Scenario ===

impl Scenario {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Sends a request through the gateway, printing both sides.
    async fn ask(
        &mut self,
        caller: &Caller,
        method: &str,
        params: Value,
        shown: &str,
    ) -> anyhow::Result<(u64, Reply)> {
        let id = self.id();
        self.t.sends(caller.name, shown);
        let reply = self.gateway.request(caller, id, method, params).await?;
        self.t.got(&reply);
        Ok((id, reply))
    }

    /// Asks the upstream directly, bypassing the gateway (the operator's view).
    async fn peek(
        &mut self,
        operator: &Caller,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Reply> {
        let id = self.id();
        let shown = format!("{method} {params}, straight to the upstream (no gateway)");
        self.t.sends(operator.name, &shown);
        self.upstream.request(operator, id, method, params).await
    }

    /// `initialize` + `notifications/initialized`; keeps the session id.
    async fn initialize(&mut self, caller: &mut Caller) -> anyhow::Result<()> {
        let params = json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "taskgate-demo-script", "version": env!("CARGO_PKG_VERSION")},
        });
        let id = self.id();
        self.t
            .sends(caller.name, "initialize (protocol 2025-11-25)");
        let reply = self
            .gateway
            .request(caller, id, method::INITIALIZE, params)
            .await?;
        let version = reply.result()["protocolVersion"].as_str().unwrap_or("none");
        match &reply.session {
            Some(session) => {
                self.t.abbreviate(session);
                self.t.back(&format!(
                    "{}, protocol {version}, Mcp-Session-Id {session}",
                    reply.status.as_u16()
                ));
            }
            None => self.t.got(&reply),
        }
        self.t.check(
            reply.status.is_success() && reply.session.is_some(),
            &format!("{} has a session", caller.name),
        );
        caller.session = reply.session;
        let ack = self
            .gateway
            .notify(caller, "notifications/initialized")
            .await?;
        self.t.check(
            ack.status.is_success(),
            &format!(
                "notifications/initialized accepted ({})",
                ack.status.as_u16()
            ),
        );
        Ok(())
    }

    /// Checks that `reply` is exactly the refusal for an unknown task.
    fn expect_refusal(&mut self, reply: &Reply, id: u64, message: &str) {
        let want = json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code::INVALID_PARAMS, "message": message},
        });
        let ok = reply.status.as_u16() == 200
            && reply.content_type.starts_with("application/json")
            && reply.message == want;
        self.t.check(
            ok,
            &format!("HTTP 200 JSON, exactly -32602 {message:?} (what an unknown task gets)"),
        );
    }

    fn counts(&self) -> Counts {
        let r = &self.requests;
        Counts {
            http: r.http(),
            get: r.method(method::TASKS_GET),
            result: r.method(method::TASKS_RESULT),
            cancel: r.method(method::TASKS_CANCEL),
            list: r.method(method::TASKS_LIST),
        }
    }
}
