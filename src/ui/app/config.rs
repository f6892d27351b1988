//! What the window needs from outside, decided by `main` (or a test).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::core::settings::{ApiKey, KeyStore, Paths};

use super::super::dialogs::{FilePicker, NativePicker};

/// Everything the window needs from outside, decided by `main` (or a test).
#[derive(Clone)]
pub struct AppConfig {
    pub rt: tokio::runtime::Handle,
    pub paths: Paths,
    pub key_store: Arc<dyn KeyStore>,
    /// `REAPI_API_KEY`: it wins over the keyring.
    pub env_key: Option<ApiKey>,
    /// `REAPI_BASE_URL`: it wins over the settings.
    pub env_base_url: Option<Url>,
    pub sandbox_delay: Duration,
    pub sandbox_per_image: Duration,
    pub poll_interval: Duration,
    /// First wait before an uncharged submit is tried again (tests shorten it).
    pub retry_base: Duration,
    /// Restore the last compose form (saved in the data folder on every change).
    pub restore: bool,
    /// Native file dialogs (tests stand in for a desktop without any).
    pub picker: Arc<dyn FilePicker>,
    /// Where the reference host's storage secret is kept (the OS keyring in the app).
    pub storage_secrets: Arc<dyn KeyStore>,
    /// Images to add as references at start ("Open with", `wan-studio PHOTO…`).
    pub open: Vec<PathBuf>,
    /// Where a font for Chinese, Japanese and Korean text is looked for (tests use a fixture).
    pub fonts: crate::core::text::fonts::FontSource,
    /// The OS's language: the window speaks it unless Settings names another.
    pub os_language: crate::core::text::i18n::Lang,
}

impl AppConfig {
    pub fn new(
        rt: tokio::runtime::Handle,
        paths: Paths,
        key_store: Arc<dyn KeyStore>,
    ) -> AppConfig {
        let defaults = crate::sandbox::SandboxConfig::default();
        AppConfig {
            rt,
            paths,
            key_store,
            env_key: None,
            env_base_url: None,
            sandbox_delay: defaults.base_delay,
            sandbox_per_image: defaults.per_image_delay,
            poll_interval: Duration::from_millis(1500),
            retry_base: Duration::from_secs(2),
            restore: true,
            picker: Arc::new(NativePicker),
            storage_secrets: Arc::new(crate::core::settings::MemoryKeyStore::default()),
            open: Vec::new(),
            fonts: crate::core::text::fonts::FontSource::System,
            os_language: crate::core::text::i18n::Lang::En,
        }
    }
}
