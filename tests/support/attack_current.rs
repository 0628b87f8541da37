//! The attack-suite harness for the current era (2026-07-28, tasks
//! extension): a gateway with two routes (`/mcp`, `/other`) and handle key
//! `k1` in front of the leaky [`CurrentUpstream`], stateless callers that
//! send well-formed current-era requests (`_meta` protocol version and
//! client capabilities declaring the extension, `MCP-Protocol-Version`,
//! `Mcp-Method`, and `Mcp-Name` mirrored from the body as an honest client
//! does), an SSE reader for listen streams, and [`assert_refused_current`]:
//! the exact `-32602` answer AND nothing forwarded. Identities, handle keys
//! and forgeries are shared with the legacy harness ([`super::attack`]).

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::{Value, json};
use taskgate::config::raw::{RawConfig, RawRoute};

use super::attack::{KID, Who, handle_key, refusal_message, short, token};
use super::client::{Answer, Call};
use super::current_upstream::{CurrentUpstream, TASKS_EXT};
use super::gateway::TestGateway;
use super::upstream::Upstream;

/// The current protocol version.
pub const CURRENT: &str = "2026-07-28";

/// The leaky current-era upstream and a gateway in front of it.
pub struct CurrentFixture {
    pub tasks: CurrentUpstream,
    pub gw: TestGateway,
    pub dir: tempfile::TempDir,
}

impl CurrentFixture {
    /// Routes `/mcp` and `/other` to one upstream, handle key `k1` (fill 1).
    pub async fn start() -> CurrentFixture {
        Self::start_with(|_| {}).await
    }

    /// As [`CurrentFixture::start`], letting the test adjust the raw config last.
    pub async fn start_with(tweak: impl FnOnce(&mut RawConfig)) -> CurrentFixture {
        let tasks = CurrentUpstream::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let gw = current_gateway(&tasks.url(), dir.path(), Some((KID, 1)), tweak).await;
        CurrentFixture { tasks, gw, dir }
    }

    pub fn up(&self) -> &Upstream {
        &self.tasks.up
    }

    /// `who` calling on `path` (`/mcp` or `/other`).
    pub fn peer(&self, who: Who, path: &str) -> CPeer {
        CPeer::new(&self.gw, who, path)
    }
}

/// A gateway in front of `url` with routes `/mcp` and `/other`, sealing with
/// `key` (`(kid, fill)`), or an ephemeral key when `None`.
pub async fn current_gateway(
    url: &str,
    dir: &Path,
    key: Option<(&str, u8)>,
    tweak: impl FnOnce(&mut RawConfig),
) -> TestGateway {
    let handles = key.map(|(kid, fill)| handle_key(dir, kid, fill));
    let url = url.to_string();
    TestGateway::start_with(&url.clone(), |raw| {
        raw.routes.push(RawRoute {
            path: "/other".into(),
            upstream: url,
            ..RawRoute::default()
        });
        if let Some(handles) = handles {
            raw.handles = handles;
        }
        tweak(raw);
    })
    .await
}

/// What an honest client mirrors into `Mcp-Name` for a body value: a plain
/// visible-ASCII string as it is, any other string in the base64 sentinel,
/// a non-string as its JSON text.
pub fn mcp_name(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.bytes().all(|b| (0x21..0x7f).contains(&b))
                && !s.starts_with("=?base64?");
            if plain { s.clone() } else { sentinel(s) }
        }
        other => other.to_string(),
    }
}

/// `s` in the `=?base64?…?=` sentinel form.
pub fn sentinel(s: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(s);
    format!("=?base64?{b64}?=")
}

/// A stateless current-era caller.
pub struct CPeer {
    pub url: String,
    pub token: String,
}

impl CPeer {
    pub fn new(gw: &TestGateway, who: Who, path: &str) -> CPeer {
        CPeer {
            url: format!("{}{path}", gw.base()),
            token: token(gw, who),
        }
    }

