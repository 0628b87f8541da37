//! The `taskgate` binary: parse the command line, start logging, hand over to
//! the library. Everything else lives in the `taskgate` crate so tests and
//! benches run the real code.

use std::process::ExitCode;

use clap::Parser;
use taskgate::cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    taskgate::telemetry::init(cli.log_format, &cli.log_level);
    run(cli).await
}
