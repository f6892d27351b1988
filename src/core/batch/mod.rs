//! Batches: a job file (JSON Lines or CSV, the API's field names) expanded into numbered jobs,
//! every one checked by the same rules as a single generate and priced, before anything is sent.
//!
//! A batch's id is made from the file's bytes, so running the same file again is the same batch:
//! the journal keeps each job's number (`jobs.batch_id`, `jobs.batch_job`, unique together), and
//! [`runner::Runner`] sends only the numbers it has never journalled.

pub mod expand;
pub mod form;
pub mod parse;
pub mod runner;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::core::api::pricing::Rates;
use crate::core::api::request::{BBox, GenerationRequest, Model, PaletteEntry};
use crate::core::api::rules::{self, Context, MAX_SEED};
pub use crate::core::job::BatchRef;
use crate::core::presets::{Overrides, SavedPresets};
use crate::core::references::links;
use expand::{Alternatives, Matrix};
use parse::{Format, RawLine};

/// The most jobs one batch may expand to.
pub const MAX_JOBS: u64 = 10_000;

/// The largest job file read (a file of 10,000 long lines is far smaller).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How many bad lines one refusal lists before it stops looking.
const MAX_REPORTED: usize = 20;

/// One mistake, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line of the file (from 1).
    pub line: usize,
    /// The job the line expands to that breaks the rule, when it is one job's.
    pub job: Option<u32>,
    /// The field at fault, by its name in the file.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(job) = self.job {
            write!(f, " (job {job})")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a job file is refused. Nothing has been sent when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the job file {} could not be read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the job file {} is {bytes} bytes; a job file may be at most {MAX_FILE_BYTES}", path.display())]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("the job file is not UTF-8 text (from byte {at}); save it as UTF-8")]
    NotText { at: usize },
    #[error("{}", list(.0))]
    Invalid(Vec<LineError>),
    #[error(
        "the file expands to {count} jobs; one batch holds at most {MAX_JOBS} (split it into several files)"
    )]
    TooMany { count: u64 },
    #[error(
        "the job file has no jobs: write one JSON object per line, such as {{\"prompt\": \"a red fox\"}}, or a CSV with a header row"
    )]
    Empty,
}

fn list(errors: &[LineError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl BatchError {
    pub(crate) fn line(
        line: usize,
        job: Option<u32>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> BatchError {
        BatchError::Invalid(vec![LineError {
            line,
            job,
            field: field.map(str::to_owned),
            message: message.into(),
        }])
    }

    /// The first line at fault, if the refusal is about a line.
    pub fn line_number(&self) -> Option<usize> {
        match self {
            BatchError::Invalid(e) => e.first().map(|e| e.line),
            _ => None,
        }
    }
}

/// One expanded job: its number in the batch (from 1), the line it came from, its request.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchJob {
    pub number: u32,
    pub line: usize,
    pub request: GenerationRequest,
}

/// A job file, expanded and checked.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Made from the file's bytes: the same file is the same batch.
    pub id: String,
    /// Where it was read from (for `--status` and the "this file changed" notice).
    pub source: String,
    pub jobs: Vec<BatchJob>,
}

/// What a batch will cost if every image is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchEstimate {
    pub jobs: u32,
    pub images: u64,
    pub micro_usd: u64,
    /// Some jobs are group series: their images are a maximum.
    pub up_to: bool,
}

impl BatchEstimate {
    /// What these jobs cost at these rates.
    pub fn of<'a>(jobs: impl IntoIterator<Item = &'a BatchJob>, rates: &Rates) -> BatchEstimate {
        jobs.into_iter().fold(
            BatchEstimate {
                jobs: 0,
                images: 0,
                micro_usd: 0,
                up_to: false,
            },
            |mut e, job| {
                let one = rates.estimate_request(&job.request);
                e.jobs += 1;
                e.images += u64::from(one.images);
                e.micro_usd += one.micro_usd;
                e.up_to |= one.up_to;
                e
            },
        )
    }
}

/// What a job file is read with.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// What else a reference may be besides a link or a file (the sandbox's `sample:` images).
    pub extra_schemes: Vec<String>,
    /// The presets a line's `"preset": "NAME"` starts from.
    pub presets: SavedPresets,
}

