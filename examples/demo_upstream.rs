//! Runs taskgate's bundled demo MCP server on its own.
//!
//! ```text
//! cargo run --example demo_upstream -- --listen 127.0.0.1:8931
//! ```
//!
//! Prints `LISTENING http://ADDR/mcp` once it accepts connections and stops
//! on Ctrl-C. Flags: `--listen ADDR` (default `127.0.0.1:0`),
//! `--require-authorization VALUE`, `--page-size N`, `--max-ttl-ms N`.

use std::error::Error;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use taskgate_demo::upstream::{UpstreamOptions, serve};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const USAGE: &str = "usage: demo_upstream [--listen ADDR] [--require-authorization VALUE] \
                     [--page-size N] [--max-ttl-ms N]";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo_upstream: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let (listen, options) = parse_args(std::env::args().skip(1))?;
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "LISTENING http://{addr}/mcp")?;
        stdout.flush()?;
    }
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        match tokio::signal::ctrl_c().await {
            Ok(()) => trigger.cancel(),
            // Without a signal handler, run until killed.
            Err(error) => eprintln!("demo_upstream: cannot listen for Ctrl-C: {error}"),
        }
    });
    serve(listener, options, shutdown).await?;
    Ok(())
}

fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(SocketAddr, UpstreamOptions), Box<dyn Error>> {
    let mut listen: SocketAddr = "127.0.0.1:0".parse()?;
    let mut options = UpstreamOptions::default();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => listen = value()?.parse()?,
            "--require-authorization" => options.required_authorization = Some(value()?),
            "--page-size" => options.list_page_size = value()?.parse()?,
            "--max-ttl-ms" => options.max_ttl_ms = value()?.parse()?,
            "-h" | "--help" => {
                writeln!(std::io::stdout(), "{USAGE}")?;
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
        }
    }
    Ok((listen, options))
}
