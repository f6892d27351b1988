//! The command line: `generate`, `batch`, `resume`, `history`, `sandbox`. An edge of the app:
//! `anyhow` here.

mod batch;
mod history;
mod verify;

pub use history::HistoryArgs;

use crate::core::text::terminal::{json_safe, printable};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::backend;
use crate::core::api::pricing::{Estimate, Rates};
use crate::core::api::request::{ApiErrorBody, GenerationRequest, Model, PaletteEntry};
use crate::core::api::rules;
use crate::core::engine::{Engine, EngineError, Event};
use crate::core::job::{ErrorCode, JobId};
use crate::core::library;
use crate::core::library::journal::{JobRecord, JobState};
use crate::core::presets::{Overrides, SavedPresets};
use crate::core::references::hosting::{
    ENV_BUCKET, ENV_ENDPOINT, ENV_KEY_ID, ENV_REGION, ENV_SECRET, ReferenceHost, S3Host, S3Settings,
};
use crate::core::references::preflight;
use crate::core::settings::{ENV_API_KEY, EnvConfig};
use crate::sandbox::{SAMPLE_SCHEME, Sandbox, SandboxConfig};

/// Exit codes of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Done = 0,
    /// Invalid input; nothing was sent.
    Invalid = 2,
    /// Refused by the API (4xx).
    Refused = 3,
    /// The task failed, or expired upstream before its results came home.
    TaskFailed = 4,
    /// Network trouble, or the outcome is unknown.
    Network = 5,
    /// Local storage trouble: the journal or the library could not be read or written (a full
    /// disk, a damaged journal). A charged task id is kept in the recovery file.
    Storage = 6,
    /// `verify`: content credentials present, but the file was changed after signing (code 1).
    Changed,
    /// `verify`: a file without content credentials (code 3).
    NoCredentials,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Changed => 1,
            Exit::NoCredentials => 3,
            other => other as i32,
        }
    }

    /// The exit code a job's end maps to.
    pub fn for_job(job: &JobRecord) -> Exit {
        let code = job.error_code();
        let journal_failed = code == Some(ErrorCode::JournalFailed);
        let storage_failed = code == Some(ErrorCode::StorageFailed);
        match job.state {
            JobState::Paused if journal_failed => Exit::Storage,
            JobState::DownloadFailed if storage_failed => Exit::Storage,
            JobState::Completed => Exit::Done,
            JobState::Refused | JobState::Paused => Exit::Refused,
            // A task that ran and failed; a 5xx before any task existed is server trouble.
            JobState::Failed if job.task_id.is_some() => Exit::TaskFailed,
            // A task the server no longer knows: nothing more will come of it.
            JobState::Expired => Exit::TaskFailed,
            JobState::Failed
            | JobState::NotSent
            | JobState::UnknownOutcome
            | JobState::DownloadFailed
            | JobState::Submitting
            | JobState::RateLimited
            | JobState::Processing
            | JobState::Downloading => Exit::Network,
        }
    }
}

/// An error that carries its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

pub(crate) fn invalid(message: impl Into<String>) -> anyhow::Error {
    CliError {
        exit: Exit::Invalid,
        message: message.into(),
    }
    .into()
}