    /// A well-formed request: `_meta` added to `params`, `Mcp-Method`, and
    /// `Mcp-Name` mirrored from `params.taskId` (tasks/*) or `params.name`.
    pub fn request(&self, id: &Value, method: &str, params: Value) -> Call {
        let mut params = params;
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": CURRENT,
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS_EXT: {}}}});
        let name = match method {
            "tasks/get" | "tasks/update" | "tasks/cancel" => params.get("taskId").cloned(),
            "tools/call" => params.get("name").cloned(),
            _ => None,
        };
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut call = Call::post_json(&self.url, Some(&self.token), &body)
            .header("mcp-protocol-version", CURRENT)
            .header("mcp-method", method);
        if let Some(name) = name {
            call = call.header("mcp-name", &mcp_name(&name));
        }
        call
    }

    /// A request answered with JSON (status 200).
    pub async fn call(&self, id: Value, method: &str, params: Value) -> Value {
        let a = self.request(&id, method, params).send().await;
        assert_eq!(a.status, StatusCode::OK, "{method}: {:?}", a.body);
        a.json()
    }

    /// A `tools/call` the upstream turns into a task; the taskId the client saw.
    pub async fn start_task(&self) -> String {
        let v = self
            .call(
                json!(100),
                "tools/call",
                json!({"name": "slow", "arguments": {}}),
            )
            .await;
        assert_eq!(v["result"]["resultType"], "task", "{v}");
        let id = v.pointer("/result/taskId").and_then(Value::as_str);
        id.unwrap_or_else(|| panic!("no task in {v}")).to_string()
    }

    /// Opens a listen stream for `task_ids` (JSON-RPC id `id`).
    pub async fn listen(&self, id: &Value, task_ids: &[&str]) -> Stream {
        self.listen_naming(id, json!(task_ids)).await
    }

    /// Opens a listen stream whose filter is `task_ids`, whatever its JSON.
    pub async fn listen_naming(&self, id: &Value, task_ids: Value) -> Stream {
        let params = json!({"notifications": {"taskIds": task_ids}});
        let resp = self
            .request(id, "subscriptions/listen", params)
            .send_streaming()
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "listen");
        let ct = resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ct.starts_with("text/event-stream"), "listen answered {ct}");
        Stream {
            body: resp.into_body(),
            buf: String::new(),
        }
    }
}

/// Opens a listen as `peer` naming `ids`; returns what the upstream was
/// asked for and the acknowledgement the client got.
pub async fn listen_and_ack(fx: &CurrentFixture, peer: &CPeer, ids: Value) -> (Vec<Value>, Value) {
    let n = fx.tasks.listens();
    let before = fx.up().count();
    let mut stream = peer.listen_naming(&json!("L"), ids).await;
    let ack = stream.next().await;
    let arrived = &fx.up().seen()[before..];
    assert_eq!(arrived.len(), 1, "one listen reaches the upstream");
    let body = String::from_utf8_lossy(&arrived[0].body).into_owned();
    assert!(
        !body.contains("tg1."),
        "no handle reaches the upstream: {body}"
    );
    (fx.tasks.listen_asked(n), ack)
}

/// Asserts a listen naming only `presented` (a string the caller may not
/// use) subscribes to none of it: the upstream is asked for no task and
/// the acknowledgement lists none, as a server's for an id it refuses.
pub async fn assert_listen_drops(fx: &CurrentFixture, peer: &CPeer, presented: &Value, what: &str) {
    let (asked, ack) = listen_and_ack(fx, peer, json!([presented])).await;
    assert_eq!(
        asked,
        Vec::<Value>::new(),
        "{what}: nothing of it is forwarded"
    );
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([]),
        "{what}: acknowledged nothing: {ack}"
    );
    assert!(!ack.to_string().contains("task-"), "{what}: {ack}");
}

/// Asserts no listen ever asked the upstream for a task.
pub fn assert_no_listen_named_a_task(fx: &CurrentFixture) {
    for n in 0..fx.tasks.listens() {
        assert_eq!(fx.tasks.listen_asked(n), Vec::<Value>::new(), "listen {n}");
    }
}

/// A listen stream as the client reads it.
pub struct Stream {
    body: Incoming,
    buf: String,
}

