//! Presets: the compose form's settings under a name (`presets.json` in the data folder), used by
//! the window, `wan-studio generate --preset NAME` and a job file's `"preset": "NAME"`.
//!
//! A preset keeps what shapes a request but not what it is about: tier, size, resolution, count,
//! the seed policy, group series, palette, negative prompt, thinking mode and watermark; never
//! the prompt or the references.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::api::request::{GenerationRequest, Model};
use crate::core::api::rules::Gear;
use crate::core::draft::{Draft, SizeKind};
use crate::core::imaging::ImagingError;
use crate::core::palette::Palette;
use crate::core::settings::Paths;
use crate::core::store::{self, LoadError, fold_name, tidy_name};

/// The longest name a preset may have, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The most presets kept.
pub const MAX_SAVED: usize = 200;
/// The largest presets file read (200 presets take about 100 KiB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The form's settings a preset keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // the form's own switches
pub struct Preset {
    pub model: Model,
    pub size_kind: SizeKind,
    pub aspect: (u32, u32),
    pub resolution: Gear,
    pub custom: (u32, u32),
    pub n: u32,
    /// A new random seed each time, or the fixed `seed`.
    pub random_seed: bool,
    pub seed: i64,
    pub group: bool,
    /// The palette, when it is turned on.
    pub palette: Option<Palette>,
    pub negative_prompt: String,
    pub thinking: bool,
    pub watermark: bool,
}

impl Preset {
    /// What the form is set to now.
    pub fn of(draft: &Draft) -> Preset {
        Preset {
            model: draft.model,
            size_kind: draft.size_kind,
            aspect: draft.aspect,
            resolution: draft.resolution,
            custom: draft.custom,
            n: draft.n,
            random_seed: draft.random_seed,
            seed: draft.seed,
            group: draft.group,
            palette: draft.palette_on.then(|| draft.palette.clone()),
            negative_prompt: draft.negative_prompt.clone(),
            thinking: draft.thinking,
            watermark: draft.watermark,
        }
    }

    /// Sets the form to it; the prompt and the references stay as they are. A preset without a
    /// palette turns the palette off and leaves its swatches for later.
    pub fn apply(&self, draft: &mut Draft) {
        draft.model = self.model;
        draft.size_kind = self.size_kind;
        draft.aspect = self.aspect;
        draft.resolution = self.resolution;
        draft.custom = self.custom;
        draft.n = self.n;
        draft.random_seed = self.random_seed;
        draft.seed = self.seed;
        draft.group = self.group;
        draft.palette_on = self.palette.is_some();
        if let Some(p) = &self.palette {
            draft.palette = p.clone();
        }
        draft.negative_prompt.clone_from(&self.negative_prompt);
        draft.thinking = self.thinking;
        draft.watermark = self.watermark;
    }

    /// The request fields it sets, for a text-to-image request of `prompt` (the command line and
    /// job files start from this). A random seed policy leaves the seed unset.
    pub fn request(&self, prompt: Option<String>) -> GenerationRequest {
        let mut draft = Draft::default();
        self.apply(&mut draft);
        let mut r = draft.to_request(0);
        r.prompt = prompt;
        if self.random_seed {
            r.seed = None;
        }
        r
    }
}

/// Which fields were set over a preset's request (by a flag or a job file's field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    pub size: bool,
    pub resolution: bool,
    pub thinking: bool,
}

impl Overrides {
    /// Makes a request that started from a preset whole again: a size given without a resolution
    /// drops the preset's resolution (the two go together), and the preset's thinking mode stays
    /// only where it applies (text-to-image outside a group series).
    pub fn settle(self, req: &mut GenerationRequest) {
        if self.size && !self.resolution {
            req.resolution = None;
        }
        if !self.thinking && (!req.image_urls.is_empty() || req.is_group()) {
            req.thinking_mode = None;
        }
    }
}

/// A preset under the name the artist gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPreset {
    pub name: String,
    pub preset: Preset,
}

/// Why a preset could not be kept or found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    #[error("give the preset a name")]
    Empty,
    #[error("a preset's name can be at most {MAX_NAME_CHARS} characters")]
    TooLong,
    #[error("at most {MAX_SAVED} presets are kept: delete one first")]
    Full,
    #[error("there is no preset named '{name}'{}", known_list(.known))]
    Unknown { name: String, known: Vec<String> },
    #[error("a preset named '{0}' exists already")]
    Taken(String),
    /// A presets file to import could not be read or is not one.
    #[error("{0}")]
    File(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (none are saved yet)".to_owned()
    } else {
        format!(" (the presets are: {})", known.join(", "))
    }
}

