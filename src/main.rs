//! `wan-studio`: the window with no arguments, the command line with them.

use clap::Parser;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Layer};
use wan_studio::cli::{Cli, Exit};

fn main() {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info,wan_studio=info",
        _ => "debug",
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level)));
    // The window also logs to rotating files in the data folder: where to look when something
    // goes wrong. The key is never logged (it prints as "••••" + its last characters at most).
    // So does an MCP server: its client shows the user little of its stderr.
    let serves_agents = matches!(cli.command, Some(wan_studio::cli::Command::Mcp(_)));
    let (file, _flush_on_exit) = if cli.command.is_none() || serves_agents {
        match log_file() {
            Ok((writer, guard)) => (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_writer(writer)
                        .with_ansi(false)
                        .with_filter(EnvFilter::new("info,wan_studio=info")),
                ),
                Some(guard),
            ),
            Err(e) => {
                eprintln!("warning: no log file: {e}");
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .init();
    if cli.command.is_none() {
        // No subcommand: the window.
        if let Err(e) = wan_studio::ui::run(cli.open) {
            eprintln!("error: {e:#}");
            eprintln!("(the command line still works: `wan-studio --help`)");
            std::process::exit(1);
        }
        std::process::exit(Exit::Done.code());
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("wan-studio-rt")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: the async runtime could not start: {e}");
            std::process::exit(Exit::Network.code());
        }
    };
    let exit = wan_studio::cli::run(cli, &rt);
    // Jobs still running belong to the journal now; do not wait for them.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(exit.code());
}

/// A daily-rotating log in the data folder's `logs`, seven days kept.
fn log_file() -> anyhow::Result<(
    tracing_appender::non_blocking::NonBlocking,
    tracing_appender::non_blocking::WorkerGuard,
)> {
    let dir = wan_studio::core::settings::Paths::from_env()?.logs();
    std::fs::create_dir_all(&dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("wan-studio")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)?;
    Ok(tracing_appender::non_blocking(appender))
}