#[derive(Debug, Parser)]
#[command(
    name = "wan-studio",
    version,
    about = "A desktop studio for Alibaba's Wan 2.7 Image model on reAPI."
)]
#[command(
    after_help = "Configuration: REAPI_API_KEY (the API key), REAPI_BASE_URL (default https://reapi.ai), WAN_STUDIO_HOME (data folder).\nWith no API key, add --sandbox to use the built-in local simulator: nothing is sent anywhere, nothing is charged."
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Images to open in the window as references (what a file manager's "Open with" passes).
    #[arg(value_name = "IMAGE")]
    pub open: Vec<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, estimate the price, submit, wait, and save the images as PNG.
    Generate(Box<GenerateArgs>),
    /// Finish every job still in flight and download its results.
    Resume(ResumeArgs),
    /// List jobs, newest first, with status, task id and files (--sandbox: only the sandbox's);
    /// search and filter the library; show what it has cost (--spend).
    History(HistoryArgs),
    /// Serve the local simulator of the reAPI endpoints on 127.0.0.1.
    Sandbox(SandboxArgs),
    /// Keep a damaged journal aside and rebuild a fresh one from the images in the library.
    Repair,
    /// Run a job file (JSON Lines or CSV): price it (--dry-run), cap it (--max-cost), send at
    /// most N at once; run again after a kill to resume without sending anything twice.
    Batch(Box<batch::BatchArgs>),
    /// Serve the studio to AI assistants over the Model Context Protocol (stdio): estimate,
    /// generate, job_status, search_library, get_result, list_presets, within --max-cost.
    Mcp(crate::mcp::McpArgs),
    /// Check the content credentials of images: their AI marking (XMP, C2PA), who signed, from
    /// which references, and whether the file was changed since. Exit 0 intact, 1 changed,
    /// 3 none, 2 not an image.
    Verify(verify::VerifyArgs),
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // each is a command-line switch
pub struct GenerateArgs {
    /// Start from a preset saved in the window (its tier, size, count, seed policy, palette,
    /// negative prompt…); the flags given here override it.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Tier: wan2.7-image (Standard, the default) or wan2.7-image-pro (Pro).
    #[arg(long, value_parser = parse_model)]
    pub model: Option<Model>,
    #[arg(long)]
    pub prompt: Option<String>,
    #[arg(long)]
    pub negative_prompt: Option<String>,
    /// A reference image: a file on this computer, or a link (https://); repeat for up to 9. Files
    /// are prepared (orientation, transparency, size) and uploaded to the reference host (the
    /// sandbox's own, or the S3 bucket in WAN_STUDIO_S3_BUCKET…). With --sandbox,
    /// `sample:desk.jpg`, `sample:mountains.jpg` and `sample:portrait.jpg` name the built-in samples.
    #[arg(long = "ref", value_name = "FILE|URL")]
    pub refs: Vec<String>,
    /// A region box on a reference: INDEX:X1,Y1,X2,Y2 (0-based index; pixels of the image as a viewer
    /// shows it, before any downscale); up to two per reference.
    #[arg(long = "box", value_name = "INDEX:X1,Y1,X2,Y2", value_parser = parse_box)]
    pub boxes: Vec<(usize, [i64; 4])>,
    /// A palette colour '#RRGGBB:RATIO%'; repeat 3 to 10 times, ratios totalling 100.00%.
    #[arg(long, value_name = "#RRGGBB:RATIO%", value_parser = parse_swatch)]
    pub palette: Vec<PaletteEntry>,
    /// 1K, 2K, 4K, an aspect ratio (16:9…) or pixels (1024x1024).
    #[arg(long)]
    pub size: Option<String>,
    /// 1K, 2K or 4K (pairs with an aspect-ratio size).
    #[arg(long)]
    pub resolution: Option<String>,
    /// How many images (1–4; up to 12 with --group); 1 unless a preset says otherwise.
    #[arg(short = 'n', allow_negative_numbers = true)]
    pub n: Option<i64>,
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<i64>,
    #[arg(long)]
    pub watermark: bool,
    /// Turn thinking mode off (it only applies to text-to-image outside group mode).
    #[arg(long)]
    pub no_thinking: bool,
    /// A group series: a consistent set of up to 12 in one call.
    #[arg(long)]
    pub group: bool,
    /// Also write the images here (default: only the library).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Use the built-in local simulator instead of reAPI (no key, no network, no charge).
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    #[arg(long)]
    pub json: bool,
    /// Jobs of the built-in sandbox (instead of reAPI's).
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Insist on the key in REAPI_API_KEY (otherwise any key, or none, is accepted).
    #[arg(long)]
    pub require_key: bool,
    /// Processing time of a task, in milliseconds, before per-image time.
    #[arg(long, default_value_t = 2500)]
    pub delay_ms: u64,
}

fn parse_model(s: &str) -> Result<Model, String> {
    match s.to_ascii_lowercase().as_str() {
        "standard" => Ok(Model::Standard),
        "pro" => Ok(Model::Pro),
        other => Model::from_id(other)
            .ok_or_else(|| format!("'{s}' is not a model: use wan2.7-image or wan2.7-image-pro")),
    }
}

/// `1:989,515,1138,681`
pub fn parse_box(s: &str) -> Result<(usize, [i64; 4]), String> {
    let usage =
        || format!("'{s}' is not a box: write INDEX:X1,Y1,X2,Y2, such as 1:989,515,1138,681");
    let (index, coords) = s.split_once(':').ok_or_else(usage)?;
    let index = index.trim().parse().map_err(|_| usage())?;
    let nums: Vec<i64> = coords
        .split(',')
        .map(|c| c.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| usage())?;
    let coords: [i64; 4] = nums.try_into().map_err(|_| usage())?;
    Ok((index, coords))
}

/// `#C2D1E6:23.51%`
pub fn parse_swatch(s: &str) -> Result<PaletteEntry, String> {
    let (hex, ratio) = s.split_once(':').ok_or_else(|| {
        format!("'{s}' is not a palette colour: write '#RRGGBB:RATIO%', such as '#C2D1E6:23.51%'")
    })?;
    Ok(PaletteEntry {
        hex: hex.trim().to_owned(),
        ratio: ratio.trim().to_owned(),
    })
}

impl GenerateArgs {
    /// The request these arguments describe (not yet validated).
    pub fn request(&self) -> anyhow::Result<GenerationRequest> {
        let mut req = match &self.preset {
            Some(name) => {
                let paths = EnvConfig::from_env()
                    .map_err(|e| invalid(e.to_string()))?
                    .paths;
                let saved = SavedPresets::load(&paths).map_err(|e| invalid(e.to_string()))?;
                let preset = saved
                    .find(name)
                    .map_err(|e| invalid(format!("--preset: {e}")))?;
                preset.request(None)
            }
            None => GenerationRequest::new(Model::Standard),
        };
        if let Some(model) = self.model {
            req.model = model;
        }
        req.prompt.clone_from(&self.prompt);
        if self.negative_prompt.is_some() {
            req.negative_prompt.clone_from(&self.negative_prompt);
        }
        req.image_urls = self
            .refs
            .iter()
            .map(|r| {
                if is_link_or_sample(r) {
                    Ok(r.clone())
                } else {
                    crate::core::references::hosting::file_reference(std::path::Path::new(r))
                        .ok_or_else(|| {
                            invalid(format!(
                                "--ref {r}: not a file path this system understands"
                            ))
                        })
                }
            })
            .collect::<anyhow::Result<_>>()?;
        if let Some(n) = self.n {
            req.n = n;
        }
        if self.size.is_some() {
            req.size.clone_from(&self.size);
        }
        if self.resolution.is_some() {
            req.resolution.clone_from(&self.resolution);
        }
        if self.seed.is_some() {
            req.seed = self.seed;
        }
        if self.watermark {
            req.watermark = Some(true);
        }
        if self.no_thinking {
            req.thinking_mode = Some(false);
        }
        if self.group {
            req.enable_sequential = Some(true);
        }
        Overrides {
            size: self.size.is_some(),
            resolution: self.resolution.is_some(),
            thinking: self.no_thinking,
        }
        .settle(&mut req);
        if !self.boxes.is_empty() {
            let mut list = vec![Vec::new(); self.refs.len()];
            for (index, b) in &self.boxes {
                let Some(slot) = list.get_mut(*index) else {
                    return Err(invalid(format!(
                        "--box {index}:…: there is no reference {index} (references are numbered from 0; {} given)",
                        self.refs.len()
                    )));
                };
                slot.push(*b);
            }
            req.bbox_list = Some(list);
        }
        if !self.palette.is_empty() {
            req.color_palette = Some(self.palette.clone());
        }
        Ok(req)
    }
}

/// Runs the command line. Returns the exit code.
pub fn run(cli: Cli, rt: &tokio::runtime::Runtime) -> Exit {
    let result = match cli.command {
        Some(Command::Generate(args)) => rt.block_on(generate(*args)),
        Some(Command::Resume(args)) => rt.block_on(resume(args)),
        Some(Command::History(args)) => history::history(&args),
        Some(Command::Sandbox(args)) => rt.block_on(serve_sandbox(args)),
        Some(Command::Repair) => repair(),
        Some(Command::Batch(args)) => rt.block_on(batch::batch(*args)),
        Some(Command::Verify(args)) => verify::verify(&args),
        Some(Command::Mcp(args)) => rt.block_on(crate::mcp::serve(args)),
        None => Ok(Exit::Done),
    };
    match result {
        Ok(exit) => exit,
        Err(e) => {
            let storage = e.chain().any(is_storage);
            let exit = match e.downcast_ref::<CliError>() {
                Some(c) => c.exit,
                None if storage => Exit::Storage,
                None => Exit::Network,
            };
            // Line by line: a list of broken rules keeps its lines, nothing else gets through.
            let said = format!("{e:#}");
            let lines: Vec<_> = said.lines().map(printable).collect();
            eprintln!("error: {}", lines.join("\n"));
            exit
        }
    }
}

/// Whether an error (one link of a chain) is this machine's storage failing: the journal, or a
/// file that could not be written.
fn is_storage(e: &(dyn std::error::Error + 'static)) -> bool {
    let engine_journal =
        |e: &EngineError| matches!(e, EngineError::Journal(_) | EngineError::NoRoom(_));
    e.is::<crate::core::library::journal::JournalError>()
        || e.is::<rusqlite::Error>()
        || e.downcast_ref::<EngineError>().is_some_and(engine_journal)
        || matches!(
            e.downcast_ref::<crate::backend::ConnectError>(),
            Some(crate::backend::ConnectError::Engine(inner)) if engine_journal(inner)
        )
        || e.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::PermissionDenied
            )
        })
}

