//! `taskgate serve` and `taskgate check`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{EXIT_CONFIG, EXIT_FAILURE, out, process_env};
use crate::config::raw::{RawAuth, RawConfig, RawCredential, RawListen, RawRoute};
use crate::config::{self, Config, ConfigErrors};

/// Arguments of `serve`: a config file, or the sidecar flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML config file (conflicts with the sidecar flags).
    #[arg(long, short, conflicts_with_all = ["upstream", "issuer", "allowed_origins"])]
    pub config: Option<PathBuf>,
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Upstream MCP endpoint URL.
    #[arg(long, requires = "issuer")]
    pub upstream: Option<String>,
    /// Client-facing path of the MCP endpoint.
    #[arg(long, default_value = "/mcp")]
    pub path: String,
    /// Expected token issuer.
    #[arg(long, requires = "upstream")]
    pub issuer: Option<String>,
    /// Accepted token audience (repeatable); defaults to the resource URI.
    #[arg(long)]
    pub audience: Vec<String>,
    /// JWKS file.
    #[arg(long, conflicts_with = "jwks_url")]
    pub jwks_file: Option<PathBuf>,
    /// JWKS URL (cached and refreshed).
    #[arg(long)]
    pub jwks_url: Option<String>,
    /// Scope every caller must hold (repeatable).
    #[arg(long = "required-scope")]
    pub required_scopes: Vec<String>,
    /// A bound claim tokens may lack (`tenant` or `client`; repeatable):
    /// by default every claim the binding uses is required.
    #[arg(long = "optional-claim", value_name = "CLAIM", value_parser = ["tenant", "client"])]
    pub optional_claims: Vec<String>,
    /// Environment variable holding the upstream `Authorization` value.
    #[arg(long, conflicts_with = "upstream_credential_file")]
    pub upstream_credential_env: Option<String>,
    /// File holding the upstream `Authorization` value.
    #[arg(long)]
    pub upstream_credential_file: Option<PathBuf>,
    /// Admin listen address (`/healthz`, `/readyz`).
    #[arg(long)]
    pub admin_listen: Option<String>,
    /// Externally visible base URL (scheme://host[:port]).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Browser origin allowed to call, with CORS (`scheme://host[:port]`;
    /// repeatable): `[listen] allowed_origins`. Loopback origins need none
    /// when listening on loopback.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// TLS certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Handle key as `KID=FILE` (repeatable; the first one signs, the others
    /// only verify). Without one, an ephemeral key is made at start.
    #[arg(long = "handle-key", value_name = "KID=FILE")]
    pub handle_keys: Vec<String>,
    /// Cap on task TTLs (e.g. `1h`).
    #[arg(long)]
    pub task_max_ttl: Option<String>,
    /// How long a finished task's result stays readable (e.g. `10m`).
    #[arg(long)]
    pub task_result_retention: Option<String>,
    /// Serving threads (default: `listen.workers` from the config file, else
    /// one per core).
    #[arg(long, env = "TOKIO_WORKER_THREADS", value_parser = clap::value_parser!(u64).range(1..))]
    pub workers: Option<u64>,
}

impl ServeArgs {
    /// The raw configuration the sidecar flags describe.
    pub fn to_raw(&self) -> RawConfig {
        let credential = match (
            &self.upstream_credential_env,
            &self.upstream_credential_file,
        ) {
            (None, None) => None,
            (env, file) => Some(RawCredential {
                header: None,
                env: env.clone(),
                file: file.clone(),
            }),
        };
        RawConfig {
            listen: RawListen {
                address: self.listen.clone(),
                public_url: self.public_url.clone(),
                tls_cert: self.tls_cert.clone(),
                tls_key: self.tls_key.clone(),
                allowed_origins: self.allowed_origins.clone(),
                workers: None,
            },
            admin: self
                .admin_listen
                .clone()
                .map(|address| config::raw::RawAdmin {
                    address,
                    token: None,
                }),
            auth: RawAuth {
                issuer: self.issuer.clone().unwrap_or_default(),
                audiences: self.audience.clone(),
                jwks_file: self.jwks_file.clone(),
                jwks_url: self.jwks_url.clone(),
                ..RawAuth::default()
            },
            routes: vec![RawRoute {
                path: self.path.clone(),
                upstream: self.upstream.clone().unwrap_or_default(),
                credential,
                required_scopes: self.required_scopes.clone(),
                optional_claims: self.optional_claims.clone(),
                ..RawRoute::default()
            }],
            handles: self.raw_handles(),
            tasks: config::raw::RawTasks {
                max_ttl: self.task_max_ttl.clone(),
                result_retention: self.task_result_retention.clone(),
                ..config::raw::RawTasks::default()
            },
            ..RawConfig::default()
        }
    }