/// The batch id of a job file's bytes: the first 16 hex digits of their SHA-256.
pub fn batch_id(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().take(8).fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl Batch {
    /// Reads, expands and checks a job file. Relative image paths are read from the file's folder.
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Batch, BatchError> {
        let read = |source| BatchError::Read {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(BatchError::TooLarge {
                path: path.to_owned(),
                bytes: meta.len(),
            });
        }
        let bytes = std::fs::read(path).map_err(read)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let mut batch = Batch::parse(&bytes, name.as_deref().unwrap_or(""), base, options)?;
        batch.source = std::path::absolute(path)
            .unwrap_or_else(|_| path.to_owned())
            .display()
            .to_string();
        Ok(batch)
    }

    /// Expands and checks a job file's bytes; `name` tells the format, `base` is the folder
    /// relative image paths are read from.
    pub fn parse(
        bytes: &[u8],
        name: &str,
        base: &Path,
        options: &LoadOptions,
    ) -> Result<Batch, BatchError> {
        let text = std::str::from_utf8(bytes).map_err(|e| BatchError::NotText {
            at: e.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = parse::lines(text, Format::detect(name, text))?;
        if lines.is_empty() {
            return Err(BatchError::Empty);
        }
        let id = batch_id(bytes);
        let mut expander = Expander {
            id: &id,
            base,
            options,
            references: HashMap::new(),
            errors: Vec::new(),
        };
        let plans = lines.iter().map(|l| expander.plan(l)).collect::<Vec<_>>();
        if !expander.errors.is_empty() {
            return Err(BatchError::Invalid(expander.errors));
        }
        let total = plans
            .iter()
            .flatten()
            .fold(0u64, |n, p| n.saturating_add(p.count));
        if total > MAX_JOBS {
            return Err(BatchError::TooMany { count: total });
        }
        let mut jobs = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut first = 1u32;
        for (line, plan) in lines.iter().zip(plans.iter().flatten()) {
            if expander.errors.len() >= MAX_REPORTED {
                break;
            }
            expander.expand(line, plan, first, &mut jobs);
            first += u32::try_from(plan.count).unwrap_or(0);
        }
        if !expander.errors.is_empty() {
            return Err(BatchError::Invalid(expander.errors));
        }
        Ok(Batch {
            id,
            source: name.to_owned(),
            jobs,
        })
    }

    /// What the whole batch costs at these rates.
    pub fn estimate(&self, rates: &Rates) -> BatchEstimate {
        BatchEstimate::of(&self.jobs, rates)
    }

    /// The job with this number.
    pub fn job(&self, number: u32) -> Option<&BatchJob> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        self.jobs.get(index)
    }
}

/// How one line expands: its fields without `matrix` and `repeat`, the matrix, the copies.
struct Plan {
    fields: Map<String, Value>,
    matrix: Matrix,
    repeat: u64,
    count: u64,
}

/// Expands lines, keeping what it learnt on the way (image sizes) and every mistake found.
struct Expander<'a> {
    id: &'a str,
    base: &'a Path,
    options: &'a LoadOptions,
    /// Every reference looked at so far: its link and pixel size, or why it is refused.
    references: HashMap<String, Result<(String, Dims), String>>,
    errors: Vec<LineError>,
}

impl Expander<'_> {
    fn fail(&mut self, line: usize, job: Option<u32>, field: Option<&str>, message: String) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(LineError {
                line,
                job,
                field: field.map(str::to_owned),
                message,
            });
        }
    }

    /// Reads a line's `matrix` and `repeat` and counts its jobs, without making them.
    fn plan(&mut self, raw: &RawLine) -> Option<Plan> {
        let mut fields = raw.fields.clone();
        let matrix = match fields.remove("matrix").map(read_matrix) {
            None => Matrix::new(),
            Some(Ok(m)) => m,
            Some(Err(why)) => {
                self.fail(raw.line, None, Some("matrix"), why);
                return None;
            }
        };
        let repeat = match fields.remove("repeat") {
            None => 1,
            Some(v) => {
                let Some(r) = v.as_u64().filter(|r| (1..=MAX_JOBS).contains(r)) else {
                    let why = format!("must be a whole number from 1 to {MAX_JOBS} (got {v})");
                    self.fail(raw.line, None, Some("repeat"), why);
                    return None;
                };
                r
            }
        };
        // Alternatives multiply per prompt: with prompts in the matrix, each value counts its own.
        let alternatives = |p: &Value| -> Result<u64, String> {
            let text = p.as_str().unwrap_or("");
            Alternatives::parse(text)
                .map(|a| a.count())
                .map_err(|e| e.to_string())
        };
        let prompts: Vec<&Value> = match matrix.get("prompt") {
            Some(values) => values.iter().collect(),
            None => fields.get("prompt").into_iter().collect(),
        };
        let mut per_prompt = u64::from(prompts.is_empty());
        for p in prompts {
            match alternatives(p) {
                Ok(n) => per_prompt = per_prompt.saturating_add(n),
                Err(why) => {
                    self.fail(raw.line, None, Some("prompt"), why);
                    return None;
                }
            }
        }
        let others = matrix
            .iter()
            .filter(|(k, _)| k.as_str() != "prompt")
            .fold(1u64, |n, (_, v)| n.saturating_mul(v.len() as u64));
        let count = others.saturating_mul(per_prompt).saturating_mul(repeat);
        Some(Plan {
            fields,
            matrix,
            repeat,
            count,
        })
    }

    /// Makes and checks every job of a line, numbered from `first`. The line's first bad job is
    /// reported and the rest of the line skipped (its other jobs would say the same).
    fn expand(&mut self, raw: &RawLine, plan: &Plan, first: u32, jobs: &mut Vec<BatchJob>) {
        let mut number = first;
        for combo in 0..expand::matrix_count(&plan.matrix) {
            let mut fields = plan.fields.clone();
            for (k, v) in expand::matrix_nth(&plan.matrix, combo) {
                fields.insert(k.to_owned(), v.clone());
            }
            let (request, dims) = match self.request(&fields) {
                Ok(r) => r,
                Err((field, why)) => return self.fail(raw.line, Some(number), Some(&field), why),
            };
            let prompt = request.prompt.as_deref().unwrap_or("");
            let alternatives = match Alternatives::parse(prompt) {
                Ok(a) => a,
                Err(e) => {
                    return self.fail(raw.line, Some(number), Some("prompt"), e.to_string());
                }
            };
            for alt in 0..alternatives.count() {
                let mut request = request.clone();
                if alternatives.has_groups() {
                    request.prompt = Some(alternatives.nth(alt));
                }
                let base_seed = request.seed.or_else(|| {
                    (plan.repeat > 1).then(|| derived_seed(self.id, raw.line, combo, alt))
                });
                for copy in 0..plan.repeat {
                    let mut request = request.clone();
                    // A seed out of range stays as written, for the rules to name.
                    request.seed = base_seed.map(|s| {
                        if (0..=MAX_SEED).contains(&s) {
                            expand::successive_seed(s, copy, MAX_SEED)
                        } else {
                            s
                        }
                    });
                    if let Err(problems) = self.check(&request, &dims) {
                        let p = problems.iter().next();
                        let field = p.map(|p| p.field.wire_name());
                        let message = problems
                            .iter()
                            .map(|p| p.message.clone())
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let field = field.map(|f| if f == "image_urls" { "images" } else { f });
                        return self.fail(raw.line, Some(number), field, message);
                    }
                    jobs.push(BatchJob {
                        number,
                        line: raw.line,
                        request,
                    });
                    number += 1;
                }
            }
        }
    }

    /// The rules, with the sizes of local references for box bounds; links of the extra schemes
    /// (sandbox samples) stand in as links.
    fn check(
        &self,
        request: &GenerationRequest,
        dims: &[Option<(u32, u32)>],
    ) -> Result<(), rules::Problems> {
        let is_extra = |u: &String| {
            self.options
                .extra_schemes
                .iter()
                .any(|s| u.starts_with(s.as_str()))
        };
        let ctx = Context {
            reference_dims: dims.to_vec(),
            files_allowed: true,
        };
        if request.image_urls.iter().any(is_extra) {
            let mut stand_in = request.clone();
            for u in &mut stand_in.image_urls {
                if is_extra(u) {
                    "https://sample.invalid/reference.png".clone_into(u);
                }
            }
            return rules::validate_with(&stand_in, &ctx);
        }
        rules::validate_with(request, &ctx)
    }

    /// A request from a line's fields; on a mistake, the field and why.
    fn request(
        &mut self,
        fields: &Map<String, Value>,
    ) -> Result<(GenerationRequest, Vec<Dims>), FieldError> {
        // A preset first; every field of the line is set over it.
        let mut req = match fields.get("preset") {
            None => GenerationRequest::new(Model::Standard),
            Some(v) => {
                let bad = |why: String| ("preset".to_owned(), why);
                let name = text(v).map_err(bad)?;
                let preset = self
                    .options
                    .presets
                    .find(&name)
                    .map_err(|e| bad(e.to_string()))?;
                preset.request(None)
            }
        };
        if let Some(v) = fields.get("model") {
            req.model = v.as_str().and_then(Model::from_id).ok_or_else(|| {
                (
                    "model".to_owned(),
                    format!("{v} is not a model: use \"wan2.7-image\" or \"wan2.7-image-pro\""),
                )
            })?;
        }
        let mut dims = Vec::new();
        for (key, value) in fields {
            let bad = |why: String| (key.clone(), why);
            match key.as_str() {
                "model" | "preset" => {}
                "prompt" => req.prompt = Some(text(value).map_err(bad)?),
                "negative_prompt" => req.negative_prompt = Some(text(value).map_err(bad)?),
                "size" => req.size = Some(text(value).map_err(bad)?),
                "resolution" => req.resolution = Some(text(value).map_err(bad)?),
                "n" => req.n = whole(value).map_err(bad)?,
                "seed" => req.seed = Some(whole(value).map_err(bad)?),
                "watermark" => req.watermark = Some(yes_no(value).map_err(bad)?),
                "thinking_mode" => req.thinking_mode = Some(yes_no(value).map_err(bad)?),
                "enable_sequential" => req.enable_sequential = Some(yes_no(value).map_err(bad)?),
                "bbox_list" => {
                    req.bbox_list = Some(typed::<Vec<Vec<BBox>>>(value, BOXES).map_err(bad)?);
                }
                "color_palette" => {
                    req.color_palette =
                        Some(typed::<Vec<PaletteEntry>>(value, PALETTE).map_err(bad)?);
                }
                "images" => {
                    let list = match value {
                        Value::String(s) => vec![s.clone()],
                        other => typed::<Vec<String>>(other, IMAGES).map_err(bad)?,
                    };
                    for r in list {
                        let (link, size) = self.reference(&r).map_err(bad)?;
                        req.image_urls.push(link);
                        dims.push(size);
                    }
                }
                other => return Err((other.to_owned(), "not a field of a job".to_owned())),
            }
        }
        Overrides {
            size: fields.contains_key("size"),
            resolution: fields.contains_key("resolution"),
            thinking: fields.contains_key("thinking_mode"),
        }
        .settle(&mut req);
        if req.bbox_list.is_none() {
            dims.clear();
        }
        Ok((req, dims))
    }

    /// A reference as the form carries it: a link as it is, a path (from the job file's folder)
    /// as a `file://` link once it is known to be a file, with its pixel size (for box bounds).
    /// Each reference is looked at once, however many jobs use it.
    fn reference(&mut self, r: &str) -> Result<(String, Dims), String> {
        let r = r.trim();
        if let Some(known) = self.references.get(r) {
            return known.clone();
        }
        let found = self.look_at(r);
        self.references.insert(r.to_owned(), found.clone());
        found
    }

    fn look_at(&self, r: &str) -> Result<(String, Dims), String> {
        let is_link = ["https://", "http://", "file://"]
            .iter()
            .any(|s| r.starts_with(s))
            || self
                .options
                .extra_schemes
                .iter()
                .any(|s| r.starts_with(s.as_str()));
        let local = links::local_file(r);
        if is_link && local.is_none() {
            return Ok((r.to_owned(), None));
        }
        let path = local.unwrap_or_else(|| self.base.join(r));
        if !path.is_file() {
            return Err(format!("there is no image file at {}", path.display()));
        }
        let link = links::file_reference(&path)
            .ok_or_else(|| format!("{} is not a path this system understands", path.display()))?;
        let size = image::ImageReader::open(&path)
            .ok()
            .and_then(|r| r.with_guessed_format().ok())
            .and_then(|r| r.into_dimensions().ok());
        Ok((link, size))
    }
}