/// A connected backend plus the rates to estimate with.
pub(crate) struct Backend {
    pub(crate) engine: Engine,
    pub(crate) events: mpsc::Receiver<Event>,
    pub(crate) sandbox: Option<Sandbox>,
    rates: Rates,
}

/// The engine on the configured API (a key is required), or on the sandbox.
pub(crate) async fn connect(use_sandbox: bool) -> anyhow::Result<Backend> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    connect_to(env, use_sandbox).await
}

/// [`connect`] with the key, and the API address, the window saved (the OS keyring, Settings)
/// when the environment names none: so an agent's configuration need not hold the key.
pub(crate) async fn connect_as_the_window(use_sandbox: bool) -> anyhow::Result<Backend> {
    use crate::core::settings::KeyStore as _;
    let mut env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    if !use_sandbox && env.api_key.is_none() {
        match crate::core::settings::OsKeyring::default().load() {
            Ok(key) => env.api_key = key,
            Err(e) => tracing::warn!("the OS keyring could not be read: {e}"),
        }
        let named =
            std::env::var(crate::core::settings::ENV_BASE_URL).is_ok_and(|v| !v.trim().is_empty());
        if env.api_key.is_some() && !named {
            env.base_url = crate::core::settings::AppSettings::load(&env.paths)
                .unwrap_or_default()
                .base_url();
        }
    }
    connect_to(env, use_sandbox).await
}

