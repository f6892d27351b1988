//! The window alone, as a GUI-subsystem program on Windows (no console window opens behind it).
//! Built only with `--features gui-launcher` (the Windows package); elsewhere `wan-studio` with no
//! arguments opens the same window.
#![cfg_attr(windows, windows_subsystem = "windows")]

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let open = std::env::args_os().skip(1).map(Into::into).collect();
    if let Err(e) = wan_studio::ui::run(open) {
        tracing::error!("Wan Studio could not start: {e:#}");
        std::process::exit(1);
    }
}
