//! Where things live and what the app is configured with.

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Url;

use crate::core::api::pricing::Rates;

/// Default API host.
pub const DEFAULT_BASE_URL: &str = "https://reapi.ai";
/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "REAPI_API_KEY";
/// Environment variable overriding the API base URL.
pub const ENV_BASE_URL: &str = "REAPI_BASE_URL";
/// Environment variable overriding the data directory.
pub const ENV_HOME: &str = "WAN_STUDIO_HOME";

pub use crate::core::api::key::ApiKey;

/// The data directory and the places inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub home: PathBuf,
}

impl Paths {
    pub fn new(home: impl Into<PathBuf>) -> Paths {
        Paths { home: home.into() }
    }

    /// `WAN_STUDIO_HOME`, else the platform's data directory (`~/.local/share/wan-studio` on Linux).
    pub fn from_env() -> Result<Paths, SettingsError> {
        if let Some(home) = std::env::var_os(ENV_HOME).filter(|h| !h.is_empty()) {
            return Ok(Paths::new(home));
        }
        directories::ProjectDirs::from("", "", "wan-studio")
            .map(|d| Paths::new(d.data_dir()))
            .ok_or(SettingsError::NoHome)
    }

    pub fn journal(&self) -> PathBuf {
        self.home.join("journal.sqlite3")
    }

    pub fn library(&self) -> PathBuf {
        self.home.join("library")
    }

    pub fn thumbnails(&self) -> PathBuf {
        self.home.join("thumbnails")
    }

    pub fn sandbox(&self) -> PathBuf {
        self.home.join("sandbox")
    }

    /// The window's rotating log files.
    pub fn logs(&self) -> PathBuf {
        self.home.join("logs")
    }

    /// Makes a path inside home relative to it (for storing in the journal).
    pub fn relative<'a>(&self, p: &'a Path) -> &'a Path {
        p.strip_prefix(&self.home).unwrap_or(p)
    }

    pub fn absolute(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.home.join(p)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("no data directory could be found; set {ENV_HOME} to a folder Wan Studio may write to")]
    NoHome,
    #[error("'{0}' is not a valid http(s) address")]
    BadBaseUrl(String),
    #[error(
        "'{0}' is not https: the API key is sent only over TLS (plain http:// is allowed to this machine only: 127.0.0.1, ::1 or localhost)"
    )]
    InsecureBaseUrl(String),
    #[error("the settings file {0} could not be used: {1}")]
    Corrupt(String, String),
}

/// Parses and checks an API base URL: where the key may go. `https://`, or `http://` to a loopback
/// host named as such (`127.0.0.0/8`, `::1`, `localhost`; not `0.0.0.0`, not a name that may
/// resolve anywhere). Checked before any network use.
pub fn parse_base_url(raw: &str) -> Result<Url, SettingsError> {
    let url = Url::parse(raw.trim()).map_err(|_| SettingsError::BadBaseUrl(raw.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(SettingsError::BadBaseUrl(raw.to_owned()));
    }
    if !crate::core::api::rules::key_may_go_to(&url) {
        return Err(SettingsError::InsecureBaseUrl(raw.trim().to_owned()));
    }
    Ok(url)
}

/// The configuration read from the environment.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    pub api_key: Option<ApiKey>,
    pub base_url: Url,
    pub paths: Paths,
    pub rates: Rates,
}

impl EnvConfig {
    pub fn from_env() -> Result<EnvConfig, SettingsError> {
        let api_key = std::env::var(ENV_API_KEY)
            .ok()
            .and_then(|k| ApiKey::new(&k));
        let base_url = match std::env::var(ENV_BASE_URL) {
            Ok(raw) if !raw.trim().is_empty() => parse_base_url(&raw)?,
            _ => parse_base_url(DEFAULT_BASE_URL)?,
        };
        Ok(EnvConfig {
            api_key,
            base_url,
            paths: Paths::from_env()?,
            rates: Rates::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_redacted() {
        let k = ApiKey::new("  sk-secret-1234567890  ").unwrap();
        assert_eq!(k.expose(), "sk-secret-1234567890");
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        assert_eq!(k.hint(), "••••7890");
        assert!(ApiKey::new("   ").is_none());
    }

    #[test]
    fn base_url_is_checked() {
        assert!(parse_base_url("https://reapi.ai").is_ok());
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("nonsense").is_err());
        // The key goes over TLS, or to this machine only.
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://127.9.9.9:8080").is_ok());
        assert!(parse_base_url("http://[::1]:8080").is_ok());
        assert!(parse_base_url("http://localhost:8080").is_ok());
        for bad in [
            "http://example.invalid",
            "http://0.0.0.0:8080",
            "http://localhost.example.com",
            "http://169.254.169.254",
            "http://[::]:80",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(SettingsError::InsecureBaseUrl(_))),
                "{bad}"
            );
        }
    }
}