async fn connect_to(env: EnvConfig, use_sandbox: bool) -> anyhow::Result<Backend> {
    if !use_sandbox && env.api_key.is_none() {
        return Err(invalid(format!(
            "no API key: set {ENV_API_KEY} to your reAPI key, or add --sandbox to use the built-in simulator (nothing is charged)"
        )));
    }
    let mut opts =
        backend::Options::new(env.paths.clone(), env.api_key.clone(), env.base_url.clone());
    if let Some(ms) = std::env::var("WAN_STUDIO_POLL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.poll_interval = Duration::from_millis(ms);
    }
    let b = backend::connect(&opts, use_sandbox, None).await?;
    if let Some((skip, count)) = failpoint_journal_writes()? {
        eprintln!("Failpoint: after {skip} journal writes, {count} fail as on a full disk.");
        b.engine.journal().fail_writes(skip, count);
    }
    Ok(Backend {
        engine: b.engine,
        events: b.events,
        sandbox: b.sandbox,
        rates: env.rates,
    })
}

/// The reference host: from the environment (`WAN_STUDIO_S3_BUCKET`, …), else the one Settings
/// saved in the data folder, with its secret from `AWS_SECRET_ACCESS_KEY` or the OS keyring.
pub(crate) fn configured_host() -> anyhow::Result<Option<(S3Settings, String)>> {
    let env = |k: &str| std::env::var(k).ok();
    if let Some(found) = S3Settings::from_env(env).map_err(|e| invalid(e.to_string()))? {
        return Ok(Some(found));
    }
    let paths = EnvConfig::from_env()
        .map_err(|e| invalid(e.to_string()))?
        .paths;
    let Some(settings) = crate::core::settings::AppSettings::load(&paths)
        .ok()
        .and_then(|s| s.reference_host)
    else {
        return Ok(None);
    };
    let secret = if let Some(s) = env(ENV_SECRET).filter(|s| !s.trim().is_empty()) {
        s
    } else {
        use crate::core::settings::KeyStore as _;
        match crate::core::settings::OsKeyring::storage_secret().load() {
            Ok(Some(k)) => k.expose().to_owned(),
            _ => {
                return Err(invalid(format!(
                    "reference hosting is set up in Settings (bucket '{}'), but its secret is neither in the OS keyring nor in {ENV_SECRET}",
                    settings.bucket
                )));
            }
        }
    };
    Ok(Some((settings, secret)))
}

/// A `--ref` that is a link or a sandbox sample rather than a file.
fn is_link_or_sample(r: &str) -> bool {
    r.starts_with("https://") || r.starts_with("http://") || r.starts_with(SAMPLE_SCHEME)
}

