//! What a front end asks: new jobs and retries (validated, journalled, then launched), the
//! library's queries, marks, deletes, exports, and the engine's own stop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::driver::Phase;
use super::{Command, Engine, EngineError, Event, ExportDest, Submission, lease, recovery};
use crate::core::api::request::GenerationRequest;
use crate::core::api::rules;
use crate::core::job::{BatchRef, JobId};
use crate::core::library;
use crate::core::library::journal::{JobRecord, Ledger};

impl Engine {
    /// Validates, journals, and starts a job. Returns its record as journalled (state `Submitting`).
    /// Nothing is sent if the rules find a problem.
    pub fn submit(&self, request: GenerationRequest) -> Result<JobRecord, EngineError> {
        self.submit_with(Submission::new(request))
    }

    /// Validates, journals (with its lineage and rate) and sends a request as a new job.
    pub fn submit_with(&self, submission: Submission) -> Result<JobRecord, EngineError> {
        self.submit_job(submission, None)
    }

    /// Submits one job of a batch under its number. The number is journalled with the job, once:
    /// a number the journal has already sent is refused and nothing is sent.
    pub fn submit_in_batch(
        &self,
        submission: Submission,
        batch: BatchRef,
    ) -> Result<JobRecord, EngineError> {
        self.submit_job(submission, Some(batch))
    }

    fn submit_job(
        &self,
        submission: Submission,
        batch: Option<BatchRef>,
    ) -> Result<JobRecord, EngineError> {
        self.inner.refuse_if_stopped()?;
        rules::validate(&submission.request).map_err(EngineError::Invalid)?;
        let mut job = JobRecord::new(self.inner.cfg.server.clone(), submission.request);
        job.made_from = submission.made_from;
        job.rate_micro_usd = submission.rate_micro_usd;
        job.agent = submission.agent;
        job.batch = batch;
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
    pub(super) fn start_new(&self, job: &JobRecord) -> Result<(), EngineError> {
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
        // The room to record the answer is held before anything is sent (a full disk must not be
        // able to lose a charged task id).
        let slot = match recovery::Slot::hold_for(&self.inner.cfg.paths, job) {
            Ok(slot) => slot,
            Err(words) => {
                lease.release_ended();
                tracing::warn!(job = %job.id, "not sent: {words}");
                return Err(EngineError::NoRoom(words));
            }
        };
        if let Err(e) = self.inner.journal.insert(job) {
            slot.release();
            lease.release_ended();
            return Err(e.into());
        }
        self.launch(job.clone(), Phase::Submit(slot), lease);
        Ok(())
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
            job_id: job_id.into(),
        });
        Ok(())
    }

    /// Runs one command; failures are reported as [`Event::Notice`].
    pub fn handle(&self, cmd: Command) {
        let journal = &self.inner.journal;
        let answer: Result<Option<Event>, EngineError> = match cmd {
            Command::Submit(submission) => self
                .submit_with(*submission)
                .map(|_| None)
                .or_else(|e| Ok(Some(Event::NotSent(e.to_string())))),
            Command::Favourite { job_id, index, on } => journal
                .set_favourite(&job_id, index, on)
                .map(|()| None)
                .map_err(EngineError::from),
            Command::Rate {
                job_id,
                index,
                rating,
            } => journal
                .set_rating(&job_id, index, rating)
                .map(|()| None)
                .map_err(EngineError::from),
            Command::Search { text, generation } => {
                let jobs = journal
                    .text_hits(&text)
                    .map(|hits| hits.into_iter().collect())
                    .map_err(|e| e.to_string());
                Ok(Some(Event::TextHits { generation, jobs }))
            }
            Command::Details { job_id } => journal
                .get(&job_id)
                .map(|job| job.map(|j| Event::Job(Box::new(j))))
                .map_err(EngineError::from),
            Command::Spend => journal
                .spend(Ledger::of(&self.inner.cfg.server))
                .map(|spend| Some(Event::Spend(spend)))
                .map_err(EngineError::from),
            Command::Lineage { job_id } => self.lineage(job_id).map(Some),
            Command::Retry { job_id } => self.retry(&job_id).map(|_| None),
            Command::Dismiss { job_id } => self.dismiss(&job_id).map(|()| None),
            Command::Delete { job_id } => self.delete(&job_id).map(|()| None),
            Command::Resume => self.resume().map(|_| None),
            Command::ListJobs { recent } => {
                self.list_jobs(recent);
                Ok(None)
            }
            Command::Export { items, dest } => {
                self.export(items, dest);
                Ok(None)
            }
            cmd @ (Command::RunBatch(_)
            | Command::ControlBatch { .. }
            | Command::ListBatches
            | Command::WatchBatches) => self.handle_batch(cmd),
        };
        match answer {
            Ok(Some(event)) => self.inner.send(event),
            Ok(None) => {}
            Err(e) => self.inner.send(Event::Notice(e.to_string())),
        }
    }

    /// A job's family: the results it was made from and the jobs made from its results.
    fn lineage(&self, job_id: JobId) -> Result<Event, EngineError> {
        let journal = &self.inner.journal;
        let made_from = journal
            .get(&job_id)?
            .map(|j| j.made_from)
            .unwrap_or_default();
        let used_in = journal.used_in(&job_id)?;
        Ok(Event::Lineage {
            job_id,
            made_from,
            used_in,
        })
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
    pub fn export(&self, items: Vec<(JobId, u32)>, dest: ExportDest) {
        let inner = Arc::clone(&self.inner);
        let home = self.inner.cfg.paths.clone();
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
                    ExportDest::File(path) => library::export_to_file(&home, &job, &r, path),
                    ExportDest::NewFile(path) => library::export_to_new_file(&home, &job, &r, path),
                    ExportDest::Folder(dir) => library::export_to_folder(&home, &job, &r, dir),
                };
                match written {
                    Ok(p) => paths.push(p),
                    Err(e) => inner.send(Event::Notice(format!("Export failed: {e}"))),
                }
                if let Some(trouble) = library::provenance::take_signing_trouble(&home) {
                    inner.send(Event::Notice(trouble));
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

    pub(super) fn is_running(&self, job_id: &str) -> bool {
        self.inner.running_set().contains(job_id)
    }
}
