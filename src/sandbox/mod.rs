//! The sandbox: a local simulator of the reAPI endpoints.
//!
//! It serves `POST /api/v1/images/generations` and `GET /api/v1/tasks/{id}` on 127.0.0.1 with the
//! **same rules** as the app (it calls [`crate::core::api::rules::validate`]), a realistic processing delay,
//! and real PNG results at the size the request implies. It serves a few sample references under
//! `/samples/`, fetches references the way the real service does (and fails the task when one cannot
//! be fetched), and can misbehave on purpose for tests: see [`Fault`].
//!
//! Tasks are kept on disk in its state folder, so a sandbox started again on the same folder (the app
//! restarted, `wan-studio resume --sandbox`) still knows them.

mod render;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use image::RgbaImage;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::core::api::request::{
    ApiErrorBody, GenerationRequest, Model, TaskInfo, TaskOutput, TaskStatus,
};
use crate::core::api::rules::{self, Context};
use crate::core::imaging;
use crate::core::library::journal::now_ms;
use crate::core::references;

pub use render::{Inset, Outline, Scene, render};

/// Sample references shipped with the app, served under `/samples/NAME`.
pub const SAMPLES: [(&str, &[u8]); 3] = [
    (
        "mountains.jpg",
        include_bytes!("../../assets/samples/mountains.jpg"),
    ),
    ("desk.jpg", include_bytes!("../../assets/samples/desk.jpg")),
    (
        "portrait.jpg",
        include_bytes!("../../assets/samples/portrait.jpg"),
    ),
];

/// Prefix naming a built-in sample reference: `sample:desk.jpg`.
pub const SAMPLE_SCHEME: &str = "sample:";

/// Ways to misbehave, each used once, in order, by the endpoint it was queued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with the error envelope (code 50001) and `Retry-After`. Nothing is created.
    RateLimit { retry_after_secs: u64 },
    /// 500 with the error envelope (code 60099). Nothing is created.
    ServerError,
    /// 502 with an HTML page, as a proxy in front of the API would answer.
    BadGateway,
    /// 200 with a body that is not JSON. On submit the task **is** created first.
    Garbage,
    /// The connection is dropped mid-response. On submit the task **is** created first.
    DropConnection,
    /// No answer at all until the client gives up. On submit the task **is** created first.
    Hang,
    /// 404 with code 40001, as a node that does not see the task yet answers a poll.
    NotFound,
    /// 502 or 504 with the JSON error envelope, as a gateway under load answers. On submit the
    /// task **is** created first: the request reached the API behind the gateway.
    Gateway { status: u16 },
}

/// Which endpoint a fault is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Submit,
    Poll,
    Media,
}

/// How the sandbox is started.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The key it insists on. `None`: any key, or none, is accepted (sandbox-only mode).
    pub key: Option<String>,
    /// Where tasks and results are kept. `None`: a temporary folder removed on shutdown.
    pub state_dir: Option<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Processing time of a task before its first image…
    pub base_delay: Duration,
    /// …plus this much per image.
    pub per_image_delay: Duration,
    /// Polls answer in the provider's own spelling (`RUNNING`, `SUCCEEDED`, `FAILED`), as some
    /// gateways pass it through.
    pub provider_statuses: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            key: None,
            state_dir: None,
            port: 0,
            base_delay: Duration::from_millis(2500),
            per_image_delay: Duration::from_millis(400),
            provider_statuses: false,
        }
    }
}

/// What the sandbox has seen, for tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// POSTs to the submit endpoint, whatever became of them.
    pub submits_received: AtomicU64,
    /// Tasks created (each would be charged on the real service).
    pub tasks_created: AtomicU64,
    pub polls: AtomicU64,
    pub media_requests: AtomicU64,
    /// Requests for result images or samples that carried an `Authorization` header (must stay 0).
    pub media_requests_with_auth: AtomicU64,
    /// The most tasks running at once (created and not yet ready), as a batch's limit is checked.
    pub most_running: AtomicU64,
    /// When each of the latest polls came in, and for which task (the last [`POLL_LOG`]).
    poll_log: std::sync::Mutex<std::collections::VecDeque<(String, std::time::Instant)>>,
}

/// How many polls [`Stats`] remembers the times of.
const POLL_LOG: usize = 4096;