/// The window's colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// Settings the artist changes in the window. Stored as `settings.json` in the data folder; the key
/// is never among them (it lives in the OS keyring, or the environment).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AppSettings {
    pub base_url: String,
    pub rates: Rates,
    pub export_dir: Option<PathBuf>,
    pub theme: Theme,
    /// Which side panels are open (their widths are kept with the window's state).
    pub panels: Panels,
    /// Where local references are uploaded when sending to the API (its secret is in the
    /// keyring, never here).
    pub reference_host: Option<crate::core::references::hosting::S3Settings>,
    /// What the transparent parts of a reference file are flattened onto (the provider takes no
    /// transparency): white unless the artist picks another colour.
    pub flatten_onto: [u8; 3],
    /// The most the estimated spend may reach in a calendar month (micro-dollars); Generate is
    /// blocked before a send would go past it.
    pub monthly_budget_micro_usd: Option<u64>,
    /// The language the window speaks; none: the OS's.
    pub language: Option<crate::core::text::i18n::Lang>,
    /// What the content credentials of every image say beyond its AI marking.
    pub credentials: CredentialsSettings,
}

/// The content credentials' settings: the AI marking is always written; the prompt and the
/// parameters only when the artist keeps them in; the signer is this computer's own identity
/// unless a certificate chain and key of the artist's are named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CredentialsSettings {
    pub include_prompt: bool,
    /// A PEM certificate chain (signing certificate first) from a CA, and its PEM private key.
    pub signing_chain: Option<PathBuf>,
    pub signing_key: Option<PathBuf>,
}

impl Default for CredentialsSettings {
    fn default() -> Self {
        CredentialsSettings {
            include_prompt: true,
            signing_chain: None,
            signing_key: None,
        }
    }
}

/// The window's side panels, open or collapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Panels {
    pub compose: bool,
    pub queue: bool,
}

impl Default for Panels {
    fn default() -> Self {
        Panels {
            compose: true,
            queue: true,
        }
    }
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            base_url: DEFAULT_BASE_URL.to_owned(),
            rates: Rates::default(),
            export_dir: None,
            theme: Theme::System,
            panels: Panels::default(),
            reference_host: None,
            flatten_onto: [255, 255, 255],
            monthly_budget_micro_usd: None,
            language: None,
            credentials: CredentialsSettings::default(),
        }
    }
}

impl AppSettings {
    pub fn path(paths: &Paths) -> PathBuf {
        paths.home.join("settings.json")
    }

    /// Loads the settings; missing means defaults, unreadable is an error naming the file.
    pub fn load(paths: &Paths) -> Result<AppSettings, SettingsError> {
        let path = Self::path(paths);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| SettingsError::Corrupt(path.display().to_string(), e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppSettings::default()),
            Err(e) => Err(SettingsError::Corrupt(
                path.display().to_string(),
                e.to_string(),
            )),
        }
    }

    /// Saves atomically.
    pub fn save(&self, paths: &Paths) -> Result<(), SettingsError> {
        let path = Self::path(paths);
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| SettingsError::Corrupt(path.display().to_string(), e.to_string()))?;
        crate::core::imaging::write_atomic(&path, &bytes)
            .map_err(|e| SettingsError::Corrupt(path.display().to_string(), e.to_string()))
    }

    /// The base URL, checked; the default if the stored one is unusable.
    pub fn base_url(&self) -> Url {
        parse_base_url(&self.base_url).unwrap_or_else(|_| default_base_url())
    }
}

#[allow(clippy::expect_used)] // a constant literal, not outside input; a test parses it
fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("DEFAULT_BASE_URL parses")
}

/// Why the key store failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyStoreError {
    #[error(
        "no OS keyring is available here ({0}); use the {ENV_API_KEY} environment variable instead"
    )]
    Unavailable(String),
    #[error("the OS keyring refused: {0}")]
    Failed(String),
}

/// Where the API key is kept between runs. Calls may block (D-Bus): never on the UI thread.
pub trait KeyStore: Send + Sync + fmt::Debug {
    fn load(&self) -> Result<Option<ApiKey>, KeyStoreError>;
    fn store(&self, key: &ApiKey) -> Result<(), KeyStoreError>;
    fn forget(&self) -> Result<(), KeyStoreError>;
    /// "the OS keyring", "memory", …
    fn describe(&self) -> &'static str;
}

/// The operating system's keyring (Secret Service, Keychain, Credential Manager): one secret per
/// store — the API key (the default), or the reference host's storage secret.
#[derive(Debug)]
pub struct OsKeyring {
    user: &'static str,
}

impl Default for OsKeyring {
    fn default() -> Self {
        OsKeyring { user: KEYRING_USER }
    }
}

const KEYRING_SERVICE: &str = "wan-studio";
const KEYRING_USER: &str = "reapi-api-key";
const KEYRING_STORAGE_USER: &str = "reference-host-secret";