/// Prepares and uploads the request's files, saying on stderr what was done to each.
async fn host_local_references(
    request: &mut GenerationRequest,
    host: &ReferenceHost,
) -> anyhow::Result<()> {
    use crate::core::references::hosting::Stage;
    let http = crate::core::references::hosting::upload_client()?;
    // Stages as they happen (a few references at once); an upload's progress at most every 25 %.
    let told: crate::core::references::hosting::StageTold =
        std::sync::Arc::new(|index, name, stage| {
            let name = printable(name);
            match stage {
                Stage::Preparing => eprintln!("Reference {index}: {name}: preparing…"),
                Stage::Uploading(p) => {
                    let total = p.total.unwrap_or(p.done).max(1);
                    let quarter = |b: u64| b * 4 / total;
                    let piece = 256 * 1024;
                    if p.done <= piece || quarter(p.done) != quarter(p.done.saturating_sub(piece)) {
                        eprintln!("Reference {index}: {name}: uploading {p}");
                    }
                }
                Stage::Hosted { notes, uploaded } => {
                    let summary = crate::core::references::preflight::summary_of(
                        &notes,
                        crate::core::text::i18n::Lang::En,
                    );
                    let how = if uploaded {
                        "uploaded"
                    } else {
                        "already uploaded earlier"
                    };
                    if summary.is_empty() {
                        eprintln!("Reference {index}: {name}: sent as it is, {how}.");
                    } else {
                        eprintln!("Reference {index}: {name}: {summary} ({how})");
                    }
                }
            }
        });
    let done = crate::core::references::hosting::host_local_references(
        request,
        host,
        &http,
        preflight::Options::default(),
        told,
    )
    .await
    .map_err(|e| match e {
        crate::core::references::hosting::PrepareError::Upload { .. } => anyhow::anyhow!(e),
        other => invalid(other.to_string()),
    })?;
    for d in done.iter().filter(|d| d.boxes.0 != d.boxes.1) {
        let p = &d.prepared;
        eprintln!(
            "Reference {}: boxes {:?} drawn on {}×{} are {:?} in the uploaded {}×{}",
            d.index, d.boxes.0, p.shown.0, p.shown.1, d.boxes.1, p.sent.0, p.sent.1
        );
    }
    Ok(())
}

/// For hostile runs and the exit-code tests: `WAN_STUDIO_FAILPOINTS=journal-writes=SKIP:COUNT`
/// lets SKIP journal writes through, then fails COUNT as SQLite fails on a full disk.
fn failpoint_journal_writes() -> anyhow::Result<Option<(u32, u32)>> {
    let Ok(spec) = std::env::var("WAN_STUDIO_FAILPOINTS") else {
        return Ok(None);
    };
    let parsed = spec
        .strip_prefix("journal-writes=")
        .and_then(|v| v.split_once(':'))
        .and_then(|(skip, count)| Some((skip.parse().ok()?, count.parse().ok()?)));
    match parsed {
        Some(p) => Ok(Some(p)),
        None => Err(invalid(format!(
            "WAN_STUDIO_FAILPOINTS={spec:?} is not understood: the one failpoint is journal-writes=SKIP:COUNT"
        ))),
    }
}

