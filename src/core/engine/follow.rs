//! Following the jobs another process (a second window, the command line) drives: their changes
//! are told as events, and a job its driver lets go of unfinished is taken over. A batch another
//! process runs is followed as a whole: each listing tells the jobs of it that changed since the
//! last (new ones too, started after this engine began), and follows those in flight; so is a
//! single job another process starts after this engine began (a `generate`, an agent's).

/// The jobs outside batches the watch has told, and from when it looks for more.
#[derive(Debug)]
struct NewJobs {
    since_ms: i64,
    told: std::collections::HashSet<JobId>,
}

use std::collections::HashMap;
use std::time::Duration;

use super::batches::BatchStatus;
use super::resume::Resumed;
use super::{Engine, EngineError, Event, Inner};
use crate::core::job::JobId;
use crate::core::library::journal::{BatchSummary, JobRecord, now_ms};

/// How often a job another process drives is looked at again.
const FOLLOW_EVERY: Duration = Duration::from_millis(1500);
/// What the batch watch last told of one batch.
#[derive(Debug, Clone)]
pub(super) struct Followed {
    /// Its jobs changed at or after this (ms since the epoch) are told at the next look.
    since_ms: i64,
    summary: BatchSummary,
}

/// How often the journal's batches are looked at for one another process started or runs.
const WATCH_BATCHES_EVERY: Duration = Duration::from_secs(3);

impl Engine {
    /// Follows a job another process drives: sends each change it writes to the journal, and takes
    /// the job over once that process lets go of it without finishing it.
    pub(super) fn follow_foreign(&self, seen: JobRecord) {
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

    /// Looks at the journal's batches every [`WATCH_BATCHES_EVERY`] until the engine stops:
    /// tells them when anything changed and follows those other processes run. Started once.
    pub(super) fn watch_batches(&self) {
        use std::sync::atomic::Ordering;
        if self.inner.watching_batches.swap(true, Ordering::SeqCst) {
            return;
        }
        let engine = self.clone();
        self.inner.rt.spawn(async move {
            let mut last: Option<Vec<BatchStatus>> = None;
            let new_jobs = std::sync::Arc::new(std::sync::Mutex::new(NewJobs {
                since_ms: now_ms(),
                told: std::collections::HashSet::new(),
            }));
            loop {
                let (e, first) = (engine.clone(), last.is_none());
                let new_jobs = std::sync::Arc::clone(&new_jobs);
                let look = tokio::task::spawn_blocking(move || {
                    let statuses = e.batch_statuses()?;
                    e.follow_batches(&statuses, first)?;
                    let mut new_jobs = new_jobs
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    e.follow_new_jobs(&mut new_jobs)?;
                    Ok::<_, EngineError>(statuses)
                })
                .await;
                match look {
                    Ok(Ok(statuses)) => {
                        if last.as_ref() != Some(&statuses) {
                            engine.inner.send(Event::Batches(statuses.clone()));
                            last = Some(statuses);
                        }
                    }
                    Ok(Err(e)) => tracing::warn!("looking at the batches: {e}"),
                    Err(e) => {
                        tracing::warn!("watching the batches stopped: {e}");
                        break;
                    }
                }
                tokio::select! {
                    () = engine.inner.stopped() => break,
                    () = tokio::time::sleep(WATCH_BATCHES_EVERY) => {}
                }
            }
        });
    }

    /// Tells each job outside a batch another process started since the last look (a command
    /// line's `generate`, an agent's), once, and follows those on this engine's server still in
    /// flight, so they show in this engine's events as they run.
    fn follow_new_jobs(&self, seen: &mut NewJobs) -> Result<(), EngineError> {
        let found = self.inner.journal.jobs_created_since(seen.since_ms)?;
        for job in found {
            if !seen.told.insert(job.id.clone()) || self.is_running(&job.id) {
                continue;
            }
            seen.since_ms = seen.since_ms.max(job.created_at_ms);
            if job.state.is_active() && job.server == self.inner.cfg.server {
                self.follow_foreign(job.clone());
            }
            self.inner.send(Event::Job(Box::new(job)));
        }
        Ok(())
    }

    /// Tells the jobs of each batch another process runs that changed since the last look (all
    /// of a batch first seen after the watch began) and follows those still in flight, so a
    /// batch the command line started shows in this engine's events as it runs. The first look
    /// only notes where every batch stands: what was there at connect was listed then.
    pub(super) fn follow_batches(
        &self,
        statuses: &[BatchStatus],
        first: bool,
    ) -> Result<(), EngineError> {
        let now = now_ms();
        for status in statuses {
            let summary = &status.summary;
            let last = self.inner.followed_batches().get(&summary.id).cloned();
            if first {
                let noted = Followed {
                    since_ms: now,
                    summary: summary.clone(),
                };
                self.inner
                    .followed_batches()
                    .insert(summary.id.clone(), noted);
                continue;
            }
            let unchanged = last.as_ref().is_some_and(|l| l.summary == *summary);
            if status.here.is_some() || (unchanged && summary.in_flight == 0) {
                continue;
            }
            let since = last.map_or(0, |l| l.since_ms);
            let changed = self.inner.journal.batch_jobs_changed(&summary.id, since)?;
            let newest = changed
                .iter()
                .map(|j| j.updated_at_ms)
                .max()
                .unwrap_or(since);
            for job in changed {
                if job.state.is_active() && !self.is_running(&job.id) {
                    self.follow_foreign(job.clone());
                }
                self.inner.send(Event::Job(Box::new(job)));
            }
            let noted = Followed {
                since_ms: newest,
                summary: summary.clone(),
            };
            self.inner
                .followed_batches()
                .insert(summary.id.clone(), noted);
        }
        Ok(())
    }

    /// One look at a followed job. `Ok(false)` once there is nothing more to follow.
    pub(super) fn follow_step(&self, job_id: &str) -> Result<bool, EngineError> {
        let Some(job) = self.inner.journal.get(job_id)? else {
            return Ok(false);
        };
        let changed = self
            .inner
            .foreign()
            .insert(job_id.into(), job.updated_at_ms)
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
}

impl Inner {
    pub(super) fn foreign(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, i64>> {
        self.foreign
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn followed_batches(&self) -> std::sync::MutexGuard<'_, HashMap<String, Followed>> {
        self.followed_batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
