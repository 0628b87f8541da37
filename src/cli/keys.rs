//! `taskgate keys …` and `taskgate dev-issuer …`.

use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine;
use clap::Subcommand;
use rand::RngCore;

use super::{EXIT_CONFIG, EXIT_FAILURE, out};
use crate::config::duration;
use crate::devtoken::{DevClaims, DevIssuer};

/// `taskgate keys`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new 256-bit handle key to FILE (mode 0600) and print the
    /// `[[handles.key]]` entry that uses it.
    Generate {
        /// Key id; a random one when absent.
        #[arg(long)]
        kid: Option<String>,
        /// Where to write the secret (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `taskgate dev-issuer`.
#[derive(Debug, Subcommand)]
pub enum DevIssuerCommand {
    /// Create a signing key and JWKS in DIR.
    Init {
        /// Output directory.
        #[arg(long)]
        dir: PathBuf,
        /// Issuer (`iss`) of the tokens it will mint.
        #[arg(long, default_value = "https://dev-issuer.taskgate.local")]
        issuer: String,
    },
    /// Mint a token with the key in DIR; prints the token.
    Token {
        /// Directory made by `init`.
        #[arg(long)]
        dir: PathBuf,
        /// Subject.
        #[arg(long)]
        sub: String,
        /// Audience (the gateway's resource URI).
        #[arg(long)]
        aud: String,
        /// Tenant (`tid`).
        #[arg(long)]
        tenant: Option<String>,
        /// Client (`azp`).
        #[arg(long)]
        client: Option<String>,
        /// Scope (repeatable).
        #[arg(long)]
        scope: Vec<String>,
        /// Lifetime, e.g. 1h.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
}

/// Runs `keys`.
pub(super) fn keys(cmd: KeysCommand) -> ExitCode {
    match cmd {
        KeysCommand::Generate { kid, out: path } => {
            let mut secret = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            let kid = kid.unwrap_or_else(|| {
                let mut id = [0u8; 6];
                rand::rngs::OsRng.fill_bytes(&mut id);
                format!(
                    "k{}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
                )
            });
            let text = format!(
                "{}\n",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
            );
            if let Err(e) = write_private(&path, text.as_bytes()) {
                tracing::error!("{}: {e}", path.display());
                return ExitCode::from(EXIT_FAILURE);
            }
            out("[[handles.key]]");
            out(&format!("kid = \"{kid}\""));
            out(&format!("secret = {{ file = \"{}\" }}", path.display()));
            ExitCode::SUCCESS
        }
    }
}

/// Creates `path` with owner-only permissions; refuses to overwrite.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Runs `dev-issuer`.
pub(super) fn dev_issuer(cmd: DevIssuerCommand) -> ExitCode {
    match cmd {
        DevIssuerCommand::Init { dir, issuer } => match DevIssuer::generate(&issuer).save(&dir) {
            Ok(()) => {
                out(&format!(
                    "wrote {}/jwks.json and signing-key.pem for issuer {issuer}",
                    dir.display()
                ));
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!("{}: {e}", dir.display());
                ExitCode::from(EXIT_FAILURE)
            }
        },
        DevIssuerCommand::Token {
            dir,
            sub,
            aud,
            tenant,
            client,
            scope,
            ttl,
        } => {
            let ttl = match duration::parse(&ttl) {
                Ok(t) => t,
                Err(e) => {
                    tracing::error!("--ttl: {e}");
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            let issuer = match DevIssuer::load(&dir) {
                Ok(i) => i,
                Err(e) => {
                    tracing::error!("{}: {e}", dir.display());
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            let mut claims = DevClaims::new(&sub, &aud);
            claims.tenant = tenant;
            claims.client = client;
            claims.scopes = scope;
            claims.ttl = ttl;
            match issuer.mint(&claims) {
                Ok(token) => {
                    out(&token);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    tracing::error!("minting failed: {e}");
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
    }
}