impl Stats {
    /// When the latest polls of `task` came in, oldest first (for tests of the poll schedule).
    pub fn poll_times(&self, task: &str) -> Vec<std::time::Instant> {
        self.poll_log
            .lock()
            .map(|log| {
                log.iter()
                    .filter(|(t, _)| t == task)
                    .map(|(_, at)| *at)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn log_poll(&self, task: &str) {
        if let Ok(mut log) = self.poll_log.lock() {
            if log.len() == POLL_LOG {
                log.pop_front();
            }
            log.push_back((task.to_owned(), std::time::Instant::now()));
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaskRecord {
    id: String,
    request: GenerationRequest,
    created_at: i64,
    ready_at_ms: i64,
    status: String,
    error: Option<ApiErrorBody>,
    images: u32,
    /// A failure queued for this task by a test.
    forced_error: Option<ApiErrorBody>,
    /// A group series that comes back shorter than `n` (the model decides), set by a test.
    #[serde(default)]
    series_limit: Option<u32>,
    /// A size other than the one asked for (the model may return one), set by a test.
    #[serde(default)]
    size_override: Option<(u32, u32)>,
}

#[derive(Default)]
struct Faults {
    submit: VecDeque<Fault>,
    poll: VecDeque<Fault>,
    media: VecDeque<Fault>,
    fail_next: VecDeque<ApiErrorBody>,
    short_series: VecDeque<u32>,
    other_size: VecDeque<(u32, u32)>,
}

struct Shared {
    cfg: SandboxConfig,
    base_url: String,
    state_dir: PathBuf,
    tasks: Mutex<HashMap<String, TaskRecord>>,
    faults: Mutex<Faults>,
    stats: Stats,
    fetcher: reqwest::Client,
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    base: reqwest::Url,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox could not listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("the sandbox's folder {path} is not usable: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the sandbox could not build its HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

impl Sandbox {
    /// Starts the sandbox on the current tokio runtime.
    pub async fn start(cfg: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let (state_dir, temp) = if let Some(dir) = &cfg.state_dir {
            (dir.clone(), None)
        } else {
            let t = tempfile::tempdir().map_err(|source| SandboxError::Folder {
                path: std::env::temp_dir(),
                source,
            })?;
            (t.path().to_path_buf(), Some(t))
        };
        for sub in ["tasks", "media"] {
            let p = state_dir.join(sub);
            std::fs::create_dir_all(&p)
                .map_err(|source| SandboxError::Folder { path: p, source })?;
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.port))
            .await
            .map_err(|source| SandboxError::Bind {
                port: cfg.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: cfg.port,
            source,
        })?;
        let (fetcher, _) = crate::core::api::client::build_http_client(|| {
            // The upstream service's fetch of a reference, held to the same boundary as ours.
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(30))
                .redirect(crate::core::api::boundary::redirect_policy())
                .dns_resolver(crate::core::api::boundary::GuardedResolver)
        })?;
        let base_url = format!("http://{addr}");
        let base = reqwest::Url::parse(&base_url).map_err(|e| SandboxError::Bind {
            port: cfg.port,
            source: std::io::Error::other(e),
        })?;
        let shared = Arc::new(Shared {
            base_url,
            state_dir,
            tasks: Mutex::new(HashMap::new()),
            faults: Mutex::new(Faults::default()),
            stats: Stats::default(),
            fetcher,
            cfg,
        });
        shared.load_tasks();
        let app = Router::new()
            .route("/", get(index))
            .route("/stats", get(stats))
            .route("/api/v1/images/generations", post(submit))
            .route("/api/v1/tasks/{id}", get(poll))
            .route("/media/tasks/{id}/{file}", get(media))
            .route("/samples/{name}", get(sample))
            .route(
                "/uploads/{name}",
                axum::routing::put(upload)
                    .get(uploaded)
                    .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
            )
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("sandbox server stopped: {e}");
            }
        });
        tracing::info!("sandbox listening on http://{addr}");
        Ok(Sandbox {
            shared,
            base,
            addr,
            server,
            _temp: temp,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> reqwest::Url {
        self.base.clone()
    }

    /// Resolves `sample:NAME` to this sandbox's link for that sample; other strings are returned as they are.
    pub fn resolve_sample(&self, reference: &str) -> String {
        match reference.strip_prefix(SAMPLE_SCHEME) {
            Some(name) => format!("{}/samples/{name}", self.shared.base_url),
            None => reference.to_owned(),
        }
    }

    /// Links to the sample references.
    pub fn sample_urls(&self) -> Vec<String> {
        SAMPLES
            .iter()
            .map(|(name, _)| format!("{}/samples/{name}", self.shared.base_url))
            .collect()
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Every request the sandbox has made a task of, oldest first (for tests that check what was
    /// sent: links, boxes, palettes).
    pub fn requests(&self) -> Vec<GenerationRequest> {
        let tasks = self.shared.tasks();
        let mut all: Vec<_> = tasks.values().collect();
        all.sort_by_key(|t| t.created_at);
        all.into_iter().map(|t| t.request.clone()).collect()
    }

    /// Queues a fault for the next request to `endpoint`.
    pub fn inject(&self, endpoint: Endpoint, fault: Fault) {
        let mut f = self.shared.faults();
        match endpoint {
            Endpoint::Submit => f.submit.push_back(fault),
            Endpoint::Poll => f.poll.push_back(fault),
            Endpoint::Media => f.media.push_back(fault),
        }
    }

    /// The next task created will fail with this error (as the real service fails, refunded).
    pub fn fail_next_task(&self, code: &str, message: &str) {
        self.shared.faults().fail_next.push_back(ApiErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
            request_id: Some(request_id()),
        });
    }

    /// The next group series comes back with only `images` images, as the model may decide.
    pub fn shorten_next_series(&self, images: u32) {
        self.shared.faults().short_series.push_back(images);
    }

    /// The next task's images come back `width`×`height`, whatever was asked (as the provider's
    /// model may return a size other than the one asked for).
    pub fn resize_next_task(&self, width: u32, height: u32) {
        self.shared.faults().other_size.push_back((width, height));
    }

    /// Stops accepting connections. The port may still be held for a moment; [`Sandbox::stop`]
    /// waits until it is free.
    pub fn shutdown(self) {
        self.server.abort();
    }

    /// Stops the server and waits until its listener is closed, so the port can be bound again.
    pub async fn stop(mut self) {
        self.server.abort();
        // The answer is always "cancelled" (or the server's own end); either way it has stopped.
        let _ = (&mut self.server).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Shared {
    fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, HashMap<String, TaskRecord>> {
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn next_fault(&self, endpoint: Endpoint) -> Option<Fault> {
        let mut f = self.faults();
        match endpoint {
            Endpoint::Submit => f.submit.pop_front(),
            Endpoint::Poll => f.poll.pop_front(),
            Endpoint::Media => f.media.pop_front(),
        }
    }

    fn task_file(&self, id: &str) -> PathBuf {
        self.state_dir.join("tasks").join(format!("{id}.json"))
    }

    fn media_dir(&self, id: &str) -> PathBuf {
        self.state_dir.join("media").join(id)
    }

    fn save(&self, task: &TaskRecord) {
        match serde_json::to_vec(task) {
            Ok(bytes) => {
                if let Err(e) = imaging::write_atomic(&self.task_file(&task.id), &bytes) {
                    tracing::warn!("sandbox could not save task {}: {e}", task.id);
                }
            }
            Err(e) => tracing::warn!("sandbox could not encode task {}: {e}", task.id),
        }
        self.tasks().insert(task.id.clone(), task.clone());
    }

    /// Loads the tasks of an earlier run and restarts the unfinished ones.
    fn load_tasks(self: &Arc<Self>) {
        let Ok(entries) = std::fs::read_dir(self.state_dir.join("tasks")) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            let Ok(task) = serde_json::from_slice::<TaskRecord>(&bytes) else {
                continue;
            };
            let unfinished = task.status == "processing";
            self.tasks().insert(task.id.clone(), task.clone());
            if unfinished {
                tokio::spawn(work(Arc::clone(self), task.id));
            }
        }
    }

    /// The 401 answer for a request without the right key, if it lacks it.
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        let key = self.cfg.key.as_ref()?;
        match headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            None => Some(error_response(
                StatusCode::UNAUTHORIZED,
                "10001",
                "Missing API key: send Authorization: Bearer <key>.",
            )),
            Some(v) if v.strip_prefix("Bearer ") == Some(key.as_str()) => None,
            Some(_) => Some(error_response(
                StatusCode::UNAUTHORIZED,
                "10002",
                "Invalid API key.",
            )),
        }
    }
}

fn request_id() -> String {
    format!("req_{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

fn error_body(code: &str, message: &str) -> ApiErrorBody {
    ApiErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: Some(request_id()),
    }
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = error_body(code, message);
    let mut resp = (status, axum::Json(json!({ "error": body }))).into_response();
    if let Some(id) = body
        .request_id
        .and_then(|id| HeaderValue::from_str(&id).ok())
    {
        resp.headers_mut().insert("x-request-id", id);
    }
    resp
}

/// Answers a fault the way a broken server would. `None` for faults that need the caller's context.
fn fault_response(fault: &Fault) -> Option<Response> {
    Some(match fault {
        Fault::RateLimit { retry_after_secs } => {
            let mut r = error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "50001",
                "Rate limit exceeded.",
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::NotFound => error_response(
            StatusCode::NOT_FOUND,
            "40001",
            "Task not found, or it belongs to another key.",
        ),
        Fault::ServerError => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "60099",
            "Internal error.",
        ),
        Fault::Gateway { status } => error_response(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
            "60098",
            "The upstream service did not answer in time.",
        ),
        Fault::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Fault::Garbage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"id\": \"task_",
        )
            .into_response(),
        Fault::DropConnection => {
            let stream = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped on purpose"))
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Fault::Hang => return None,
    })
}

async fn hang() -> Response {
    tokio::time::sleep(Duration::from_hours(1)).await;
    StatusCode::GATEWAY_TIMEOUT.into_response()
}

async fn index(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    format!(
        "Wan Studio sandbox: a local simulator of the reAPI image endpoints.\nPOST {0}/api/v1/images/generations\nGET  {0}/api/v1/tasks/{{id}}\nSamples: {0}/samples/mountains.jpg, desk.jpg, portrait.jpg\n",
        s.base_url
    )
}

/// What the simulator has seen, for hostile runs that check nothing was paid twice.
async fn stats(State(s): State<Arc<Shared>>) -> Response {
    let n = |a: &AtomicU64| a.load(Ordering::SeqCst);
    let st = &s.stats;
    let prompts: Vec<Option<String>> = s
        .tasks()
        .values()
        .map(|t| t.request.prompt.clone())
        .collect();
    axum::Json(json!({
        "submits_received": n(&st.submits_received),
        "tasks_created": n(&st.tasks_created),
        "polls": n(&st.polls),
        "media_requests": n(&st.media_requests),
        "media_requests_with_auth": n(&st.media_requests_with_auth),
        "most_running": n(&st.most_running),
        "task_prompts": prompts,
    }))
    .into_response()
}

async fn submit(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    s.stats.submits_received.fetch_add(1, Ordering::SeqCst);
    if let Some(resp) = s.refusal(&headers) {
        return resp;
    }
    let fault = s.next_fault(Endpoint::Submit);
    if let Some(f @ (Fault::RateLimit { .. } | Fault::ServerError | Fault::BadGateway)) = &fault {
        return fault_response(f)
            .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err((code, message)) => return error_response(StatusCode::BAD_REQUEST, code, &message),
    };
    if let Err(problems) = rules::validate(&request) {
        let code = problems.iter().next().map_or("20003", |p| p.code);
        return error_response(StatusCode::BAD_REQUEST, code, &problems.summary());
    }
    let task = create_task(&s, request);
    match fault {
        Some(Fault::Hang) => hang().await,
        Some(f) => {
            fault_response(&f).unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        None => axum::Json(TaskInfo {
            id: task.id.clone(),
            model: Some(task.request.model.id().to_owned()),
            status: TaskStatus::Processing,
            created_at: Some(task.created_at),
            output: None,
            error: None,
        })
        .into_response(),
    }
}

/// Parses a body as the gateway does, with its catalogue's codes.
fn parse_request(body: &[u8]) -> Result<GenerationRequest, (&'static str, String)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ("20001", format!("The body is not valid JSON: {e}.")))?;
    let Value::Object(mut map) = value else {
        return Err(("20001", "The body must be a JSON object.".to_owned()));
    };
    match map.get("model") {
        None => return Err(("20002", "The parameter 'model' is required.".to_owned())),
        Some(Value::String(m)) if Model::from_id(m).is_some() => {}
        Some(other) => {
            return Err((
                "20004",
                format!(
                    "Model {other} is not supported on this endpoint; use wan2.7-image or wan2.7-image-pro."
                ),
            ));
        }
    }
    map.entry("n").or_insert(json!(1));
    serde_json::from_value(Value::Object(map))
        .map_err(|e| ("20003", format!("A value is invalid: {e}.")))
}

fn create_task(s: &Arc<Shared>, request: GenerationRequest) -> TaskRecord {
    let n = u32::try_from(request.n).unwrap_or(1);
    // One lock for both: a second guard in the same expression would wait on the first.
    let (forced_error, series_limit, size_override) = {
        let mut faults = s.faults();
        let limit = if request.is_group() {
            faults.short_series.pop_front()
        } else {
            None
        };
        (
            faults.fail_next.pop_front(),
            limit,
            faults.other_size.pop_front(),
        )
    };
    let delay = s.cfg.base_delay + s.cfg.per_image_delay * n;
    let task = TaskRecord {
        id: format!("task_{}", uuid::Uuid::new_v4().simple()),
        request,
        created_at: now_ms() / 1000,
        ready_at_ms: now_ms() + i64::try_from(delay.as_millis()).unwrap_or(0),
        status: "processing".to_owned(),
        error: None,
        images: 0,
        forced_error,
        series_limit,
        size_override,
    };
    let running = {
        let now = now_ms();
        let tasks = s.tasks();
        tasks
            .values()
            .filter(|t| t.status == "processing" && t.ready_at_ms > now)
            .count() as u64
            + 1
    };
    s.stats.most_running.fetch_max(running, Ordering::SeqCst);
    s.save(&task);
    s.stats.tasks_created.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(work(Arc::clone(s), task.id.clone()));
    task
}

/// Processes one task: waits out its delay, fetches the references, renders the results.
async fn work(s: Arc<Shared>, id: String) {
    let Some(task) = s.tasks().get(&id).cloned() else {
        return;
    };
    let wait = u64::try_from(task.ready_at_ms - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let outcome = match task.forced_error.clone() {
        Some(err) => Err(err),
        None => produce(&s, &task).await,
    };
    let mut done = task;
    match outcome {
        Ok(images) => {
            "completed".clone_into(&mut done.status);
            // In group mode `n` is a maximum: the series may come back shorter (and only what
            // comes back is billed).
            done.images = done
                .series_limit
                .map_or(images, |limit| images.min(limit.max(1)));
        }
        Err(err) => {
            "failed".clone_into(&mut done.status);
            done.error = Some(err);
        }
    }
    s.save(&done);
}

struct FetchedReference {
    image: RgbaImage,
}

async fn produce(s: &Arc<Shared>, task: &TaskRecord) -> Result<u32, ApiErrorBody> {
    let mut refs = Vec::with_capacity(task.request.image_urls.len());
    for (i, url) in task.request.image_urls.iter().enumerate() {
        refs.push(fetch_reference(s, i, url).await?);
    }
    let ctx = Context {
        reference_dims: refs.iter().map(|r| Some(r.image.dimensions())).collect(),
        files_allowed: false,
    };
    if let Err(problems) = rules::validate_with(&task.request, &ctx) {
        let code = problems.iter().next().map_or("20003", |p| p.code);
        return Err(error_body(code, &problems.summary()));
    }
    let request = task.request.clone();
    let dir = s.media_dir(&task.id);
    let seed = request.seed.map_or_else(
        || fastrand::u64(0..=rules::MAX_SEED as u64),
        |v| u64::try_from(v).unwrap_or(0),
    );
    let size = task.size_override;
    tokio::task::spawn_blocking(move || render_all(&request, size, &refs, &dir, seed))
        .await
        .map_err(|e| internal_error(&e))?
}

fn internal_error(e: &dyn std::fmt::Display) -> ApiErrorBody {
    error_body("60001", &format!("Internal error, credits refunded ({e})."))
}

/// The request's palette as colours with weights summing to 1.
fn palette_of(request: &GenerationRequest) -> Vec<([u8; 3], f32)> {
    request
        .color_palette
        .iter()
        .flatten()
        .filter_map(|e| {
            let weight = rules::parse_ratio(&e.ratio)? as f32 / 10_000.0;
            Some((rules::parse_hex(&e.hex)?, weight))
        })
        .collect()
}

/// The boxes on reference `i`, in its own pixels.
fn boxes_of(request: &GenerationRequest, i: usize) -> Vec<Outline> {
    request
        .bbox_list
        .as_ref()
        .and_then(|l| l.get(i))
        .map(|bs| {
            bs.iter()
                .map(|b| Outline {
                    x1: b[0] as f32,
                    y1: b[1] as f32,
                    x2: b[2] as f32,
                    y2: b[3] as f32,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn render_all(
    request: &GenerationRequest,
    size: Option<(u32, u32)>,
    refs: &[FetchedReference],
    dir: &Path,
    seed: u64,
) -> Result<u32, ApiErrorBody> {
    let (w, h) = size.unwrap_or_else(|| {
        rules::output_dimensions(request, refs.last().map(|r| r.image.dimensions()))
    });
    let count = u32::try_from(request.n).unwrap_or(1).max(1);
    // Editing: the last reference is the canvas; its boxes are scaled onto it, the others are insets.
    let base = refs
        .last()
        .map(|r| image::imageops::resize(&r.image, w, h, image::imageops::FilterType::Triangle));
    let boxes = refs.last().map_or_else(Vec::new, |r| {
        let (sx, sy) = (
            w as f32 / r.image.width() as f32,
            h as f32 / r.image.height() as f32,
        );
        boxes_of(request, refs.len() - 1)
            .into_iter()
            .map(|b| Outline {
                x1: b.x1 * sx,
                y1: b.y1 * sy,
                x2: b.x2 * sx,
                y2: b.y2 * sy,
            })
            .collect()
    });
    let insets: Vec<Inset> = refs
        .iter()
        .enumerate()
        .take(refs.len().saturating_sub(1))
        .map(|(i, r)| Inset {
            image: r.image.clone(),
            boxes: boxes_of(request, i),
        })
        .collect();
    let group = request.is_group();
    std::fs::create_dir_all(dir).map_err(|e| internal_error(&e))?;
    for index in 0..count {
        let position = if count > 1 {
            format!(" · {} of {count}", index + 1)
        } else {
            String::new()
        };
        let scene = Scene {
            width: w,
            height: h,
            prompt: request.prompt.clone().unwrap_or_default(),
            caption: format!(
                "SANDBOX · {} · {w}×{h} · seed {seed}{position}",
                request.model.tier_name()
            ),
            seed: if group {
                seed
            } else {
                seed.wrapping_add(u64::from(index))
            },
            index,
            count,
            group,
            palette: palette_of(request),
            watermark: request.watermark == Some(true),
            base: base.clone(),
            boxes: boxes.clone(),
            insets: insets.clone(),
        };
        let png = imaging::encode_png_with(&render(&scene), &[], png::Compression::Fast)
            .map_err(|e| internal_error(&e))?;
        imaging::write_atomic(&dir.join(format!("{index}.png")), &png)
            .map_err(|e| internal_error(&e))?;
    }
    Ok(count)
}

/// Fetches and checks one reference as the upstream service would.
async fn fetch_reference(
    s: &Shared,
    i: usize,
    url: &str,
) -> Result<FetchedReference, ApiErrorBody> {
    let n = i + 1;
    let fail = |why: String| error_body("20003", &format!("Reference {n} ({url}) {why}"));
    let resp = s
        .fetcher
        .get(url)
        .send()
        .await
        .map_err(|e| fail(format!("could not be downloaded: {e}.")))?;
    if !resp.status().is_success() {
        return Err(fail(format!(
            "could not be downloaded: HTTP {}.",
            resp.status().as_u16()
        )));
    }
    if resp
        .content_length()
        .is_some_and(|l| l > rules::MAX_REFERENCE_BYTES)
    {
        return Err(fail("is larger than 20 MB.".to_owned()));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| fail(format!("could not be downloaded: {e}.")))?;
    if bytes.len() as u64 > rules::MAX_REFERENCE_BYTES {
        return Err(fail("is larger than 20 MB.".to_owned()));
    }
    let decoded = tokio::task::spawn_blocking(move || references::check_reference(&bytes))
        .await
        .map_err(|e| fail(format!("could not be read: {e}.")))?
        .map_err(fail)?;
    let image = decoded.to_rgba8();
    Ok(FetchedReference { image })
}

async fn poll(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    s.stats.polls.fetch_add(1, Ordering::SeqCst);
    s.stats.log_poll(&id);
    if let Some(resp) = s.refusal(&headers) {
        return resp;
    }
    if let Some(fault) = s.next_fault(Endpoint::Poll) {
        return match fault_response(&fault) {
            Some(r) => r,
            None => hang().await,
        };
    }
    let Some(task) = s.tasks().get(&id).cloned() else {
        return error_response(
            StatusCode::NOT_FOUND,
            "40001",
            &format!("Task {id} was not found, or it belongs to another key."),
        );
    };
    let status = match task.status.as_str() {
        "completed" => TaskStatus::Completed,
        "failed" => TaskStatus::Failed,
        _ => TaskStatus::Processing,
    };
    let output = (status == TaskStatus::Completed).then(|| TaskOutput {
        image_urls: (0..task.images)
            .map(|i| format!("{}/media/tasks/{}/{i}.png", s.base_url, task.id))
            .collect(),
    });
    let spelled = if s.cfg.provider_statuses {
        match status {
            TaskStatus::Completed => "SUCCEEDED",
            TaskStatus::Failed => "FAILED",
            _ => "RUNNING",
        }
    } else {
        status.as_str()
    };
    axum::Json(json!({
        "id": task.id,
        "model": task.request.model.id(),
        "status": spelled,
        "created_at": task.created_at,
        "output": output,
        "error": task.error,
    }))
    .into_response()
}

async fn media(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    UrlPath((id, file)): UrlPath<(String, String)>,
) -> Response {
    s.stats.media_requests.fetch_add(1, Ordering::SeqCst);
    if headers.contains_key(header::AUTHORIZATION) {
        s.stats
            .media_requests_with_auth
            .fetch_add(1, Ordering::SeqCst);
    }
    if let Some(fault) = s.next_fault(Endpoint::Media) {
        return match fault_response(&fault) {
            Some(r) => r,
            None => hang().await,
        };
    }
    let safe = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            && !p.contains("..")
    };
    if !safe(&id) || !safe(&file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(s.media_dir(&id).join(&file)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The most the sandbox keeps of one upload: the provider's 20 MB and a little room.
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;

/// An upload's name is the hash of its bytes and an image extension: nothing else is kept.
fn upload_name_ok(name: &str) -> bool {
    let Some((hash, ext)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && matches!(ext, "jpg" | "jpeg" | "png" | "bmp" | "webp")
}

/// The sandbox as a reference host: keeps a local image so the simulated API can fetch it, as a
/// bucket would for the real one.
async fn upload(
    State(s): State<Arc<Shared>>,
    UrlPath(name): UrlPath<String>,
    body: Bytes,
) -> Response {
    if !upload_name_ok(&name) {
        return (
            StatusCode::BAD_REQUEST,
            "upload names are a SHA-256 and an image extension",
        )
            .into_response();
    }
    let path = s.state_dir.join("uploads").join(&name);
    let written = tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        imaging::write_atomic(&path, &body).map_err(|e| e.to_string())
    })
    .await;
    match written {
        Ok(Ok(())) => StatusCode::OK.into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn uploaded(State(s): State<Arc<Shared>>, UrlPath(name): UrlPath<String>) -> Response {
    if !upload_name_ok(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = s.state_dir.join("uploads").join(&name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mime = imaging::sniff_format(&bytes)
                .map_or("application/octet-stream", |f| f.to_mime_type());
            ([(header::CONTENT_TYPE, mime)], bytes).into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn sample(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    UrlPath(name): UrlPath<String>,
) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        s.stats
            .media_requests_with_auth
            .fetch_add(1, Ordering::SeqCst);
    }
    match SAMPLES.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => ([(header::CONTENT_TYPE, "image/jpeg")], *bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
