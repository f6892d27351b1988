//! Where things live and what the app is configured with.

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Url;

use super::pricing::Rates;

/// Default API host.
pub const DEFAULT_BASE_URL: &str = "https://reapi.ai";
/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "REAPI_API_KEY";
/// Environment variable overriding the API base URL.
pub const ENV_BASE_URL: &str = "REAPI_BASE_URL";
/// Environment variable overriding the data directory.
pub const ENV_HOME: &str = "WAN_STUDIO_HOME";

/// The API key. It has no `Display`, its `Debug` is redacted, and it is only ever read to build the
/// `Authorization` header of an API call.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from user input; `None` when it is blank.
    pub fn new(raw: &str) -> Option<ApiKey> {
        let key = raw.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_owned()))
    }

    /// The secret itself. Call sites: the Authorization header, the keyring, equality checks in tests.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A hint safe to show: the last four characters, `••••abcd`.
    pub fn hint(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if self.0.chars().count() <= 8 {
            "••••".to_owned()
        } else {
            format!("••••{tail}")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

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
    #[error("{ENV_BASE_URL} '{0}' is not a valid http(s) address")]
    BadBaseUrl(String),
}

/// Parses and checks an API base URL.
pub fn parse_base_url(raw: &str) -> Result<Url, SettingsError> {
    let url = Url::parse(raw.trim()).map_err(|_| SettingsError::BadBaseUrl(raw.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(SettingsError::BadBaseUrl(raw.to_owned()));
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
    }
}
