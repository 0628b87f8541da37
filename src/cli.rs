//! The command-line surface: argument types and dispatch to the library.
//!
//! `main.rs` only parses [`Cli`] and calls [`run`]; everything here returns a
//! [`std::process::ExitCode`] following sysexits (`64` usage, `78` config).

mod demo;
mod keys;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;

pub use demo::DemoArgs;
pub use serve::ServeArgs;

/// Exit code for a configuration error (sysexits `EX_CONFIG`).
pub const EXIT_CONFIG: u8 = 78;
/// Exit code for a runtime failure.
pub const EXIT_FAILURE: u8 = 1;

/// taskgate: identity-bound task handles in front of any MCP server.
#[derive(Debug, Parser)]
#[command(name = "taskgate", version, about)]
pub struct Cli {
    /// Log format.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "TASKGATE_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// Default log level when RUST_LOG is unset.
    #[arg(long, global = true, default_value = "info")]
    pub log_level: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (from a config file, or from flags for a sidecar).
    Serve(Box<ServeArgs>),
    /// Validate a config file and print every problem at once.
    Check {
        /// The TOML file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Key management.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// A local development token issuer (signing key, JWKS, tokens).
    #[command(subcommand, name = "dev-issuer")]
    DevIssuer(keys::DevIssuerCommand),
    /// Run the bundled example MCP server behind the gateway, on embedded defaults.
    Demo(DemoArgs),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve::serve(*args).await,
        Command::Check { config } => serve::check(&config),
        Command::Keys(cmd) => keys::keys(cmd),
        Command::DevIssuer(cmd) => keys::dev_issuer(cmd),
        Command::Demo(args) => demo::run(args).await,
    }
}

/// Reads environment variables for secrets (the one place the process
/// environment is consulted).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Writes a line to stdout for commands whose output *is* their result.
/// A closed stdout (e.g. piped into `head`) is not an error worth dying for.
pub(crate) fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}
