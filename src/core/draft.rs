//! The compose form as data: what the artist has set, turned into a request, checked, priced.
//!
//! The window edits a [`Draft`]; everything it shows about the request (mode, pixel size, price,
//! problems, which controls apply) is derived here, so it is tested without a window.

use serde::{Deserialize, Serialize};

use std::path::PathBuf;

use crate::core::api::pricing::{Estimate, Rates};
use crate::core::api::request::{BBox, GenerationRequest, Mode, Model};
use crate::core::api::rules::{self, Context, Gear, MAX_N, MAX_N_GROUP, Problems, SizeSpec};
use crate::core::imaging::{ImagingError, write_atomic};
use crate::core::job::JobId;
use crate::core::palette::Palette;
use crate::core::settings::Paths;

/// How the size is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SizeKind {
    /// An aspect ratio paired with a resolution gear.
    #[default]
    Aspect,
    /// A gear alone (square).
    Gear,
    /// Exact pixels.
    Custom,
}

/// One reference image and the boxes drawn on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    /// What the artist calls it (file name, "Result 3", …).
    pub label: String,
    /// Pixel size, once loaded.
    #[serde(default)]
    pub dims: Option<(u32, u32)>,
    /// Boxes in this image's pixels.
    #[serde(default)]
    pub boxes: Vec<BBox>,
    /// What preflight will do to a local file before it is sent ("Rotated as its camera
    /// recorded."), once it has been looked at. Not saved: it is looked at again.
    #[serde(skip)]
    pub note: Option<Vec<crate::core::text::i18n::Message>>,
    /// The earlier result it is (job id, result index): the new job records it as its parent.
    #[serde(default)]
    pub from_result: Option<(JobId, u32)>,
}

impl Reference {
    pub fn new(url: impl Into<String>, label: impl Into<String>) -> Reference {
        Reference {
            url: url.into(),
            label: label.into(),
            dims: None,
            boxes: Vec::new(),
            note: None,
            from_result: None,
        }
    }
}

/// The compose form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // each is a switch on the form
#[serde(default)]
pub struct Draft {
    pub model: Model,
    pub prompt: String,
    pub negative_prompt: String,
    pub size_kind: SizeKind,
    pub aspect: (u32, u32),
    pub resolution: Gear,
    pub custom: (u32, u32),
    pub n: u32,
    /// A new random seed for every generation, or the fixed `seed`.
    pub random_seed: bool,
    pub seed: i64,
    pub watermark: bool,
    pub thinking: bool,
    pub group: bool,
    pub references: Vec<Reference>,
    pub palette_on: bool,
    pub palette: Palette,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            model: Model::Standard,
            prompt: String::new(),
            negative_prompt: String::new(),
            size_kind: SizeKind::Aspect,
            aspect: (1, 1),
            resolution: Gear::K2,
            custom: (1024, 1024),
            n: 1,
            random_seed: true,
            seed: 42,
            watermark: false,
            thinking: true,
            group: false,
            references: Vec::new(),
            palette_on: false,
            palette: Palette::default(),
        }
    }
}

impl Draft {
    /// The request this form describes. `seed` is used when the form asks for a random one.
    pub fn to_request(&self, random_seed: i64) -> GenerationRequest {
        let mut r = GenerationRequest::new(self.model);
        r.prompt = (!self.prompt.trim().is_empty()).then(|| self.prompt.clone());
        r.negative_prompt =
            (!self.negative_prompt.trim().is_empty()).then(|| self.negative_prompt.clone());
        r.image_urls = self.references.iter().map(|x| x.url.clone()).collect();
        r.n = i64::from(self.n);
        match self.size_kind {
            // With references the output takes the last one's shape: the aspect ratio does not
            // apply, so only the resolution is sent.
            SizeKind::Aspect if !self.references.is_empty() => {
                r.size = Some(self.resolution.as_str().to_owned());
            }
            SizeKind::Aspect => {
                r.size = Some(SizeSpec::Aspect(self.aspect.0, self.aspect.1).to_wire());
                r.resolution = Some(self.resolution.as_str().to_owned());
            }
            SizeKind::Gear => r.size = Some(self.resolution.as_str().to_owned()),
            SizeKind::Custom => {
                r.size = Some(SizeSpec::Pixels(self.custom.0, self.custom.1).to_wire());
            }
        }
        r.seed = Some(if self.random_seed {
            random_seed
        } else {
            self.seed
        });
        r.watermark = self.watermark.then_some(true);
        r.enable_sequential = self.group.then_some(true);
        // Thinking mode is only sent where it takes effect.
        if self.thinking_applies() {
            r.thinking_mode = Some(self.thinking);
        }
        if self.references.iter().any(|x| !x.boxes.is_empty()) {
            r.bbox_list = Some(self.references.iter().map(|x| x.boxes.clone()).collect());
        }
        if self.palette_on {
            r.color_palette = Some(self.palette.to_entries());
        }
        r
    }

