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
pub use queue::{status_text, waiting_text};
pub use region_editor::ui_from_image;
pub use textures::{DEFAULT_BUDGET_BYTES as TEXTURE_BUDGET_BYTES, TextureCache};

use crate::core::settings::{ENV_BASE_URL, EnvConfig, OsKeyring};

/// The reverse-DNS application id: window class, desktop entry and metainfo file names.
pub const APP_ID: &str = "io.github.wanstudio.WanStudio";

/// The app icon (256 px), shipped in the binary.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/wan-studio-256.png");

/// The window icon, decoded from [`ICON_PNG`].
pub fn window_icon() -> Result<eframe::egui::IconData, crate::core::imaging::ImagingError> {
    let img = crate::core::imaging::decode_limited(ICON_PNG)?.to_rgba8();
    let (width, height) = img.dimensions();
    Ok(eframe::egui::IconData {
        rgba: img.into_raw(),
        width,
        height,
    })
}

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
    let mut viewport = eframe::egui::ViewportBuilder::default()
        .with_title("Wan Studio")
        .with_app_id(APP_ID)
        .with_inner_size([1440.0, 900.0])
        .with_min_inner_size([1000.0, 640.0]);
    match window_icon() {
        Ok(icon) => viewport = viewport.with_icon(Arc::new(icon)),
        Err(e) => tracing::warn!("the window icon could not be decoded: {e}"),
    }
    let options = eframe::NativeOptions {
        viewport,
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
