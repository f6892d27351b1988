//! Small JSON files the artist's named things live in (`palettes.json`, `presets.json`): read
//! with a damaged file kept aside rather than overwritten, written atomically, names compared the
//! way an artist reads them.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::imaging::{ImagingError, write_atomic};

/// Why a file of named things could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the saved {what} in {path} could not be read ({why}); {kept}")]
pub struct LoadError {
    /// What the file holds ("palettes", "presets").
    pub what: &'static str,
    pub path: String,
    pub why: String,
    /// What became of the file.
    pub kept: String,
}

/// Reads `path`; a missing file is the default. A file that does not parse is moved aside
/// (`NAME.unreadable`), so that saving anew never destroys it.
pub fn read_json<T: DeserializeOwned + Default>(
    path: &Path,
    what: &'static str,
) -> Result<T, LoadError> {
    let error = |why: String, kept: String| LoadError {
        what,
        path: path.display().to_string(),
        why,
        kept,
    };
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            let mut aside = path.as_os_str().to_owned();
            aside.push(".unreadable");
            let aside = std::path::PathBuf::from(aside);
            let kept = match std::fs::rename(path, &aside) {
                Ok(()) => format!("it is kept as {}", aside.display()),
                Err(r) => format!("it could not be moved aside either ({r})"),
            };
            error(e.to_string(), kept)
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(error(e.to_string(), "it is left as it is".to_owned())),
    }
}

/// Writes `value` to `path` as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ImagingError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| {
        ImagingError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    write_atomic(path, &bytes)
}

/// A name as kept: runs of spaces made one, ends trimmed.
pub fn tidy_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name as compared: tidied, and without regard to case.
pub fn fold_name(name: &str) -> String {
    tidy_name(name).to_lowercase()
}
