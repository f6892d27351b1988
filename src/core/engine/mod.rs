//! The job engine: requests in, job snapshots out, on a tokio runtime.
//!
//! Each job is one tokio task: journal → submit → journal the task id → poll → journal the result
//! links → download each result home → journal it. Every change is written to the journal first and
//! then sent as an [`Event`] carrying the job's whole record, so a subscriber (the window, the command
//! line, a test) simply replaces what it had.

mod batches;
mod commands;
mod download;
mod driver;
mod follow;
mod inner;
pub mod lease;
mod poll;
pub mod recovery;
mod resume;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{Notify, mpsc, watch};

use crate::core::api::client::{ApiClient, ClientBuildError, ClientConfig, Progress};
use crate::core::api::request::GenerationRequest;
use crate::core::api::rules::Problems;
use crate::core::api::server::Server;
use crate::core::library::journal::{
    JobId, JobRecord, Journal, JournalError, Opened, Parent, Shelved, Spend,
};
use crate::core::references::LoadedImage;
use crate::core::settings::Paths;

pub use batches::{BatchControl, BatchPlan, BatchRun, BatchStatus};
pub use poll::{PollBackoff, TASK_LIFETIME};

/// A `.partial-*` file older than this was left by a killed writer (a live write takes seconds).
const STALE_PARTIAL: Duration = Duration::from_mins(10);

/// What the engine tells its subscribers.
#[derive(Debug, Clone)]
pub enum Event {
    /// A job was created or changed; this is its whole current record.
    Job(Box<JobRecord>),
    /// A job was deleted.
    Removed { job_id: JobId },
    /// Something went wrong outside any one job (the journal could not be written, …).
    Notice(String),
    /// A [`Command::Submit`] was refused before anything was sent (a broken rule, a disk too full
    /// to record its answer, the journal): why, in words. Nothing was charged.
    NotSent(String),
    /// The library as a window keeps it (the answer to [`Command::ListJobs`]): every job with a
    /// result as the gallery draws it, newest first; the queue's jobs whole (in flight, resumable,
    /// the most recent finished); how many older finished jobs there are.
    Library {
        shelf: Vec<Shelved>,
        live: Vec<JobRecord>,
        older: usize,
    },
    /// A result's thumbnail, just made: a window shows it without reading it back from disk.
    /// Sent before the [`Event::Job`] that lists the result.
    Thumbnail {
        job_id: JobId,
        index: u32,
        image: LoadedImage,
    },
    /// Results written by [`Command::Export`].
    Exported { paths: Vec<PathBuf> },
    /// The jobs whose prompts hold the words of a [`Command::Search`], tagged with its generation
    /// so a front end can drop answers to searches it has since replaced.
    TextHits {
        generation: u64,
        /// The jobs, by [`JobRecord::seq`]; or why the library could not answer.
        jobs: Result<Vec<i64>, String>,
    },
    /// What the library has cost (the answer to [`Command::Spend`]).
    Spend(Spend),
    /// Where a job's results came from and went (the answer to [`Command::Lineage`]).
    Lineage {
        job_id: JobId,
        made_from: Vec<Parent>,
        /// (job made with one of its results, which result).
        used_in: Vec<(JobId, u32)>,
    },
    /// How far a result's download has come (a few times a second at most, while it runs).
    Download {
        job_id: JobId,
        /// Which result, from 0, of `count`.
        index: u32,
        count: u32,
        progress: Progress,
    },
    /// Where one batch stands (while this process runs it, and once more when it stops).
    Batch(Box<BatchStatus>),
    /// Every batch the journal keeps, newest first (the answer to [`Command::ListBatches`]).
    Batches(Vec<BatchStatus>),
}

/// Where results are exported to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportDest {
    /// Exactly this file (a save dialog already asked before replacing it).
    File(PathBuf),
    /// Exactly this file, unless one is there already (a typed path: nothing asked first).
    NewFile(PathBuf),
    /// Into this folder, under names that never replace a file.
    Folder(PathBuf),
}

