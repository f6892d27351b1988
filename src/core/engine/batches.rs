//! Batches run by the engine (the window's): one task per batch that sends what was never sent,
//! at most N at once, and follows the rest through the journal, so a batch the command line runs
//! on the same data folder reads the same. Pause stops sending (what is in flight goes on),
//! cancel stops it for good (in the journal, so every process sees it).
//!
//! The task never sends a number the journal has: each is journalled with its number in the same
//! transaction as the job (invariant 8), and the [`Runner`] is fed from the journal's view of the
//! batch, not from memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::{Command, Engine, EngineError, Event, Submission};
use crate::core::api::pricing::Rates;
use crate::core::batch::runner::{Counts, Runner};
use crate::core::batch::{Batch, BatchJob};
use crate::core::job::BatchRef;
use crate::core::library::journal::{BatchSummary, JobRecord, JournalError};
use crate::core::references::hosting::{self, ReferenceHost};
use crate::core::references::links::local_file;
use crate::core::references::preflight;

/// How often a running batch looks at the journal when no job of it has changed (another
/// process's jobs, a lowered limit coming back).
const LOOK_AGAIN: Duration = Duration::from_secs(1);
/// Changes closer together than this are read once (a thousand jobs polling at once).
const COALESCE: Duration = Duration::from_millis(150);

/// A batch for the engine to run.
#[derive(Clone)]
pub struct BatchPlan {
    pub batch: Arc<Batch>,
    /// The price table its jobs are journalled with.
    pub rates: Rates,
    /// Tasks in flight at most.
    pub concurrency: usize,
    /// Where its local images are uploaded (none: a job with one is not sent).
    pub host: Option<ReferenceHost>,
    pub preflight: preflight::Options,
}

impl std::fmt::Debug for BatchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchPlan")
            .field("batch", &self.batch.id)
            .field("jobs", &self.batch.jobs.len())
            .field("concurrency", &self.concurrency)
            .field("hosted", &self.host.is_some())
            .finish_non_exhaustive()
    }
}

/// What a front end asks of a running batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchControl {
    /// Stop sending; what is in flight goes on.
    Pause,
    /// Send again after a pause.
    Resume,
    /// Stop sending for good (kept in the journal: no run sends its unsent numbers).
    Cancel,
}

/// How this process runs a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchRun {
    Sending,
    Paused,
}

/// A batch as a front end shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchStatus {
    pub summary: BatchSummary,
    /// How this process runs it; `None` when it does not (ended, or run by another process).
    pub here: Option<BatchRun>,
    /// Where its jobs stand, as the run here counts them.
    pub counts: Option<Counts>,
    /// Why sending stopped on a problem (nothing was sent for that job).
    pub stopped: Option<String>,
}

impl BatchStatus {
    /// Nothing in flight, and nothing left that a run would send.
    pub fn is_over(&self) -> bool {
        self.here.is_none()
            && self.summary.in_flight == 0
            && (self.summary.cancelled || self.summary.waiting() == 0)
    }
}

