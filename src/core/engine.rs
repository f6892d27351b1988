//! The job engine: requests in, job snapshots out, on a tokio runtime.
//!
//! Each job is one tokio task: journal → submit → journal the task id → poll → journal the result
//! links → download each result home → journal it. Every change is written to the journal first and
//! then sent as an [`Event`] carrying the job's whole record, so a subscriber (the window, the command
//! line, a test) simply replaces what it had.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{Notify, mpsc, watch};

use super::client::{
    ApiClient, ClientBuildError, ClientConfig, DownloadError, PollError, Progress, SubmitError,
    backoff,
};
use super::journal::{JobRecord, JobState, Journal, JournalError, Opened, Parent, Shelved, Spend};
use super::lease;
use super::library;
use super::recovery;
use super::references::LoadedImage;
use super::request::{ApiErrorBody, GenerationRequest, TaskStatus};
use super::rules::{self, Problems};
use super::server::Server;
use super::settings::Paths;

/// A `.partial-*` file older than this was left by a killed writer (a live write takes seconds).
const STALE_PARTIAL: Duration = Duration::from_mins(10);

/// The remote status a job shows while its submit waits out the API's rate limit.
pub const RATE_LIMITED: &str = "rate limited";

/// What the engine tells its subscribers.
#[derive(Debug, Clone)]
pub enum Event {
    /// A job was created or changed; this is its whole current record.
    Job(Box<JobRecord>),
    /// A job was deleted.
    Removed { job_id: String },
    /// Something went wrong outside any one job (the journal could not be written, …).
    Notice(String),
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
        job_id: String,
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
        job_id: String,
        made_from: Vec<Parent>,
        /// (job made with one of its results, which result).
        used_in: Vec<(String, u32)>,
    },
    /// How far a result's download has come (a few times a second at most, while it runs).
    Download {
        job_id: String,
        /// Which result, from 0, of `count`.
        index: u32,
        count: u32,
        progress: Progress,
    },
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
        job_id: String,
        index: u32,
        on: bool,
    },
    /// Rates a result 1–5 (0 clears).
    Rate {
        job_id: String,
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
        job_id: String,
    },
    /// Answers with [`Event::Spend`].
    Spend,
    /// Answers with [`Event::Lineage`].
    Lineage {
        job_id: String,
    },
    /// Sends a finished job's request again as a new job. The front end asks the artist first.
    Retry {
        job_id: String,
    },
    Dismiss {
        job_id: String,
    },
    /// Deletes a job from the journal together with its files.
    Delete {
        job_id: String,
    },
    /// Resumes every unfinished job of this backend.
    Resume,
    /// Answers with [`Event::Library`], with this many recent finished jobs whole.
    ListJobs {
        recent: usize,
    },
    /// Exports results `(job id, index)`. Answers with [`Event::Exported`] or a notice.
    Export {
        items: Vec<(String, u32)>,
        dest: ExportDest,
    },
}

/// A request to send, with what the library keeps about where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub request: GenerationRequest,
    /// Earlier results used as its references.
    pub made_from: Vec<Parent>,
    /// The tier's per-image rate now, for the spend estimate.
    pub rate_micro_usd: Option<u64>,
}