/// Every preset, in the order first saved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedPresets {
    presets: Vec<NamedPreset>,
}

impl SavedPresets {
    pub fn path(paths: &Paths) -> PathBuf {
        paths.home.join("presets.json")
    }

    /// Reads the saved presets (none yet: an empty list; a damaged file is kept aside).
    pub fn load(paths: &Paths) -> Result<SavedPresets, LoadError> {
        store::read_json(&Self::path(paths), "presets")
    }

    /// Writes them atomically.
    pub fn save(&self, paths: &Paths) -> Result<(), ImagingError> {
        store::write_json(&Self::path(paths), self)
    }

    pub fn iter(&self) -> impl Iterator<Item = &NamedPreset> {
        self.presets.iter()
    }

    pub fn len(&self) -> usize {
        self.presets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.presets.is_empty()
    }

    /// The preset of this name (case and spacing aside).
    pub fn get(&self, name: &str) -> Option<&Preset> {
        let key = fold_name(name);
        self.presets
            .iter()
            .find(|p| fold_name(&p.name) == key)
            .map(|p| &p.preset)
    }

    /// The preset of this name, or an error that lists the names there are.
    pub fn find(&self, name: &str) -> Result<&Preset, PresetError> {
        self.get(name).ok_or_else(|| PresetError::Unknown {
            name: name.to_owned(),
            known: self.presets.iter().map(|p| p.name.clone()).collect(),
        })
    }

    /// Keeps `preset` as `name`, replacing one of the same name in its place. Whether one was
    /// replaced.
    pub fn put(&mut self, name: &str, preset: Preset) -> Result<bool, PresetError> {
        let name = valid_name(name)?;
        let key = fold_name(&name);
        if let Some(old) = self.presets.iter_mut().find(|p| fold_name(&p.name) == key) {
            *old = NamedPreset { name, preset };
            return Ok(true);
        }
        if self.presets.len() >= MAX_SAVED {
            return Err(PresetError::Full);
        }
        self.presets.push(NamedPreset { name, preset });
        Ok(false)
    }

    /// Gives a preset another name (refused when another preset has it).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), PresetError> {
        let to = valid_name(to)?;
        let (from_key, to_key) = (fold_name(from), fold_name(&to));
        if from_key != to_key && self.get(&to).is_some() {
            return Err(PresetError::Taken(to));
        }
        self.find(from)?;
        if let Some(p) = self
            .presets
            .iter_mut()
            .find(|p| fold_name(&p.name) == from_key)
        {
            p.name = to;
        }
        Ok(())
    }

    /// Forgets the preset of this name; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let key = fold_name(name);
        let before = self.presets.len();
        self.presets.retain(|p| fold_name(&p.name) != key);
        self.presets.len() != before
    }

    /// Writes every preset to a file of their own (to give to someone, or keep).
    pub fn export(&self, path: &Path) -> Result<(), ImagingError> {
        store::write_json(path, self)
    }

    /// Adds the presets of an exported file, replacing those of the same names. How many.
    pub fn import(&mut self, path: &Path) -> Result<usize, PresetError> {
        let other = SavedPresets::read(path)?;
        self.merge(other)
    }

    /// Reads an exported presets file (at most [`MAX_FILE_BYTES`]), to [`SavedPresets::merge`].
    pub fn read(path: &Path) -> Result<SavedPresets, PresetError> {
        use std::io::Read;
        let unreadable = |e: std::io::Error| {
            PresetError::File(format!("{} could not be read: {e}", path.display()))
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(PresetError::File(format!(
                "{} is larger than a presets file can be ({} KiB at most)",
                path.display(),
                MAX_FILE_BYTES / 1024
            )));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            PresetError::File(format!("{} is not a presets file: {e}", path.display()))
        })
    }

    /// Adds `other`'s presets, replacing those of the same names. How many. Nothing is added
    /// when one of them cannot be kept (a bad name, or more than can be kept).
    pub fn merge(&mut self, other: SavedPresets) -> Result<usize, PresetError> {
        let mut merged = self.clone();
        let count = other.presets.len();
        for p in other.presets {
            merged.put(&p.name, p.preset)?;
        }
        *self = merged;
        Ok(count)
    }
}

