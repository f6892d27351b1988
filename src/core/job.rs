//! What a job is: its state, its results, where it came from, and the codes its errors carry.
//!
//! These are plain facts shared by the journal (which stores them), the engine (which moves a job between
//! states) and the views (which draw them); none of them does any I/O.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::core::api::request::{ApiErrorBody, GenerationRequest};
use crate::core::api::server::Server;

/// A job's identity in the journal: the name of its results on disk and the key every view, command
/// and event carries. Not the upstream task id (that is the server's, and arrives later).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    /// A fresh id (32 lowercase hex digits).
    pub fn fresh() -> JobId {
        JobId(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for JobId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for JobId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for JobId {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl std::borrow::Borrow<str> for JobId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for JobId {
    fn from(s: String) -> JobId {
        JobId(s)
    }
}

impl From<&str> for JobId {
    fn from(s: &str) -> JobId {
        JobId(s.to_owned())
    }
}

impl From<&String> for JobId {
    fn from(s: &String) -> JobId {
        JobId(s.clone())
    }
}

impl From<&JobId> for JobId {
    fn from(s: &JobId) -> JobId {
        s.clone()
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> String {
        id.0
    }
}

impl PartialEq<str> for JobId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for JobId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for JobId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<JobId> for str {
    fn eq(&self, other: &JobId) -> bool {
        self == other.0
    }
}

impl PartialEq<JobId> for &str {
    fn eq(&self, other: &JobId) -> bool {
        *self == other.0
    }
}

impl PartialEq<JobId> for String {
    fn eq(&self, other: &JobId) -> bool {
        *self == other.0
    }
}

impl rusqlite::ToSql for JobId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl rusqlite::types::FromSql for JobId {
    fn column_result(
        value: rusqlite::types::ValueRef<'_>,
    ) -> rusqlite::types::FromSqlResult<JobId> {
        String::column_result(value).map(JobId)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Journalled; the submit is being sent.
    Submitting,
    /// Accepted; polling the task.
    Processing,
    /// Completed upstream; copying the results home.
    Downloading,
    /// Every result is in the library.
    Completed,
    /// The task failed upstream (its credits are refunded).
    Failed,
    /// The gateway refused the request; nothing was charged.
    Refused,
    /// The API could not be reached; nothing was sent or charged.
    NotSent,
    /// The submit may have reached the server and been charged, but its answer was lost.
    /// Never resent automatically.
    UnknownOutcome,
    /// Polling stopped because the API refused it (key changed or refused); resumed on request.
    Paused,
    /// The task completed but a result could not be copied home yet; resumed on request.
    DownloadFailed,
    /// The gateway said "too many requests"; the engine waits and asks again by itself.
    RateLimited,
    /// The task is older than the server keeps tasks (24 hours) and it no longer knows it: there
    /// is nothing left to ask for. It may have been charged.
    Expired,
}

impl JobState {
    pub const ALL: [JobState; 12] = [
        JobState::Submitting,
        JobState::Processing,
        JobState::Downloading,
        JobState::Completed,
        JobState::Failed,
        JobState::Refused,
        JobState::NotSent,
        JobState::UnknownOutcome,
        JobState::Paused,
        JobState::DownloadFailed,
        JobState::RateLimited,
        JobState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Submitting => "submitting",
            JobState::Processing => "processing",
            JobState::Downloading => "downloading",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Refused => "refused",
            JobState::NotSent => "not_sent",
            JobState::UnknownOutcome => "unknown_outcome",
            JobState::Paused => "paused",
            JobState::DownloadFailed => "download_failed",
            JobState::RateLimited => "rate_limited",
            JobState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// How an artist reads it.
    pub fn label(self) -> &'static str {
        match self {
            JobState::Submitting => "Submitting",
            JobState::Processing => "Processing",
            JobState::Downloading => "Downloading",
            JobState::Completed => "Done",
            JobState::Failed => "Failed",
            JobState::Refused => "Refused",
            JobState::NotSent => "Not sent",
            JobState::UnknownOutcome => "Unknown outcome",
            JobState::Paused => "Paused",
            JobState::DownloadFailed => "Download failed",
            JobState::RateLimited => "Rate limited",
            JobState::Expired => "Expired",
        }
    }

    /// Whether the engine is (or should be) working on it.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            JobState::Submitting
                | JobState::Processing
                | JobState::Downloading
                | JobState::RateLimited
        )
    }

    /// Whether a resume picks it up: it has a task upstream whose results are not all home yet.
    pub fn is_resumable(self) -> bool {
        matches!(
            self,
            JobState::Processing
                | JobState::Downloading
                | JobState::Paused
                | JobState::DownloadFailed
        )
    }
}

/// One result image copied home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub job_id: JobId,
    /// Position in the task's output (a group series keeps its order).
    pub index: u32,
    pub path: PathBuf,
    pub thumbnail: PathBuf,
    pub width: u32,
    pub height: u32,
    /// Starred by the artist.
    #[serde(default)]
    pub favourite: bool,
    /// The artist's 1–5 rating; 0 when unrated.
    #[serde(default)]
    pub rating: u8,
}

/// An earlier result a job used as a reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Parent {
    /// Which of the job's references it was (its position in `image_urls`).
    pub slot: u32,
    pub job_id: JobId,
    /// Which of that job's results.
    pub index: u32,
}

/// Where a job stands in a batch: the batch's id and the job's number in it (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchRef {
    pub id: String,
    pub number: u32,
}