    /// `--handle-key KID=FILE` flags as `[handles]`; a value without `=` is
    /// kept as a kid with no file so validation names it.
    fn raw_handles(&self) -> config::raw::RawHandles {
        let keys: Vec<config::raw::RawHandleKey> = self
            .handle_keys
            .iter()
            .map(|flag| {
                let (kid, file) = flag.split_once('=').unwrap_or((flag.as_str(), ""));
                config::raw::RawHandleKey {
                    kid: kid.to_string(),
                    secret: config::secret::SecretSource::File(PathBuf::from(file)),
                }
            })
            .collect();
        config::raw::RawHandles {
            signing_key: keys.first().map(|k| k.kid.clone()),
            keys,
        }
    }
}

fn load(args: &ServeArgs) -> Result<Config, ConfigErrors> {
    match &args.config {
        Some(path) => config::load_file(path, &process_env),
        None if args.upstream.is_none() => Err(ConfigErrors(vec![
            "give --config FILE, or --upstream URL --issuer ISS with --jwks-file or --jwks-url"
                .into(),
        ])),
        None => config::from_raw(args.to_raw(), &process_env),
    }
}

/// `taskgate serve`.
pub(super) async fn serve(args: ServeArgs) -> ExitCode {
    let config = match load(&args) {
        Ok(mut c) => {
            if let Some(n) = args.workers {
                c.workers = usize::try_from(n).ok();
            }
            c
        }
        Err(errors) => {
            tracing::error!("invalid configuration:\n{errors}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match crate::app::run(config, crate::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `taskgate check`.
pub(super) fn check(path: &Path) -> ExitCode {
    match config::load_file(path, &process_env) {
        Ok(c) => {
            out(&format!(
                "{}: ok ({} route(s), listening on {})",
                path.display(),
                c.routes.len(),
                c.listen
            ));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            out(&format!(
                "{}: {} problem(s)\n{errors}",
                path.display(),
                errors.0.len()
            ));
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn serve_args(extra: &[&str]) -> Result<Box<super::ServeArgs>, clap::Error> {
        let base = [
            "taskgate",
            "serve",
            "--upstream",
            "http://u/mcp",
            "--issuer",
            "https://i",
        ];
        let cli = Cli::try_parse_from(base.iter().chain(extra))?;
        match cli.command {
            Command::Serve(args) => Ok(args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn optional_claims_reach_the_route_and_only_bound_claims_are_accepted() {
        let args = serve_args(&["--optional-claim", "tenant"]).unwrap();
        assert_eq!(args.to_raw().routes[0].optional_claims, vec!["tenant"]);
        assert!(
            serve_args(&[]).unwrap().to_raw().routes[0]
                .optional_claims
                .is_empty()
        );
        assert!(serve_args(&["--optional-claim", "subject"]).is_err());
    }

    #[test]
    fn allowed_origins_reach_the_listener_setting_and_are_validated() {
        let args = serve_args(&[
            "--allowed-origin",
            "https://app.example",
            "--allowed-origin",
            "http://10.0.0.5:6274",
            "--jwks-file",
            "/dev/null",
        ])
        .unwrap();
        let raw = args.to_raw();
        assert_eq!(
            raw.listen.allowed_origins,
            ["https://app.example", "http://10.0.0.5:6274"]
        );
        let env = |_: &str| None;
        let config = crate::config::from_raw(raw, &env).unwrap();
        assert_eq!(
            config.allowed_origins,
            ["https://app.example", "http://10.0.0.5:6274"]
        );
        assert!(
            serve_args(&[])
                .unwrap()
                .to_raw()
                .listen
                .allowed_origins
                .is_empty()
        );
        let bad = serve_args(&[
            "--allowed-origin",
            "https://app.example/",
            "--jwks-file",
            "/dev/null",
        ])
        .unwrap()
        .to_raw();
        let errs = crate::config::from_raw(bad, &env).unwrap_err();
        assert!(
            errs.to_string().contains("listen.allowed_origins"),
            "{errs}"
        );
        // The flags-only mode's flag: with a config file it would be ignored.
        let with_file = Cli::try_parse_from([
            "taskgate",
            "serve",
            "--config",
            "x.toml",
            "--allowed-origin",
            "https://app.example",
        ]);
        assert!(with_file.is_err());
    }
}