async fn generate(args: GenerateArgs) -> anyhow::Result<Exit> {
    let mut request = args.request()?;
    if crate::core::api::rules::seed_zero(&request) {
        eprintln!("note: {}", crate::core::api::rules::SEED_ZERO);
    }
    if crate::core::api::rules::edit_without_prompt(&request) {
        eprintln!("warning: {}", crate::core::api::rules::EDIT_WITHOUT_PROMPT);
    }
    let uses_samples = request
        .image_urls
        .iter()
        .any(|u| u.starts_with(SAMPLE_SCHEME));
    if uses_samples && !args.sandbox {
        return Err(invalid(format!(
            "'{SAMPLE_SCHEME}NAME' references exist only in the sandbox: add --sandbox"
        )));
    }
    let local: Vec<usize> = (0..request.image_urls.len())
        .filter(|&i| crate::core::references::hosting::local_file(&request.image_urls[i]).is_some())
        .collect();
    // Check what can be checked before anything starts; sample links and files are checked once
    // they are links.
    if !uses_samples && local.is_empty() {
        check(&request)?;
    }
    let host = if local.is_empty() || args.sandbox {
        None
    } else {
        match configured_host()? {
            Some((settings, secret)) => Some(ReferenceHost::S3(Box::new(
                S3Host::new(&settings, &secret).map_err(|e| invalid(e.to_string()))?,
            ))),
            None => {
                return Err(invalid(format!(
                    "'{}' is a file on this computer, and the API only fetches links: set {ENV_BUCKET}, {ENV_ENDPOINT}, {ENV_REGION}, {ENV_KEY_ID} and {ENV_SECRET} to upload references to your S3-compatible bucket (see README › Reference hosting), or add --sandbox. Nothing was sent.",
                    args.refs[local[0]]
                )));
            }
        }
    };
    let mut backend = connect(args.sandbox).await?;
    if let Some(sandbox) = &backend.sandbox {
        for url in &mut request.image_urls {
            *url = sandbox.resolve_sample(url);
        }
    }
    if !local.is_empty() {
        let host = match (&backend.sandbox, host) {
            (Some(sandbox), _) => ReferenceHost::Sandbox {
                base: sandbox.base_url(),
            },
            (None, Some(host)) => host,
            (None, None) => return Err(invalid("no reference host".to_owned())),
        };
        host_local_references(&mut request, &host).await?;
    }
    if uses_samples || !local.is_empty() {
        check(&request)?;
    }
    let estimate = backend.rates.estimate_request(&request);
    if backend.sandbox.is_some() {
        eprintln!(
            "Sandbox: {} on {} would cost {estimate}; here nothing is charged.",
            request.mode(),
            request.model.tier_name()
        );
    } else {
        eprintln!(
            "Estimate: {estimate} on {}, {}.",
            request.model.tier_name(),
            request.mode()
        );
    }
    let rate_micro_usd = Some(backend.rates.per_image_micro_usd(request.model));
    let submission = crate::core::engine::Submission {
        request,
        made_from: Vec::new(),
        rate_micro_usd,
        agent: None,
    };
    let job = match backend.engine.submit_with(submission) {
        Ok(job) => job,
        Err(EngineError::Invalid(p)) => return Err(invalid(p.to_string())),
        Err(e) => return Err(e.into()),
    };
    let ids = [job.id.clone()];
    let done = tokio::select! {
        done = follow(&mut backend.events, &ids) => done,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\nInterrupted. The job is kept in the journal; run `wan-studio resume{}` to finish it.", if args.sandbox { " --sandbox" } else { "" });
            return Ok(Exit::Network);
        }
    };
    let job = done.into_iter().next().unwrap_or(job);
    let files = match &args.out {
        Some(dir) => export_to(backend.engine.paths(), dir, &job)?,
        None => job.results.iter().map(|r| r.path.clone()).collect(),
    };
    report(&job, &files, Some(estimate), args.json)?;
    Ok(Exit::for_job(&job))
}

fn check(request: &GenerationRequest) -> anyhow::Result<()> {
    rules::validate(request).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("  {}: {}", p.field.wire_name(), p.message))
            .collect();
        invalid(format!("the request was not sent:\n{}", lines.join("\n")))
    })
}

/// Prints progress on stderr until every listed job has ended; returns their last records.
async fn follow(events: &mut mpsc::Receiver<Event>, ids: &[JobId]) -> Vec<JobRecord> {
    let started = Instant::now();
    let mut latest: HashMap<JobId, JobRecord> = HashMap::new();
    let mut said: HashMap<JobId, (JobState, usize)> = HashMap::new();
    let mut downloading: HashMap<JobId, (u32, u32, crate::core::api::client::Progress)> =
        HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    loop {
        let all_ended = ids
            .iter()
            .all(|id| latest.get(id).is_some_and(|j| !j.state.is_active()));
        if all_ended {
            return ids.iter().filter_map(|id| latest.remove(id)).collect();
        }
        tokio::select! {
            ev = events.recv() => match ev {
                Some(Event::Job(job)) if ids.contains(&job.id) => {
                    let key = (job.state, job.results.len());
                    if said.get(&job.id) != Some(&key) {
                        progress_line(&job);
                        said.insert(job.id.clone(), key);
                    }
                    latest.insert(job.id.clone(), *job);
                }
                Some(Event::Notice(msg)) => eprintln!("warning: {}", printable(&msg)),
                Some(Event::Download { job_id, index, count, progress }) if ids.contains(&job_id) => {
                    downloading.insert(job_id, (index, count, progress));
                }
                Some(_) => {}
                None => return ids.iter().filter_map(|id| latest.remove(id)).collect(),
            },
            _ = tick.tick() => {
                for id in ids {
                    let Some(job) = latest.get(id) else { continue };
                    if job.state == JobState::Processing {
                        eprintln!("  still processing {} ({} s)", job.task_id.as_deref().unwrap_or(""), started.elapsed().as_secs());
                    } else if job.state == JobState::Downloading
                        && let Some((index, count, progress)) = downloading.get(id)
                    {
                        eprintln!("  downloading result {} of {count}: {progress}", index + 1);
                    }
                }
            }
        }
    }
}

