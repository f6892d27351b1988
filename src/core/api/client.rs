//! The HTTP client: submit, poll and download, following the contract's error table.
//!
//! Money rules live here:
//! - a submit that may have reached the server (timeout after sending, connection dropped mid-response,
//!   a 2xx whose body cannot be read) is **never** resent: it ends as [`SubmitError::UnknownOutcome`];
//! - a submit refused with 429, or one that could not connect at all, was not charged and is retried;
//! - the `Authorization` header goes to the API host only: image downloads use a separate client that
//!   has no credentials, and the API client follows no redirects;
//! - every answer is read within the trust boundary's limits (`boundary`): at most 1 MiB, within
//!   the request's deadline (headers and body), an error's text cut to 2 KiB.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::core::api::boundary::{self, BodyError, Bounded, MAX_ANSWER_BYTES, MAX_ERROR_TEXT};
use crate::core::api::key::ApiKey;
use crate::core::api::request::{ApiErrorBody, ErrorEnvelope, GenerationRequest, TaskInfo};

/// Tunables. The defaults follow the contract; tests shorten them.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: Url,
    pub api_key: Option<ApiKey>,
    pub connect_timeout: Duration,
    /// The deadline for a submit's answer, headers and body, from the moment it is sent. After
    /// it, the outcome is unknown (never resent).
    pub submit_timeout: Duration,
    /// The deadline for a poll's answer, headers and body.
    pub poll_timeout: Duration,
    /// A download that receives no bytes for this long is given up (and tried again from where it
    /// stopped). There is no deadline for the whole body: a slow link still finishes.
    pub download_idle_timeout: Duration,
    /// How many times a submit is attempted when it was provably not charged (429, no connection).
    pub submit_attempts: u32,
    /// First wait between such attempts when the server gives no `Retry-After`.
    pub retry_base: Duration,
    /// Longest single `Retry-After` a submit waits out; a server asking for more is refused (not
    /// charged) with the wait it asked for said. Never more than [`boundary::MAX_RETRY_AFTER`].
    pub max_retry_after: Duration,
    /// How long a submit refused with 429 keeps waiting for its turn, in all. Rate-limited
    /// requests are not charged, so waiting minutes costs nothing but time.
    pub rate_limit_budget: Duration,
    /// Largest result image accepted.
    pub max_download_bytes: u64,
}

impl ClientConfig {
    pub fn new(base_url: Url, api_key: Option<ApiKey>) -> ClientConfig {
        ClientConfig {
            base_url,
            api_key,
            connect_timeout: Duration::from_secs(10),
            submit_timeout: Duration::from_mins(1),
            poll_timeout: Duration::from_secs(30),
            download_idle_timeout: Duration::from_mins(1),
            submit_attempts: 4,
            retry_base: Duration::from_secs(2),
            max_retry_after: Duration::from_mins(2),
            rate_limit_budget: Duration::from_mins(5),
            max_download_bytes: 200 * 1024 * 1024,
        }
    }
}

/// Why a submit did not produce a task.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubmitError {
    /// The gateway refused the request (4xx other than 429). Not charged; resending would fail again.
    #[error("refused by the API (HTTP {status}): {error}")]
    Refused { status: u16, error: ApiErrorBody },
    /// Still rate-limited after every attempt. Not charged.
    #[error("rate limited by the API; try again later: {error}")]
    RateLimited { error: ApiErrorBody },
    /// No connection could be made. Nothing was sent, nothing charged.
    #[error("could not reach the API: {0}")]
    NotSent(String),
    /// The server answered with an error envelope and a 5xx: the task was not created, credits refunded.
    #[error("the API failed (HTTP {status}): {error}")]
    ServerError { status: u16, error: ApiErrorBody },
    /// The request may have reached the server and may have been charged; it is not resent.
    #[error("unknown outcome: {0}")]
    UnknownOutcome(String),
}