impl Stream {
    /// The next message (comments skipped); panics after 5 s or at the end.
    pub async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                return serde_json::from_str(&data).unwrap_or_else(|_| panic!("{data}"));
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame())
                .await
                .expect("listen stream: no event within 5 s");
            let frame = frame.expect("listen stream ended").unwrap();
            if let Ok(data) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

/// The params of a `method` request naming `presented` (the taskId; the one
/// entry of a listen filter).
pub fn params_naming(method: &str, presented: &Value) -> Value {
    match method {
        "subscriptions/listen" => json!({"notifications": {"taskIds": [presented]}}),
        "tasks/update" => json!({"taskId": presented,
                                 "inputResponses": {"k": {"action": "accept"}}}),
        _ => json!({"taskId": presented}),
    }
}

/// Presents `presented` as `peer` on `method` (get/update/cancel: as the
/// taskId, with `Mcp-Name` mirrored honestly; listen: as the filter's only
/// entry) and asserts the exact `-32602` answer and that nothing reached the
/// upstream.
pub async fn assert_refused_current(
    up: &Upstream,
    peer: &CPeer,
    method: &str,
    presented: &Value,
    what: &str,
) {
    let params = params_naming(method, presented);
    assert_refused_params(up, peer, method, params, presented, what).await;
}

/// As [`assert_refused_current`] with explicit `params`; `culprit` is the
/// value the refusal must quote.
pub async fn assert_refused_params(
    up: &Upstream,
    peer: &CPeer,
    method: &str,
    params: Value,
    culprit: &Value,
    what: &str,
) {
    let id = json!(format!("{what} / {method}"));
    let label = format!("{what}: {method} with {}", short(&culprit.to_string()));
    let before = up.count();
    let a = peer.request(&id, method, params).send().await;
    assert_nothing_forwarded(up, before, &label);
    let expected = json!({"jsonrpc": "2.0", "id": id,
        "error": {"code": -32602, "message": refusal_message(method, culprit)}});
    assert_answer(&a, StatusCode::OK, &expected, &label);
}

/// Asserts `a` is `status`, `application/json`, with exactly `expected`.
pub fn assert_answer(a: &Answer, status: StatusCode, expected: &Value, label: &str) {
    let got = String::from_utf8_lossy(&a.body);
    assert_eq!(a.status, status, "{label}: status; body {}", short(&got));
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{label}: content-type {:?}",
        a.header("content-type")
    );
    let body: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    assert!(
        body == *expected,
        "{label}:\n expected {}\n      got {}",
        short(&expected.to_string()),
        short(&got)
    );
}

/// Asserts the upstream received nothing since `before`.
pub fn assert_nothing_forwarded(up: &Upstream, before: usize, label: &str) {
    let arrived = up.seen()[before..].to_vec();
    assert!(
        arrived.is_empty(),
        "{label}: the upstream received {:?}",
        arrived
            .iter()
            .map(|s| short(&String::from_utf8_lossy(&s.body)))
            .collect::<Vec<_>>()
    );
}

/// Asserts exactly one request reached the upstream since `before`:
/// `method`, naming raw task `raw` in the body's `params.taskId` and in
/// `Mcp-Name`, with no gateway handle anywhere. Returns its body.
pub fn assert_forwarded_raw(up: &Upstream, before: usize, method: &str, raw: &str) -> Value {
    let arrived = &up.seen()[before..];
    assert_eq!(
        arrived.len(),
        1,
        "{method}: one request reaches the upstream"
    );
    let seen = &arrived[0];
    let v = seen.json();
    assert_eq!(v["method"], method);
    assert_eq!(
        v["params"]["taskId"], raw,
        "{method}: the upstream's own id"
    );
    assert_eq!(
        seen.headers.get("mcp-name").and_then(|h| h.to_str().ok()),
        Some(raw),
        "{method}: Mcp-Name carries the upstream's own id"
    );
    assert_eq!(seen.headers["mcp-method"], method);
    assert!(!String::from_utf8_lossy(&seen.body).contains("tg1."), "{v}");
    for (name, value) in &seen.headers {
        let value = value.to_str().unwrap_or_default();
        assert!(!value.contains("tg1."), "{method}: handle in header {name}");
    }
    v
}