/// A field at fault and why.
type FieldError = (String, String);

/// A reference's pixel size, where known.
type Dims = Option<(u32, u32)>;

const BOXES: &str = "a list with one list of [x1, y1, x2, y2] boxes per reference, such as [[[0, 0, 512, 512]], []]";
const PALETTE: &str =
    "a list of swatches such as [{\"hex\": \"#C2410C\", \"ratio\": \"40.00%\"}, …]";
const IMAGES: &str = "a list of image paths or links, such as [\"fox.png\", \"https://…/b.jpg\"]";

fn text(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("must be text in quotes (got {v})"))
}

fn whole(v: &Value) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("must be a whole number (got {v})"))
}

fn yes_no(v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("must be true or false (got {v})"))
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value, shape: &str) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|_| format!("must be {shape}"))
}

/// A matrix: an object whose every field is a job's field, each with a non-empty list of values.
fn read_matrix(v: Value) -> Result<Matrix, String> {
    let Value::Object(map) = v else {
        return Err(
            "must be an object of lists, such as {\"seed\": [11, 22], \"size\": [\"1:1\", \"16:9\"]}"
                .to_owned(),
        );
    };
    let mut matrix = Matrix::new();
    for (k, v) in map {
        let k = parse::canonical(&k).to_owned();
        if k == "matrix" || k == "repeat" || !parse::FIELDS.contains(&k.as_str()) {
            return Err(format!("{k} is not a field a matrix can vary"));
        }
        match v {
            Value::Array(values) if !values.is_empty() => {
                matrix.insert(k, values);
            }
            _ => return Err(format!("{k} must be a list of at least one value")),
        }
    }
    Ok(matrix)
}

/// The first seed of a line's repeats when it gives none: the same for the same file, every run.
fn derived_seed(id: &str, line: usize, combo: u64, alt: u64) -> i64 {
    let digest = sha2::Sha256::digest(format!("{id}:{line}:{combo}:{alt}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let span = u64::try_from(MAX_SEED).unwrap_or(u64::MAX) + 1;
    i64::try_from(u64::from_le_bytes(first) % span).unwrap_or(0)
}

#[cfg(test)]
mod tests;