/// One job as the journal holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Which server the task lives on.
    pub server: Server,
    pub request: GenerationRequest,
    pub state: JobState,
    pub task_id: Option<String>,
    /// The last status the server reported, as it reported it.
    pub remote_status: Option<String>,
    pub error: Option<ApiErrorBody>,
    pub result_urls: Vec<String>,
    pub results: Vec<ResultRecord>,
    pub submitted_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub dismissed: bool,
    /// The job this one was retried from, if any.
    pub retry_of: Option<JobId>,
    /// Earlier results this job used as references.
    pub made_from: Vec<Parent>,
    /// The tier's per-image rate when it was sent (micro-dollars), for the spend estimate.
    pub rate_micro_usd: Option<u64>,
    /// The job's key in the library's search index, given when it is journalled (0 before).
    #[serde(default)]
    pub seq: i64,
    /// The batch it is a job of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchRef>,
    /// The agent that asked for it through `wan-studio mcp` (its name as its client gave it), or
    /// `None` for the window and the command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

impl JobRecord {
    pub fn new(server: Server, request: GenerationRequest) -> JobRecord {
        let now = now_ms();
        JobRecord {
            id: JobId::fresh(),
            created_at_ms: now,
            updated_at_ms: now,
            server,
            request,
            state: JobState::Submitting,
            task_id: None,
            remote_status: None,
            error: None,
            result_urls: Vec::new(),
            results: Vec::new(),
            submitted_at_ms: None,
            finished_at_ms: None,
            dismissed: false,
            retry_of: None,
            made_from: Vec::new(),
            rate_micro_usd: None,
            seq: 0,
            batch: None,
            agent: None,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The codes the studio itself gives a job's error (the server's own codes are numbers such as `30001`).
///
/// Stored in the journal as their text, so an old journal and a new one read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The API could not be reached; nothing was sent or charged.
    NotSent,
    /// The submit may have reached the server, but its answer was lost.
    UnknownOutcome,
    /// The journal could not record a step (a full disk); the task id is in the recovery file.
    JournalFailed,
    /// A result came home but could not be written to the library (a full disk).
    StorageFailed,
    /// A result could not be downloaded from where the server put it.
    DownloadFailed,
    /// The task succeeded without any result link.
    NoOutput,
    /// The task failed without saying why.
    Failed,
    /// The task outlived the server's memory of it (24 hours).
    Expired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::NotSent,
        ErrorCode::UnknownOutcome,
        ErrorCode::JournalFailed,
        ErrorCode::StorageFailed,
        ErrorCode::DownloadFailed,
        ErrorCode::NoOutput,
        ErrorCode::Failed,
        ErrorCode::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotSent => "not_sent",
            ErrorCode::UnknownOutcome => "unknown_outcome",
            ErrorCode::JournalFailed => "journal_failed",
            ErrorCode::StorageFailed => "storage_failed",
            ErrorCode::DownloadFailed => "download_failed",
            ErrorCode::NoOutput => "no_output",
            ErrorCode::Failed => "failed",
            ErrorCode::Expired => "expired",
        }
    }

    /// The studio's code an error carries, if it is one of the studio's own.
    pub fn of(error: &ApiErrorBody) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == error.code)
    }

    /// An error body with this code and `message`.
    pub fn body(self, message: &str) -> ApiErrorBody {
        ApiErrorBody {
            code: self.as_str().to_owned(),
            message: message.to_owned(),
            request_id: None,
        }
    }
}

impl JobRecord {
    /// The studio's own code of the job's error, if it has one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.error.as_ref().and_then(ErrorCode::of)
    }

    /// Whether an agent asked for it (through `wan-studio mcp`).
    pub fn by_agent(&self) -> bool {
        self.agent.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_code_reads_back_from_its_text() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::of(&code.body("x")), Some(code));
        }
        // The server's own codes are not the studio's.
        assert_eq!(
            ErrorCode::of(&ErrorCode::Failed.body("x")).map(ErrorCode::as_str),
            Some("failed")
        );
        let server = ApiErrorBody {
            code: "30001".into(),
            message: "no credits".into(),
            request_id: None,
        };
        assert_eq!(ErrorCode::of(&server), None);
    }

    #[test]
    fn a_rate_limited_job_is_still_being_worked_on() {
        assert!(JobState::RateLimited.is_active());
        assert!(!JobState::RateLimited.is_resumable());
    }
}
