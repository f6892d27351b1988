//! The tools an agent calls: the same engine, journal, library, rules, prices and budget as the
//! window and the command line. A broken rule, a forbidden path or a passed budget is a tool
//! error naming what is wrong, and nothing is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, InitializeResult, ProgressNotificationParam,
    RequestMetaObject, ServerCapabilities,
};
use rmcp::{Peer, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};

use super::budget::{self, Budget};
use super::fields::{AllowedDirs, JobView, RequestFields};
use crate::core::api::pricing::{Estimate, Rates};
use crate::core::api::request::{GenerationRequest, Model};
use crate::core::api::rules;
use crate::core::engine::{Engine, EngineError, Event, Submission};
use crate::core::job::{JobId, JobState, now_ms};
use crate::core::library::journal::{JobRecord, Ledger, LibraryQuery};
use crate::core::references::hosting::{self, ReferenceHost};
use crate::sandbox::{SAMPLE_SCHEME, Sandbox};

/// The most results `search_library` returns in one call.
pub const MAX_SEARCH: usize = 100;
/// The longest an agent's name is kept (it is shown in the window's queue).
const MAX_AGENT_NAME: usize = 64;

/// What the tools share.
pub struct Shared {
    pub engine: Engine,
    pub rates: Rates,
    pub sandbox: Option<Sandbox>,
    pub allowed: AllowedDirs,
    pub budget: Budget,
    /// Where local references are uploaded when not in the sandbox (from the environment or
    /// Settings), if anywhere.
    pub host: Option<ReferenceHost>,
    /// Each job's latest record, as the engine's events bring it.
    latest: Mutex<HashMap<JobId, JobRecord>>,
    changed: Notify,
    /// The jobs this session sent.
    sent: Mutex<Vec<JobId>>,
}

