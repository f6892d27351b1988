//! Following the jobs another process (a second window, the command line) drives: their changes
//! are told as events, and a job its driver lets go of unfinished is taken over.

use std::collections::HashMap;
use std::time::Duration;

use super::resume::Resumed;
use super::{Engine, EngineError, Event, Inner};
use crate::core::job::JobId;
use crate::core::library::journal::JobRecord;

/// How often a job another process drives is looked at again.
const FOLLOW_EVERY: Duration = Duration::from_millis(1500);

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
}