impl SubmitError {
    /// The server's error body, where there is one.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            SubmitError::Refused { error, .. }
            | SubmitError::RateLimited { error }
            | SubmitError::ServerError { error, .. } => Some(error),
            SubmitError::NotSent(_) | SubmitError::UnknownOutcome(_) => None,
        }
    }
}

/// Why a poll did not return a task.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PollError {
    /// Network trouble, 5xx, a garbage body: retry later (polling is free).
    #[error("{0}")]
    Transient(String),
    /// 429: wait at least this long.
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    /// 4xx: the key was refused or the task is unknown to this key. Retrying will not help until
    /// something changes (a new key); the job is paused, not lost.
    #[error("HTTP {status}: {error}")]
    Refused { status: u16, error: ApiErrorBody },
}

/// A task id no server hands out, for [`ApiClient::check_key`].
const KEY_CHECK_TASK: &str = "task_00000000000000000000000000000000";

/// What the API said of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    Accepted,
    /// 401/403, with the server's words.
    Refused(String),
    /// The API could not be asked (unreachable, rate limited, an unexpected answer).
    Unknown(String),
}

/// Why a result could not be downloaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DownloadError {
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

/// The API client. Cheap to clone.
#[derive(Clone)]
pub struct ApiClient {
    api: reqwest::Client,
    media: reqwest::Client,
    auth: Option<HeaderValue>,
    cfg: std::sync::Arc<ClientConfig>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.cfg.base_url.as_str())
            .field("has_key", &self.auth.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the API key contains characters that cannot be sent in a header")]
    BadKey,
    #[error(
        "this system has no trusted root certificates, so {0} cannot be reached securely: install the ca-certificates package"
    )]
    NoTrustStore(String),
    #[error(
        "{0} is not https: the API key is sent only over TLS (plain http:// only to this machine: 127.0.0.1, ::1 or localhost)"
    )]
    Insecure(String),
}

/// Builds an HTTP client with the system's trust store. A system without one (a minimal install
/// lacking ca-certificates) still gets a client, able to reach plain-http loopback (the sandbox) but
/// no https host; the flag says which happened.
pub fn build_http_client(
    make: impl Fn() -> reqwest::ClientBuilder,
) -> Result<(reqwest::Client, bool), reqwest::Error> {
    // reqwest is built without a default TLS provider; ring is ours. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match make().build() {
        Ok(c) => Ok((c, true)),
        Err(e) if e.is_builder() => {
            tracing::warn!("no usable trust store ({e}); https connections will fail");
            Ok((make().tls_certs_only(Vec::new()).build()?, false))
        }
        Err(e) => Err(e),
    }
}