impl Engine {
    /// Starts running a batch here (a batch already running here is left as it is).
    pub fn run_batch(&self, plan: BatchPlan) -> Result<(), EngineError> {
        self.inner.refuse_if_stopped()?;
        let id = plan.batch.id.clone();
        let control = {
            let mut running = self
                .inner
                .batches
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if running.contains_key(&id) {
                return Ok(());
            }
            let (tx, rx) = watch::channel(BatchControl::Resume);
            running.insert(id, tx);
            rx
        };
        let engine = self.clone();
        self.inner.rt.spawn(async move {
            let id = plan.batch.id.clone();
            if let Err(e) = engine.drive(plan, control).await {
                engine.inner.send(Event::Notice(format!("Batch {id}: {e}")));
            }
            engine
                .inner
                .batches
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id);
            engine.send_batch(&id, None, None, None).await;
        });
        Ok(())
    }

    /// Pauses, resumes or cancels a batch. Cancel works on any batch (a command line's too: it
    /// reads the journal before each send); pause and resume on one running here.
    pub fn control_batch(&self, id: &str, control: BatchControl) -> Result<(), EngineError> {
        if control == BatchControl::Cancel && !self.inner.journal.cancel_batch(id)? {
            return Err(EngineError::NoSuchJob(format!("batch {id}")));
        }
        let running = self
            .inner
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match running.get(id) {
            Some(tx) => {
                tx.send_replace(control);
            }
            None if control == BatchControl::Cancel => {
                drop(running);
                let summary = self.inner.journal.batch(id)?;
                if let Some(summary) = summary {
                    self.inner.send(Event::Batch(Box::new(BatchStatus {
                        summary,
                        here: None,
                        counts: None,
                        stopped: None,
                    })));
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Every batch the journal keeps, newest first, with how this process runs it.
    pub fn batch_statuses(&self) -> Result<Vec<BatchStatus>, EngineError> {
        let running: std::collections::HashMap<String, BatchControl> = self
            .inner
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(id, tx)| (id.clone(), *tx.borrow()))
            .collect();
        Ok(self
            .inner
            .journal
            .batches()?
            .into_iter()
            .map(|summary| BatchStatus {
                here: running.get(&summary.id).map(|c| match c {
                    BatchControl::Pause => BatchRun::Paused,
                    _ => BatchRun::Sending,
                }),
                summary,
                counts: None,
                stopped: None,
            })
            .collect())
    }

    /// The batch task: send, follow, until nothing is left to send and nothing is in flight.
    async fn drive(
        &self,
        plan: BatchPlan,
        mut control: watch::Receiver<BatchControl>,
    ) -> Result<(), EngineError> {
        let inner = &self.inner;
        let batch = Arc::clone(&plan.batch);
        let id = batch.id.clone();
        let total = batch.estimate(&plan.rates);
        let (i, source) = (id.clone(), batch.source.clone());
        inner
            .db(move |j| j.record_batch(&i, &source, total.jobs, total.micro_usd))
            .await?;
        let i = id.clone();
        let sent = inner.db(move |j| j.batch_states(&i)).await?;
        let mut runner = Runner::new(total.jobs, sent.iter().map(|s| s.number), plan.concurrency);
        let now = Instant::now();
        for s in &sent {
            runner.update_sent(s, now);
        }
        let mut changes = inner.batch_tick.subscribe();
        let mut stop = inner.stop.subscribe();
        let mut stopped: Option<String> = None;
        loop {
            if self.is_cancelled(&id).await? {
                runner.cancel();
            }
            let paused = *control.borrow_and_update() == BatchControl::Pause;
            if !paused && stopped.is_none() {
                while let Some(number) = runner.next(Instant::now()) {
                    if self.is_cancelled(&id).await? {
                        runner.cancel();
                        runner.not_sent(number);
                        break;
                    }
                    let Some(job) = batch.job(number) else {
                        runner.not_sent(number);
                        break;
                    };
                    match self.send_one(&plan, job).await {
                        Ok(record) => runner.sent(number, &record),
                        Err(EngineError::Journal(JournalError::AlreadySent { .. })) => {
                            runner.sent_elsewhere(number);
                        }
                        Err(EngineError::ShutDown) => {
                            runner.not_sent(number);
                            return Ok(());
                        }
                        Err(e) => {
                            runner.not_sent(number);
                            stopped = Some(format!(
                                "job {number} was not sent: {e}. Sending stopped; what is in flight finishes."
                            ));
                            break;
                        }
                    }
                }
            }
            let here = Some(if paused {
                BatchRun::Paused
            } else {
                BatchRun::Sending
            });
            self.send_batch(&id, here, Some(runner.counts()), stopped.clone())
                .await;
            if runner.is_finished() {
                if let Some(why) = stopped {
                    inner.send(Event::Notice(format!("Batch {id}: {why}")));
                }
                return Ok(());
            }
            tokio::select! {
                _ = changes.changed() => tokio::time::sleep(COALESCE).await,
                _ = control.changed() => {}
                _ = stop.changed() => return Ok(()),
                () = tokio::time::sleep(LOOK_AGAIN) => {}
            }
            if *stop.borrow() {
                return Ok(());
            }
            let i = id.clone();
            let now = Instant::now();
            for s in inner.db(move |j| j.batch_states(&i)).await? {
                runner.update_sent(&s, now);
            }
        }
    }

    async fn is_cancelled(&self, id: &str) -> Result<bool, EngineError> {
        let i = id.to_owned();
        Ok(self
            .inner
            .db(move |j| j.batch(&i))
            .await?
            .is_some_and(|b| b.cancelled))
    }

    /// Hosts one job's local images (if any), then journals and sends it under its number.
    async fn send_one(&self, plan: &BatchPlan, job: &BatchJob) -> Result<JobRecord, EngineError> {
        let mut request = job.request.clone();
        if request.image_urls.iter().any(|u| local_file(u).is_some()) {
            let Some(host) = &plan.host else {
                return Err(EngineError::Files(
                    "its references are files on this computer and no reference host is set up (Settings › Reference hosting)".to_owned(),
                ));
            };
            let http = hosting::upload_client().map_err(|e| EngineError::Files(e.to_string()))?;
            let told: hosting::StageTold = Arc::new(|_, _, _| {});
            hosting::host_local_references(&mut request, host, &http, plan.preflight, told)
                .await
                .map_err(|e| EngineError::Files(e.to_string()))?;
        }
        let submission = Submission {
            rate_micro_usd: Some(plan.rates.per_image_micro_usd(request.model)),
            request,
            made_from: Vec::new(),
            agent: None,
        };
        let batch = BatchRef {
            id: plan.batch.id.clone(),
            number: job.number,
        };
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.submit_in_batch(submission, batch))
            .await
            .map_err(|_| EngineError::ShutDown)?
    }

    /// Tells subscribers where a batch stands (its summary read fresh from the journal).
    async fn send_batch(
        &self,
        id: &str,
        here: Option<BatchRun>,
        counts: Option<Counts>,
        stopped: Option<String>,
    ) {
        let i = id.to_owned();
        match self.inner.db(move |j| j.batch(&i)).await {
            Ok(Some(summary)) => self.inner.send(Event::Batch(Box::new(BatchStatus {
                summary,
                here,
                counts,
                stopped,
            }))),
            Ok(None) => {}
            Err(e) => self.inner.send(Event::Notice(e.to_string())),
        }
    }

    /// The batch commands, for [`Engine::handle`].
    pub(super) fn handle_batch(&self, cmd: Command) -> Result<Option<Event>, EngineError> {
        match cmd {
            Command::RunBatch(plan) => self.run_batch(*plan).map(|()| None),
            Command::ControlBatch { id, control } => {
                self.control_batch(&id, control).map(|()| None)
            }
            Command::ListBatches => self.batch_statuses().map(|b| Some(Event::Batches(b))),
            Command::WatchBatches => {
                self.watch_batches();
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}
