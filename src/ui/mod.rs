//! The studio window (eframe/egui). One more client of the engine: it sends commands and draws the
//! state that events update; it never does I/O on its own thread.

mod app;
mod batch;
mod compare;
mod compose;
pub mod credentials;
pub mod cx;
pub mod dialogs;
mod eyedropper;
mod gallery;
pub mod geometry;
pub mod jobs;
mod palette;
mod presets;
mod queue;
mod references;
mod region_editor;
mod settings;
mod spend;
mod storyboard;
mod text_cache;
pub mod textures;
pub mod theme;
mod viewer;
pub mod widgets;

use std::sync::Arc;

pub use crate::core::library::result_link;
pub use app::{AppConfig, CjkFont, StudioApp};
pub use compose::{ComposeView, prompt_galley};
pub use cx::{
    Action, Centre, ConnState, Dropper, Edit, EditAction, KeyInfo, LibraryAction, PaletteSource,
    PathPurpose, SendAction, SetupAction, ShowAction, Side, Step, ViewCx,
};
pub use gallery::{GalleryView, layout_rows};
pub use geometry::ui_from_image;
pub use jobs::{Hits, Jobs};
pub use palette::PaletteView;
pub use queue::{QueueView, status_text, waiting_text};
pub use references::ReferencesView;
pub use region_editor::EditorView;
pub use settings::SettingsView;
pub use textures::{DEFAULT_BUDGET_BYTES as TEXTURE_BUDGET_BYTES, ResultKey, TexKey, Textures};
pub use viewer::ViewerView;

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

/// Opens the window; `open` are images to add as references (from "Open with" or the command line).
pub fn run(open: Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let env = EnvConfig::from_env()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("wan-studio-rt")
        .worker_threads(2)
        .build()?;
    let mut cfg = AppConfig::new(
        rt.handle().clone(),
        env.paths.clone(),
        Arc::new(OsKeyring::default()),
    );
    cfg.storage_secrets = Arc::new(OsKeyring::storage_secret());
    cfg.open = open;
    cfg.os_language = crate::core::text::i18n::Lang::from_os();
    cfg.env_key.clone_from(&env.api_key);
    if std::env::var(ENV_BASE_URL).is_ok_and(|v| !v.trim().is_empty()) {
        cfg.env_base_url = Some(env.base_url.clone());
    }
    let mut viewport = eframe::egui::ViewportBuilder::default()
        .with_title("Wan Studio")
        .with_app_id(APP_ID)
        .with_inner_size([1440.0, 900.0])
        .with_min_inner_size([1024.0, 640.0]);
    match window_icon() {
        Ok(icon) => viewport = viewport.with_icon(Arc::new(icon)),
        Err(e) => tracing::warn!("the window icon could not be decoded: {e}"),
    }
    let options = eframe::NativeOptions {
        viewport,
        persist_window: true,
        // Window size and panel widths live with the rest of the data (the compose form is saved
        // on every change, in draft.json).
        persistence_path: Some(env.paths.home.join("window-state.ron")),
        // The window finds its own CJK face (one, at start, off the UI thread: core::fonts).
        system_font_fallback: false,
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
