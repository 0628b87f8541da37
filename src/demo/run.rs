//! `taskgate demo`: the example MCP server behind the gateway on embedded
//! defaults, with a fresh development issuer and ready-made tokens, so a user
//! can point any MCP client at it with one command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::upstream::{self, UpstreamOptions};
use crate::cli::{EXIT_FAILURE, out};
use crate::config::raw::{RawAuth, RawConfig, RawCredential, RawListen, RawRoute};
use crate::devtoken::{DevClaims, DevIssuer};

/// Issuer name of the demo's development IdP.
pub const DEMO_ISSUER: &str = "https://demo-issuer.taskgate.local";
/// The variable name the demo's upstream credential is looked up under (the
/// lookup is a closure; the process environment is never touched).
const CREDENTIAL_VAR: &str = "TASKGATE_DEMO_UPSTREAM_CREDENTIAL";

/// Arguments of `taskgate demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Gateway listen address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Run only the example MCP server (no gateway) on --listen.
    #[arg(long)]
    pub upstream_only: bool,
    /// Lifetime of the printed tokens.
    #[arg(long, default_value = "8h")]
    pub token_ttl: String,
}

/// Runs the demo until Ctrl-C.
pub async fn run(args: DemoArgs) -> ExitCode {
    match demo(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("demo failed: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    if args.upstream_only {
        let listener = TcpListener::bind(args.listen)
            .await
            .context("binding the example server")?;
        out(&format!("LISTENING http://{}/mcp", listener.local_addr()?));
        let server = tokio::spawn(upstream::serve(
            listener,
            UpstreamOptions::default(),
            stop.clone(),
        ));
        crate::shutdown::signal().await;
        stop.cancel();
        return server.await?.context("example server");
    }
    let ttl = crate::config::duration::parse(&args.token_ttl).map_err(anyhow::Error::msg)?;
    let secret = random_secret();
    let up_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the example server")?;
    let up_addr = up_listener.local_addr()?;
    let options = UpstreamOptions {
        required_authorization: Some(format!("Bearer {secret}")),
        ..UpstreamOptions::default()
    };
    let server = tokio::spawn(upstream::serve(up_listener, options, stop.clone()));

    let issuer = DevIssuer::generate(DEMO_ISSUER);
    let dir = DemoDir::create()?;
    std::fs::write(dir.0.join("jwks.json"), issuer.jwks_json()).context("writing the demo JWKS")?;
    let raw = demo_config(args.listen, up_addr, dir.0.join("jwks.json"));
    let credential = format!("Bearer {secret}");
    let env = move |name: &str| (name == CREDENTIAL_VAR).then(|| credential.clone());
    let config =
        crate::config::from_raw(raw, &env).map_err(|e| anyhow::anyhow!("demo config:\n{e}"))?;
    let running = crate::app::start(config).await?;
    // The resource URI (and so the token audience) follows the bound address.
    let resource = format!("http://{}/mcp", running.addr);
    print_banner(&issuer, &resource, running.addr, ttl)?;
    crate::shutdown::signal().await;
    running.shutdown();
    stop.cancel();
    let drained = running.wait().await;
    server.await?.context("example server")?;
    drained
}

fn demo_config(listen: SocketAddr, upstream: SocketAddr, jwks: PathBuf) -> RawConfig {
    RawConfig {
        listen: RawListen {
            address: listen.to_string(),
            ..RawListen::default()
        },
        auth: RawAuth {
            issuer: DEMO_ISSUER.into(),
            jwks_file: Some(jwks),
            ..RawAuth::default()
        },
        routes: vec![RawRoute {
            name: Some("demo".into()),
            path: "/mcp".into(),
            upstream: format!("http://{upstream}/mcp"),
            credential: Some(RawCredential {
                header: None,
                file: None,
                env: Some(CREDENTIAL_VAR.into()),
            }),
            ..RawRoute::default()
        }],
        ..RawConfig::default()
    }
}

fn print_banner(
    issuer: &DevIssuer,
    resource: &str,
    addr: SocketAddr,
    ttl: Duration,
) -> anyhow::Result<()> {
    let token = |sub: &str, tenant: &str| -> anyhow::Result<String> {
        let mut claims = DevClaims::new(sub, resource);
        claims.tenant = Some(tenant.into());
        claims.client = Some("demo-client".into());
        claims.ttl = ttl;
        issuer
            .mint(&claims)
            .map_err(|e| anyhow::anyhow!("minting a demo token: {e}"))
    };
    let alice = token("alice", "acme")?;
    let bob = token("bob", "globex")?;
    out(&format!(
        "taskgate demo: gateway on http://{addr}/mcp (example MCP server behind it)\n"
    ));
    out(&format!(
        "alice (tenant acme):\n  Authorization: Bearer {alice}\n"
    ));
    out(&format!(
        "bob (tenant globex):\n  Authorization: Bearer {bob}\n"
    ));
    out("try:");
    out(&format!(
        "  curl -s http://{addr}/mcp -H 'Authorization: Bearer {alice}' -H 'Content-Type: application/json' \\\n    \
         -H 'Accept: application/json, text/event-stream' \\\n    \
         -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"echo\",\"arguments\":{{\"text\":\"hi\"}}}}}}'"
    ));
    out("\nCtrl-C stops the demo.");
    Ok(())
}

fn random_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A private temporary directory, removed on drop.
struct DemoDir(PathBuf);

impl DemoDir {
    fn create() -> anyhow::Result<DemoDir> {
        let mut suffix = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut suffix);
        let dir = std::env::temp_dir().join(format!(
            "taskgate-demo-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(suffix)
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(DemoDir(dir))
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