/// What a front end asks of the engine (the window sends these over a bounded channel).
#[derive(Debug, Clone)]
pub enum Command {
    Submit(Box<Submission>),
    /// Stars or unstars a result.
    Favourite {
        job_id: JobId,
        index: u32,
        on: bool,
    },
    /// Rates a result 1–5 (0 clears).
    Rate {
        job_id: JobId,
        index: u32,
        rating: u8,
    },
    /// Answers with [`Event::TextHits`].
    Search {
        text: String,
        generation: u64,
    },
    /// A job's whole record (the gallery keeps less). Answers with [`Event::Job`].
    Details {
        job_id: JobId,
    },
    /// Answers with [`Event::Spend`].
    Spend,
    /// Answers with [`Event::Lineage`].
    Lineage {
        job_id: JobId,
    },
    /// Sends a finished job's request again as a new job. The front end asks the artist first.
    Retry {
        job_id: JobId,
    },
    Dismiss {
        job_id: JobId,
    },
    /// Deletes a job from the journal together with its files.
    Delete {
        job_id: JobId,
    },
    /// Resumes every unfinished job of this backend.
    Resume,
    /// Answers with [`Event::Library`], with this many recent finished jobs whole.
    ListJobs {
        recent: usize,
    },
    /// Exports results `(job id, index)`. Answers with [`Event::Exported`] or a notice.
    Export {
        items: Vec<(JobId, u32)>,
        dest: ExportDest,
    },
    /// Runs a batch here: sends what it never sent, follows the rest. Answers with
    /// [`Event::Batch`] as it goes.
    RunBatch(Box<BatchPlan>),
    /// Pauses, resumes or cancels a batch.
    ControlBatch {
        id: String,
        control: BatchControl,
    },
    /// Answers with [`Event::Batches`].
    ListBatches,
    /// From now on, looks at the journal every few seconds for what other processes do: a batch
    /// another process runs is told ([`Event::Batches`], when anything changed) and its jobs
    /// followed ([`Event::Job`]); so is a single job another process started since (a command
    /// line's `generate`, an agent's through `wan-studio mcp`). Once per engine; later asks do
    /// nothing.
    WatchBatches,
}

/// A request to send, with what the library keeps about where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub request: GenerationRequest,
    /// Earlier results used as its references.
    pub made_from: Vec<Parent>,
    /// The tier's per-image rate now, for the spend estimate.
    pub rate_micro_usd: Option<u64>,
    /// The agent asking, when it comes through `wan-studio mcp`.
    pub agent: Option<String>,
}

impl Submission {
    pub fn new(request: GenerationRequest) -> Submission {
        Submission {
            request,
            made_from: Vec::new(),
            rate_micro_usd: None,
            agent: None,
        }
    }
}

/// Tunables.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub paths: Paths,
    pub client: ClientConfig,
    /// The server the engine talks to; its jobs are the ones it drives.
    pub server: Server,
    /// Time between polls while healthy, at first: a task running longer than 30 s is asked
    /// less often, up to every 10 s (the provider recommends 1–2 s for short tasks, 5–10 s for
    /// long ones).
    pub poll_interval: Duration,
    /// How polling slows down for a long task (default: after 30 s, up to every 10 s).
    pub poll_backoff: PollBackoff,
    /// How many times one result download is tried before the job is marked download-failed.
    pub download_attempts: u32,
    /// How long a task the server answers "not found" (404, 40001) is polled on before the job
    /// is paused: a new task may not be visible on every node yet.
    pub lost_task_patience: Duration,
    /// Capacity of the event channel.
    pub event_capacity: usize,
    /// Read the gallery's shelf while the journal is checked at start (a window, which asks for
    /// the library first thing), for the first [`Command::ListJobs`] to answer from.
    pub shelve_at_open: bool,
}

