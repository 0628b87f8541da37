//! Boots the real gateway in-process on `127.0.0.1:0` in front of a given
//! upstream, with a test issuer's JWKS, and mints tokens for it.

use std::path::PathBuf;

use serde_json::{Value, json};
use taskgate::app::{Observers, Running};
use taskgate::config::raw::{RawAuth, RawConfig, RawCredential, RawListen, RawRoute};

use super::issuer::TestIssuer;

pub const UPSTREAM_CREDENTIAL: &str = "Bearer upstream-credential-for-tests";
pub const AUDIENCE: &str = "https://gateway.test/mcp";

pub struct TestGateway {
    pub running: Running,
    pub issuer: TestIssuer,
    /// The raw config it runs (for [`TestGateway::reload`]).
    pub raw: RawConfig,
    _dir: tempfile::TempDir,
}

fn config_of(raw: RawConfig) -> taskgate::config::Config {
    let env = |name: &str| (name == "UPSTREAM").then(|| UPSTREAM_CREDENTIAL.to_string());
    taskgate::config::from_raw(raw, &env).unwrap_or_else(|e| panic!("test config: {e}"))
}

impl TestGateway {
    /// A gateway with one route `/mcp` → `upstream_url`, authenticated by a test issuer.
    pub async fn start(upstream_url: &str) -> TestGateway {
        Self::start_with(upstream_url, |_| {}).await
    }

    /// As [`start`], letting the test adjust the raw config first.
    pub async fn start_with(upstream_url: &str, tweak: impl FnOnce(&mut RawConfig)) -> TestGateway {
        Self::start_observed(upstream_url, tweak, Observers::default()).await
    }

    /// As [`start_with`], with `observers` attached.
    pub async fn start_observed(
        upstream_url: &str,
        tweak: impl FnOnce(&mut RawConfig),
        observers: Observers,
    ) -> TestGateway {
        let issuer = TestIssuer::new();
        let dir = tempfile::tempdir().unwrap();
        let jwks: PathBuf = dir.path().join("jwks.json");
        std::fs::write(&jwks, issuer.jwks_json()).unwrap();
        let mut raw = RawConfig {
            listen: RawListen {
                address: "127.0.0.1:0".into(),
                ..RawListen::default()
            },
            auth: RawAuth {
                issuer: issuer.issuer().to_string(),
                audiences: vec![AUDIENCE.into()],
                jwks_file: Some(jwks),
                ..RawAuth::default()
            },
            routes: vec![RawRoute {
                path: "/mcp".into(),
                upstream: upstream_url.into(),
                credential: Some(RawCredential {
                    header: None,
                    file: None,
                    env: Some("UPSTREAM".into()),
                }),
                ..RawRoute::default()
            }],
            ..RawConfig::default()
        };
        tweak(&mut raw);
        let config = config_of(raw.clone());
        let running = taskgate::app::start_with(config, observers).await.unwrap();
        TestGateway {
            running,
            issuer,
            raw,
            _dir: dir,
        }
    }

    /// Reloads the gateway with its raw config adjusted by `tweak`.
    pub async fn reload(&mut self, tweak: impl FnOnce(&mut RawConfig)) {
        self.try_reload(tweak).await.unwrap();
    }

    /// As [`reload`], returning the gateway's refusal; the raw config the
    /// test gateway remembers is the new one either way.
    pub async fn try_reload(&mut self, tweak: impl FnOnce(&mut RawConfig)) -> anyhow::Result<()> {
        tweak(&mut self.raw);
        let config = config_of(self.raw.clone());
        self.running.reload(&config).await
    }

    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.running.addr)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Standard claims for `sub` in `tenant`, valid for an hour.
    pub fn claims(&self, sub: &str, tenant: &str) -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({"iss": self.issuer.issuer(), "aud": AUDIENCE, "sub": sub, "tid": tenant,
               "azp": "test-client", "iat": now, "exp": now + 3600})
    }

    /// Sends `initialize` as `token` and returns the session handle the client got.
    pub async fn initialize(&self, token: &str) -> String {
        let body = super::client::rpc(1, "initialize", json!({}));
        let init = super::client::Call::post_json(&self.url(), Some(token), &body)
            .send()
            .await;
        assert_eq!(init.status, http::StatusCode::OK);
        init.header("mcp-session-id").unwrap().to_string()
    }

    /// An EdDSA token for `sub` in `tenant`.
    pub fn token(&self, sub: &str, tenant: &str) -> String {
        self.issuer
            .token(jsonwebtoken::Algorithm::EdDSA, self.claims(sub, tenant))
    }
}