impl OsKeyring {
    /// Where the S3-compatible storage's secret access key is kept.
    pub fn storage_secret() -> OsKeyring {
        OsKeyring {
            user: KEYRING_STORAGE_USER,
        }
    }

    fn entry(&self) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(KEYRING_SERVICE, self.user).map_err(classify)
    }
}

fn classify(e: keyring::Error) -> KeyStoreError {
    match e {
        keyring::Error::NoDefaultStore
        | keyring::Error::NoStorageAccess(_)
        | keyring::Error::PlatformFailure(_) => KeyStoreError::Unavailable(e.to_string()),
        other => KeyStoreError::Failed(other.to_string()),
    }
}

impl KeyStore for OsKeyring {
    fn load(&self) -> Result<Option<ApiKey>, KeyStoreError> {
        match self.entry()?.get_password() {
            Ok(k) => Ok(ApiKey::new(&k)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    fn store(&self, key: &ApiKey) -> Result<(), KeyStoreError> {
        self.entry()?.set_password(key.expose()).map_err(classify)
    }

    fn forget(&self) -> Result<(), KeyStoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    fn describe(&self) -> &'static str {
        "the OS keyring"
    }
}

/// A key store that forgets on exit (tests, and machines without a keyring).
#[derive(Debug, Default)]
pub struct MemoryKeyStore(std::sync::Mutex<Option<ApiKey>>);

impl MemoryKeyStore {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<ApiKey>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self) -> Result<Option<ApiKey>, KeyStoreError> {
        Ok(self.slot().clone())
    }

    fn store(&self, key: &ApiKey) -> Result<(), KeyStoreError> {
        *self.slot() = Some(key.clone());
        Ok(())
    }

    fn forget(&self) -> Result<(), KeyStoreError> {
        *self.slot() = None;
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "memory (forgotten on exit)"
    }
}

/// A key store for a machine without a keyring: nothing can be kept between runs. Every call
/// fails as the OS keyring does where there is none (tests use it to stand for such a machine).
#[derive(Debug, Default)]
pub struct NoKeyring;

impl KeyStore for NoKeyring {
    fn load(&self) -> Result<Option<ApiKey>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("no Secret Service".to_owned()))
    }

    fn store(&self, _key: &ApiKey) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("no Secret Service".to_owned()))
    }

    fn forget(&self) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("no Secret Service".to_owned()))
    }

    fn describe(&self) -> &'static str {
        "no keyring"
    }
}

/// Where the key in use came from, and so where it really is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `REAPI_API_KEY` (it wins over the keyring).
    Environment,
    /// Stored in the key store, for later runs too.
    Keyring,
    /// Typed in this session and held in memory only: the key store could not keep it.
    Session,
    None,
}

impl KeySource {
    /// Where the key is, in the words Settings shows: never claims a keyring that is not there.
    pub fn describe(self, hint: &str, store: &str) -> String {
        match self {
            KeySource::Environment => {
                format!("Using {hint} from {ENV_API_KEY} (the environment wins over the keyring).")
            }
            KeySource::Keyring => format!("Key {hint} stored in {store}."),
            KeySource::Session => format!(
                "Key {hint} held for this session only: no keyring here, so it is forgotten when Wan Studio closes. Set {ENV_API_KEY} to keep one."
            ),
            KeySource::None => "No key: Wan Studio runs in Sandbox mode.".to_owned(),
        }
    }
}

/// Where Quick export puts images: the platform's Pictures folder, in a `Wan Studio` folder
/// (`~/Pictures/Wan Studio` where the platform names no Pictures folder). Never the data folder.
pub fn default_export_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    let pictures = dirs
        .picture_dir()
        .map_or_else(|| dirs.home_dir().join("Pictures"), Path::to_path_buf);
    Some(pictures.join("Wan Studio"))
}

#[cfg(test)]
mod app_settings_tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_default_url_parses() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert_eq!(AppSettings::load(&paths).unwrap(), AppSettings::default());
        let s = AppSettings {
            theme: Theme::Dark,
            rates: Rates {
                standard_micro_usd: 30_000,
                pro_micro_usd: 80_000,
            },
            ..AppSettings::default()
        };
        s.save(&paths).unwrap();
        assert_eq!(AppSettings::load(&paths).unwrap(), s);
        assert_eq!(default_base_url().as_str(), "https://reapi.ai/");
        std::fs::write(AppSettings::path(&paths), b"{ nope").unwrap();
        assert!(
            AppSettings::load(&paths)
                .unwrap_err()
                .to_string()
                .contains("settings.json")
        );
    }

    #[test]
    fn memory_store_keeps_a_key() {
        let s = MemoryKeyStore::default();
        assert!(s.load().unwrap().is_none());
        s.store(&ApiKey::new("k-1").unwrap()).unwrap();
        assert_eq!(s.load().unwrap().unwrap().expose(), "k-1");
        s.forget().unwrap();
        assert!(s.load().unwrap().is_none());
    }
}