impl EngineConfig {
    pub fn new(paths: Paths, client: ClientConfig, server: Server) -> EngineConfig {
        EngineConfig {
            paths,
            client,
            server,
            poll_interval: Duration::from_secs(2),
            poll_backoff: PollBackoff::default(),
            download_attempts: 6,
            lost_task_patience: Duration::from_mins(2),
            event_capacity: 256,
            shelve_at_open: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Client(#[from] ClientBuildError),
    #[error("the request was not sent:\n{0}")]
    Invalid(Problems),
    #[error("there is no job {0}")]
    NoSuchJob(String),
    #[error("job {0} is still running; it can be retried once it has ended")]
    StillRunning(String),
    #[error("{0}")]
    Files(String),
    /// The disk is too full to hold the room a submit's answer needs: nothing was sent.
    #[error("{0}")]
    NoRoom(String),
    #[error("the connection is being switched; send it again in a moment")]
    ShutDown,
}

/// A callback that wakes the front end (the window's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

struct Inner {
    cfg: EngineConfig,
    journal: Arc<Journal>,
    client: ApiClient,
    events: mpsc::Sender<Event>,
    waker: Option<Waker>,
    /// Jobs with a live task in this process.
    running: Mutex<HashSet<JobId>>,
    /// Jobs another process drives that this engine follows, with the last change seen.
    foreign: Mutex<HashMap<JobId, i64>>,
    /// Jobs whose charged task id the journal refused, as last seen (polled on in memory).
    unrecorded: Mutex<HashMap<JobId, JobRecord>>,
    /// Told each time a job's task ends (for [`Engine::shutdown`]).
    task_ended: Notify,
    /// Set once by [`Engine::shutdown`]: polls and downloads stop, no job starts.
    stop: watch::Sender<bool>,
    /// Bounds decodes running at once (each can take a few hundred MB at 4K).
    decoders: tokio::sync::Semaphore,
    /// The shelf read at open ([`EngineConfig::shelve_at_open`]), until the first listing.
    opened: Mutex<Option<Opened>>,
    /// The batches this process runs, by id, with what their task was last told.
    batches: Mutex<HashMap<String, watch::Sender<BatchControl>>>,
    /// Bumped each time a batch's job changes (a running batch looks at the journal then).
    batch_tick: watch::Sender<u64>,
    /// The batches [`Command::WatchBatches`] looks at, with what it last told of each.
    followed_batches: Mutex<HashMap<String, follow::Followed>>,
    /// Set once [`Command::WatchBatches`] started its loop.
    watching_batches: std::sync::atomic::AtomicBool,
    rt: Handle,
}

/// The engine. Cheap to clone; every clone drives the same jobs.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("server", &self.inner.cfg.server)
            .finish_non_exhaustive()
    }
}

/// A journal that cannot open on a disk too full for it is said to be that: a full disk, and how
/// much to free; any other failure as it is.
fn no_room_for(paths: &Paths, e: JournalError) -> EngineError {
    match recovery::free_bytes(&paths.home) {
        Some(free) if free < recovery::MIN_FREE_BYTES => {
            let io = std::io::Error::new(std::io::ErrorKind::StorageFull, e.to_string());
            EngineError::NoRoom(recovery::no_room(paths, &io, recovery::MIN_FREE_BYTES * 2))
        }
        _ => EngineError::Journal(e),
    }
}

impl Engine {
    /// Opens the journal and builds the client. Jobs run on `rt`.
    pub fn start(
        cfg: EngineConfig,
        rt: Handle,
        waker: Option<Waker>,
    ) -> Result<(Engine, mpsc::Receiver<Event>), EngineError> {
        let opened = if cfg.shelve_at_open {
            Journal::open_with_shelf(&cfg.paths).map(|(j, o)| (j, Some(o)))
        } else {
            Journal::open(&cfg.paths).map(|j| (j, None))
        };
        let (journal, opened) = opened.map_err(|e| no_room_for(&cfg.paths, e))?;
        let journal = Arc::new(journal);
        let client = ApiClient::new(cfg.client.clone())?;
        // Room for a charged task id on a disk that fills up later (made before any submit).
        recovery::ensure_reserve(&cfg.paths);
        // Half-written files a kill left in the data folder (the form, the settings): old enough
        // that no live writer owns them. A job's own folders are swept when it is taken up.
        let home = cfg.paths.home.clone();
        rt.spawn_blocking(move || {
            let removed = crate::core::imaging::sweep_partials(&home, STALE_PARTIAL);
            if removed > 0 {
                tracing::info!(removed, "removed stale .partial files");
            }
        });
        let (tx, rx) = mpsc::channel(cfg.event_capacity.max(1));
        let inner = Inner {
            cfg,
            journal,
            client,
            events: tx,
            waker,
            running: Mutex::new(HashSet::new()),
            unrecorded: Mutex::new(HashMap::new()),
            foreign: Mutex::new(HashMap::new()),
            task_ended: Notify::new(),
            stop: watch::Sender::new(false),
            decoders: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4)),
            ),
            opened: Mutex::new(opened),
            batches: Mutex::new(HashMap::new()),
            batch_tick: watch::Sender::new(0),
            followed_batches: Mutex::new(HashMap::new()),
            watching_batches: std::sync::atomic::AtomicBool::new(false),
            rt,
        };
        Ok((
            Engine {
                inner: Arc::new(inner),
            },
            rx,
        ))
    }

    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    pub fn paths(&self) -> &Paths {
        &self.inner.cfg.paths
    }

    pub fn server(&self) -> &Server {
        &self.inner.cfg.server
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobRecord>, EngineError> {
        Ok(self.inner.journal.list()?)
    }
}