    /// The form that produced a request ("Reuse settings"), seed included.
    pub fn from_request(req: &GenerationRequest) -> Draft {
        let mut d = Draft {
            model: req.model,
            ..Draft::default()
        };
        d.prompt = req.prompt.clone().unwrap_or_default();
        d.negative_prompt = req.negative_prompt.clone().unwrap_or_default();
        d.n = u32::try_from(req.n).unwrap_or(1).max(1);
        let resolution = req.resolution.as_deref().and_then(Gear::parse);
        match req.size.as_deref().and_then(SizeSpec::parse) {
            Some(SizeSpec::Aspect(a, b)) => {
                d.size_kind = SizeKind::Aspect;
                d.aspect = (a, b);
                d.resolution = resolution.unwrap_or(Gear::K2);
            }
            // An edit sends only its resolution: the form had an aspect ratio that did not apply.
            Some(SizeSpec::Gear(g)) if !req.image_urls.is_empty() => {
                d.size_kind = SizeKind::Aspect;
                d.resolution = g;
            }
            Some(SizeSpec::Gear(g)) => {
                d.size_kind = SizeKind::Gear;
                d.resolution = g;
            }
            Some(SizeSpec::Pixels(w, h)) => {
                d.size_kind = SizeKind::Custom;
                d.custom = (w, h);
            }
            None => {
                d.size_kind = SizeKind::Aspect;
                d.resolution = resolution.unwrap_or(Gear::K2);
            }
        }
        if let Some(seed) = req.seed {
            d.random_seed = false;
            d.seed = seed;
        }
        d.watermark = req.watermark == Some(true);
        d.thinking = req.thinking_mode != Some(false);
        d.group = req.is_group();
        d.references = req
            .image_urls
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let mut r = Reference::new(url.clone(), label_for_url(url));
                r.boxes = req
                    .bbox_list
                    .as_ref()
                    .and_then(|l| l.get(i))
                    .cloned()
                    .unwrap_or_default();
                r
            })
            .collect();
        if let Some(p) = req.color_palette.as_deref().and_then(Palette::from_entries) {
            d.palette_on = true;
            d.palette = p;
        }
        d
    }

    /// What the reference sizes tell the rules (box bounds).
    pub fn context(&self) -> Context {
        Context {
            reference_dims: self.references.iter().map(|r| r.dims).collect(),
            files_allowed: true,
        }
    }

    /// Every problem the rules find. The seed placeholder is valid by construction.
    pub fn problems(&self) -> Problems {
        rules::validate_with(&self.to_request(0), &self.context())
            .err()
            .unwrap_or_default()
    }

    pub fn mode(&self) -> Mode {
        self.to_request(0).mode()
    }

    /// The pixel size the request implies (the last reference's shape in editing modes).
    pub fn output_dimensions(&self) -> (u32, u32) {
        let last = self.references.last().and_then(|r| r.dims);
        rules::output_dimensions(&self.to_request(0), last)
    }

    /// The price before sending; in a group series an upper bound ("up to").
    /// The earlier results among the references, as the new job's parents.
    pub fn made_from(&self) -> Vec<crate::core::library::journal::Parent> {
        self.references
            .iter()
            .enumerate()
            .filter_map(|(slot, r)| {
                let (job_id, index) = r.from_result.clone()?;
                Some(crate::core::library::journal::Parent {
                    slot: u32::try_from(slot).ok()?,
                    job_id,
                    index,
                })
            })
            .collect()
    }

    pub fn estimate(&self, rates: &Rates) -> Estimate {
        rates.estimate_request(&self.to_request(0))
    }

    /// The largest count the current mode allows.
    pub fn max_n(&self) -> u32 {
        let max = if self.group { MAX_N_GROUP } else { MAX_N };
        u32::try_from(max).unwrap_or(4)
    }

    /// Why 4K is out of reach, if it is.
    pub fn why_no_4k(&self) -> Option<&'static str> {
        rules::why_no_4k(&self.to_request(0))
    }

    /// Thinking mode only takes effect for text-to-image outside group mode.
    pub fn thinking_applies(&self) -> bool {
        self.references.is_empty() && !self.group
    }

    pub fn why_no_thinking(&self) -> Option<&'static str> {
        if self.group {
            Some("Thinking mode does not apply to a group series.")
        } else if !self.references.is_empty() {
            Some("Thinking mode only applies to text-to-image: remove the references to use it.")
        } else {
            None
        }
    }

    pub fn why_no_palette(&self) -> Option<&'static str> {
        self.group
            .then_some("A colour palette does not apply to a group series.")
    }

    pub fn why_no_group(&self) -> Option<&'static str> {
        self.references
            .iter()
            .any(|r| !r.boxes.is_empty())
            .then_some("Region boxes and group series do not go together: remove the boxes first.")
    }

    /// Whether the aspect-ratio choice takes effect (not when references set the shape).
    pub fn aspect_applies(&self) -> bool {
        self.references.is_empty()
    }

    /// Drops choices the form can no longer send: 4K off Pro text-to-image becomes 2K. Returns
    /// what was changed, in words, so the window can say so beside the control.
    pub fn settle(&mut self) -> Option<&'static str> {
        if self.resolution == Gear::K4 && self.why_no_4k().is_some() {
            self.resolution = Gear::K2;
            return Some("4K needs the Pro tier without references or group series: 2K is used.");
        }
        None
    }

    /// Where the form is kept between runs (and across a crash).
    pub fn path(paths: &Paths) -> PathBuf {
        paths.home.join("draft.json")
    }

    /// The form saved last, if there is a readable one.
    pub fn load(paths: &Paths) -> Option<Draft> {
        let bytes = std::fs::read(Self::path(paths)).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!("the saved compose form could not be read: {e}");
                None
            }
        }
    }

    /// Saves the form atomically (temp file, fsync, rename).
    pub fn save(&self, paths: &Paths) -> Result<(), ImagingError> {
        let bytes = serde_json::to_vec(self).map_err(|e| {
            ImagingError::io(
                &Self::path(paths),
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?;
        write_atomic(&Self::path(paths), &bytes)
    }

    /// The index of the reference whose aspect ratio the output follows.
    pub fn aspect_reference(&self) -> Option<usize> {
        self.references.len().checked_sub(1)
    }
}

/// A short name for a link: its last path segment.
pub fn label_for_url(url: &str) -> String {
    let trimmed = url.split(['?', '#']).next().unwrap_or(url);
    trimmed
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(trimmed)
        .chars()
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_form_needs_only_a_prompt() {
        let mut d = Draft::default();
        assert_eq!(d.problems().for_field(rules::Field::Prompt).count(), 1);
        d.prompt = "a red fox".into();
        assert!(d.problems().is_empty(), "{:?}", d.problems());
        assert_eq!(d.mode(), Mode::TextToImage);
        assert_eq!(d.output_dimensions(), (2048, 2048));
    }

    #[test]
    fn reuse_settings_round_trips_the_whole_form() {
        let mut d = Draft {
            model: Model::Pro,
            prompt: "a harbour".into(),
            negative_prompt: "people".into(),
            size_kind: SizeKind::Aspect,
            aspect: (16, 9),
            resolution: Gear::K1,
            n: 3,
            random_seed: false,
            seed: 1234,
            watermark: true,
            thinking: false,
            palette_on: true,
            ..Draft::default()
        };
        let mut r = Reference::new("https://example.com/a.png", "a.png");
        r.boxes = vec![[1, 2, 30, 40]];
        d.references.push(r);
        d.thinking = true; // does not apply with references, so it is not sent
        let back = Draft::from_request(&d.to_request(0));
        assert_eq!(back.model, d.model);
        assert_eq!(back.prompt, d.prompt);
        assert_eq!(back.negative_prompt, d.negative_prompt);
        // With a reference the aspect ratio does not apply (the output takes its shape), so
        // only the resolution travels; the request itself round-trips exactly.
        assert_eq!(
            (back.size_kind, back.resolution),
            (d.size_kind, d.resolution)
        );
        assert_eq!(back.to_request(0), d.to_request(0));
        assert_eq!(back.n, 3);
        assert_eq!((back.random_seed, back.seed), (false, 1234));
        assert!(back.watermark);
        assert_eq!(back.references[0].boxes, vec![[1, 2, 30, 40]]);
        assert_eq!(back.palette, d.palette);
        assert!(back.palette_on);
    }

    #[test]
    fn what_is_shown_is_what_is_sent() {
        let mut d = Draft {
            prompt: "x".into(),
            aspect: (16, 9),
            resolution: Gear::K1,
            ..Draft::default()
        };
        let t2i = d.to_request(0);
        assert_eq!(
            (t2i.size.as_deref(), t2i.resolution.as_deref()),
            (Some("16:9"), Some("1K"))
        );
        assert_eq!(Draft::from_request(&t2i).aspect, (16, 9));
        d.references
            .push(Reference::new("https://e.com/a.png", "a"));
        assert!(!d.aspect_applies());
        let edit = d.to_request(0);
        assert_eq!(
            (edit.size.as_deref(), edit.resolution.as_deref()),
            (Some("1K"), None),
            "no aspect ratio is sent when a reference sets the shape"
        );
        // 4K cannot stay chosen where it cannot be sent.
        d.references.clear();
        d.model = Model::Pro;
        d.resolution = Gear::K4;
        assert_eq!(d.settle(), None);
        d.model = Model::Standard;
        assert!(d.settle().is_some());
        assert_eq!(d.resolution, Gear::K2);
    }

    #[test]
    fn the_form_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert!(Draft::load(&paths).is_none());
        let d = Draft {
            prompt: "雪の中の赤い狐".into(),
            ..Draft::default()
        };
        d.save(&paths).unwrap();
        assert_eq!(Draft::load(&paths), Some(d));
        std::fs::write(Draft::path(&paths), b"{ broken").unwrap();
        assert!(Draft::load(&paths).is_none(), "a damaged file is ignored");
    }

    #[test]
    fn a_random_seed_is_recorded_so_it_can_be_reused() {
        let mut d = Draft {
            prompt: "x".into(),
            ..Draft::default()
        };
        d.random_seed = true;
        let req = d.to_request(777);
        assert_eq!(req.seed, Some(777));
        let back = Draft::from_request(&req);
        assert!(!back.random_seed);
        assert_eq!(back.seed, 777);
    }

    #[test]
    fn controls_that_do_not_apply_say_why() {
        let mut d = Draft {
            prompt: "x".into(),
            ..Draft::default()
        };
        assert!(d.why_no_4k().is_some(), "Standard");
        d.model = Model::Pro;
        assert!(d.why_no_4k().is_none());
        d.references
            .push(Reference::new("https://e.com/a.png", "a"));
        assert!(d.why_no_4k().unwrap().contains("reference"));
        assert!(d.why_no_thinking().is_some());
        d.group = true;
        assert!(d.why_no_palette().is_some());
        d.references[0].boxes.push([0, 0, 10, 10]);
        assert!(d.why_no_group().is_some());
    }

    #[test]
    fn labels_come_from_the_link() {
        assert_eq!(
            label_for_url("https://e.com/x/clock.webp?sig=1"),
            "clock.webp"
        );
        assert_eq!(label_for_url("https://e.com/"), "e.com");
    }
}