impl ApiClient {
    pub fn new(cfg: ClientConfig) -> Result<ApiClient, ClientBuildError> {
        // The same rule as the settings', here too: no client can be built that would carry the
        // key anywhere else.
        if cfg.api_key.is_some() && !crate::core::api::rules::key_may_go_to(&cfg.base_url) {
            return Err(ClientBuildError::Insecure(cfg.base_url.to_string()));
        }
        let ua = concat!("wan-studio/", env!("CARGO_PKG_VERSION"));
        let (api, trusted) = build_http_client(|| {
            reqwest::Client::builder()
                .user_agent(ua)
                .connect_timeout(cfg.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
        })?;
        if !trusted && cfg.base_url.scheme() == "https" {
            return Err(ClientBuildError::NoTrustStore(cfg.base_url.to_string()));
        }
        let media = media_client(cfg.connect_timeout, cfg.download_idle_timeout)?;
        let auth = match &cfg.api_key {
            Some(key) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                    .map_err(|_| ClientBuildError::BadKey)?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(ApiClient {
            api,
            media,
            auth,
            cfg: std::sync::Arc::new(cfg),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.cfg.base_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{path}"));
        url.set_query(None);
        url
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some(v) => rb.header(AUTHORIZATION, v.clone()),
            None => rb,
        }
    }

    /// Submits a generation request. See the module docs for the retry policy.
    pub async fn submit(&self, req: &GenerationRequest) -> Result<TaskInfo, SubmitError> {
        self.submit_with(req, &|_| {}).await
    }

    /// [`ApiClient::submit`], telling `rate_limited` how long it waits each time the API answers
    /// 429 (the job can say "waiting: rate limited"). 429s are waited out within
    /// [`ClientConfig::rate_limit_budget`], honouring `Retry-After`; connection failures are tried
    /// [`ClientConfig::submit_attempts`] times.
    pub async fn submit_with(
        &self,
        req: &GenerationRequest,
        rate_limited: &(dyn Fn(Duration) + Send + Sync),
    ) -> Result<TaskInfo, SubmitError> {
        let body = serde_json::to_vec(req)
            .map_err(|e| SubmitError::NotSent(format!("the request could not be encoded: {e}")))?;
        let url = self.endpoint("/api/v1/images/generations");
        let started = tokio::time::Instant::now();
        let mut connect_failures = 0;
        let mut limited = 0;
        loop {
            let sent = self
                .authed(self.api.post(url.clone()))
                .header(CONTENT_TYPE, "application/json")
                .timeout(self.cfg.submit_timeout)
                .body(body.clone())
                .send()
                .await;
            let wait = match sent {
                Err(e) if e.is_connect() => {
                    connect_failures += 1;
                    tracing::warn!(
                        connect_failures,
                        "submit could not connect: {}",
                        describe(&e)
                    );
                    if connect_failures >= self.cfg.submit_attempts.max(1) {
                        return Err(SubmitError::NotSent(describe(&e)));
                    }
                    backoff(self.cfg.retry_base, connect_failures)
                }
                Err(e) => {
                    tracing::warn!("submit may have reached the server: {}", describe(&e));
                    return Err(SubmitError::UnknownOutcome(format!(
                        "the connection failed after the request was sent ({}); it may have been accepted and charged",
                        describe(&e)
                    )));
                }
                Ok(resp) if resp.status() == StatusCode::TOO_MANY_REQUESTS => {
                    limited += 1;
                    let retry_after = retry_after(&resp);
                    let mut error = read_error(resp).await;
                    tracing::warn!(limited, ?retry_after, "submit rate limited");
                    let longest = self.cfg.max_retry_after.min(boundary::MAX_RETRY_AFTER);
                    if let Some(asked) = retry_after.map(|r| r.asked).filter(|a| *a > longest) {
                        error.message = format!(
                            "{} (the API asks to wait {} s, longer than the {} s the studio waits; nothing was charged)",
                            error.message,
                            asked.as_secs(),
                            longest.as_secs()
                        );
                        return Err(SubmitError::RateLimited { error });
                    }
                    let wait = retry_after
                        .map_or_else(|| backoff(self.cfg.retry_base, limited), |r| r.wait);
                    if started.elapsed() + wait > self.cfg.rate_limit_budget {
                        return Err(SubmitError::RateLimited { error });
                    }
                    rate_limited(wait);
                    wait
                }
                Ok(resp) => return self.read_submit_answer(resp).await,
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn read_submit_answer(&self, resp: reqwest::Response) -> Result<TaskInfo, SubmitError> {
        let status = resp.status();
        if status.is_success() {
            let bytes = read_bounded(resp).await.map_err(|e| {
                SubmitError::UnknownOutcome(format!(
                    "{e}; the task may have been created and charged"
                ))
            })?;
            return match serde_json::from_slice::<TaskInfo>(&bytes) {
                Ok(task) if valid_task_id(&task.id) => Ok(trimmed(task)),
                Ok(task) => Err(SubmitError::UnknownOutcome(format!(
                    "the answer carried an unusable task id '{}'",
                    snippet(task.id.as_bytes())
                ))),
                Err(_) => Err(SubmitError::UnknownOutcome(format!(
                    "the answer (HTTP {}) was not a task: '{}'; the task may have been created and charged",
                    status.as_u16(),
                    snippet(&bytes)
                ))),
            };
        }
        let code = status.as_u16();
        let (error, enveloped) = read_error_enveloped(resp).await;
        if status.is_server_error() {
            if matches!(
                status,
                StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT
            ) {
                // A gateway under load: the API behind it may have taken the request.
                Err(SubmitError::UnknownOutcome(format!(
                    "HTTP {code} from the gateway in front of the API ({}); the request may have reached the API and been charged",
                    error.message
                )))
            } else if enveloped {
                Err(SubmitError::ServerError {
                    status: code,
                    error,
                })
            } else {
                // A proxy's page: we cannot tell whether the gateway took the request.
                Err(SubmitError::UnknownOutcome(format!(
                    "HTTP {code} from something in front of the API: {}",
                    error.message
                )))
            }
        } else {
            Err(SubmitError::Refused {
                status: code,
                error,
            })
        }
    }

    /// Polls a task once. The caller decides when to poll again.
    pub async fn poll(&self, task_id: &str) -> Result<TaskInfo, PollError> {
        if !valid_task_id(task_id) {
            return Err(PollError::Refused {
                status: 0,
                error: ApiErrorBody {
                    code: "local".into(),
                    message: format!("'{}' is not a task id", snippet(task_id.as_bytes())),
                    request_id: None,
                },
            });
        }
        let url = self.endpoint(&format!("/api/v1/tasks/{task_id}"));
        let resp = self
            .authed(self.api.get(url))
            .timeout(self.cfg.poll_timeout)
            .send()
            .await
            .map_err(|e| PollError::Transient(describe(&e)))?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(PollError::RateLimited {
                retry_after: retry_after(&resp).map(|r| r.wait),
            });
        }
        if status.is_server_error() {
            let error = read_error(resp).await;
            return Err(PollError::Transient(format!(
                "HTTP {}: {}",
                status.as_u16(),
                error
            )));
        }
        if !status.is_success() {
            let error = read_error(resp).await;
            return Err(PollError::Refused {
                status: status.as_u16(),
                error,
            });
        }
        let bytes = read_bounded(resp)
            .await
            .map_err(|e| PollError::Transient(e.to_string()))?;
        serde_json::from_slice::<TaskInfo>(&bytes)
            .map(trimmed)
            .map_err(|_| {
                PollError::Transient(format!("the answer was not a task: '{}'", snippet(&bytes)))
            })
    }

    /// Checks the key at no cost: polls a task id that cannot exist. A good key hears "no such
    /// task" (40001); a bad one is refused (401/403). Anything else leaves it unknown.
    pub async fn check_key(&self) -> KeyCheck {
        let not_found = |e: &ApiErrorBody| e.code == "40001";
        match self.poll(KEY_CHECK_TASK).await {
            Err(PollError::Refused { status, error }) if status == 401 || status == 403 => {
                KeyCheck::Refused(error.message)
            }
            Err(PollError::Refused { error, .. }) if not_found(&error) => KeyCheck::Accepted,
            // It answered as a task at all: the key was let through.
            Ok(_) => KeyCheck::Accepted,
            Err(PollError::Refused { status, error }) => {
                KeyCheck::Unknown(format!("HTTP {status}: {}", error.message))
            }
            Err(PollError::RateLimited { .. }) => {
                KeyCheck::Unknown("the API is rate limiting requests".to_owned())
            }
            Err(PollError::Transient(msg)) => KeyCheck::Unknown(msg),
        }
    }

    /// Downloads one result image, without credentials, up to the size cap.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, DownloadError> {
        download_media(&self.media, url, self.cfg.max_download_bytes).await
    }

    /// Downloads into `buf`, continuing from the bytes already there (HTTP Range) where the server
    /// allows it: call again with the same buffer after a transient failure.
    pub async fn download_into(&self, url: &str, buf: &mut Vec<u8>) -> Result<(), DownloadError> {
        download_media_into(
            &self.media,
            url,
            self.cfg.max_download_bytes,
            buf,
            &mut |_| {},
        )
        .await
    }

    /// [`ApiClient::download_into`], telling `progress` how far it got after each piece.
    pub async fn download_into_with(
        &self,
        url: &str,
        buf: &mut Vec<u8>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), DownloadError> {
        download_media_into(&self.media, url, self.cfg.max_download_bytes, buf, progress).await
    }
}

/// A client for images (results, references, uploads): no credentials ever, redirects followed
/// only as the trust boundary allows (every hop checked, at most five), names resolved without
/// link-local or metadata addresses, a connect timeout and an idle timeout (no bytes for `idle`),
/// never a deadline for the whole body.
pub fn media_client(
    connect_timeout: Duration,
    idle: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    let ua = concat!("wan-studio/", env!("CARGO_PKG_VERSION"));
    build_http_client(|| {
        reqwest::Client::builder()
            .user_agent(ua)
            .connect_timeout(connect_timeout)
            .read_timeout(idle)
            .redirect(boundary::redirect_policy())
            .dns_resolver(boundary::GuardedResolver)
    })
    .map(|(c, _)| c)
}

/// Downloads an image with `client` (which must carry no credentials), up to `cap` bytes, from a
/// link the trust boundary allows ([`boundary::fetch_problem`]): https, or http on this machine
/// (the sandbox).
pub async fn download_media(
    client: &reqwest::Client,
    url: &str,
    cap: u64,
) -> Result<Vec<u8>, DownloadError> {
    let mut buf = Vec::new();
    download_media_into(client, url, cap, &mut buf, &mut |_| {}).await?;
    Ok(buf)
}

/// How far a download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes received, including any kept from an earlier, cut attempt.
    pub done: u64,
    /// The whole body's size, when the server said.
    pub total: Option<u64>,
}

impl std::fmt::Display for Progress {
    /// "3.1 of 20.0 MB", or "3.1 MB" when the size is not known.
    #[allow(clippy::cast_precision_loss)] // megabytes shown to one decimal
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
        match self.total {
            Some(total) => write!(f, "{:.1} of {:.1} MB", mb(self.done), mb(total)),
            None => write!(f, "{:.1} MB", mb(self.done)),
        }
    }
}

/// [`download_media`] into `buf`, asking only for what is missing when `buf` already holds the
/// start of the body (a `206` continues it; a plain `200` starts over).
pub async fn download_media_into(
    client: &reqwest::Client,
    url: &str,
    cap: u64,
    out: &mut Vec<u8>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), DownloadError> {
    let parsed = Url::parse(url).map_err(|_| {
        DownloadError::Permanent(format!(
            "'{}' is not a web address",
            snippet(url.as_bytes())
        ))
    })?;
    if let Some(why) = boundary::fetch_problem(&parsed, boundary::is_loopback_host(&parsed)) {
        return Err(DownloadError::Permanent(format!(
            "refusing to download from a link that {why}"
        )));
    }
    let mut request = client.get(parsed);
    if !out.is_empty() {
        request = request.header(reqwest::header::RANGE, format!("bytes={}-", out.len()));
    }
    let mut resp = request.send().await.map_err(|e| {
        if e.is_redirect() {
            // The boundary refused a hop: asking again would be refused again.
            DownloadError::Permanent(describe(&e))
        } else {
            DownloadError::Transient(describe(&e))
        }
    })?;
    let status = resp.status();
    if status == StatusCode::PARTIAL_CONTENT {
        let continues = resp
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes "))
            .and_then(|v| v.split('-').next())
            .and_then(|v| v.parse::<usize>().ok())
            == Some(out.len());
        if !continues {
            out.clear();
            return Err(DownloadError::Transient(
                "the server answered a different part of the image; starting over".to_owned(),
            ));
        }
        tracing::info!(from = out.len(), "download continues where it stopped");
    } else if status.is_success() {
        // The whole body again (the server ignores Range): start over.
        out.clear();
    }
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(DownloadError::Transient(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    if !status.is_success() {
        return Err(DownloadError::Permanent(format!(
            "HTTP {} (the result link may have expired)",
            status.as_u16()
        )));
    }
    if resp
        .content_length()
        .is_some_and(|len| len + out.len() as u64 > cap)
    {
        return Err(DownloadError::Permanent(format!(
            "the result is larger than the {} MB limit",
            cap / (1024 * 1024)
        )));
    }
    let total = resp.content_length().map(|len| len + out.len() as u64);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| DownloadError::Transient(describe(&e)))?
    {
        if (out.len() + chunk.len()) as u64 > cap {
            return Err(DownloadError::Permanent(format!(
                "the result is larger than the {} MB limit",
                cap / (1024 * 1024)
            )));
        }
        out.extend_from_slice(&chunk);
        progress(Progress {
            done: out.len() as u64,
            total,
        });
    }
    Ok(())
}

/// Task ids come from the server and end up in URLs and file names: keep them boring.
pub fn valid_task_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Exponential backoff with a little jitter, capped at 30 seconds.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(8));
    let d = base.saturating_mul(factor).min(Duration::from_secs(30));
    let jitter = d.mul_f64(fastrand::f64() * 0.2);
    d + jitter
}

fn retry_after(resp: &reqwest::Response) -> Option<boundary::RetryAfter> {
    let v = resp.headers().get(RETRY_AFTER)?;
    boundary::retry_after(&String::from_utf8_lossy(v.as_bytes()))
}

/// Reads an answer's body within [`MAX_ANSWER_BYTES`] (a larger one is refused as soon as it says
/// or shows so) and the request's deadline.
async fn read_bounded(mut resp: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    let mut body = Bounded::new(MAX_ANSWER_BYTES, resp.content_length())?;
    while let Some(piece) = resp
        .chunk()
        .await
        .map_err(|e| ReadError::Cut(describe(&e)))?
    {
        body.push(&piece)?;
    }
    Ok(body.into_bytes())
}

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("the answer was cut off ({0})")]
    Cut(String),
}

