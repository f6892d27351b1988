//! What every part of the engine shares: the stop signal, the running set, events that never
//! block, and journal work kept off the async threads.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{EngineError, Event, Inner};
use crate::core::api::request::ApiErrorBody;
use crate::core::job::JobId;
use crate::core::library::journal::{JobState, Journal, JournalError, Shelved};

impl Inner {
    /// The shelf read at open, once, and only while nothing has been committed since.
    pub(super) fn opened_shelf(&self) -> Option<Vec<Shelved>> {
        let opened = self
            .opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()?;
        let unchanged = self.journal.stamp().is_ok_and(|now| now == opened.stamp);
        unchanged.then_some(opened.shelf)
    }

    pub(super) fn refuse_if_stopped(&self) -> Result<(), EngineError> {
        if self.stopping() {
            Err(EngineError::ShutDown)
        } else {
            Ok(())
        }
    }

    pub(super) fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once [`Engine::shutdown`] has been called (at once if it already was).
    pub(super) async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    pub(super) fn running_set(&self) -> std::sync::MutexGuard<'_, HashSet<JobId>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends an event without blocking. The channel is bounded; when the front end falls behind, the
    /// event is delivered later by a background task — and a job's snapshot is re-read at delivery
    /// time, so a late event never carries stale state.
    pub(super) fn send(&self, event: Event) {
        if let Event::Job(job) = &event
            && job.batch.is_some()
        {
            self.batch_tick.send_modify(|n| *n = n.wrapping_add(1));
        }
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

    pub(super) fn wake(&self) {
        if let Some(w) = &self.waker {
            w();
        }
    }

    pub(super) fn emit_job(&self, job_id: &str) {
        match self.journal.get(job_id) {
            Ok(Some(job)) => self.send(Event::Job(Box::new(job))),
            Ok(None) => {}
            Err(e) => self.send(Event::Notice(e.to_string())),
        }
    }

    /// Runs journal work (SQLite, fsync) on the blocking pool, never on an async worker thread.
    pub(super) async fn db<T: Send + 'static>(
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
    pub(super) async fn emit(&self, job_id: &str) {
        let id = job_id.to_owned();
        match self.db(move |j| j.get(&id)).await {
            Ok(Some(job)) => self.send(Event::Job(Box::new(job))),
            Ok(None) => {}
            Err(e) => self.send(Event::Notice(e.to_string())),
        }
    }

    pub(super) async fn set_state(
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
}