fn valid_name(name: &str) -> Result<String, PresetError> {
    let name = tidy_name(name);
    if name.is_empty() {
        return Err(PresetError::Empty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(PresetError::TooLong);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide_pro() -> Draft {
        let mut d = Draft {
            model: Model::Pro,
            aspect: (16, 9),
            resolution: Gear::K1,
            n: 3,
            random_seed: false,
            seed: 77,
            negative_prompt: "模糊, text".into(),
            thinking: false,
            watermark: true,
            prompt: "a harbour".into(),
            ..Draft::default()
        };
        d.palette_on = true;
        d
    }

    #[test]
    fn a_preset_restores_the_forms_settings_but_not_its_prompt() {
        let saved = wide_pro();
        let preset = Preset::of(&saved);
        let mut other = Draft {
            prompt: "a meadow".into(),
            ..Draft::default()
        };
        preset.apply(&mut other);
        assert_eq!(other.prompt, "a meadow");
        assert_eq!(
            Draft {
                prompt: saved.prompt.clone(),
                ..other
            },
            saved
        );
    }

    #[test]
    fn as_a_request_it_sends_what_the_form_would() {
        let preset = Preset::of(&wide_pro());
        let r = preset.request(Some("fox".into()));
        assert_eq!(r.model, Model::Pro);
        assert_eq!(
            (r.size.as_deref(), r.resolution.as_deref()),
            (Some("16:9"), Some("1K"))
        );
        assert_eq!((r.n, r.seed, r.watermark), (3, Some(77), Some(true)));
        assert_eq!(r.negative_prompt.as_deref(), Some("模糊, text"));
        assert!(r.color_palette.is_some());
        let random = Preset {
            random_seed: true,
            ..preset
        };
        assert_eq!(random.request(None).seed, None);
    }

    #[test]
    fn presets_are_kept_by_name_renamed_exported_and_imported() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let mut saved = SavedPresets::load(&paths).unwrap();
        assert!(saved.is_empty());
        assert_eq!(
            saved.put(" Product  shots ", Preset::of(&wide_pro())),
            Ok(false)
        );
        assert_eq!(
            saved.put("故事板", Preset::of(&Draft::default())),
            Ok(false)
        );
        assert_eq!(
            saved.put("product shots", Preset::of(&wide_pro())),
            Ok(true)
        );
        assert_eq!(
            saved.rename("故事板", "Product Shots"),
            Err(PresetError::Taken("Product Shots".into()))
        );
        saved.rename("故事板", "storyboard").unwrap();
        saved.save(&paths).unwrap();
        let back = SavedPresets::load(&paths).unwrap();
        assert_eq!(back, saved);
        let e = back.find("nope").unwrap_err().to_string();
        assert_eq!(
            e,
            "there is no preset named 'nope' (the presets are: product shots, storyboard)"
        );
        let file = dir.path().join("mine.json");
        back.export(&file).unwrap();
        let mut fresh = SavedPresets::default();
        assert_eq!(fresh.import(&file), Ok(2));
        assert_eq!(fresh, back);
        assert!(fresh.remove("STORYBOARD"));
        assert_eq!(fresh.len(), 1);
        assert_eq!(
            SavedPresets::default().put("  ", Preset::of(&Draft::default())),
            Err(PresetError::Empty)
        );
    }

    #[test]
    fn an_import_is_bounded_and_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let huge = dir.path().join("huge.json");
        std::fs::write(
            &huge,
            vec![b' '; usize::try_from(MAX_FILE_BYTES).unwrap() + 1],
        )
        .unwrap();
        let e = SavedPresets::read(&huge).unwrap_err().to_string();
        assert!(e.contains("larger than a presets file can be"), "{e}");

        // One too many to keep: none of them is added.
        let mut kept = SavedPresets::default();
        kept.put("mine", Preset::of(&wide_pro())).unwrap();
        let mut other = SavedPresets::default();
        for i in 0..MAX_SAVED {
            other
                .put(&format!("theirs {i}"), Preset::of(&wide_pro()))
                .unwrap();
        }
        let before = kept.clone();
        assert_eq!(kept.merge(other), Err(PresetError::Full));
        assert_eq!(kept, before);
    }
}