impl Shared {
    pub fn new(
        engine: Engine,
        rates: Rates,
        sandbox: Option<Sandbox>,
        allowed: AllowedDirs,
        budget: Budget,
        host: Option<ReferenceHost>,
    ) -> Shared {
        Shared {
            engine,
            rates,
            sandbox,
            allowed,
            budget,
            host,
            latest: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// When the client has gone: gives the jobs this session sent up to `patience` to end (their
    /// results home), then stops the engine, which lets a submit still on the wire finish so its
    /// task id is journalled. Whatever is still running is left in the journal for `resume` or
    /// the window, and never sent again.
    pub async fn wind_down(&self, patience: Duration) {
        let sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let running = |s: &Shared| {
            sent.iter()
                .filter(|id| {
                    s.job(id)
                        .ok()
                        .flatten()
                        .is_some_and(|j| j.state.is_active())
                })
                .count()
        };
        let ended = async {
            loop {
                let changed = self.changed.notified();
                if running(self) == 0 {
                    return;
                }
                let _ = tokio::time::timeout(Duration::from_secs(1), changed).await;
            }
        };
        if tokio::time::timeout(patience, ended).await.is_err() {
            tracing::warn!(
                jobs = running(self),
                "the client has gone with jobs still running: they are in the journal, and `wan-studio resume` (or the window) finishes them"
            );
        }
        self.engine.shutdown().await;
    }

    /// Drains the engine's events (its channel is bounded: unread, it would stall the engine),
    /// keeping each job's latest record for the calls that wait on it.
    pub fn follow(self: &Arc<Self>, mut events: mpsc::Receiver<Event>) {
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    Event::Job(job) => {
                        shared.latest_lock().insert(job.id.clone(), *job);
                        shared.changed.notify_waiters();
                    }
                    Event::Notice(msg) => {
                        tracing::warn!("{}", crate::core::text::terminal::printable(&msg));
                    }
                    _ => {}
                }
            }
        });
    }

    fn latest_lock(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, JobRecord>> {
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A job's record: the engine's latest, else the journal's.
    fn job(&self, id: &str) -> Result<Option<JobRecord>, String> {
        if let Some(j) = self.latest_lock().get(id) {
            return Ok(Some(j.clone()));
        }
        self.engine.journal().get(id).map_err(|e| e.to_string())
    }

    fn ledger(&self) -> Ledger {
        Ledger::of(self.engine.server())
    }
}

/// The request's broken rules, named by the fields an agent sends.
fn rule_problems(req: &GenerationRequest) -> Vec<FieldProblem> {
    match rules::validate(req) {
        Ok(()) => Vec::new(),
        Err(problems) => problems
            .iter()
            .map(|p| FieldProblem {
                field: match p.field.wire_name() {
                    "image_urls" => "images".to_owned(),
                    other => other.to_owned(),
                },
                message: p.message.clone(),
            })
            .collect(),
    }
}

/// `req` with its local references as placeholder links, so every other rule can be checked
/// before anything is uploaded.
fn with_placeholders(req: &GenerationRequest) -> GenerationRequest {
    let mut checked = req.clone();
    for (i, url) in checked.image_urls.iter_mut().enumerate() {
        if hosting::local_file(url).is_some() || url.starts_with(SAMPLE_SCHEME) {
            *url = format!("https://reference.invalid/{i}.png");
        }
    }
    checked
}

fn usd(micro: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // dollars, shown to the cent
    let d = micro as f64 / 1e6;
    d
}

fn joined(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One broken rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldProblem {
    /// The field, as `estimate` and `generate` take it (`n`, `size`, `images`, …).
    pub field: String,
    pub message: String,
}

/// What a request would cost, and whether it could be sent.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EstimateOut {
    /// The price in US dollars.
    pub price_usd: f64,
    /// The price in the provider's credits.
    pub credits: u64,
    /// The images it bills.
    pub images: u32,
    /// A group series: the model may return fewer, and only those are billed.
    pub up_to: bool,
    /// Every rule the request breaks (empty: it can be sent).
    pub problems: Vec<FieldProblem>,
    /// What this session may still accept under `--max-cost`, in US dollars (none: no cap).
    pub session_left_usd: Option<f64>,
    /// The sandbox: nothing is charged.
    pub sandbox: bool,
}

/// Which job (or all in flight).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// A job id from `generate`; none lists every job still in flight.
    pub job_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusOut {
    pub jobs: Vec<JobView>,
}

/// A library search.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchIn {
    /// Words that must all occur in the prompt (any script; `seed:N` finds a seed).
    pub text: Option<String>,
    /// `wan2.7-image` or `wan2.7-image-pro`.
    pub model: Option<String>,
    /// Only starred results.
    pub favourites: Option<bool>,
    /// Made on or after this day, `YYYY-MM-DD` (local time).
    pub since: Option<String>,
    /// Made on or before this day, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// How many results, newest first: 1–100, default 20.
    pub limit: Option<usize>,
}

/// One result in the library.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Found {
    pub job_id: String,
    /// The result's position in its job, from 0 (`get_result` takes it).
    pub index: u32,
    pub path: String,
    pub prompt: Option<String>,
    pub model: String,
    pub seed: Option<i64>,
    pub width: u32,
    pub height: u32,
    pub favourite: bool,
    pub rating: u8,
    /// When it was made (UTC).
    pub created: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SearchOut {
    pub results: Vec<Found>,
    /// More matched than `limit` returned.
    pub more: bool,
}

/// One result, by its job and position.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultIn {
    pub job_id: String,
    /// Its position in the job, from 0 (default 0).
    pub index: Option<u32>,
    /// Also return a small thumbnail (at most 320 px) as image content.
    pub thumbnail: Option<bool>,
}

/// What an image's content credentials say.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Provenance {
    /// `intact`, `changed` (edited after signing) or `none`.
    pub verdict: String,
    /// It says it is AI-made (IPTC "trained algorithmic media").
    pub ai_generated: bool,
    pub signed_by: Option<String>,
    /// The references it was made from, by title.
    pub ingredients: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ResultOut {
    pub job_id: String,
    pub index: u32,
    pub path: String,
    pub width: u32,
    pub height: u32,
    /// The request it was made with, as sent (the API's JSON).
    pub parameters: serde_json::Value,
    pub task_id: Option<String>,
    pub created: String,
    pub provenance: Option<Provenance>,
}

/// One saved preset.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PresetOut {
    pub name: String,
    /// The request it starts from (the API's JSON, without a prompt).
    pub request: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PresetsOut {
    pub presets: Vec<PresetOut>,
}

