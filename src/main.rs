//! `wan-studio`: the window with no arguments, the command line with them.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wan_studio::cli::{Cli, Exit};

fn main() {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info,wan_studio=info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .with_target(false)
        .init();
    if cli.command.is_none() {
        // No subcommand: the window.
        if let Err(e) = wan_studio::ui::run() {
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
