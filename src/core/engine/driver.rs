//! One job's life on its tokio task: submit once, journal the task id (or keep it in the recovery
//! file when the journal cannot), poll, download, and tell every front end how it ended.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::{Engine, Event, Inner, lease, recovery};
use crate::core::api::client::{SubmitError, backoff};
use crate::core::api::request::TaskStatus;
use crate::core::job::{ErrorCode, JobId};
use crate::core::library::journal::{JobRecord, JobState, JournalError};

impl Engine {
    pub(super) fn launch(&self, job: JobRecord, phase: Phase, lease: lease::JobLease) {
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
                let shown = inner
                    .stopped_by_journal(&id, &e, last_known, unrecorded)
                    .await;
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

pub(super) enum Phase {
    /// Send it, with the room held to record its answer.
    Submit(recovery::Slot),
    Poll {
        task_id: String,
    },
}

impl Inner {
    /// A job the journal stopped recording: says so, and gives the job the end every front end
    /// waits for (paused, with the task id memory holds if the journal never took it).
    async fn stopped_by_journal(
        &self,
        id: &str,
        e: &JournalError,
        last_known: JobRecord,
        unrecorded: Option<JobRecord>,
    ) -> JobRecord {
        tracing::error!(job = %id, "job stopped: {e}");
        let message = match unrecorded.as_ref().and_then(|j| j.task_id.as_deref()) {
            Some(task) => format!(
                "The journal could not record this job ({e}), so it stopped here. Task {task} is kept in {}; Resume adopts it and copies its results home once the disk or journal is healthy again (result links last about a day).",
                recovery::place_of(&self.cfg.paths, id).display()
            ),
            None => format!(
                "The journal could not record this job ({e}), so it stopped here. What was recorded is kept; Resume continues it once the disk or journal is healthy again."
            ),
        };
        self.send(Event::Notice(message.clone()));
        let mut shown = self
            .db({
                let id = id.to_owned();
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
            shown.error = Some(ErrorCode::JournalFailed.body(&message));
        }
        shown
    }

    async fn drive(&self, job: JobRecord, phase: Phase) -> Result<(), JournalError> {
        let task_id = match phase {
            Phase::Submit(slot) => match self.submit(&job, slot).await? {
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
    async fn submit(
        &self,
        job: &JobRecord,
        slot: recovery::Slot,
    ) -> Result<Option<String>, JournalError> {
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
                if journal.mark_rate_limited(&id).is_ok()
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
                    // The task id is charged and could not be journalled: it goes into the slot
                    // held for it (or the recovery file; if even that fails, to the log and the
                    // screen), and the job polls on in memory until the journal takes it.
                    // Nothing is ever sent again.
                    if !self.keep_task_id(job, &task, &e, slot).await {
                        return Err(e);
                    }
                    if !self.poll_until_recorded(job, &task).await? {
                        return Ok(None);
                    }
                } else {
                    release(slot).await;
                }
                self.emit(&job.id).await;
                tracing::info!(job = %job.id, task = %task.id, "accepted");
                Ok(Some(task.id))
            }
            Err(e) => {
                release(slot).await;
                tracing::warn!(job = %job.id, "submit ended: {e}");
                let (state, error) = match &e {
                    SubmitError::Refused { error, .. } | SubmitError::RateLimited { error } => {
                        (JobState::Refused, error.clone())
                    }
                    SubmitError::ServerError { error, .. } => (JobState::Failed, error.clone()),
                    SubmitError::NotSent(msg) => (JobState::NotSent, ErrorCode::NotSent.body(msg)),
                    SubmitError::UnknownOutcome(msg) => (
                        JobState::UnknownOutcome,
                        ErrorCode::UnknownOutcome.body(msg),
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
        task: &crate::core::api::request::TaskInfo,
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
        task: &crate::core::api::request::TaskInfo,
        e: &JournalError,
        slot: recovery::Slot,
    ) -> bool {
        let entry = recovery::Recovered {
            job_id: job.id.clone(),
            task_id: task.id.clone(),
            model: job.request.model.id().to_owned(),
            status: task.status.as_str().to_owned(),
            at_ms: crate::core::library::journal::now_ms(),
        };
        let paths = self.cfg.paths.clone();
        let file = recovery::path(&paths);
        let kept = tokio::task::spawn_blocking(move || {
            // The slot held before sending takes it in place: no new space needed.
            match slot.fill(&entry) {
                Ok(()) => return Ok(slot.path().to_owned()),
                Err(e) => {
                    tracing::warn!(
                        "the submit slot could not take the task id ({e}); appending it"
                    );
                }
            }
            let file = recovery::path(&paths);
            let appended = recovery::append(&paths, &entry).or_else(|e| {
                // A full disk: the reserve (if still there) makes room for this one line.
                if recovery::release_reserve(&paths) {
                    recovery::append(&paths, &entry)
                } else {
                    Err(e)
                }
            });
            if appended.is_ok() {
                slot.release();
            }
            appended.map(|()| file)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        let mut shown = job.clone();
        shown.task_id = Some(task.id.clone());
        shown.remote_status = Some(task.status.as_str().to_owned());
        match &kept {
            Ok(place) => {
                tracing::error!(job = %job.id, task = %task.id, "the journal could not record the task id ({e}); kept in {}, polling on in memory", place.display());
                self.send(Event::Notice(format!(
                    "The journal could not record task {} ({e}). It is kept in {}, and the job polls on; its results are copied home once the journal takes it (or at the next resume). Nothing is sent again.",
                    task.id,
                    place.display()
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
                shown.error = Some(ErrorCode::JournalFailed.body(&message));
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
        task: &crate::core::api::request::TaskInfo,
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

    pub(super) fn unrecorded(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, JobRecord>> {
        self.unrecorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Gives a submit's slot back off the async threads (its answer is journalled, or nothing was
/// accepted).
async fn release(slot: recovery::Slot) {
    if tokio::task::spawn_blocking(move || slot.release())
        .await
        .is_err()
    {
        tracing::warn!("the submit slot could not be released");
    }
}