/// The MCP server: its tools over [`Shared`].
#[derive(Clone)]
pub struct Studio {
    shared: Arc<Shared>,
    tool_router: ToolRouter<Studio>,
}

/// The tools that send nothing and change nothing (all that `--read-only` serves).
pub const READ_ONLY_TOOLS: [&str; 5] = [
    "estimate",
    "job_status",
    "search_library",
    "get_result",
    "list_presets",
];

impl Studio {
    pub fn new(shared: Arc<Shared>, read_only: bool) -> Studio {
        let mut tool_router = Studio::tool_router();
        if read_only {
            tool_router.remove_route("generate");
        }
        Studio {
            shared,
            tool_router,
        }
    }

    /// The request `fields` describe, with every check that needs no upload: the fields, the
    /// allowed folders, the rules. `Err` names what is wrong.
    fn prepare(&self, fields: &RequestFields) -> Result<GenerationRequest, String> {
        let s = &self.shared;
        let req = fields.request(s.engine.paths())?;
        for (_, path) in fields.local_files() {
            if let Some(problem) = s.allowed.problem(&path) {
                return Err(problem);
            }
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            if size > crate::core::references::MAX_SOURCE_BYTES {
                return Err(format!(
                    "images: {} is {} MB; an image file may be at most {} MB; nothing was uploaded",
                    crate::core::text::terminal::printable(&path.display().to_string()),
                    size / (1024 * 1024),
                    crate::core::references::MAX_SOURCE_BYTES / (1024 * 1024)
                ));
            }
        }
        if req.image_urls.iter().any(|u| u.starts_with(SAMPLE_SCHEME)) && s.sandbox.is_none() {
            return Err(format!(
                "images: '{SAMPLE_SCHEME}NAME' references exist only in the sandbox (wan-studio mcp --sandbox)"
            ));
        }
        Ok(req)
    }

    /// Why `estimate` may not be spent now (the session's cap, the monthly budget), if it may not.
    fn money_problem(&self, estimate: &Estimate) -> Result<Option<String>, String> {
        let s = &self.shared;
        if let Some(p) = s.budget.problem(estimate) {
            return Ok(Some(p));
        }
        let settings =
            crate::core::settings::AppSettings::load(s.engine.paths()).unwrap_or_default();
        let spent = s
            .engine
            .journal()
            .spend(s.ledger())
            .map_err(|e| e.to_string())?
            .month_of(now_ms());
        Ok(budget::monthly_problem(
            settings.monthly_budget_micro_usd,
            spent,
            estimate,
        ))
    }

    /// Local files and sandbox samples made into links the API can fetch.
    async fn host_references(&self, req: &mut GenerationRequest) -> Result<(), String> {
        let s = &self.shared;
        if let Some(sandbox) = &s.sandbox {
            for url in &mut req.image_urls {
                *url = sandbox.resolve_sample(url);
            }
        }
        if !req
            .image_urls
            .iter()
            .any(|u| hosting::local_file(u).is_some())
        {
            return Ok(());
        }
        let host = match (&s.sandbox, &s.host) {
            (Some(sandbox), _) => ReferenceHost::Sandbox {
                base: sandbox.base_url(),
            },
            (None, Some(host)) => host.clone(),
            (None, None) => {
                return Err(format!(
                    "images: local files need a reference host, and none is set up: set {} and the other WAN_STUDIO_S3_* variables, or set up Settings › Reference hosting in the window (README › Reference hosting); nothing was sent",
                    hosting::ENV_BUCKET
                ));
            }
        };
        let http = hosting::upload_client().map_err(|e| e.to_string())?;
        let told: hosting::StageTold = Arc::new(|_, _, _| {});
        hosting::host_local_references(
            req,
            &host,
            &http,
            crate::core::references::preflight::Options::default(),
            told,
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("images: {e}; nothing was sent"))
    }

