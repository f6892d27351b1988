//! Polling a task until it ends: health backs off, a task not visible yet is asked again for a
//! while, a refusal pauses the job with the task kept.

use std::time::Duration;

use super::Inner;
use crate::core::api::client::{PollError, backoff};
use crate::core::api::request::{ApiErrorBody, TaskInfo, TaskStatus};
use crate::core::api::rules;
use crate::core::job::ErrorCode;
use crate::core::library::journal::{JobState, JournalError};

/// Where a poll loop stands between two answers.
struct Polling {
    interval: Duration,
    /// When this loop began asking (a long task is asked less often).
    since: tokio::time::Instant,
    failures: u32,
    delay: Duration,
    last_status: Option<String>,
    not_found_since: Option<tokio::time::Instant>,
    /// When the task was accepted (ms since the epoch), as the journal has it.
    submitted_at_ms: Option<i64>,
    /// The most images the request asked for ([`rules::most_images`]).
    most_images: usize,
}

/// How polling slows down for a long task: at the configured interval for its first `after`,
/// then doubling each `after`, up to `longest`; never more often than the interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollBackoff {
    pub after: Duration,
    pub longest: Duration,
}

impl Default for PollBackoff {
    /// The provider's advice: 1–2 s for short tasks, 5–10 s for long ones.
    fn default() -> PollBackoff {
        PollBackoff {
            after: Duration::from_secs(30),
            longest: Duration::from_secs(10),
        }
    }
}

/// The wait before the next ask of a task that has been running for `running_for`.
pub(super) fn poll_delay(
    interval: Duration,
    backoff: PollBackoff,
    running_for: Duration,
) -> Duration {
    let after = backoff.after.max(Duration::from_millis(1));
    let Some(past) = running_for.checked_sub(after) else {
        return interval;
    };
    let doublings = u32::try_from(past.as_millis() / after.as_millis() + 1).unwrap_or(8);
    let grown = interval.saturating_mul(2u32.saturating_pow(doublings.min(8)));
    grown.min(backoff.longest).max(interval)
}

/// How long the server answers for a task id (the provider's reference: 24 hours). A task older
/// than this that the server does not know is [`JobState::Expired`], not "not visible yet".
pub const TASK_LIFETIME: Duration = Duration::from_hours(24);

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
            since: tokio::time::Instant::now(),
            failures: 0,
            delay: interval,
            last_status: None,
            not_found_since: None,
            submitted_at_ms: None,
            most_images: usize::try_from(rules::MAX_N_GROUP).unwrap_or(1),
        }
    }

    /// Whether the task is older than the server keeps tasks.
    fn outlived_the_server(&self) -> bool {
        let lifetime = i64::try_from(TASK_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        self.submitted_at_ms
            .is_some_and(|at| crate::core::job::now_ms().saturating_sub(at) >= lifetime)
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
        let journalled = self.db(move |j| j.get(&id)).await?;
        at.submitted_at_ms = journalled
            .as_ref()
            .and_then(|j| j.submitted_at_ms.or(Some(j.created_at_ms)));
        if let Some(j) = &journalled {
            at.most_images = rules::most_images(&j.request);
        }
        if journalled.is_some_and(|j| j.state != JobState::Processing) {
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
                        submitted_at_ms: at.submitted_at_ms,
                        most_images: at.most_images,
                        since: at.since,
                        delay: poll_delay(at.interval, self.cfg.poll_backoff, at.since.elapsed()),
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
                let mut urls = task.output.map(|o| o.image_urls).unwrap_or_default();
                if urls.len() > at.most_images {
                    // Never fetched, never billed: the request asked for no more.
                    tracing::warn!(
                        job = %job_id,
                        "the task listed {} images for a request of at most {}; the extra links are ignored",
                        urls.len(),
                        at.most_images
                    );
                    urls.truncate(at.most_images);
                }
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
                if (status == 404 || error.code == "40001") && at.outlived_the_server() =>
            {
                // Past the server's 24 hours there is nothing left to ask for: say so, once.
                tracing::warn!(task = %task_id, status, "task expired upstream: {error}");
                let error = ErrorCode::Expired.body(&format!(
                    "Task {task_id} is more than {} hours old and the server no longer knows it ({}). It may have been charged; its results, if any, are no longer kept upstream.",
                    TASK_LIFETIME.as_secs() / 3600,
                    error.message
                ));
                self.set_state(job_id, JobState::Expired, Some(&error))
                    .await?;
                return Ok(Next::Done(None));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_task_is_asked_less_often_up_to_ten_seconds() {
        let i = Duration::from_secs(2);
        let b = PollBackoff::default();
        assert_eq!(b.longest, Duration::from_secs(10));
        assert_eq!(poll_delay(i, b, Duration::ZERO), i);
        assert_eq!(poll_delay(i, b, Duration::from_secs(29)), i);
        assert_eq!(
            poll_delay(i, b, Duration::from_secs(31)),
            Duration::from_secs(4)
        );
        assert_eq!(
            poll_delay(i, b, Duration::from_secs(61)),
            Duration::from_secs(8)
        );
        assert_eq!(poll_delay(i, b, Duration::from_secs(91)), b.longest);
        assert_eq!(poll_delay(i, b, Duration::from_hours(24)), b.longest);
        // Never more often than asked for, even with a long configured interval.
        let slow = Duration::from_secs(15);
        assert_eq!(poll_delay(slow, b, Duration::from_mins(10)), slow);
        // Tests' short intervals back off the same way.
        let quick = Duration::from_millis(40);
        assert_eq!(poll_delay(quick, b, Duration::from_secs(1)), quick);
    }
}
