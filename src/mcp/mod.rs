//! `wan-studio mcp`: the studio as a Model Context Protocol server (stdio, newline-delimited
//! JSON-RPC 2.0, by the official Rust SDK `rmcp`), on the same engine, journal, library, rules,
//! prices and budget as the window and the command line. An edge of the app: `anyhow` here.
//!
//! Only protocol messages go to stdout; logs go to stderr and the data folder's log file.

mod budget;
pub mod fields;
mod http;
mod studio;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use rmcp::ServiceExt as _;

use crate::cli::Exit;
use crate::core::references::hosting::{ReferenceHost, S3Host};
use crate::core::settings::EnvConfig;

pub use studio::{MAX_SEARCH, READ_ONLY_TOOLS};

/// How long the jobs a session sent may take to end after its client has gone.
const WIND_DOWN: std::time::Duration = std::time::Duration::from_mins(2);

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Use the built-in local simulator instead of reAPI (no key, no network, no charge).
    #[arg(long)]
    pub sandbox: bool,
    /// A folder the agent may read reference images from (repeat for more). The library is
    /// always allowed; any other path is refused and nothing is uploaded.
    #[arg(long = "allow-dir", value_name = "DIR")]
    pub allow_dirs: Vec<PathBuf>,
    /// The most this server session may spend, in US dollars (the sum of the estimates it
    /// accepts): a call that would go over is refused and sends nothing. The monthly budget in
    /// Settings applies too.
    #[arg(long, value_name = "USD", value_parser = parse_cost)]
    pub max_cost: Option<u64>,
    /// Serve only the tools that send nothing: estimate, job_status, search_library,
    /// get_result, list_presets.
    #[arg(long)]
    pub read_only: bool,
    /// Serve over MCP's Streamable HTTP on this loopback address (such as 127.0.0.1:8788)
    /// instead of stdio: every request needs the bearer token printed at start (kept in the
    /// data folder as `mcp-token`), and a foreign Host or Origin is refused.
    #[arg(long, value_name = "127.0.0.1:PORT")]
    pub http: Option<String>,
}

fn parse_cost(s: &str) -> Result<u64, String> {
    crate::core::api::pricing::parse_usd(s)
        .ok_or_else(|| format!("'{s}' is not an amount in US dollars, such as 2.50"))
}

/// Serves the tools on stdin/stdout until the client closes them. Jobs still running stay in
/// the journal: the next `resume` (or the window) finishes them, sending nothing again.
pub async fn serve(args: McpArgs) -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| crate::cli::invalid(e.to_string()))?;
    for dir in &args.allow_dirs {
        if !dir.is_dir() {
            return Err(crate::cli::invalid(format!(
                "--allow-dir {}: not a folder",
                crate::core::text::terminal::printable(&dir.display().to_string())
            )));
        }
    }
    let http_at = args.http.as_deref().map(http::loopback).transpose()?;
    let host = if args.sandbox {
        None
    } else {
        match crate::cli::configured_host()? {
            Some((settings, secret)) => Some(ReferenceHost::S3(Box::new(
                S3Host::new(&settings, &secret).map_err(|e| crate::cli::invalid(e.to_string()))?,
            ))),
            None => None,
        }
    };
    let backend = crate::cli::connect_as_the_window(args.sandbox).await?;
    let allowed = fields::AllowedDirs::new(&args.allow_dirs, &env.paths);
    let shared = Arc::new(studio::Shared::new(
        backend.engine,
        env.rates,
        backend.sandbox,
        allowed,
        budget::Budget::new(args.max_cost),
        host,
    ));
    shared.follow(backend.events);
    if let Some(addr) = http_at {
        let token = http::token(&env.paths.home)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("--http {addr}: the address cannot be used"))?;
        let at = listener.local_addr()?;
        {
            // Said once; a reader that stops listening (`| head -2`) does not stop the server.
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let said = writeln!(out, "Wan Studio MCP server on http://{at}/mcp")
                .and_then(|()| writeln!(out, "Authorization: Bearer {token}"))
                .and_then(|()| writeln!(out, "Press Ctrl+C to stop."))
                .and_then(|()| out.flush());
            if let Err(e) = said {
                tracing::warn!(
                    "the address and token could not be printed ({e}); the token is in the data folder as mcp-token"
                );
            }
        }
        tokio::select! {
            served = http::serve(listener, shared, args.read_only, token) => served?,
            _ = tokio::signal::ctrl_c() => {}
        }
        return Ok(Exit::Done);
    }
    tracing::info!(
        sandbox = args.sandbox,
        read_only = args.read_only,
        "MCP server on stdio"
    );
    let server = studio::Studio::new(Arc::clone(&shared), args.read_only)
        .serve(rmcp::transport::stdio())
        .await
        .context("the MCP session could not start")?;
    let reason = server.waiting().await.context("the MCP session failed")?;
    tracing::info!("MCP session ended: {reason:?}");
    shared.wind_down(WIND_DOWN).await;
    Ok(Exit::Done)
}
