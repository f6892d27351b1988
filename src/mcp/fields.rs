//! What an agent sends and gets back, by the API's own field names, with their JSON schemas.
//! Unknown fields are refused by name (`deny_unknown_fields`), so a typo never goes unnoticed.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::api::request::{GenerationRequest, Model, PaletteEntry};
use crate::core::presets::{Overrides, SavedPresets};
use crate::core::settings::Paths;

/// A request as the API spells it (`shared/spec/wan27-image-api.md`), plus what the studio adds:
/// a preset to start from, local reference files, and whether to wait.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFields {
    /// `wan2.7-image` (Standard, the default) or `wan2.7-image-pro` (Pro: up to 4K for
    /// text-to-image).
    pub model: Option<String>,
    /// What to make, in any language (up to 5,000 characters).
    pub prompt: Option<String>,
    /// What to keep out of the image.
    pub negative_prompt: Option<String>,
    /// `1K`, `2K`, `4K`, an aspect ratio such as `16:9`, or pixels such as `1024x1024`.
    pub size: Option<String>,
    /// `1K`, `2K` or `4K` (pairs with an aspect-ratio size).
    pub resolution: Option<String>,
    /// How many images: 1–4, or 1–12 in a group series. Default 1.
    pub n: Option<i64>,
    /// A seed from 1 to 2147483647 to repeat a result; none picks one.
    pub seed: Option<i64>,
    /// Reference images to edit or fuse (up to 9): `https://` links, or paths of files on this
    /// computer under a folder the server allows (`--allow-dir`, and the library).
    #[serde(default)]
    pub images: Vec<String>,
    /// Up to two boxes per reference, `[x1, y1, x2, y2]` in the reference's pixels, one list per
    /// image in `images`' order.
    pub bbox_list: Option<Vec<Vec<[i64; 4]>>>,
    /// 3–10 colours whose ratios total 100.00%.
    pub color_palette: Option<Vec<Swatch>>,
    /// A group series: a consistent set of up to `n` images in one call.
    pub enable_sequential: Option<bool>,
    /// Thinking mode (text-to-image outside a group series only). Default on.
    pub thinking_mode: Option<bool>,
    /// Ask for the provider's watermark.
    pub watermark: Option<bool>,
    /// Start from a preset saved in the window (`list_presets` names them); the fields given
    /// here override it.
    pub preset: Option<String>,
    /// `generate` only: wait for the images (the default), sending progress notifications, or
    /// return the job id at once (`false`; `job_status` follows it).
    pub wait: Option<bool>,
}

/// One colour of a palette.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Swatch {
    /// `#RRGGBB`.
    pub hex: String,
    /// Its share with two decimals, such as `23.51%`.
    pub ratio: String,
}

impl RequestFields {
    /// The request these fields describe (not yet checked), with local paths kept as the
    /// `file://` references hosting turns into links. A bad preset or model is named.
    pub fn request(&self, paths: &Paths) -> Result<GenerationRequest, String> {
        let mut req = match &self.preset {
            Some(name) => {
                let saved = SavedPresets::load(paths).map_err(|e| format!("preset: {e}"))?;
                saved
                    .find(name)
                    .map_err(|e| format!("preset: {e}"))?
                    .request(None)
            }
            None => GenerationRequest::new(Model::Standard),
        };
        if let Some(model) = &self.model {
            req.model = Model::from_id(model.trim()).ok_or_else(|| {
                format!(
                    "model: '{}' is not a model; use wan2.7-image or wan2.7-image-pro",
                    crate::core::text::terminal::printable(model)
                )
            })?;
        }
        req.prompt.clone_from(&self.prompt);
        let set = |to: &mut Option<String>, from: &Option<String>| {
            if from.is_some() {
                to.clone_from(from);
            }
        };
        set(&mut req.negative_prompt, &self.negative_prompt);
        set(&mut req.size, &self.size);
        set(&mut req.resolution, &self.resolution);
        req.image_urls = self
            .images
            .iter()
            .map(|image| reference(image))
            .collect::<Result<_, _>>()?;
        if let Some(n) = self.n {
            req.n = n;
        }
        if self.seed.is_some() {
            req.seed = self.seed;
        }
        if self.watermark.is_some() {
            req.watermark = self.watermark;
        }
        if self.thinking_mode.is_some() {
            req.thinking_mode = self.thinking_mode;
        }
        if self.enable_sequential.is_some() {
            req.enable_sequential = self.enable_sequential;
        }
        if self.bbox_list.is_some() {
            req.bbox_list.clone_from(&self.bbox_list);
        }
        if let Some(palette) = &self.color_palette {
            req.color_palette = Some(
                palette
                    .iter()
                    .map(|s| PaletteEntry {
                        hex: s.hex.clone(),
                        ratio: s.ratio.clone(),
                    })
                    .collect(),
            );
        }
        Overrides {
            size: self.size.is_some(),
            resolution: self.resolution.is_some(),
            thinking: self.thinking_mode.is_some(),
        }
        .settle(&mut req);
        Ok(req)
    }

