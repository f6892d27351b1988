//! Polling a task until it ends: health backs off, a task not visible yet is asked again for a
//! while, a refusal pauses the job with the task kept.

use std::time::Duration;

use super::Inner;
use crate::core::api::client::{PollError, backoff};
use crate::core::api::request::{ApiErrorBody, TaskInfo, TaskStatus};
use crate::core::job::ErrorCode;
use crate::core::library::journal::{JobState, JournalError};

/// Where a poll loop stands between two answers.
struct Polling {
    interval: Duration,
    failures: u32,
    delay: Duration,
    last_status: Option<String>,
    not_found_since: Option<tokio::time::Instant>,
}

/// What one answer means for the loop.
enum Next {
    /// Ask again after the current delay.
    Again,
    /// The job is finished with polling: the result links to bring home, or none (it failed or
    /// was paused, and the journal says so).
    Done(Option<Vec<String>>),
}

impl Polling {
    fn new(interval: Duration) -> Polling {
        Polling {
            interval,
            failures: 0,
            delay: interval,
            last_status: None,
            not_found_since: None,
        }
    }

    /// One more failed ask: the next waits longer.
    fn back_off(&mut self) {
        self.failures += 1;
        self.delay = backoff(self.interval, self.failures);
    }
}

impl Inner {
    pub(super) async fn poll_until_done(
        &self,
        job_id: &str,
        task_id: &str,
    ) -> Result<Option<Vec<String>>, JournalError> {
        let mut at = Polling::new(self.cfg.poll_interval);
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
                    tokio::time::sleep(at.delay).await;
                    self.client.poll(task_id).await
                } => polled,
            };
            let next = match polled {
                Ok(task) => {
                    at = Polling {
                        last_status: at.last_status.take(),
                        ..Polling::new(at.interval)
                    };
                    self.answered(job_id, task, &mut at).await?
                }
                Err(e) => self.poll_failed(job_id, task_id, e, &mut at).await?,
            };
            if let Next::Done(urls) = next {
                return Ok(urls);
            }
        }
    }

    /// A task's answer: its end, or a new status to record.
    async fn answered(
        &self,
        job_id: &str,
        task: TaskInfo,
        at: &mut Polling,
    ) -> Result<Next, JournalError> {
        match task.status {
            TaskStatus::Completed => {
                let urls = task.output.map(|o| o.image_urls).unwrap_or_default();
                if urls.is_empty() {
                    let err =
                        ErrorCode::NoOutput.body("the task completed without any image links");
                    self.set_state(job_id, JobState::Failed, Some(&err)).await?;
                    return Ok(Next::Done(None));
                }
                let (id, links) = (job_id.to_owned(), urls.clone());
                self.db(move |j| j.set_result_urls(&id, &links)).await?;
                self.emit(job_id).await;
                Ok(Next::Done(Some(urls)))
            }
            TaskStatus::Failed => {
                let err = task.error.unwrap_or_else(|| {
                    ErrorCode::Failed.body("the task failed without saying why")
                });
                self.set_state(job_id, JobState::Failed, Some(&err)).await?;
                Ok(Next::Done(None))
            }
            status => {
                let s = status.as_str().to_owned();
                if at.last_status.as_deref() != Some(&s) {
                    let (id, status) = (job_id.to_owned(), s.clone());
                    self.db(move |j| j.set_remote_status(&id, &status)).await?;
                    self.emit(job_id).await;
                    at.last_status = Some(s);
                }
                Ok(Next::Again)
            }
        }
    }

    /// A poll that got no task: wait and ask again, or pause the job with its task kept.
    async fn poll_failed(
        &self,
        job_id: &str,
        task_id: &str,
        error: PollError,
        at: &mut Polling,
    ) -> Result<Next, JournalError> {
        match error {
            PollError::Transient(msg) => {
                at.back_off();
                let (failures, delay) = (at.failures, at.delay);
                tracing::warn!(task = %task_id, failures, "poll failed, retrying in {delay:?}: {msg}");
            }
            PollError::RateLimited { retry_after } => {
                at.back_off();
                if let Some(wait) = retry_after {
                    at.delay = wait;
                }
            }
            PollError::Refused { status, error }
                if (status == 404 || error.code == "40001")
                    && at
                        .not_found_since
                        .get_or_insert_with(tokio::time::Instant::now)
                        .elapsed()
                        < self.cfg.lost_task_patience =>
            {
                // A task may not be visible on every node yet: ask again for a while.
                at.back_off();
                let delay = at.delay;
                tracing::warn!(task = %task_id, status, "task not found yet, asking again in {delay:?}");
            }
            PollError::Refused { status, error } => {
                tracing::warn!(task = %task_id, status, "poll refused: {error}");
                let error = self.paused_because(task_id, status, error);
                self.set_state(job_id, JobState::Paused, Some(&error))
                    .await?;
                return Ok(Next::Done(None));
            }
        }
        Ok(Next::Again)
    }

    /// The words a paused job carries: why polling stopped and what Resume does.
    fn paused_because(&self, task_id: &str, status: u16, mut error: ApiErrorBody) -> ApiErrorBody {
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
        error
    }
}