    /// Waits for `id` to end, telling the client how far it has come when it asked to be told.
    async fn wait_for(
        &self,
        id: &JobId,
        meta: &RequestMetaObject,
        peer: &Peer<RoleServer>,
    ) -> Result<JobRecord, String> {
        let token = meta.get_progress_token();
        let mut said = None;
        loop {
            let changed = self.shared.changed.notified();
            let Some(job) = self.shared.job(id)? else {
                return Err(format!("job {id} is no longer in the journal"));
            };
            let expected = rules::most_images(&job.request).max(job.result_urls.len());
            let step = (job.state, job.results.len());
            if let Some(token) = token.as_ref().filter(|_| said != Some(step)) {
                said = Some(step);
                #[allow(clippy::cast_precision_loss)] // a handful of images
                let (done, total) = (job.results.len() as f64, expected as f64);
                let note = ProgressNotificationParam::new(token.clone(), done)
                    .with_total(total)
                    .with_message(format!(
                        "{}: {done} of {total} images home",
                        job.state.label()
                    ));
                if let Err(e) = peer.notify_progress(note).await {
                    tracing::debug!("a progress notification was not delivered: {e}");
                }
            }
            if !job.state.is_active() {
                return Ok(job);
            }
            // Events wake it; a slow tick covers a job another process finishes.
            let _ = tokio::time::timeout(Duration::from_secs(2), changed).await;
        }
    }
}