    /// The local files among `images`, by their position.
    pub fn local_files(&self) -> Vec<(usize, PathBuf)> {
        self.images
            .iter()
            .enumerate()
            .filter(|(_, i)| is_local(i))
            .map(|(n, i)| (n, local_path(i)))
            .collect()
    }
}

/// Whether a reference names a file on this computer rather than a link.
fn is_local(image: &str) -> bool {
    let t = image.trim();
    t.starts_with("file://") || !t.contains("://")
}

fn local_path(image: &str) -> PathBuf {
    let t = image.trim();
    crate::core::references::hosting::local_file(t).unwrap_or_else(|| PathBuf::from(t))
}

/// A reference as the request carries it: a link as given, a local path as its `file://` form.
fn reference(image: &str) -> Result<String, String> {
    if !is_local(image) {
        return Ok(image.trim().to_owned());
    }
    crate::core::references::hosting::file_reference(&local_path(image)).ok_or_else(|| {
        format!(
            "images: '{}' is not a file path this system understands",
            crate::core::text::terminal::printable(image)
        )
    })
}

/// The folders an agent may read reference files from: the ones the user allowed, and the
/// library. Paths are compared after resolving `..` and symbolic links, so neither leads out.
#[derive(Debug, Clone)]
pub struct AllowedDirs {
    dirs: Vec<PathBuf>,
}

impl AllowedDirs {
    pub fn new(allowed: &[PathBuf], paths: &Paths) -> AllowedDirs {
        let mut dirs: Vec<PathBuf> = allowed
            .iter()
            .chain(std::iter::once(&paths.library()))
            .filter_map(|d| std::fs::canonicalize(d).ok())
            .collect();
        dirs.dedup();
        AllowedDirs { dirs }
    }

    /// Why `path` may not be read, or `None` when it may.
    pub fn problem(&self, path: &Path) -> Option<String> {
        let shown =
            crate::core::text::terminal::printable(&path.display().to_string()).into_owned();
        let Ok(real) = std::fs::canonicalize(path) else {
            return Some(format!("images: {shown} does not exist or cannot be read"));
        };
        if self.dirs.iter().any(|d| real.starts_with(d)) {
            None
        } else {
            Some(format!(
                "images: {shown} is outside the folders this server may read (start it with --allow-dir FOLDER; the library is always allowed); nothing was uploaded"
            ))
        }
    }
}

/// A job as an agent follows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JobView {
    pub job_id: String,
    /// `submitting`, `processing`, `downloading`, `completed`, `failed`, `unknown_outcome`
    /// (it may have been charged and is never resent), `expired`, …
    pub state: String,
    /// What the state means, in words.
    pub state_label: String,
    /// How far it has come: images home out of images expected.
    pub progress: String,
    pub task_id: Option<String>,
    /// The PNG files in the library.
    pub paths: Vec<String>,
    /// The estimate it was sent with, in USD (what it bills for the images that came back).
    pub price_usd: Option<f64>,
    pub prompt: Option<String>,
    pub model: String,
    pub seed: Option<i64>,
    /// Each result's size, `WIDTHxHEIGHT`.
    pub sizes: Vec<String>,
    /// Why it stopped, when it did not complete.
    pub error: Option<String>,
    /// Made through this server (an agent), rather than the window or the command line.
    pub by_agent: bool,
}