impl Submission {
    pub fn new(request: GenerationRequest) -> Submission {
        Submission {
            request,
            made_from: Vec::new(),
            rate_micro_usd: None,
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
    /// Time between polls while healthy (the provider recommends 1–2 s).
    pub poll_interval: Duration,
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
            poll_interval: Duration::from_millis(1500),
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
    running: Mutex<HashSet<String>>,
    /// Jobs another process drives that this engine follows, with the last change seen.
    foreign: Mutex<HashMap<String, i64>>,
    /// Jobs whose charged task id the journal refused, as last seen (polled on in memory).
    unrecorded: Mutex<HashMap<String, JobRecord>>,
    /// Told each time a job's task ends (for [`Engine::shutdown`]).
    task_ended: Notify,
    /// Set once by [`Engine::shutdown`]: polls and downloads stop, no job starts.
    stop: watch::Sender<bool>,
    /// Bounds decodes running at once (each can take a few hundred MB at 4K).
    decoders: tokio::sync::Semaphore,
    /// The shelf read at open ([`EngineConfig::shelve_at_open`]), until the first listing.
    opened: Mutex<Option<Opened>>,
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

impl Engine {
    /// Opens the journal and builds the client. Jobs run on `rt`.
    pub fn start(
        cfg: EngineConfig,
        rt: Handle,
        waker: Option<Waker>,
    ) -> Result<(Engine, mpsc::Receiver<Event>), EngineError> {
        let (journal, opened) = if cfg.shelve_at_open {
            let (journal, opened) = Journal::open_with_shelf(&cfg.paths)?;
            (journal, Some(opened))
        } else {
            (Journal::open(&cfg.paths)?, None)
        };
        let journal = Arc::new(journal);
        let client = ApiClient::new(cfg.client.clone())?;
        // Room for a charged task id on a disk that fills up later (made before any submit).
        recovery::ensure_reserve(&cfg.paths);
        // Half-written files a kill left in the data folder (the form, the settings): old enough
        // that no live writer owns them. A job's own folders are swept when it is taken up.
        let home = cfg.paths.home.clone();
        rt.spawn_blocking(move || {
            let removed = super::imaging::sweep_partials(&home, STALE_PARTIAL);
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

    /// Validates, journals, and starts a job. Returns its record as journalled (state `Submitting`).
    /// Nothing is sent if the rules find a problem.
    pub fn submit(&self, request: GenerationRequest) -> Result<JobRecord, EngineError> {
        self.submit_with(Submission::new(request))
    }

    /// Validates, journals (with its lineage and rate) and sends a request as a new job.
    pub fn submit_with(&self, submission: Submission) -> Result<JobRecord, EngineError> {
        self.inner.refuse_if_stopped()?;
        rules::validate(&submission.request).map_err(EngineError::Invalid)?;
        let mut job = JobRecord::new(self.inner.cfg.server.clone(), submission.request);
        job.made_from = submission.made_from;
        job.rate_micro_usd = submission.rate_micro_usd;
        self.start_new(&job)?;
        Ok(job)
    }

    /// Sends an ended job's request again as a new job (the front end has asked the artist). A job
    /// counts as ended from the event that says so, even while its task is still winding down.
    pub fn retry(&self, job_id: &str) -> Result<JobRecord, EngineError> {
        self.inner.refuse_if_stopped()?;
        let old = self
            .inner
            .journal
            .get(job_id)?
            .ok_or_else(|| EngineError::NoSuchJob(job_id.to_owned()))?;
        if old.state.is_active() {
            return Err(EngineError::StillRunning(job_id.to_owned()));
        }
        rules::validate(&old.request).map_err(EngineError::Invalid)?;
        let mut job = JobRecord::new(self.inner.cfg.server.clone(), old.request);
        job.retry_of = Some(old.id);
        job.made_from = old.made_from;
        job.rate_micro_usd = old.rate_micro_usd;
        self.start_new(&job)?;
        Ok(job)
    }

    /// Journals a new job under its lease, then sends it. The lease comes first: another process
    /// resuming at that moment never finds the job unleased mid-submit (and judges it).
    fn start_new(&self, job: &JobRecord) -> Result<(), EngineError> {
        let lease = match lease::take(&self.inner.cfg.paths, &job.id) {
            Ok(Some(l)) => l,
            outcome => {
                let why = match outcome {
                    Err(e) => e.to_string(),
                    _ => "another process holds it".to_owned(),
                };
                return Err(EngineError::Files(format!(
                    "the job's lock file could not be taken ({why}); nothing was sent"
                )));
            }
        };
        if let Err(e) = self.inner.journal.insert(job) {
            lease.release_ended();
            return Err(e.into());
        }
        self.launch(job.clone(), Phase::Submit, lease);
        Ok(())
    }

    /// Picks up every unfinished job of this backend that no other process is driving: polls those
    /// with a task, downloads what is missing, and marks those caught mid-submit (by a process that
    /// is gone) as unknown outcome (never resent). Jobs another process drives are followed: their
    /// changes are sent as events, and when that process lets go (it ended or was killed) this
    /// engine takes them over. Returns how many jobs were resumed.
    pub fn resume(&self) -> Result<usize, EngineError> {
        self.inner.refuse_if_stopped()?;
        self.adopt_recovered()?;
        let mut resumed = 0;
        for listed in self.inner.journal.unfinished(&self.inner.cfg.server)? {
            match self.resume_one(&listed.id)? {
                Resumed::Taken => resumed += 1,
                Resumed::Elsewhere => {
                    tracing::info!(job = %listed.id, "driven by another process; following it");
                    self.follow_foreign(listed);
                }
                Resumed::Nothing => {}
            }
        }
        Ok(resumed)
    }

    /// Resumes one job if it is unfinished and nobody else drives it.
    fn resume_one(&self, job_id: &str) -> Result<Resumed, EngineError> {
        if self.is_running(job_id) {
            return Ok(Resumed::Nothing);
        }
        // One driver per job: a job another process (or engine) drives is left to it.
        let lease = match lease::take(&self.inner.cfg.paths, job_id) {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(Resumed::Elsewhere),
            Err(e) => {
                return Err(EngineError::Files(format!(
                    "the lock of job {job_id} could not be taken: {e}"
                )));
            }
        };
        // Read again under the lease: its last driver may have just finished it.
        let Some(job) = self.inner.journal.get(job_id)?.filter(|j| {
            j.state.is_active()
                || j.state == JobState::Paused
                || j.state == JobState::DownloadFailed
        }) else {
            return Ok(Resumed::Nothing);
        };
        if job.state == JobState::Submitting || job.task_id.is_none() {
            let err = ApiErrorBody {
                code: "unknown_outcome".into(),
                message: "Wan Studio stopped while this request was being sent. It may have been accepted and charged; it was not sent again. Retry it only if no result appears.".into(),
                request_id: None,
            };
            self.inner
                .journal
                .set_state(&job.id, JobState::UnknownOutcome, Some(&err))?;
            self.inner.emit_job(&job.id);
            return Ok(Resumed::Nothing);
        }
        let task_id = job.task_id.clone().unwrap_or_default();
        // Active again before anyone sees it: a paused job shown as paused while it is being
        // polled would read as "ended" to a front end.
        if job.state != JobState::Processing {
            self.inner
                .journal
                .set_state(&job.id, JobState::Processing, None)?;
        }
        self.launch(job, Phase::Poll { task_id }, lease);
        Ok(Resumed::Taken)
    }

    /// Follows a job another process drives: sends each change it writes to the journal, and takes
    /// the job over once that process lets go of it without finishing it.
    fn follow_foreign(&self, seen: JobRecord) {
        {
            let mut foreign = self.inner.foreign();
            if foreign.contains_key(&seen.id) {
                return;
            }
            foreign.insert(seen.id.clone(), seen.updated_at_ms);
        }
        let engine = self.clone();
        let id = seen.id;
        self.inner.rt.spawn(async move {
            loop {
                tokio::select! {
                    () = engine.inner.stopped() => break,
                    () = tokio::time::sleep(FOLLOW_EVERY) => {}
                }
                let (e, job_id) = (engine.clone(), id.clone());
                let step = tokio::task::spawn_blocking(move || e.follow_step(&job_id)).await;
                match step {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => break,
                    Ok(Err(e)) => {
                        tracing::warn!(job = %id, "following a job another process drives: {e}");
                    }
                    Err(e) => {
                        tracing::warn!(job = %id, "following a job stopped: {e}");
                        break;
                    }
                }
            }
            engine.inner.foreign().remove(&id);
        });
    }

    /// One look at a followed job. `Ok(false)` once there is nothing more to follow.
    fn follow_step(&self, job_id: &str) -> Result<bool, EngineError> {
        let Some(job) = self.inner.journal.get(job_id)? else {
            return Ok(false);
        };
        let changed = self
            .inner
            .foreign()
            .insert(job_id.to_owned(), job.updated_at_ms)
            != Some(job.updated_at_ms);
        if changed {
            self.inner.send(Event::Job(Box::new(job.clone())));
        }
        if !job.state.is_active() {
            return Ok(false);
        }
        match self.resume_one(job_id)? {
            Resumed::Elsewhere => Ok(true),
            Resumed::Taken => {
                tracing::info!(job = %job_id, "the process that drove it let go; taken over");
                Ok(false)
            }
            Resumed::Nothing => {
                self.inner.emit_job(job_id);
                Ok(false)
            }
        }
    }

    /// Moves task ids from the recovery file into the journal, so they are polled like any other.
    fn adopt_recovered(&self) -> Result<(), EngineError> {
        let paths = &self.inner.cfg.paths;
        let journal = &self.inner.journal;
        let mut failed = None;
        recovery::update(paths, |entries| {
            let mut left = Vec::new();
            for entry in entries {
                let adopted = journal.get(&entry.job_id).and_then(|job| match job {
                    Some(job) if job.task_id.is_none() => {
                        journal.set_submitted(&job.id, &entry.task_id, &entry.status)?;
                        tracing::info!(job = %job.id, task = %entry.task_id, "adopted from the recovery file");
                        Ok(true)
                    }
                    Some(_) => Ok(true), // already recorded
                    None => {
                        tracing::warn!(job = %entry.job_id, task = %entry.task_id, "a recovered task has no job in this journal; kept in the recovery file");
                        Ok(false)
                    }
                });
                match adopted {
                    Ok(true) => {}
                    Ok(false) => left.push(entry),
                    Err(e) => {
                        left.push(entry);
                        failed.get_or_insert(e);
                    }
                }
            }
            left
        })
        .map_err(|e| {
            EngineError::Journal(JournalError::Corrupt(format!(
                "the recovery file {} could not be read or rewritten: {e}",
                recovery::path(paths).display()
            )))
        })?;
        failed.map_or(Ok(()), |e| Err(e.into()))
    }

    /// Hides a job from the queue; its results stay in the library.
    pub fn dismiss(&self, job_id: &str) -> Result<(), EngineError> {
        self.inner.journal.set_dismissed(job_id, true)?;
        self.inner.emit_job(job_id);
        Ok(())
    }

    /// Deletes a job and its files. A job that is still running cannot be deleted.
    pub fn delete(&self, job_id: &str) -> Result<(), EngineError> {
        // A job's task writes nothing more once the job has reached an ended state (it only leaves
        // the running set), so "busy" is: its task runs and its state is still active.
        let active = self
            .inner
            .journal
            .get(job_id)?
            .is_some_and(|j| j.state.is_active());
        if active && self.is_running(job_id) {
            return Err(EngineError::StillRunning(job_id.to_owned()));
        }
        library::remove_job_files(&self.inner.cfg.paths, job_id).map_err(|e| {
            EngineError::Files(format!(
                "the files of job {job_id} could not be removed: {e}"
            ))
        })?;
        self.inner.journal.delete(job_id)?;
        self.inner.send(Event::Removed {
            job_id: job_id.to_owned(),
        });
        Ok(())
    }

    /// Runs one command; failures are reported as [`Event::Notice`].
    pub fn handle(&self, cmd: Command) {
        let result = match cmd {
            Command::Submit(submission) => self.submit_with(*submission).map(drop),
            Command::Favourite { job_id, index, on } => self
                .inner
                .journal
                .set_favourite(&job_id, index, on)
                .map_err(EngineError::from),
            Command::Rate {
                job_id,
                index,
                rating,
            } => self
                .inner
                .journal
                .set_rating(&job_id, index, rating)
                .map_err(EngineError::from),
            Command::Search { text, generation } => {
                let jobs = self
                    .inner
                    .journal
                    .text_hits(&text)
                    .map(|hits| hits.into_iter().collect())
                    .map_err(|e| e.to_string());
                self.inner.send(Event::TextHits { generation, jobs });
                Ok(())
            }
            Command::Details { job_id } => {
                match self.inner.journal.get(&job_id) {
                    Ok(Some(job)) => self.inner.send(Event::Job(Box::new(job))),
                    Ok(None) => {}
                    Err(e) => self.inner.send(Event::Notice(e.to_string())),
                }
                Ok(())
            }
            Command::Spend => {
                match self.inner.journal.spend(self.inner.cfg.server.is_sandbox()) {
                    Ok(spend) => self.inner.send(Event::Spend(spend)),
                    Err(e) => self.inner.send(Event::Notice(e.to_string())),
                }
                Ok(())
            }
            Command::Lineage { job_id } => {
                let journal = &self.inner.journal;
                match journal.get(&job_id).and_then(|job| {
                    Ok((
                        job.map(|j| j.made_from).unwrap_or_default(),
                        journal.used_in(&job_id)?,
                    ))
                }) {
                    Ok((made_from, used_in)) => self.inner.send(Event::Lineage {
                        job_id,
                        made_from,
                        used_in,
                    }),
                    Err(e) => self.inner.send(Event::Notice(e.to_string())),
                }
                Ok(())
            }
            Command::Retry { job_id } => self.retry(&job_id).map(drop),
            Command::Dismiss { job_id } => self.dismiss(&job_id),
            Command::Delete { job_id } => self.delete(&job_id),
            Command::Resume => self.resume().map(drop),
            Command::ListJobs { recent } => {
                self.list_jobs(recent);
                Ok(())
            }
            Command::Export { items, dest } => {
                self.export(items, dest);
                Ok(())
            }
        };
        if let Err(e) = result {
            self.inner.send(Event::Notice(e.to_string()));
        }
    }

    /// Serves commands from a channel until every sender is gone.
    pub fn serve(&self, mut commands: mpsc::Receiver<Command>) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        self.inner.rt.spawn(async move {
            while let Some(cmd) = commands.recv().await {
                // Commands write the journal (SQLite, fsync): off the async worker threads, and
                // one at a time, in the order they came.
                let engine = engine.clone();
                if tokio::task::spawn_blocking(move || engine.handle(cmd))
                    .await
                    .is_err()
                {
                    tracing::error!("a command's worker stopped");
                }
            }
        })
    }

    /// Reads the library and sends [`Event::Library`] (the queue's `recent` finished jobs
    /// whole), then reads the prompts for short-word search in the background. Blocking: the
    /// command loop runs it in its turn, so the commands sent after it (the spend panel's) wait
    /// for the gallery rather than share the journal with it.
    pub fn list_jobs(&self, recent: usize) {
        let inner = &self.inner;
        let read = inner
            .opened_shelf()
            .map_or_else(|| inner.journal.shelf(), Ok)
            .and_then(|shelved| Ok((shelved, inner.journal.live(recent)?)));
        match read {
            Ok((shelved, (live, older))) => inner.send(Event::Library {
                shelf: shelved,
                live,
                older,
            }),
            Err(e) => inner.send(Event::Notice(e.to_string())),
        }
        // Once the gallery has it: the prompts for one- and two-letter searches.
        let inner = Arc::clone(&self.inner);
        self.inner.rt.spawn_blocking(move || {
            if let Err(e) = inner.journal.warm_text_search() {
                tracing::warn!("the prompts for short-word search were not read: {e}");
            }
        });
    }

    /// Exports results off the async threads.
    pub fn export(&self, items: Vec<(String, u32)>, dest: ExportDest) {
        let inner = Arc::clone(&self.inner);
        self.inner.rt.spawn_blocking(move || {
            let mut paths = Vec::new();
            for (job_id, index) in items {
                let found = inner.journal.get(&job_id).ok().flatten().and_then(|job| {
                    let r = job.results.iter().find(|r| r.index == index).cloned()?;
                    Some((job, r))
                });
                let Some((job, r)) = found else {
                    inner.send(Event::Notice(format!(
                        "Result {} of job {job_id} is no longer in the library.",
                        index + 1
                    )));
                    continue;
                };
                let written = match &dest {
                    ExportDest::File(path) => library::export_to_file(&job, &r, path),
                    ExportDest::NewFile(path) => library::export_to_new_file(&job, &r, path),
                    ExportDest::Folder(dir) => library::export_to_folder(&job, &r, dir),
                };
                match written {
                    Ok(p) => paths.push(p),
                    Err(e) => inner.send(Event::Notice(format!("Export failed: {e}"))),
                }
            }
            if !paths.is_empty() {
                inner.send(Event::Exported { paths });
            }
        });
    }

    /// Stops this engine for good, so another can take over its jobs (the window does this when
    /// it switches between Sandbox and the API, or the key changes). Polls and downloads stop at
    /// once, leaving their jobs in flight in the journal for the next engine to resume. A submit
    /// already on the wire is let finish, so its task id is recorded rather than lost: this waits
    /// for the jobs' tasks to end, at most a little longer than one submit may take. Returns
    /// whether they all ended.
    pub async fn shutdown(&self) -> bool {
        self.inner.stop.send_replace(true);
        let grace = self.inner.cfg.client.submit_timeout + Duration::from_secs(5);
        let all_ended = async {
            loop {
                let ended = self.inner.task_ended.notified();
                tokio::pin!(ended);
                ended.as_mut().enable();
                if self.inner.running_set().is_empty() {
                    return;
                }
                ended.await;
            }
        };
        let done = tokio::time::timeout(grace, all_ended).await.is_ok();
        if !done {
            tracing::warn!(
                jobs = self.inner.running_set().len(),
                "engine stopped with jobs still winding down"
            );
        }
        done
    }

    fn is_running(&self, job_id: &str) -> bool {
        self.inner.running_set().contains(job_id)
    }

    fn launch(&self, job: JobRecord, phase: Phase, lease: lease::JobLease) {
        self.inner.running_set().insert(job.id.clone());
        self.inner.emit_job(&job.id);
        let inner = Arc::clone(&self.inner);
        self.inner.rt.spawn(async move {
            let id = job.id.clone();
            let last_known = job.clone();
            let driven = inner.drive(job, phase).await;
            // A task id only memory holds (the journal refused it; the recovery file has it).
            let unrecorded = inner.unrecorded().remove(&id);
            if let Err(e) = driven {
                tracing::error!(job = %id, "job stopped: {e}");
                let message = match unrecorded.as_ref().and_then(|j| j.task_id.as_deref()) {
                    Some(task) => format!(
                        "The journal could not record this job ({e}), so it stopped here. Task {task} is kept in {}; Resume adopts it and copies its results home once the disk or journal is healthy again (result links last about a day).",
                        recovery::path(&inner.cfg.paths).display()
                    ),
                    None => format!(
                        "The journal could not record this job ({e}), so it stopped here. What was recorded is kept; Resume continues it once the disk or journal is healthy again."
                    ),
                };
                inner.send(Event::Notice(message.clone()));
                // Every front end sees an end state, so no command waits forever.
                let mut shown = inner
                    .db({
                        let id = id.clone();
                        move |j| j.get(&id)
                    })
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(last_known);
                if let Some(memory) = unrecorded
                    && shown.task_id.is_none()
                {
                    shown.task_id = memory.task_id;
                    shown.remote_status = memory.remote_status;
                    if memory.state == JobState::Paused {
                        shown.state = memory.state;
                        shown.error = memory.error;
                    }
                }
                if shown.state.is_active() {
                    shown.state = JobState::Paused;
                    shown.error = Some(local_error("journal_failed", &message));
                }
                // Free before anyone hears of the end, so a Resume right after can take it.
                drop(lease);
                inner.running_set().remove(&id);
                inner.send(Event::Job(Box::new(shown)));
                inner.task_ended.notify_waiters();
                return;
            }
            let last = inner
                .db({
                    let id = id.clone();
                    move |j| j.get(&id)
                })
                .await;
            // An ended job's lock file goes; one still in flight (a stop) keeps it for the next.
            let ended = last
                .as_ref()
                .ok()
                .and_then(Option::as_ref)
                .is_some_and(|j| !j.state.is_active() && j.state != JobState::Paused);
            if ended {
                lease.release_ended();
            } else {
                drop(lease);
            }
            inner.running_set().remove(&id);
            match last {
                Ok(Some(job)) => inner.send(Event::Job(Box::new(job))),
                Ok(None) => {}
                Err(e) => inner.send(Event::Notice(e.to_string())),
            }
            inner.task_ended.notify_waiters();
        });
    }
}

/// What [`Engine::resume_one`] did with a job.
enum Resumed {
    /// This engine drives it now.
    Taken,
    /// Another process drives it.
    Elsewhere,
    /// Nothing to do (ended, running here, or judged).
    Nothing,
}

enum Phase {
    Submit,
    Poll { task_id: String },
}

impl Inner {
    /// The shelf read at open, once, and only while nothing has been committed since.
    fn opened_shelf(&self) -> Option<Vec<Shelved>> {
        let opened = self
            .opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()?;
        let unchanged = self.journal.stamp().is_ok_and(|now| now == opened.stamp);
        unchanged.then_some(opened.shelf)
    }

    fn refuse_if_stopped(&self) -> Result<(), EngineError> {
        if self.stopping() {
            Err(EngineError::ShutDown)
        } else {
            Ok(())
        }
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once [`Engine::shutdown`] has been called (at once if it already was).
    async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    fn running_set(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends an event without blocking. The channel is bounded; when the front end falls behind, the
    /// event is delivered later by a background task — and a job's snapshot is re-read at delivery
    /// time, so a late event never carries stale state.
    fn send(&self, event: Event) {
        match self.events.try_send(event) {
            Ok(()) => self.wake(),
            Err(mpsc::error::TrySendError::Full(event)) => {
                let tx = self.events.clone();
                let waker = self.waker.clone();
                let fresh = match &event {
                    Event::Job(job) => Some((job.id.clone(), Arc::clone(&self.journal))),
                    _ => None,
                };
                self.rt.spawn(async move {
                    let Ok(permit) = tx.reserve().await else {
                        return;
                    };
                    let event = match fresh {
                        Some((id, journal)) => {
                            match tokio::task::spawn_blocking(move || journal.get(&id)).await {
                                Ok(Ok(Some(job))) => Event::Job(Box::new(job)),
                                _ => event,
                            }
                        }
                        None => event,
                    };
                    permit.send(event);
                    if let Some(w) = waker {
                        w();
                    }
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn wake(&self) {
        if let Some(w) = &self.waker {
            w();
        }
    }

    fn emit_job(&self, job_id: &str) {
        match self.journal.get(job_id) {
            Ok(Some(job)) => self.send(Event::Job(Box::new(job))),
            Ok(None) => {}
            Err(e) => self.send(Event::Notice(e.to_string())),
        }
    }

    /// Runs journal work (SQLite, fsync) on the blocking pool, never on an async worker thread.
    async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Journal) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let journal = Arc::clone(&self.journal);
        tokio::task::spawn_blocking(move || work(&journal))
            .await
            .unwrap_or_else(|e| {
                Err(JournalError::Corrupt(format!(
                    "a journal worker stopped: {e}"
                )))
            })
    }

    /// Sends a job's current record, read off the async threads.
    async fn emit(&self, job_id: &str) {
        let id = job_id.to_owned();
        match self.db(move |j| j.get(&id)).await {
            Ok(Some(job)) => self.send(Event::Job(Box::new(job))),
            Ok(None) => {}
            Err(e) => self.send(Event::Notice(e.to_string())),
        }
    }

    async fn set_state(
        &self,
        id: &str,
        state: JobState,
        error: Option<&ApiErrorBody>,
    ) -> Result<(), JournalError> {
        let (job_id, error) = (id.to_owned(), error.cloned());
        self.db(move |j| j.set_state(&job_id, state, error.as_ref()))
            .await?;
        self.emit(id).await;
        Ok(())
    }

    async fn drive(&self, job: JobRecord, phase: Phase) -> Result<(), JournalError> {
        let task_id = match phase {
            Phase::Submit => match self.submit(&job).await? {
                Some(id) => id,
                None => return Ok(()),
            },
            Phase::Poll { task_id } => task_id,
        };
        let Some(urls) = self.poll_until_done(&job.id, &task_id).await? else {
            return Ok(());
        };
        self.download_all(&job.id, &urls).await
    }

    /// Sends the submit; returns the task id, or `None` when the job ended here.
    async fn submit(&self, job: &JobRecord) -> Result<Option<String>, JournalError> {
        tracing::info!(job = %job.id, model = %job.request.model, n = job.request.n, "submitting");
        // While the API rate-limits the submit, the job says so (nothing is charged meanwhile).
        let (journal, events, waker, id) = (
            Arc::clone(&self.journal),
            self.events.clone(),
            self.waker.clone(),
            job.id.clone(),
        );
        let rate_limited = move |wait: Duration| {
            tracing::info!(job = %id, "rate limited; trying again in {wait:?}");
            let (journal, events, waker, id) = (
                Arc::clone(&journal),
                events.clone(),
                waker.clone(),
                id.clone(),
            );
            tokio::task::spawn_blocking(move || {
                if journal.set_remote_status(&id, RATE_LIMITED).is_ok()
                    && let Ok(Some(job)) = journal.get(&id)
                    && events.try_send(Event::Job(Box::new(job))).is_ok()
                    && let Some(w) = waker
                {
                    w();
                }
            });
        };
        match self.client.submit_with(&job.request, &rate_limited).await {
            Ok(task) => {
                if let Err(e) = self.record_submitted(job, &task).await {
                    // The task id is charged and could not be journalled: it goes to the recovery
                    // file (or, if even that fails, to the log and the screen), and the job polls
                    // on in memory until the journal takes it. Nothing is ever sent again.
                    if !self.keep_task_id(job, &task, &e).await {
                        return Err(e);
                    }
                    if !self.poll_until_recorded(job, &task).await? {
                        return Ok(None);
                    }
                }
                self.emit(&job.id).await;
                tracing::info!(job = %job.id, task = %task.id, "accepted");
                Ok(Some(task.id))
            }
            Err(e) => {
                tracing::warn!(job = %job.id, "submit ended: {e}");
                let (state, error) = match &e {
                    SubmitError::Refused { error, .. } | SubmitError::RateLimited { error } => {
                        (JobState::Refused, error.clone())
                    }
                    SubmitError::ServerError { error, .. } => (JobState::Failed, error.clone()),
                    SubmitError::NotSent(msg) => (JobState::NotSent, local_error("not_sent", msg)),
                    SubmitError::UnknownOutcome(msg) => (
                        JobState::UnknownOutcome,
                        local_error("unknown_outcome", msg),
                    ),
                };
                self.set_state(&job.id, state, Some(&error)).await?;
                Ok(None)
            }
        }
    }

    /// Journals an accepted submit's task id, trying a few times (a full disk may free up).
    async fn record_submitted(
        &self,
        job: &JobRecord,
        task: &super::request::TaskInfo,
    ) -> Result<(), JournalError> {
        let mut last = None;
        for wait_ms in [0, 100, 400, 1500] {
            if wait_ms > 0 {
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            }
            match self
                .journal_task_id(&job.id, &task.id, task.status.as_str())
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::warn!(job = %job.id, task = %task.id, "the task id could not be journalled yet: {e}");
                    last = Some(e);
                }
            }
        }
        // Last, with the room kept aside for this moment (a full disk): free it and try again.
        let paths = self.cfg.paths.clone();
        let freed = tokio::task::spawn_blocking(move || recovery::release_reserve(&paths))
            .await
            .unwrap_or(false);
        if freed {
            match self
                .journal_task_id(&job.id, &task.id, task.status.as_str())
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| JournalError::Corrupt("no attempt made".to_owned())))
    }

    /// One try at journalling an accepted submit's task id.
    async fn journal_task_id(
        &self,
        job_id: &str,
        task_id: &str,
        status: &str,
    ) -> Result<(), JournalError> {
        let (job_id, task_id, status) = (job_id.to_owned(), task_id.to_owned(), status.to_owned());
        self.db(move |j| j.set_submitted(&job_id, &task_id, &status))
            .await
    }

    /// The journal refused a charged task id: keep it in the recovery file and say so everywhere.
    /// Returns whether it was kept; if not, the job ends here, paused, with the task id on screen.
    async fn keep_task_id(
        &self,
        job: &JobRecord,
        task: &super::request::TaskInfo,
        e: &JournalError,
    ) -> bool {
        let entry = recovery::Recovered {
            job_id: job.id.clone(),
            task_id: task.id.clone(),
            model: job.request.model.id().to_owned(),
            status: task.status.as_str().to_owned(),
            at_ms: super::journal::now_ms(),
        };
        let paths = self.cfg.paths.clone();
        let file = recovery::path(&paths);
        let kept = tokio::task::spawn_blocking(move || {
            recovery::append(&paths, &entry).or_else(|e| {
                // A full disk: the reserve (if still there) makes room for this one line.
                if recovery::release_reserve(&paths) {
                    recovery::append(&paths, &entry)
                } else {
                    Err(e)
                }
            })
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        let mut shown = job.clone();
        shown.task_id = Some(task.id.clone());
        shown.remote_status = Some(task.status.as_str().to_owned());
        match &kept {
            Ok(()) => {
                tracing::error!(job = %job.id, task = %task.id, "the journal could not record the task id ({e}); kept in {}, polling on in memory", file.display());
                self.send(Event::Notice(format!(
                    "The journal could not record task {} ({e}). It is kept in {}, and the job polls on; its results are copied home once the journal takes it (or at the next resume). Nothing is sent again.",
                    task.id,
                    file.display()
                )));
                shown.state = JobState::Processing;
            }
            Err(io) => {
                tracing::error!(job = %job.id, task = %task.id, "CHARGED TASK NOT RECORDED: journal ({e}) and recovery file ({io}) both failed");
                let message = format!(
                    "STOPPED: task {} was accepted (and may be charged) but could not be recorded: the journal failed ({e}) and so did {} ({io}). Write this task id down and free some disk space; nothing is sent again.",
                    task.id,
                    file.display()
                );
                self.send(Event::Notice(message.clone()));
                shown.state = JobState::Paused;
                shown.error = Some(local_error("journal_failed", &message));
            }
        }
        self.unrecorded().insert(job.id.clone(), shown.clone());
        self.send(Event::Job(Box::new(shown)));
        kept.is_ok()
    }

    /// A charged task the journal has not taken yet: follows it in memory and offers the journal
    /// its id again each round. `Ok(true)` once the journal holds it (the recovery entry goes and
    /// the job continues as any other); `Ok(false)` on a stop (the recovery file keeps it for the
    /// next engine); the journal's error when the task has ended and the journal still refuses.
    async fn poll_until_recorded(
        &self,
        job: &JobRecord,
        task: &super::request::TaskInfo,
    ) -> Result<bool, JournalError> {
        let mut failures = 0u32;
        let mut rounds_after_end = 0u32;
        loop {
            let delay = backoff(self.cfg.poll_interval, failures.min(4));
            tokio::select! {
                () = self.stopped() => return Ok(false),
                () = tokio::time::sleep(delay) => {}
            }
            let status = {
                let shown = self.unrecorded().get(&job.id).cloned();
                shown
                    .and_then(|j| j.remote_status)
                    .unwrap_or_else(|| task.status.as_str().to_owned())
            };
            match self.journal_task_id(&job.id, &task.id, &status).await {
                Ok(()) => {
                    self.unrecorded().remove(&job.id);
                    let (paths, id) = (self.cfg.paths.clone(), job.id.clone());
                    let forgot =
                        tokio::task::spawn_blocking(move || recovery::forget(&paths, &id)).await;
                    if !matches!(forgot, Ok(Ok(()))) {
                        // Harmless: adopting it later finds the id already recorded.
                        tracing::warn!(job = %job.id, "the recovery entry could not be dropped");
                    }
                    tracing::info!(job = %job.id, task = %task.id, "the journal took the task id after all");
                    self.send(Event::Notice(format!(
                        "The journal recorded task {} after all; the job goes on as usual.",
                        task.id
                    )));
                    return Ok(true);
                }
                Err(e) => {
                    if rounds_after_end >= 3 {
                        return Err(e);
                    }
                }
            }
            match self.client.poll(&task.id).await {
                Ok(polled) => {
                    failures = 0;
                    let ended = matches!(polled.status, TaskStatus::Completed | TaskStatus::Failed);
                    let shown = {
                        let mut map = self.unrecorded();
                        map.get_mut(&job.id).map(|shown| {
                            shown.remote_status = Some(polled.status.as_str().to_owned());
                            shown.clone()
                        })
                    };
                    if let Some(shown) = shown {
                        self.send(Event::Job(Box::new(shown)));
                    }
                    if ended {
                        rounds_after_end += 1;
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(task = %task.id, "poll (in memory) failed: {e:?}");
                }
            }
        }
    }

    fn foreign(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.foreign
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn unrecorded(&self) -> std::sync::MutexGuard<'_, HashMap<String, JobRecord>> {
        self.unrecorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Polls until the task ends. Returns the result links, or `None` when the job ended otherwise.
    async fn poll_until_done(
        &self,
        job_id: &str,
        task_id: &str,
    ) -> Result<Option<Vec<String>>, JournalError> {
        let interval = self.cfg.poll_interval;
        let mut failures = 0u32;
        let mut delay = interval;
        let mut last_status: Option<String> = None;
        let mut not_found_since: Option<tokio::time::Instant> = None;
        let id = job_id.to_owned();
        if self
            .db(move |j| j.get(&id))
            .await?
            .is_some_and(|j| j.state != JobState::Processing)
        {
            self.set_state(job_id, JobState::Processing, None).await?;
        }
        loop {
            // A stop leaves the job as it is in the journal (processing): the next engine polls on.
            let polled = tokio::select! {
                () = self.stopped() => return Ok(None),
                polled = async {
                    tokio::time::sleep(delay).await;
                    self.client.poll(task_id).await
                } => polled,
            };
            match polled {
                Ok(task) => {
                    failures = 0;
                    delay = interval;
                    not_found_since = None;
                    match task.status {
                        TaskStatus::Completed => {
                            let urls = task.output.map(|o| o.image_urls).unwrap_or_default();
                            if urls.is_empty() {
                                let err = local_error(
                                    "no_output",
                                    "the task completed without any image links",
                                );
                                self.set_state(job_id, JobState::Failed, Some(&err)).await?;
                                return Ok(None);
                            }
                            let (id, links) = (job_id.to_owned(), urls.clone());
                            self.db(move |j| j.set_result_urls(&id, &links)).await?;
                            self.emit(job_id).await;
                            return Ok(Some(urls));
                        }
                        TaskStatus::Failed => {
                            let err = task.error.unwrap_or_else(|| {
                                local_error("failed", "the task failed without saying why")
                            });
                            self.set_state(job_id, JobState::Failed, Some(&err)).await?;
                            return Ok(None);
                        }
                        status => {
                            let s = status.as_str().to_owned();
                            if last_status.as_deref() != Some(&s) {
                                let (id, status) = (job_id.to_owned(), s.clone());
                                self.db(move |j| j.set_remote_status(&id, &status)).await?;
                                self.emit(job_id).await;
                                last_status = Some(s);
                            }
                        }
                    }
                }
                Err(PollError::Transient(msg)) => {
                    failures += 1;
                    delay = backoff(interval, failures);
                    tracing::warn!(task = %task_id, failures, "poll failed, retrying in {delay:?}: {msg}");
                }
                Err(PollError::RateLimited { retry_after }) => {
                    failures += 1;
                    delay = retry_after.unwrap_or_else(|| backoff(interval, failures));
                }
                Err(PollError::Refused { status, error })
                    if (status == 404 || error.code == "40001")
                        && not_found_since
                            .get_or_insert_with(tokio::time::Instant::now)
                            .elapsed()
                            < self.cfg.lost_task_patience =>
                {
                    // A task may not be visible on every node yet: ask again for a while.
                    failures += 1;
                    delay = backoff(interval, failures);
                    tracing::warn!(task = %task_id, status, "task not found yet, asking again in {delay:?}");
                }
                Err(PollError::Refused { status, error }) => {
                    tracing::warn!(task = %task_id, status, "poll refused: {error}");
                    let mut error = error;
                    error.message = if status == 401 || status == 403 {
                        format!(
                            "Polling stopped: the API refused the key (HTTP {status}: {}). Fix the key in Settings, then Resume; the task is kept.",
                            error.message
                        )
                    } else if status == 404 || error.code == "40001" {
                        format!(
                            "Polling stopped: the server has not known task {task_id} for {} s ({}). It may belong to another API key; the task is kept, and Resume asks again.",
                            self.cfg.lost_task_patience.as_secs(),
                            error.message
                        )
                    } else {
                        format!(
                            "Polling stopped: HTTP {status}: {}; the task is kept, and Resume asks again.",
                            error.message
                        )
                    };
                    self.set_state(job_id, JobState::Paused, Some(&error))
                        .await?;
                    return Ok(None);
                }
            }
        }
    }

    /// Copies every result home that is not there yet.
    async fn download_all(&self, job_id: &str, urls: &[String]) -> Result<(), JournalError> {
        let id = job_id.to_owned();
        let Some(job) = self.db(move |j| j.get(&id)).await? else {
            return Ok(());
        };
        // Only the lease holder writes into this job's folders: anything half-written there was
        // left by a driver that was killed, whatever its age.
        let folders = [
            self.cfg.paths.library().join(&job.id),
            self.cfg.paths.thumbnails().join(&job.id),
        ];
        let swept = tokio::task::spawn_blocking(move || {
            folders
                .iter()
                .map(|d| super::imaging::sweep_partials(d, Duration::ZERO))
                .sum::<usize>()
        })
        .await
        .unwrap_or(0);
        if swept > 0 {
            tracing::info!(job = %job.id, swept, "removed files half-written by a killed driver");
        }
        let count = u32::try_from(urls.len()).unwrap_or(u32::MAX);
        for (index, url) in urls.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            if job
                .results
                .iter()
                .any(|r| r.index == index && library::is_stored(r))
            {
                continue;
            }
            let downloaded = tokio::select! {
                // The journal keeps the job downloading; the next engine copies what is missing.
                () = self.stopped() => return Ok(()),
                d = self.download_one(&job, index, count, url) => d,
            };
            match downloaded {
                Ok(record) => {
                    self.db(move |j| j.add_result(&record)).await?;
                    self.emit(job_id).await;
                }
                Err(_) if self.stopping() => return Ok(()),
                Err(Fetch::Download(msg)) => {
                    let err = local_error(
                        "download_failed",
                        &format!(
                            "Result {} could not be copied home: {msg}. Resume to try again (result links expire after about a day).",
                            index + 1
                        ),
                    );
                    self.set_state(job_id, JobState::DownloadFailed, Some(&err))
                        .await?;
                    return Ok(());
                }
                Err(Fetch::Store(msg)) => {
                    let err = local_error(
                        STORAGE_FAILED,
                        &format!(
                            "Result {} was downloaded but could not be saved: {msg}. Free some disk space, then Resume (result links expire after about a day).",
                            index + 1
                        ),
                    );
                    self.set_state(job_id, JobState::DownloadFailed, Some(&err))
                        .await?;
                    return Ok(());
                }
            }
        }
        self.set_state(job_id, JobState::Completed, None).await?;
        tracing::info!(job = %job_id, results = urls.len(), "completed");
        Ok(())
    }

    async fn download_one(
        &self,
        job: &JobRecord,
        index: u32,
        count: u32,
        url: &str,
    ) -> Result<super::journal::ResultRecord, Fetch> {
        let attempts = self.cfg.download_attempts.max(1);
        let mut attempt = 0;
        // Kept across attempts: a download cut halfway continues from where it stopped.
        let mut bytes = Vec::new();
        loop {
            attempt += 1;
            let mut last_told: Option<std::time::Instant> = None;
            let mut tell = |progress: Progress| {
                let now = std::time::Instant::now();
                let finished = progress.total == Some(progress.done);
                if finished || last_told.is_none_or(|t| now.duration_since(t) >= PROGRESS_EVERY) {
                    last_told = Some(now);
                    self.send(Event::Download {
                        job_id: job.id.clone(),
                        index,
                        count,
                        progress,
                    });
                }
            };
            match self
                .client
                .download_into_with(url, &mut bytes, &mut tell)
                .await
            {
                Ok(()) => break,
                Err(DownloadError::Transient(msg)) if attempt < attempts => {
                    let wait = backoff(self.cfg.poll_interval, attempt);
                    tracing::warn!(job = %job.id, index, "download failed, retrying in {wait:?}: {msg}");
                    tokio::time::sleep(wait).await;
                }
                Err(DownloadError::Transient(msg) | DownloadError::Permanent(msg)) => {
                    return Err(Fetch::Download(msg));
                }
            }
        }
        // At most a few decodes at once, however many results arrive together.
        let permit = self
            .decoders
            .acquire()
            .await
            .map_err(|e| Fetch::Download(format!("the decoder pool closed: {e}")))?;
        let request = job.request.clone();
        let (bytes, decoded) = tokio::task::spawn_blocking(move || {
            let decoded = library::decode_result(&request, &bytes);
            (bytes, decoded)
        })
        .await
        .map_err(|e| Fetch::Download(format!("the worker stopped: {e}")))?;
        drop(permit);
        let decoded = decoded.map_err(|e| Fetch::Download(e.to_string()))?;
        // A window shows it now, while the files are written.
        self.send(Event::Thumbnail {
            job_id: job.id.clone(),
            index,
            image: LoadedImage {
                source_dims: decoded.dims,
                pixels: Arc::clone(&decoded.thumbnail),
                note: None,
            },
        });
        let paths = self.cfg.paths.clone();
        let job = job.clone();
        tokio::task::spawn_blocking(move || {
            library::write_result(&paths, &job, index, &bytes, &decoded)
        })
        .await
        .map_err(|e| Fetch::Download(format!("the worker stopped: {e}")))?
        .map_err(|e| match e {
            // Writing to this machine failed: a full disk, a read-only folder.
            super::imaging::ImagingError::Io { .. } => Fetch::Store(e.to_string()),
            other => Fetch::Download(other.to_string()),
        })
    }
}

/// Why a result did not come home.
enum Fetch {
    /// It could not be downloaded, or what came is not the image it should be.
    Download(String),
    /// It came, but this machine could not save it.
    Store(String),
}

/// The error code of a job stopped because this machine could not save its results.
pub const STORAGE_FAILED: &str = "storage_failed";

/// How often a job another process drives is looked at again.
const FOLLOW_EVERY: Duration = Duration::from_millis(1500);

/// How often a running download reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

fn local_error(code: &str, message: &str) -> ApiErrorBody {
    ApiErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: None,
    }
}