/// An error from a server with its texts cut to what is worth keeping, once, as it arrives.
fn trimmed_error(mut e: ApiErrorBody) -> ApiErrorBody {
    e.message = boundary::cut(&e.message, MAX_ERROR_TEXT);
    e.code = boundary::cut(&e.code, 64);
    e.request_id = e.request_id.map(|r| boundary::cut(&r, 128));
    e
}

/// A task with its error's texts cut ([`trimmed_error`]).
fn trimmed(mut task: TaskInfo) -> TaskInfo {
    task.error = task.error.map(trimmed_error);
    task
}

/// Reads an error answer's body: the API's envelope, or a clear error naming what came instead (an
/// HTML page from a proxy, an empty body). The flag says whether it was the envelope. Any bytes.
pub fn parse_error(status: u16, bytes: &[u8], request_id: Option<String>) -> (ApiErrorBody, bool) {
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        // An envelope that says nothing (fuzzing found `[[]]` parses as one) is no explanation.
        Ok(env) if env.error.message.trim().is_empty() => (
            ApiErrorBody {
                message: format!(
                    "HTTP {status} with an error that gives no message (code '{}')",
                    snippet(env.error.code.as_bytes())
                ),
                request_id: env.error.request_id.or(request_id),
                code: if env.error.code.trim().is_empty() {
                    format!("HTTP {status}")
                } else {
                    env.error.code
                },
            },
            false,
        ),
        Ok(env) => (trimmed_error(env.error), true),
        Err(_) => (
            ApiErrorBody {
                code: format!("HTTP {status}"),
                message: if bytes.iter().all(u8::is_ascii_whitespace) {
                    format!("HTTP {status} with an empty answer")
                } else {
                    format!(
                        "HTTP {status} with an answer that is not the API's: '{}'",
                        snippet(bytes)
                    )
                },
                request_id,
            },
            false,
        ),
    }
}

