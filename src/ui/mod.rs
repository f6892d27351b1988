//! The studio window (eframe/egui). One more client of the engine: it sends commands and draws the
//! state that events update; it never does I/O on its own thread.

mod app;
mod compose;
mod gallery;
mod palette;
mod queue;
mod references;
mod region_editor;
mod settings;
mod textures;
mod theme;
mod viewer;

use std::sync::Arc;

pub use app::{AppConfig, Central, Confirm, GalleryItem, StudioApp};
pub use gallery::result_link;
pub use queue::status_text;
pub use region_editor::ui_from_image;
pub use textures::{DEFAULT_BUDGET_BYTES as TEXTURE_BUDGET_BYTES, TextureCache};

use crate::core::settings::{ENV_BASE_URL, EnvConfig, OsKeyring};

/// The reverse-DNS application id: window class, desktop entry and metainfo file names.
pub const APP_ID: &str = "io.github.wanstudio.WanStudio";

/// Opens the window and runs until it is closed.
pub fn run() -> anyhow::Result<()> {
    let env = EnvConfig::from_env()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("wan-studio-rt")
        .worker_threads(2)
        .build()?;
    let mut cfg = AppConfig::new(rt.handle().clone(), env.paths.clone(), Arc::new(OsKeyring));
    cfg.env_key.clone_from(&env.api_key);
    if std::env::var(ENV_BASE_URL).is_ok_and(|v| !v.trim().is_empty()) {
        cfg.env_base_url = Some(env.base_url.clone());
    }
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Wan Studio")
            .with_app_id(APP_ID)
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([1000.0, 640.0]),
        persist_window: true,
        // Window size, layout and the last compose form live with the rest of the data.
        persistence_path: Some(env.paths.home.join("window-state.ron")),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "Wan Studio",
        options,
        Box::new(move |cc| Ok(Box::new(StudioApp::new(cc, cfg)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not open: {e}"))?;
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    Ok(())
}