fn progress_line(job: &JobRecord) {
    let task = job.task_id.as_deref().unwrap_or("");
    match job.state {
        JobState::Submitting => eprintln!("Submitting…"),
        JobState::RateLimited => eprintln!("Waiting: rate limited; trying again shortly"),
        JobState::Processing => eprintln!("Processing: task {}", printable(task)),
        JobState::Downloading => eprintln!(
            "Downloading: {}/{} copied home",
            job.results.len(),
            job.result_urls.len()
        ),
        JobState::Completed => eprintln!("Done: {} image(s) in the library.", job.results.len()),
        other => {
            eprintln!("{}.", other.label());
            if let Some(err) = &job.error {
                eprintln!("  {}", describe_error(err));
            }
        }
    }
}

/// A job's error for the terminal: the server's words, code and request id, with any control
/// character or bidi override they hold shown as an escape instead of obeyed.
fn describe_error(err: &ApiErrorBody) -> String {
    let said = match &err.request_id {
        Some(id) => format!("{} (code {}, request_id {id})", err.message, err.code),
        None => format!("{} (code {})", err.message, err.code),
    };
    printable(&said).into_owned()
}

/// Writes `value` as one line of JSON for a terminal or a pipe: control characters escaped by
/// `serde_json`, and the bidi overrides too (`\u202e`), so no text from outside reorders a line.
pub(crate) fn write_json(
    out: &mut impl Write,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    out.write_all(json_safe(&text).as_bytes())?;
    Ok(())
}

/// Copies a job's results into `dir` as PNG (with their prompt and parameters), never overwriting.
fn export_to(
    paths: &crate::core::settings::Paths,
    dir: &Path,
    job: &JobRecord,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("the folder {} could not be created", dir.display()))?;
    job.results
        .iter()
        .map(|r| library::export_to_folder(paths, job, r, dir).map_err(anyhow::Error::from))
        .collect()
}

#[derive(Serialize)]
struct JobSummary<'a> {
    job_id: &'a str,
    task_id: Option<&'a str>,
    status: &'static str,
    model: &'static str,
    mode: String,
    prompt: Option<&'a str>,
    created_at_ms: i64,
    files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimate: Option<Estimate>,
    error: Option<&'a ApiErrorBody>,
    /// Earlier results it used as references.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    made_from: &'a [crate::core::library::journal::Parent],
    /// Indexes of its starred results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    favourites: Vec<u32>,
}

fn summary<'a>(
    job: &'a JobRecord,
    files: &[PathBuf],
    estimate: Option<Estimate>,
) -> JobSummary<'a> {
    JobSummary {
        job_id: &job.id,
        task_id: job.task_id.as_deref(),
        status: job.state.as_str(),
        model: job.request.model.id(),
        mode: job.request.mode().to_string(),
        prompt: job.request.prompt.as_deref(),
        created_at_ms: job.created_at_ms,
        files: files.iter().map(|p| p.display().to_string()).collect(),
        estimate,
        error: job.error.as_ref(),
        made_from: &job.made_from,
        favourites: job
            .results
            .iter()
            .filter(|r| r.favourite)
            .map(|r| r.index)
            .collect(),
    }
}

fn report(
    job: &JobRecord,
    files: &[PathBuf],
    estimate: Option<Estimate>,
    json: bool,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        write_json(&mut stdout, &summary(job, files, estimate))?;
        writeln!(stdout)?;
    } else {
        for f in files {
            writeln!(stdout, "{}", printable(&f.display().to_string()))?;
        }
        if let Some(err) = job
            .error
            .as_ref()
            .filter(|_| job.state != JobState::Completed)
        {
            eprintln!("error: {}: {}", job.state.label(), describe_error(err));
        }
    }
    Ok(())
}

async fn resume(args: ResumeArgs) -> anyhow::Result<Exit> {
    let mut backend = connect(args.sandbox).await?;
    let ids: Vec<JobId> = backend
        .engine
        .journal()
        .unfinished(backend.engine.server())?
        .into_iter()
        .map(|j| j.id)
        .collect();
    if ids.is_empty() {
        eprintln!("Nothing to resume.");
        if args.json {
            writeln!(std::io::stdout().lock(), "[]")?;
        }
        return Ok(Exit::Done);
    }
    eprintln!("Resuming {} job(s)…", ids.len());
    backend.engine.resume()?;
    let jobs = follow(&mut backend.events, &ids).await;
    let mut exit = Exit::Done;
    let mut summaries = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for job in &jobs {
        exit = exit.max(Exit::for_job(job));
        let files: Vec<PathBuf> = job.results.iter().map(|r| r.path.clone()).collect();
        if args.json {
            summaries.push(summary(job, &files, None));
        } else {
            for f in &files {
                writeln!(stdout, "{}", f.display())?;
            }
        }
    }
    if args.json {
        write_json(&mut stdout, &summaries)?;
        writeln!(stdout)?;
    }
    Ok(exit)
}

