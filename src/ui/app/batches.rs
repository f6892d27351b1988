//! Batches: the Batch dialog's previews (expanded and priced off the UI thread), what stands in
//! the way of sending one (the connection, the budget, reference hosting), starting it on the
//! engine, and the queue's pause, resume and cancel. A batch from the form is kept as a job file
//! in the data folder before it starts, so it can be resumed after a restart like any other.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::core::api::rules::random_seed;
use crate::core::batch::{Batch, LoadOptions};
use crate::core::draft::Draft;
use crate::core::engine::{BatchPlan, Command};
use crate::core::library::journal::now_ms;
use crate::core::presets::SavedPresets;
use crate::core::references::links::local_file;
use crate::msg;
use crate::tr;

use super::super::batch::{BatchDialog, Previewed, Spec};
use super::super::cx::BatchAction;
use super::super::jobs::Jobs;
use super::chores::{BatchDone, Done};
use super::connection::Connection;
use super::notices::{failed, text};
use super::services::Services;

/// The batches' counts are read again at most this often while another process runs one.
const RELIST: Duration = Duration::from_secs(1);

/// What the batches read of the rest of the window.
pub(super) struct BatchCx<'a> {
    pub draft: &'a Draft,
    pub connection: &'a Connection,
    pub jobs: &'a Jobs,
    pub presets: &'a SavedPresets,
    pub palettes: &'a crate::core::palette::palettes::SavedPalettes,
}

#[derive(Default)]
pub(super) struct Batches {
    listed: Option<Instant>,
}

impl Batches {
    pub fn handle(
        svc: &mut Services,
        cx: &BatchCx<'_>,
        dialog: &mut BatchDialog,
        action: BatchAction,
    ) {
        match action {
            BatchAction::Open => dialog.open(random_seed()),
            BatchAction::Close => dialog.close(),
            BatchAction::Preview => Self::preview(svc, cx, dialog),
            BatchAction::Start => {
                let blockers = Self::blockers(svc, cx, dialog);
                let Some(shown) = dialog.ready().filter(|_| blockers.is_empty()) else {
                    if let Some(first) = blockers.first() {
                        svc.warn(text(first.clone()));
                    }
                    return;
                };
                let concurrency = dialog.concurrency;
                dialog.close();
                match &shown.line {
                    Some(line) => keep_then_run(svc, &shown.batch, line.clone()),
                    None => Self::run(svc, cx.connection, Arc::clone(&shown.batch), concurrency),
                }
            }
            BatchAction::Control { id, control } => {
                svc.send(Command::ControlBatch { id, control });
            }
            BatchAction::Resume { id, source } => {
                let options = LoadOptions {
                    extra_schemes: Vec::new(),
                    presets: cx.presets.clone(),
                };
                svc.chores.run(async move {
                    let path = PathBuf::from(&source);
                    let read =
                        tokio::task::spawn_blocking(move || Batch::load(&path, &options)).await;
                    match read {
                        Ok(Ok(batch)) if batch.id == id => {
                            Done::Batch(BatchDone::Ready(Arc::new(batch)))
                        }
                        Ok(Ok(batch)) => Done::Failed(msg!(
                            "batch-changed",
                            source = source,
                            old = id,
                            new = batch.id
                        )),
                        Ok(Err(e)) => Done::Failed(failed("batch-unreadable", e)),
                        Err(e) => Done::Failed(failed("batch-unreadable", e)),
                    }
                });
            }
        }
    }

