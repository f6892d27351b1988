//! Named palettes the artist keeps and reuses: `palettes.json` in the data folder, written
//! atomically (temp file, fsync, rename). Kept apart from the settings so that saving a palette and
//! saving the Settings window never overwrite each other.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::core::imaging::ImagingError;
use crate::core::palette::Palette;
use crate::core::settings::Paths;
use crate::core::store;

/// The longest name a palette may have, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The most palettes kept.
pub const MAX_SAVED: usize = 200;

/// A palette under the name the artist gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedPalette {
    pub name: String,
    pub palette: Palette,
}

/// Why a palette could not be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("give the palette a name")]
    Empty,
    #[error("a palette's name can be at most {MAX_NAME_CHARS} characters")]
    TooLong,
    #[error("at most {MAX_SAVED} palettes are kept: delete one first")]
    Full,
}

pub use crate::core::store::LoadError;

/// Every named palette, in the order they were first saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPalettes {
    palettes: Vec<NamedPalette>,
}

impl SavedPalettes {
    pub fn path(paths: &Paths) -> PathBuf {
        paths.home.join("palettes.json")
    }

    /// Reads the saved palettes; none saved yet is an empty list. A file that is not a list of
    /// palettes is kept aside (`palettes.json.unreadable`) so that saving anew never destroys it.
    pub fn load(paths: &Paths) -> Result<SavedPalettes, LoadError> {
        store::read_json(&Self::path(paths), "palettes")
    }

    /// Writes them atomically.
    pub fn save(&self, paths: &Paths) -> Result<(), ImagingError> {
        store::write_json(&Self::path(paths), self)
    }

    pub fn iter(&self) -> impl Iterator<Item = &NamedPalette> {
        self.palettes.iter()
    }

    pub fn len(&self) -> usize {
        self.palettes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.palettes.is_empty()
    }

    /// The palette of this name (names are compared without regard to case or surrounding
    /// spaces).
    pub fn get(&self, name: &str) -> Option<&Palette> {
        let key = fold(name);
        self.palettes
            .iter()
            .find(|p| fold(&p.name) == key)
            .map(|p| &p.palette)
    }

    /// Keeps `palette` as `name`, replacing one of the same name (it keeps its place). Returns
    /// whether one was replaced.
    pub fn put(&mut self, name: &str, palette: Palette) -> Result<bool, NameError> {
        let name = store::tidy_name(name);
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong);
        }
        let key = fold(&name);
        if let Some(old) = self.palettes.iter_mut().find(|p| fold(&p.name) == key) {
            *old = NamedPalette { name, palette };
            return Ok(true);
        }
        if self.palettes.len() >= MAX_SAVED {
            return Err(NameError::Full);
        }
        self.palettes.push(NamedPalette { name, palette });
        Ok(false)
    }

    /// Forgets the palette of this name; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let key = fold(name);
        let before = self.palettes.len();
        self.palettes.retain(|p| fold(&p.name) != key);
        self.palettes.len() != before
    }
}

use store::fold_name as fold;

#[cfg(test)]
mod tests {
    use super::*;

    fn warm() -> Palette {
        Palette::from_colours(&[[200, 80, 40], [240, 200, 120], [90, 40, 30]]).unwrap()
    }

    #[test]
    fn palettes_are_kept_by_name_replaced_by_the_same_name_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert!(SavedPalettes::load(&paths).unwrap().is_empty());
        let mut saved = SavedPalettes::default();
        assert_eq!(saved.put("  Autumn   dusk ", warm()), Ok(false));
        assert_eq!(saved.put("山水", Palette::default()), Ok(false));
        // The same name in another case replaces it, in its place.
        assert_eq!(saved.put("autumn dusk", Palette::default()), Ok(true));
        assert_eq!(saved.len(), 2);
        assert_eq!(saved.iter().next().unwrap().name, "autumn dusk");
        saved.save(&paths).unwrap();
        let back = SavedPalettes::load(&paths).unwrap();
        assert_eq!(back, saved);
        assert_eq!(back.get("山水"), Some(&Palette::default()));
        let mut back = back;
        assert!(back.remove("AUTUMN DUSK"));
        assert!(!back.remove("autumn dusk"));
        assert_eq!(back.len(), 1);
    }

    #[test]
    fn a_name_must_be_given_and_not_too_long() {
        let mut saved = SavedPalettes::default();
        assert_eq!(saved.put("   ", warm()), Err(NameError::Empty));
        let long = "调".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(saved.put(&long, warm()), Err(NameError::TooLong));
        assert_eq!(saved.put(&"调".repeat(MAX_NAME_CHARS), warm()), Ok(false));
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_it_not_an_empty_list() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::write(SavedPalettes::path(&paths), b"{ not json").unwrap();
        let e = SavedPalettes::load(&paths).unwrap_err();
        assert!(e.to_string().contains("palettes.json"), "{e}");
        // Kept aside, so a palette saved now does not destroy what was there.
        let aside = dir.path().join("palettes.json.unreadable");
        assert_eq!(std::fs::read(&aside).unwrap(), b"{ not json");
        assert!(SavedPalettes::load(&paths).unwrap().is_empty());
    }
}