fn repair() -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let done = crate::core::library::repair(&env.paths)?;
    match &done.kept_as {
        Some(p) => eprintln!("The old journal is kept as {}.", p.display()),
        None => eprintln!("There was no journal to keep aside."),
    }
    eprintln!(
        "Rebuilt the journal from the library: {} job{}, {} result{}.",
        done.jobs,
        if done.jobs == 1 { "" } else { "s" },
        done.results,
        if done.results == 1 { "" } else { "s" }
    );
    Ok(Exit::Done)
}

async fn serve_sandbox(args: SandboxArgs) -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let key = if args.require_key {
        let Some(key) = env.api_key.as_ref() else {
            bail!(invalid(format!(
                "--require-key needs the key in {ENV_API_KEY}"
            )));
        };
        Some(key.expose().to_owned())
    } else {
        None
    };
    let sandbox = Sandbox::start(SandboxConfig {
        key,
        state_dir: Some(env.paths.sandbox()),
        port: args.port,
        base_delay: Duration::from_millis(args.delay_ms),
        ..SandboxConfig::default()
    })
    .await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Wan Studio sandbox listening on {}",
        sandbox.base_url()
    )?;
    writeln!(
        stdout,
        "Point the app at it: REAPI_BASE_URL={} REAPI_API_KEY=<{}>",
        sandbox.base_url(),
        if args.require_key {
            "your key"
        } else {
            "anything"
        }
    )?;
    for url in sandbox.sample_urls() {
        writeln!(stdout, "Sample reference: {url}")?;
    }
    writeln!(stdout, "Press Ctrl+C to stop.")?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown();
    Ok(Exit::Done)
}

pub use crate::core::time::format_utc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_failure_exits_with_the_storage_code() {
        use crate::core::api::request::{GenerationRequest, Model};
        let mut job = JobRecord::new(
            crate::core::api::server::Server::Sandbox,
            GenerationRequest::new(Model::Standard),
        );
        job.state = JobState::Paused;
        job.error = Some(ErrorCode::JournalFailed.body("disk full"));
        assert_eq!(Exit::for_job(&job), Exit::Storage);
        assert_eq!(Exit::Storage.code(), 6);
        job.error = None;
        assert_eq!(Exit::for_job(&job), Exit::Refused);
        // A result that came but could not be saved (a full disk) is storage trouble too.
        job.state = JobState::DownloadFailed;
        job.error = Some(ErrorCode::StorageFailed.body("No space left on device"));
        assert_eq!(Exit::for_job(&job), Exit::Storage);
        job.error = None;
        assert_eq!(Exit::for_job(&job), Exit::Network);
    }

    #[test]
    fn a_journal_that_cannot_open_at_connect_is_storage_trouble() {
        let sql = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
            Some("disk I/O error".into()),
        );
        let err = anyhow::Error::from(crate::backend::ConnectError::Engine(EngineError::Journal(
            crate::core::library::journal::JournalError::Sql(sql),
        )));
        assert!(err.chain().any(is_storage));
        let full = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(full.chain().any(is_storage));
        let net = anyhow::anyhow!("connection refused");
        assert!(!net.chain().any(is_storage));
    }

    #[test]
    fn images_given_alone_open_the_window_with_them() {
        use clap::Parser as _;
        let cli = Cli::try_parse_from(["wan-studio", "photo.jpg", "/tmp/b c.png"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.open.len(), 2);
        let cli = Cli::try_parse_from(["wan-studio", "history"]).unwrap();
        assert!(matches!(cli.command, Some(Command::History(_))) && cli.open.is_empty());
    }

    #[test]
    fn boxes_and_swatches_parse() {
        assert_eq!(
            parse_box("1:989,515,1138,681"),
            Ok((1, [989, 515, 1138, 681]))
        );
        assert!(parse_box("1:989,515,1138").is_err());
        assert!(parse_box("x:1,2,3,4").is_err());
        let s = parse_swatch("#C2D1E6:23.51%").unwrap();
        assert_eq!((s.hex.as_str(), s.ratio.as_str()), ("#C2D1E6", "23.51%"));
        assert!(parse_swatch("#C2D1E6").is_err());
    }

    #[test]
    fn utc_formats() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_735_000_000_000), "2024-12-24 00:26 UTC");
    }
}