/// Reads a task (a submit's or a poll's answer) from any bytes.
pub fn parse_task(bytes: &[u8]) -> Result<TaskInfo, String> {
    match serde_json::from_slice::<TaskInfo>(bytes) {
        Ok(task) if valid_task_id(&task.id) => Ok(trimmed(task)),
        Ok(task) => Err(format!(
            "the answer carried an unusable task id '{}'",
            snippet(task.id.as_bytes())
        )),
        Err(_) => Err(format!("the answer was not a task: '{}'", snippet(bytes))),
    }
}

async fn read_error(resp: reqwest::Response) -> ApiErrorBody {
    read_error_enveloped(resp).await.0
}

/// Reads an error answer. The flag says whether it was the API's own envelope.
async fn read_error_enveloped(resp: reqwest::Response) -> (ApiErrorBody, bool) {
    let status = resp.status().as_u16();
    let request_id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|r| boundary::cut(r, 128));
    match read_bounded(resp).await {
        Ok(bytes) => parse_error(status, &bytes, request_id),
        Err(e) => (
            ApiErrorBody {
                code: format!("HTTP {status}"),
                message: format!("HTTP {status}; {e}"),
                request_id,
            },
            false,
        ),
    }
}

/// The first 120 characters of a body, on one line.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(120).collect();
    if one_line.chars().count() > 120 {
        s.push('…');
    }
    s
}