#[tool_router]
impl Studio {
    /// The price of a request and every rule it breaks. Sends nothing.
    #[tool(
        description = "Price a Wan 2.7 Image request and list every rule it breaks, by field. Sends nothing and charges nothing. Takes the API's field names (model, prompt, negative_prompt, size, resolution, n, seed, images, bbox_list, color_palette, enable_sequential, thinking_mode, watermark) and an optional preset.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn estimate(
        &self,
        Parameters(fields): Parameters<RequestFields>,
    ) -> Result<Json<EstimateOut>, String> {
        let s = &self.shared;
        let req = self.prepare(&fields)?;
        let estimate = s.rates.estimate_request(&req);
        let problems = rule_problems(&with_placeholders(&req));
        Ok(Json(EstimateOut {
            price_usd: usd(estimate.micro_usd),
            credits: estimate.credits,
            images: estimate.images,
            up_to: estimate.up_to,
            problems,
            session_left_usd: s.budget.left().map(usd),
            sandbox: s.sandbox.is_some(),
        }))
    }

    /// Checks, journals, submits once and (by default) waits for the images.
    #[tool(
        description = "Make images with Wan 2.7 Image. Every rule is checked first (a broken one is an error naming the field, and nothing is sent); the price must fit the session's --max-cost and the monthly budget. The job is journalled, submitted once (never resent), and its images saved in the artist's library. By default waits, sending progress notifications, and returns the local PNG paths; wait: false returns the job id at once. Same fields as estimate.",
        annotations(
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn generate(
        &self,
        Parameters(fields): Parameters<RequestFields>,
        meta: RequestMetaObject,
        peer: Peer<RoleServer>,
    ) -> Result<Json<JobView>, String> {
        let s = &self.shared;
        let mut req = self.prepare(&fields)?;
        let problems = rule_problems(&with_placeholders(&req));
        if !problems.is_empty() {
            return Err(format!("{}; nothing was sent", joined(&problems)));
        }
        let estimate = s.rates.estimate_request(&req);
        if let Some(p) = self.money_problem(&estimate)? {
            return Err(p);
        }
        self.host_references(&mut req).await?;
        let problems = rule_problems(&req);
        if !problems.is_empty() {
            return Err(format!("{}; nothing was sent", joined(&problems)));
        }
        let hold = s.budget.hold(&estimate)?;
        let agent = peer.peer_info().map(|info| {
            crate::core::api::boundary::cut(info.client_info.name.trim(), MAX_AGENT_NAME)
        });
        let submission = Submission {
            rate_micro_usd: Some(s.rates.per_image_micro_usd(req.model)),
            request: req,
            made_from: Vec::new(),
            agent: Some(
                agent
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| "an agent".into()),
            ),
        };
        let job = match s.engine.submit_with(submission) {
            Ok(job) => job,
            Err(e) => {
                s.budget.release(hold);
                return Err(match e {
                    EngineError::Invalid(p) => format!("{p}; nothing was sent"),
                    other => other.to_string(),
                });
            }
        };
        tracing::info!(job = %job.id, "an agent's job was sent");
        s.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(job.id.clone());
        if fields.wait == Some(false) {
            return Ok(Json(JobView::of(&job)));
        }
        let done = self.wait_for(&job.id, &meta, &peer).await?;
        if done.state == JobState::Completed {
            Ok(Json(JobView::of(&done)))
        } else {
            let why = done
                .error
                .as_ref()
                .map_or_else(|| done.state.label().to_owned(), |e| e.message.clone());
            Err(format!(
                "job {} ended {}: {why}",
                done.id,
                done.state.as_str()
            ))
        }
    }

    /// One job's state, or every job in flight.
    #[tool(
        description = "The state of one job (job_id from generate) or, without job_id, of every job still in flight: state, progress, result paths, price. An unknown outcome (the submit may have reached the server) is reported as such and never resent.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn job_status(
        &self,
        Parameters(which): Parameters<StatusIn>,
    ) -> Result<Json<StatusOut>, String> {
        let s = &self.shared;
        let jobs = match which.job_id {
            Some(id) => {
                let job = s
                    .job(id.trim())?
                    .ok_or_else(|| format!("job_id: there is no job {id} in this library"))?;
                vec![JobView::of(&job)]
            }
            None => s
                .engine
                .journal()
                .unfinished(s.engine.server())
                .map_err(|e| e.to_string())?
                .iter()
                .map(JobView::of)
                .collect(),
        };
        Ok(Json(StatusOut { jobs }))
    }

    /// The library's search, newest first.
    #[tool(
        description = "Search the artist's library, newest first: prompt words (any script), model, favourites, a date range (since/until, YYYY-MM-DD). Returns paths, prompts, seeds and ids; limit 1-100 (default 20).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search_library(
        &self,
        Parameters(search): Parameters<SearchIn>,
    ) -> Result<Json<SearchOut>, String> {
        let s = &self.shared;
        let limit = search.limit.unwrap_or(20);
        if !(1..=MAX_SEARCH).contains(&limit) {
            return Err(format!("limit: {limit} is not 1–{MAX_SEARCH}"));
        }
        let day = |field: &str, v: &Option<String>, end: bool| -> Result<Option<i64>, String> {
            let Some(v) = v else { return Ok(None) };
            let date: jiff::civil::Date = v
                .trim()
                .parse()
                .map_err(|_| format!("{field}: '{v}' is not a date (YYYY-MM-DD)"))?;
            let date = if end {
                date.tomorrow().map_err(|e| format!("{field}: {e}"))?
            } else {
                date
            };
            Ok(crate::core::library::journal::local_midnight_ms(date))
        };
        let query = LibraryQuery {
            text: search.text.clone().unwrap_or_default(),
            model: match &search.model {
                Some(m) => Some(
                    Model::from_id(m.trim())
                        .ok_or_else(|| format!("model: '{m}' is not a model"))?,
                ),
                None => None,
            },
            favourites: search.favourites == Some(true),
            since_ms: day("since", &search.since, false)?,
            until_ms: day("until", &search.until, true)?,
            ..LibraryQuery::default()
        };
        let found = s
            .engine
            .journal()
            .search(&query)
            .map_err(|e| e.to_string())?;
        let more = found.len() > limit;
        let mut jobs: HashMap<JobId, Option<JobRecord>> = HashMap::new();
        let mut results = Vec::new();
        for f in found.into_iter().take(limit) {
            if !jobs.contains_key(&f.job_id) {
                let j = s
                    .engine
                    .journal()
                    .get(&f.job_id)
                    .map_err(|e| e.to_string())?;
                jobs.insert(f.job_id.clone(), j);
            }
            let Some(Some(job)) = jobs.get(&f.job_id) else {
                continue;
            };
            let Some(r) = job.results.iter().find(|r| r.index == f.index) else {
                continue;
            };
            results.push(Found {
                job_id: job.id.to_string(),
                index: r.index,
                path: r.path.display().to_string(),
                prompt: job.request.prompt.clone(),
                model: job.request.model.id().to_owned(),
                seed: job.request.seed,
                width: r.width,
                height: r.height,
                favourite: f.favourite,
                rating: f.rating,
                created: crate::core::time::format_utc(job.created_at_ms),
            });
        }
        Ok(Json(SearchOut { results, more }))
    }

    /// One result: its parameters, provenance and path, and a thumbnail when asked.
    #[tool(
        description = "One result by job_id and index (from 0): the request it was made with, its content credentials (AI-made, who signed, from which references), its path and size; thumbnail: true adds a small PNG (at most 320 px) as image content.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = rmcp::handler::server::common::schema_for_output::<ResultOut>()
    )]
    async fn get_result(
        &self,
        Parameters(which): Parameters<ResultIn>,
    ) -> Result<CallToolResult, String> {
        let s = &self.shared;
        let job = s
            .job(which.job_id.trim())?
            .ok_or_else(|| format!("job_id: there is no job {} in this library", which.job_id))?;
        let index = which.index.unwrap_or(0);
        let r = job
            .results
            .iter()
            .find(|r| r.index == index)
            .ok_or_else(|| {
                format!(
                    "index: job {} has no result {index} ({} results, from 0)",
                    job.id,
                    job.results.len()
                )
            })?
            .clone();
        let (path, thumb_path) = (r.path.clone(), r.thumbnail.clone());
        let want_thumb = which.thumbnail == Some(true);
        let (provenance, thumbnail) = tokio::task::spawn_blocking(move || {
            let provenance = std::fs::read(&path)
                .ok()
                .and_then(|b| crate::core::credentials::read::read(&b).ok())
                .map(|report| Provenance {
                    verdict: serde_json::to_value(report.verdict)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    ai_generated: report.ai_generated,
                    signed_by: report.signer.and_then(|s| s.name),
                    ingredients: report.ingredients.into_iter().map(|i| i.title).collect(),
                });
            let thumbnail = want_thumb
                .then(|| std::fs::read(&thumb_path).ok())
                .flatten();
            (provenance, thumbnail)
        })
        .await
        .map_err(|e| e.to_string())?;
        let out = ResultOut {
            job_id: job.id.to_string(),
            index,
            path: r.path.display().to_string(),
            width: r.width,
            height: r.height,
            parameters: serde_json::to_value(&job.request).map_err(|e| e.to_string())?,
            task_id: job.task_id.clone(),
            created: crate::core::time::format_utc(job.created_at_ms),
            provenance,
        };
        let value = serde_json::to_value(&out).map_err(|e| e.to_string())?;
        let mut result = CallToolResult::structured(value);
        if want_thumb {
            match thumbnail {
                Some(png) => {
                    use base64::Engine as _;
                    result.content.push(ContentBlock::image(
                        base64::engine::general_purpose::STANDARD.encode(png),
                        "image/png",
                    ));
                }
                None => {
                    return Err(format!(
                        "thumbnail: result {index} of job {} has no thumbnail on disk",
                        job.id
                    ));
                }
            }
        }
        Ok(result)
    }

    /// The presets saved in the window.
    #[tool(
        description = "The presets saved in the window (tier, size, count, seed policy, palette, negative prompt…): give one's name as preset to estimate or generate.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_presets(&self) -> Result<Json<PresetsOut>, String> {
        let saved = crate::core::presets::SavedPresets::load(self.shared.engine.paths())
            .map_err(|e| e.to_string())?;
        let presets = saved
            .iter()
            .map(|p| PresetOut {
                name: p.name.clone(),
                request: serde_json::to_value(p.preset.request(None)).unwrap_or_default(),
            })
            .collect();
        Ok(Json(PresetsOut { presets }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Studio {
    /// A call routed to its tool; an unknown tool is named, with the ones there are.
    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: rmcp::service::RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, rmcp::ErrorData> {
        if !self.tool_router.has_route(&request.name) {
            let there: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            return Err(rmcp::ErrorData::invalid_params(
                format!(
                    "there is no tool '{}' here; the tools are {}",
                    crate::core::text::terminal::printable(&crate::core::api::boundary::cut(
                        &request.name,
                        80
                    )),
                    there.join(", ")
                ),
                None,
            ));
        }
        let call = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        self.tool_router.call(call).await
    }

    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new("wan-studio", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(
            "Wan Studio: Alibaba's Wan 2.7 Image model through the artist's own studio. Call estimate before generate: it prices a request and names every broken rule. generate journals the job, sends it once and saves the images in the artist's library (search_library and get_result find them later). A job whose outcome is unknown is never resent: check job_status instead of calling generate again."
                .to_owned(),
        );
        info
    }
}
