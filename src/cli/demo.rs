//! `taskgate demo`: the example MCP server behind the gateway on embedded
//! defaults, with a fresh development issuer and ready-made tokens, so a user
//! can point any MCP client at it with one command; `--script` instead runs
//! a two-identity scenario against the pair and exits.
//!
//! The example server and the scenario live in the `taskgate-demo` crate,
//! which knows nothing of the gateway; this module is the wiring on the
//! gateway's side: it starts the server, the gateway in front of it (config
//! built in memory, the upstream credential from a lookup closure, never the
//! process environment) and a development token issuer, mints the tokens,
//! and hands the scenario its [`Setup`]. What reaches stdout and the exit
//! code are decided here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine;
use rand::RngCore;
use taskgate_demo::script::{self, Setup};
use taskgate_demo::upstream::{self, RequestLog, UpstreamOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::{EXIT_FAILURE, out};
use crate::config::raw::{RawAuth, RawConfig, RawCredential, RawListen, RawRoute};
use crate::devtoken::{DevClaims, DevIssuer};

/// Issuer name of the demo's development IdP.
const DEMO_ISSUER: &str = "https://demo-issuer.taskgate.local";
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
    /// Run a scripted two-identity scenario on a free loopback port, print
    /// the transcript and exit: 0 when every step behaved as expected.
    #[arg(long, conflicts_with_all = ["listen", "upstream_only"])]
    pub script: bool,
}

/// `tasks.max_ttl` in `--script` mode: short, so the expiry step is quick.
const SCRIPT_MAX_TTL: &str = "3s";

/// Runs the demo until Ctrl-C (with `--script`: until the scenario ends;
/// failure when any step did not behave as expected).
pub(super) async fn run(args: DemoArgs) -> ExitCode {
    match demo(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILURE),
        Err(e) => {
            tracing::error!("demo failed: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

async fn demo(args: DemoArgs) -> anyhow::Result<bool> {
    if args.upstream_only {
        let stop = CancellationToken::new();
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
        server.await?.context("example server")?;
        return Ok(true);
    }
    let ttl = crate::config::duration::parse(&args.token_ttl).map_err(anyhow::Error::msg)?;
    if args.script {
        let listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let pair = Pair::start(listen, Some(SCRIPT_MAX_TTL)).await?;
        let setup = Setup {
            gateway_url: pair.resource(),
            upstream_url: format!("http://{}/mcp", pair.upstream),
            upstream_authorization: pair.credential.clone(),
            alice_token: pair.token("alice", "acme", ttl)?,
            bob_token: pair.token("bob", "globex", ttl)?,
            requests: pair.requests.clone(),
            max_ttl: crate::config::duration::parse(SCRIPT_MAX_TTL).map_err(anyhow::Error::msg)?,
            print: out,
        };
        let outcome = script::run(setup).await;
        pair.stop().await?;
        return outcome;
    }
    let pair = Pair::start(args.listen, None).await?;
    print_banner(&pair, ttl)?;
    crate::shutdown::signal().await;
    pair.stop().await?;
    Ok(true)
}

/// The example server and the gateway in front of it, both running.
struct Pair {
    running: crate::app::Running,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: CancellationToken,
    issuer: DevIssuer,
    /// The `Authorization` value the example server requires.
    credential: String,
    upstream: SocketAddr,
    requests: RequestLog,
    _dir: DemoDir,
}

impl Pair {
    /// Starts the example server on a free loopback port and the gateway on
    /// `listen`, with `max_ttl` as `tasks.max_ttl` when given.
    async fn start(listen: SocketAddr, max_ttl: Option<&str>) -> anyhow::Result<Pair> {
        let stop = CancellationToken::new();
        let credential = format!("Bearer {}", random_secret());
        let up_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the example server")?;
        let upstream = up_listener.local_addr()?;
        let options = UpstreamOptions {
            required_authorization: Some(credential.clone()),
            ..UpstreamOptions::default()
        };
        let requests = options.requests.clone();
        let server = tokio::spawn(upstream::serve(up_listener, options, stop.clone()));

        let issuer = DevIssuer::generate(DEMO_ISSUER);
        let gateway = async {
            let dir = DemoDir::create()?;
            let jwks = dir.0.join("jwks.json");
            std::fs::write(&jwks, issuer.jwks_json()).context("writing the demo JWKS")?;
            let mut raw = demo_config(listen, upstream, jwks);
            raw.tasks.max_ttl = max_ttl.map(str::to_owned);
            let secret = credential.clone();
            let env = move |name: &str| (name == CREDENTIAL_VAR).then(|| secret.clone());
            let config = crate::config::from_raw(raw, &env)
                .map_err(|e| anyhow::anyhow!("demo config:\n{e}"))?;
            anyhow::Ok((crate::app::start(config).await?, dir))
        };
        let (running, dir) = match gateway.await {
            Ok(started) => started,
            Err(e) => {
                stop.cancel();
                return Err(e);
            }
        };
        Ok(Pair {
            running,
            server,
            stop,
            issuer,
            credential,
            upstream,
            requests,
            _dir: dir,
        })
    }

    /// The gateway's MCP endpoint; the resource URI (and so the token
    /// audience) follows the bound address.
    fn resource(&self) -> String {
        format!("http://{}/mcp", self.running.addr)
    }

    /// A token for `sub` in `tenant`, valid for `ttl`.
    fn token(&self, sub: &str, tenant: &str, ttl: Duration) -> anyhow::Result<String> {
        let mut claims = DevClaims::new(sub, &self.resource());
        claims.tenant = Some(tenant.into());
        claims.client = Some("demo-client".into());
        claims.ttl = ttl;
        self.issuer
            .mint(&claims)
            .map_err(|e| anyhow::anyhow!("minting a demo token: {e}"))
    }

    /// Drains the gateway, then stops the example server.
    async fn stop(self) -> anyhow::Result<()> {
        self.running.shutdown();
        self.stop.cancel();
        let drained = self.running.wait().await;
        self.server.await?.context("example server")?;
        drained
    }
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

fn print_banner(pair: &Pair, ttl: Duration) -> anyhow::Result<()> {
    let addr = pair.running.addr;
    let alice = pair.token("alice", "acme", ttl)?;
    let bob = pair.token("bob", "globex", ttl)?;
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
