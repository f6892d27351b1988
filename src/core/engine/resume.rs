//! Picking jobs up again: every unfinished job of this backend nobody else drives, the task ids a
//! full disk left in the recovery file, and the verdict on a job caught mid-submit (unknown
//! outcome, never resent).

use super::driver::Phase;
use super::{Engine, EngineError, lease, recovery};
use crate::core::job::{ErrorCode, JobState};
use crate::core::library::journal::JournalError;

impl Engine {
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
    pub(super) fn resume_one(&self, job_id: &str) -> Result<Resumed, EngineError> {
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
            let err = ErrorCode::UnknownOutcome.body(
                "Wan Studio stopped while this request was being sent. It may have been accepted and charged; it was not sent again. Retry it only if no result appears.",
            );
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

    /// Moves task ids from the recovery file into the journal, so they are polled like any other.
    pub(super) fn adopt_recovered(&self) -> Result<(), EngineError> {
        let paths = &self.inner.cfg.paths;
        let journal = &self.inner.journal;
        // Slots a killed submit left empty (a live submit never holds one for an hour).
        if let Err(e) = recovery::sweep_slots(paths, std::time::Duration::from_hours(1)) {
            tracing::warn!("the submit slots could not be swept: {e}");
        }
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
}

/// What [`Engine::resume_one`] did with a job.
pub(super) enum Resumed {
    /// This engine drives it now.
    Taken,
    /// Another process drives it.
    Elsewhere,
    /// Nothing to do (ended, running here, or judged).
    Nothing,
}