    /// Expands and prices the dialog's choices off the UI thread.
    fn preview(svc: &mut Services, cx: &BatchCx<'_>, dialog: &mut BatchDialog) {
        let Some(spec) = dialog.spec(cx.draft, cx.palettes) else {
            return;
        };
        let generation = dialog.asking(spec.clone());
        let options = LoadOptions {
            extra_schemes: Vec::new(),
            presets: cx.presets.clone(),
        };
        let rates = svc.settings.rates;
        svc.chores.run(async move {
            let answer = tokio::task::spawn_blocking(move || {
                let (batch, line) = match spec {
                    Spec::File(path) => (Batch::load(&path, &options)?, None),
                    Spec::Form {
                        draft,
                        seed,
                        variations,
                    } => {
                        let request = draft.to_request(seed);
                        let (batch, line) = Batch::from_form(&request, &variations, &options)?;
                        (batch, Some(line))
                    }
                };
                let estimate = batch.estimate(&rates);
                let local_files = batch
                    .jobs
                    .iter()
                    .any(|j| j.request.image_urls.iter().any(|u| local_file(u).is_some()));
                Ok::<_, crate::core::batch::BatchError>(Previewed {
                    batch: Arc::new(batch),
                    estimate,
                    line,
                    local_files,
                })
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
            Done::Batch(BatchDone::Previewed { generation, answer })
        });
    }

    /// Runs a batch on the engine, `concurrency` tasks in flight at most.
    fn run(svc: &mut Services, connection: &Connection, batch: Arc<Batch>, concurrency: u8) {
        let plan = BatchPlan {
            batch,
            rates: svc.settings.rates,
            concurrency: usize::from(concurrency.max(1)),
            host: connection.reference_host(&svc.settings),
            preflight: crate::core::references::preflight::Options {
                flatten_onto: svc.settings.flatten_onto,
            },
        };
        let jobs = plan.batch.jobs.len();
        let id = plan.batch.id.clone();
        if svc.send(Command::RunBatch(Box::new(plan))) {
            svc.say(msg!("batch-started", id = id, jobs = jobs));
        }
    }

    pub fn finished(
        svc: &mut Services,
        connection: &Connection,
        dialog: &mut BatchDialog,
        done: BatchDone,
    ) {
        match done {
            BatchDone::Previewed { generation, answer } => dialog.previewed(generation, answer),
            BatchDone::Ready(batch) => Self::run(svc, connection, batch, dialog.concurrency),
        }
    }

    /// Why the dialog's batch cannot be sent now, one sentence each.
    pub fn blockers(svc: &Services, cx: &BatchCx<'_>, dialog: &BatchDialog) -> Vec<String> {
        use crate::core::api::pricing::format_usd;
        let tr = svc.tr();
        let mut out = Vec::new();
        if !cx.connection.is_ready() {
            out.push(tr.t("app-connecting-blocker").to_owned());
        }
        let Some(shown) = dialog.ready() else {
            return out;
        };
        if shown.local_files && cx.connection.reference_host(&svc.settings).is_none() {
            out.push(tr.t("app-no-host").to_owned());
        }
        if let Some(budget) = svc.settings.monthly_budget_micro_usd {
            match &cx.jobs.spend {
                None => out.push(tr.t("app-budget-checking").to_owned()),
                Some(ledger) => {
                    let spent = ledger.month_of(now_ms());
                    let costs = shown.estimate.micro_usd;
                    if spent + costs > budget {
                        out.push(tr!(
                            tr,
                            "app-over-budget",
                            spent = format_usd(spent),
                            budget = format_usd(budget),
                            costs = format_usd(costs)
                        ));
                    }
                }
            }
        }
        out
    }

    /// Reads the batches' counts again when a job of one run elsewhere changed (at most once a
    /// second), and once at connect, when the engine is also asked to watch for batches other
    /// processes start (it tells them, and their jobs, as they change).
    pub fn tick(&mut self, svc: &mut Services, jobs: &mut Jobs, connected: bool) {
        let first = self.listed.is_none();
        let due = self.listed.is_none_or(|t| t.elapsed() >= RELIST);
        if connected && (first || (jobs.batches_stale && due)) {
            jobs.batches_stale = false;
            self.listed = Some(Instant::now());
            if first {
                svc.send(Command::WatchBatches);
            }
            svc.send(Command::ListBatches);
        }
    }

    /// A new connection: its batches are listed anew.
    pub fn connected(&mut self) {
        self.listed = None;
    }
}

/// Keeps a form's batch as a job file in the data folder (its source from then on), then runs it.
fn keep_then_run(svc: &mut Services, batch: &Arc<Batch>, line: String) {
    let dir = svc.cfg.paths.home.join("batches");
    let mut batch = Batch::clone(batch);
    svc.chores.run(async move {
        let path = dir.join(format!("{}.jsonl", batch.id));
        let written = tokio::task::spawn_blocking({
            let path = path.clone();
            move || {
                std::fs::create_dir_all(&dir)?;
                crate::core::imaging::write_atomic(&path, line.as_bytes())
                    .map_err(std::io::Error::other)
            }
        })
        .await;
        match written {
            Ok(Ok(())) => {
                batch.source = path.display().to_string();
                Done::Batch(BatchDone::Ready(Arc::new(batch)))
            }
            Ok(Err(e)) => Done::Failed(failed("batch-not-kept", e)),
            Err(e) => Done::Failed(failed("batch-not-kept", e)),
        }
    });
}
