//! Operations: admin endpoints, graceful drain, TLS on both sides, `check`.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Upstream, fixture};

#[tokio::test]
async fn readiness_flips_before_draining_and_sse_streams_end_within_the_grace_period() {
    let (up, tx) = Upstream::sse_once().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.admin = Some(taskgate::config::raw::RawAdmin {
            address: "127.0.0.1:0".into(),
            token: None,
        });
        raw.limits.shutdown_grace = Some("5s".into());
    })
    .await;
    let admin = format!("http://{}", gw.running.admin_addr.unwrap());
    let get = |p: &str| Call::new(http::Method::GET, &format!("{admin}{p}"), None).send();
    assert_eq!(get("/healthz").await.status, StatusCode::OK);
    assert_eq!(get("/readyz").await.status, StatusCode::OK);

    let token = gw.token("alice", "acme");
    let resp = Call::post_json(
        &gw.url(),
        Some(&token),
        &rpc(1, "tools/call", json!({"name": "slow"})),
    )
    .send_streaming()
    .await;
    let mut body = resp.into_body();
    tx.send("data: {\"n\":1}\n\n".into()).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap();

    let shutdown = gw.running.shutdown_handle();
    shutdown.trigger();
    // The stream ends (cleanly) although the upstream never finished it.
    let rest = tokio::time::timeout(Duration::from_secs(5), body.collect()).await;
    assert!(rest.is_ok(), "SSE stream did not end at shutdown");
    let TestGateway { running, .. } = gw;
    tokio::time::timeout(Duration::from_secs(10), running.wait())
        .await
        .expect("drain finished")
        .expect("drained within the grace period");
    drop(tx);
}

#[tokio::test]
async fn tls_listener_and_https_upstream_with_a_private_ca() {
    let up = Upstream::spawn_tls(|_| {
        Reply::Json(StatusCode::OK, json!({"jsonrpc":"2.0","id":1,"result":{}}))
    })
    .await;
    let gw = TestGateway::start_with(&up.https_url(), |raw| {
        raw.listen.tls_cert = Some(fixture("tls/server.pem"));
        raw.listen.tls_key = Some(fixture("tls/server.key"));
        raw.upstream_tls.ca_bundle = Some(fixture("tls/ca.pem"));
    })
    .await;
    let token = gw.token("alice", "acme");
    let client = taskgate::proxy::build_client(Some(&fixture("tls/ca.pem"))).unwrap();
    let req = Request::post(format!("https://localhost:{}/mcp", gw.running.addr.port()))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(taskgate::body::full(Bytes::from(
            rpc(1, "ping", json!({})).to_string(),
        )))
        .unwrap();
    let resp = client
        .request(req)
        .await
        .expect("TLS request through the gateway");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        up.count(),
        1,
        "the https upstream was reached through the private CA"
    );

    // A plain-http client cannot talk to the TLS listener.
    let plain = crate::support::client::client()
        .request(
            Request::post(format!("http://127.0.0.1:{}/mcp", gw.running.addr.port()))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::OK);
}

#[tokio::test]
async fn https_upstream_with_an_untrusted_certificate_is_refused() {
    let up = Upstream::spawn_tls(|_| Reply::Status(StatusCode::OK)).await;
    // No CA bundle: the platform roots do not trust the test CA.
    let gw = TestGateway::start(&up.https_url()).await;
    let token = gw.token("alice", "acme");
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(up.count(), 0);
}

#[test]
fn check_reports_every_config_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        r#"
[listen]
address = "not-an-address"
[auth]
issuer = ""
algorithms = ["RS256", "none"]
[limits]
upstream_timeout = "soon"
[[route]]
path = "mcp"
upstream = "ftp://x"
"#,
    )
    .unwrap();
    let out = check_config(&path);
    assert_eq!(out.status.code(), Some(78));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "listen.address",
        "auth.issuer",
        "jwks_file or jwks_url",
        "unknown algorithm",
        "upstream_timeout",
        "route[0].path",
        "route[0].upstream",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[listen]\naddress = \"127.0.0.1:0\"\n[auth]\nissuer = \"https://i\"\njwks_file = \"/dev/null\"\n[[route]]\npath = \"/mcp\"\nupstream = \"http://127.0.0.1:9/mcp\"\n").unwrap();
    let out = check_config(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_documented_example_config_is_valid() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/taskgate.example.toml");
    let out = check_config(&example);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn the_quick_start_demo_serves_mcp_with_the_tokens_it_prints() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_taskgate"))
        .args(["--log-level", "warn", "demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut alice) = (None, None);
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("taskgate demo: gateway on ") {
                url = rest.split_whitespace().next().map(str::to_string);
            }
            if let Some(t) = line.trim().strip_prefix("Authorization: Bearer ") {
                alice.get_or_insert(t.to_string());
            }
            if line.starts_with("Ctrl-C") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("demo printed its banner");
    let (url, alice) = (
        url.expect("gateway URL printed"),
        alice.expect("token printed"),
    );
    let call = rpc(
        1,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "hello demo"}}),
    );
    let answer = Call::post_json(&url, Some(&alice), &call).send().await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["result"]["content"][0]["text"], "hello demo");
    let anonymous = Call::post_json(&url, None, &call).send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    child.kill().await.unwrap();
}

#[test]
fn generated_handle_keys_plug_into_the_config_and_rotation_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_taskgate");
    let mut snippets = String::new();
    for kid in ["k1", "k2"] {
        let out = std::process::Command::new(bin)
            .args(["keys", "generate", "--kid", kid, "--out"])
            .arg(dir.path().join(kid))
            .output()
            .unwrap();
        assert!(out.status.success());
        snippets.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("k1"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "secret file is owner-only");
    }
    let again = std::process::Command::new(bin)
        .args(["keys", "generate", "--out"])
        .arg(dir.path().join("k1"))
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing key file is never overwritten"
    );
    let base = "[listen]\naddress = \"127.0.0.1:0\"\n[auth]\nissuer = \"https://i\"\njwks_file = \"/dev/null\"\n[[route]]\npath = \"/mcp\"\nupstream = \"http://127.0.0.1:9/mcp\"\n";
    let check = |handles: &str| {
        let path = dir.path().join("c.toml");
        std::fs::write(&path, format!("{base}[handles]\n{handles}\n{snippets}")).unwrap();
        check_config(&path)
    };
    assert!(
        check("signing_key = \"k2\"").status.success(),
        "rotation: k2 signs, k1 still verifies"
    );
    let missing = check("signing_key = \"k3\"");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("k3"));
}

/// Runs `taskgate check --config <path>`.
fn check_config(path: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_taskgate"))
        .args(["check", "--config"])
        .arg(path)
        .output()
        .unwrap()
}