/// A reqwest error with its causes, without the URL (which is ours and adds nothing).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_bytes_parse_to_a_task_or_a_clear_error() {
        assert!(parse_task(br#"{"id":"task_1","status":"processing"}"#).is_ok());
        assert!(
            parse_task(br#"{"id":"../etc","status":"processing"}"#)
                .unwrap_err()
                .contains("unusable task id")
        );
        for junk in [
            &b""[..],
            b"<html>502</html>",
            b"\xff\xfe\x00",
            b"{\"id\": 7}",
        ] {
            assert!(parse_task(junk).is_err());
            let (e, enveloped) = parse_error(502, junk, None);
            assert!(!enveloped && e.message.starts_with("HTTP 502"));
        }
        // Found by fuzzing: a JSON array parses as an envelope with an empty message.
        let (e, enveloped) = parse_error(500, b"[[\r] ]", None);
        assert!(!enveloped);
        assert_eq!(
            e.message,
            "HTTP 500 with an error that gives no message (code '')"
        );
        let (e, enveloped) = parse_error(
            429,
            br#"{"error":{"code":50001,"message":"slow down"}}"#,
            None,
        );
        assert!(enveloped);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("50001", "slow down")
        );
    }

    #[test]
    fn task_ids_are_checked() {
        assert!(valid_task_id("task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e"));
        assert!(!valid_task_id("../etc/passwd"));
        assert!(!valid_task_id(""));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let b = Duration::from_secs(1);
        assert!(backoff(b, 1) < Duration::from_millis(1300));
        assert!(backoff(b, 3) >= Duration::from_secs(4));
        assert!(backoff(b, 20) <= Duration::from_secs(36));
    }

    #[test]
    fn endpoint_keeps_base_path() {
        let c = ApiClient::new(ClientConfig::new(
            Url::parse("https://example.com/proxy/").unwrap(),
            None,
        ))
        .unwrap();
        assert_eq!(
            c.endpoint("/api/v1/tasks/t1").as_str(),
            "https://example.com/proxy/api/v1/tasks/t1"
        );
    }
}