impl JobView {
    pub fn of(job: &crate::core::library::journal::JobRecord) -> JobView {
        let expected = job
            .result_urls
            .len()
            .max(crate::core::api::rules::most_images(&job.request));
        #[allow(clippy::cast_precision_loss)] // dollars of a few jobs
        let price_usd = job.rate_micro_usd.map(|rate| {
            let images = if job.state == crate::core::job::JobState::Completed {
                job.results.len()
            } else {
                crate::core::api::rules::most_images(&job.request)
            };
            (rate * images as u64) as f64 / 1e6
        });
        JobView {
            job_id: job.id.to_string(),
            state: job.state.as_str().to_owned(),
            state_label: job.state.label().to_owned(),
            progress: format!("{} of {expected} images home", job.results.len()),
            task_id: job.task_id.clone(),
            paths: job
                .results
                .iter()
                .map(|r| r.path.display().to_string())
                .collect(),
            price_usd,
            prompt: job.request.prompt.clone(),
            model: job.request.model.id().to_owned(),
            seed: job.request.seed,
            sizes: job
                .results
                .iter()
                .map(|r| format!("{}x{}", r.width, r.height))
                .collect(),
            error: job.error.as_ref().map(|e| e.message.clone()),
            by_agent: job.by_agent(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_by_the_apis_names_make_the_request() {
        let home = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let paths = Paths::new(home.path());
        let fields: RequestFields = serde_json::from_value(serde_json::json!({
            "model": "wan2.7-image-pro", "prompt": "花店 a flower shop", "n": 2, "seed": 7,
            "size": "16:9", "resolution": "2K", "images": ["https://example.com/a.png"],
            "bbox_list": [[[1, 2, 30, 40]]], "watermark": true
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let req = fields.request(&paths).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.model, Model::Pro);
        assert_eq!(req.prompt.as_deref(), Some("花店 a flower shop"));
        assert_eq!((req.n, req.seed), (2, Some(7)));
        assert_eq!(req.image_urls, vec!["https://example.com/a.png".to_owned()]);
        assert_eq!(req.bbox_list, Some(vec![vec![[1, 2, 30, 40]]]));
        assert_eq!(req.watermark, Some(true));
    }

    #[test]
    fn an_unknown_field_or_model_is_named() {
        let err = serde_json::from_value::<RequestFields>(serde_json::json!({"promt": "x"}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("promt"), "{err}");
        let home = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let fields = RequestFields {
            model: Some("wan3".into()),
            ..RequestFields::default()
        };
        let err = fields.request(&Paths::new(home.path())).unwrap_err();
        assert!(err.starts_with("model:"), "{err}");
    }

    #[test]
    fn only_allowed_folders_may_be_read_and_no_path_leads_out() {
        let home = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let paths = Paths::new(home.path().join("data"));
        let allowed = home.path().join("photos");
        let elsewhere = home.path().join("private");
        for d in [&allowed, &elsewhere, &paths.library()] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        let ok = allowed.join("a.png");
        let secret = elsewhere.join("b.png");
        for f in [&ok, &secret] {
            std::fs::write(f, b"x").unwrap_or_else(|e| panic!("{e}"));
        }
        let dirs = AllowedDirs::new(std::slice::from_ref(&allowed), &paths);
        assert_eq!(dirs.problem(&ok), None);
        assert!(
            dirs.problem(&secret)
                .is_some_and(|p| p.contains("--allow-dir"))
        );
        assert!(dirs.problem(&allowed.join("../private/b.png")).is_some());
        assert!(dirs.problem(&allowed.join("missing.png")).is_some());
        #[cfg(unix)]
        {
            let link = allowed.join("link.png");
            std::os::unix::fs::symlink(&secret, &link).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                dirs.problem(&link).is_some(),
                "a link out is followed and refused"
            );
        }
    }
}
