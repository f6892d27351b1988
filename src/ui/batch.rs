//! Batches in the window: the Batch dialog (the compose form varied over seeds, sizes and
//! palettes, or a job file), which shows the expansion — the count, the first jobs, the total
//! price — and what stands in the way before anything is sent; and the queue's batch rows, with
//! progress, pause, resume and cancel.
//!
//! The dialog owns its choices; expanding and pricing run as a chore (`app/batches.rs`), whose
//! answer comes back through [`BatchDialog::previewed`]. What Start sends is exactly the batch
//! shown: a change to the form or the choices asks for a new preview first.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui::{self, RichText};

use crate::core::api::pricing::format_usd;
use crate::core::api::rules::ASPECT_RATIOS;
use crate::core::batch::form::Variations;
use crate::core::batch::{Batch, BatchEstimate};
use crate::core::draft::Draft;
use crate::core::engine::{BatchControl, BatchRun, BatchStatus};
use crate::tr;

use super::cx::{Action, BatchAction, LibraryAction, PathPurpose, ShowAction, ViewCx};
use super::theme;
use super::widgets::NumberField;

/// How many expanded jobs the dialog lists.
pub const FIRST_ROWS: usize = 8;
/// Seeds one form may be run over.
pub const MAX_SEEDS: i64 = 100;

/// Where the dialog's batch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    #[default]
    Form,
    File,
}

/// What the dialog asks to be expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    /// The form's request (with this seed where the form draws a random one), varied.
    Form {
        draft: Box<Draft>,
        seed: i64,
        variations: Variations,
    },
    File(PathBuf),
}

/// A batch expanded and priced, as the dialog shows it.
#[derive(Debug)]
pub struct Previewed {
    pub batch: Arc<Batch>,
    pub estimate: BatchEstimate,
    /// The job-file line a form's batch was read from (kept when it is started).
    pub line: Option<String>,
    /// Whether any job has a reference that is a file on this computer.
    pub local_files: bool,
}

#[derive(Debug, Default)]
enum Preview {
    #[default]
    Nothing,
    Reading(u64),
    Ready(Arc<Previewed>),
    Failed(String),
}

/// The Batch dialog.
#[derive(Debug)]
pub struct BatchDialog {
    open: bool,
    pub source: Source,
    pub path: String,
    pub seeds: u32,
    pub sizes: BTreeSet<String>,
    pub palettes: BTreeSet<String>,
    pub concurrency: u8,
    /// The seed a form with a random seed starts from (drawn when the dialog opens).
    seed: i64,
    preview: Preview,
    /// What the last preview was asked for (a change asks again).
    asked: Option<Spec>,
    generation: u64,
}

impl Default for BatchDialog {
    fn default() -> Self {
        BatchDialog {
            open: false,
            source: Source::Form,
            path: String::new(),
            seeds: 4,
            sizes: BTreeSet::new(),
            palettes: BTreeSet::new(),
            concurrency: 2,
            seed: 0,
            preview: Preview::Nothing,
            asked: None,
            generation: 0,
        }
    }
}

impl BatchDialog {
    pub fn open(&mut self, seed: i64) {
        self.open = true;
        self.seed = seed;
        self.asked = None;
    }

    pub fn close(&mut self) {
        self.open = false;
        self.asked = None;
        self.preview = Preview::Nothing;
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// A job file chosen in a file dialog.
    pub fn set_file(&mut self, path: &std::path::Path) {
        self.source = Source::File;
        self.path = path.display().to_string();
    }

    /// What the dialog's choices ask for, with the form as it is now.
    pub fn spec(
        &self,
        draft: &Draft,
        palettes: &crate::core::palette::palettes::SavedPalettes,
    ) -> Option<Spec> {
        match self.source {
            Source::File => {
                let path = self.path.trim();
                (!path.is_empty()).then(|| Spec::File(PathBuf::from(path)))
            }
            Source::Form => Some(Spec::Form {
                draft: Box::new(draft.clone()),
                seed: self.seed,
                variations: Variations {
                    seeds: self.seeds.max(1),
                    // In the order they are shown (1:1 before 16:9), not the set's.
                    sizes: ASPECT_RATIOS
                        .iter()
                        .map(|(a, b)| format!("{a}:{b}"))
                        .filter(|size| self.sizes.contains(size))
                        .collect(),
                    palettes: palettes
                        .iter()
                        .filter(|saved| self.palettes.contains(&saved.name))
                        .map(|saved| saved.palette.to_entries())
                        .collect(),
                },
            }),
        }
    }

    /// Starts reading a preview of `spec`: its generation, for the answer.
    pub fn asking(&mut self, spec: Spec) -> u64 {
        self.generation += 1;
        self.asked = Some(spec);
        self.preview = Preview::Reading(self.generation);
        self.generation
    }

    /// A preview's answer (an answer to an older question is dropped).
    pub fn previewed(&mut self, generation: u64, answer: Result<Previewed, String>) {
        if !matches!(self.preview, Preview::Reading(g) if g == generation) {
            return;
        }
        self.preview = match answer {
            Ok(p) => Preview::Ready(Arc::new(p)),
            Err(why) => Preview::Failed(why),
        };
    }

    /// The batch shown, ready to send.
    pub fn ready(&self) -> Option<Arc<Previewed>> {
        match &self.preview {
            Preview::Ready(p) => Some(Arc::clone(p)),
            _ => None,
        }
    }

    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        cx: &ViewCx<'_>,
        draft: &Draft,
        out: &mut Vec<Action>,
    ) {
        if !self.open {
            return;
        }
        let tr = cx.tr;
        let mut open = true;
        cx.place_window(egui::Window::new(tr.t("batch-title")), 560.0)
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.source, Source::Form, tr.t("batch-from-form"));
                    ui.selectable_value(&mut self.source, Source::File, tr.t("batch-from-file"));
                });
                ui.separator();
                match self.source {
                    Source::Form => self.form_ui(ui, cx, draft),
                    Source::File => self.file_ui(ui, cx, out),
                }
                ui.separator();
                self.preview_ui(ui, cx);
                ui.separator();
                self.start_ui(ui, cx, out);
            });
        if !open {
            out.push(BatchAction::Close.into());
            return;
        }
        // A change to the choices or to the form: the preview is asked for again.
        let spec = self.spec(draft, cx.palettes);
        if spec != self.asked {
            out.push(BatchAction::Preview.into());
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, draft: &Draft) {
        let tr = cx.tr;
        theme::hint(ui, tr.t("batch-form-about"));
        ui.horizontal(|ui| {
            ui.label(tr.t("batch-seeds"));
            let typed = NumberField::new(
                tr,
                tr.t("batch-seeds-field"),
                i64::from(self.seeds),
                1..=MAX_SEEDS,
            )
            .width(56.0)
            .show(ui);
            if let Some(v) = typed.committed {
                self.seeds = u32::try_from(v).unwrap_or(1);
            }
            let from = if draft.random_seed {
                self.seed
            } else {
                draft.seed
            };
            ui.label(RichText::new(tr!(tr, "batch-seeds-from", seed = from)).weak());
        });
        if draft.references.is_empty() {
            ui.label(tr.t("batch-sizes"));
            ui.horizontal_wrapped(|ui| {
                for (a, b) in ASPECT_RATIOS {
                    let size = format!("{a}:{b}");
                    let mut on = self.sizes.contains(&size);
                    let r = ui.checkbox(&mut on, &size);
                    // Named apart from the form's own aspect buttons.
                    let name = tr!(tr, "batch-size-choice", size = size.as_str());
                    r.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::CheckBox, true, on, &name)
                    });
                    if r.changed() {
                        if on {
                            self.sizes.insert(size);
                        } else {
                            self.sizes.remove(&size);
                        }
                    }
                }
            });
        } else {
            self.sizes.clear();
        }
        if !cx.palettes.is_empty() && !draft.group {
            ui.label(tr.t("batch-palettes"));
            ui.horizontal_wrapped(|ui| {
                for saved in cx.palettes.iter() {
                    let mut on = self.palettes.contains(&saved.name);
                    if ui.checkbox(&mut on, &saved.name).changed() {
                        if on {
                            self.palettes.insert(saved.name.clone());
                        } else {
                            self.palettes.remove(&saved.name);
                        }
                    }
                }
            });
        }
    }

    fn file_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        theme::hint(ui, tr.t("batch-file-about"));
        ui.horizontal(|ui| {
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.path)
                    .hint_text("jobs.jsonl")
                    .desired_width(ui.available_width() - 90.0),
            );
            let name = tr.t("batch-file");
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, name));
            if ui.button(tr.t("batch-choose")).clicked() {
                out.push(LibraryAction::Ask(PathPurpose::JobFile).into());
            }
        });
    }

    fn preview_ui(&self, ui: &mut egui::Ui, cx: &ViewCx<'_>) {
        let tr = cx.tr;
        match &self.preview {
            Preview::Nothing => theme::hint(ui, tr.t("batch-nothing")),
            Preview::Reading(_) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(tr.t("batch-reading"));
                });
            }
            Preview::Failed(why) => theme::problem(ui, why),
            Preview::Ready(p) => {
                let e = &p.estimate;
                let total = if e.up_to {
                    tr!(
                        tr,
                        "batch-total-up-to",
                        jobs = e.jobs,
                        images = e.images,
                        usd = format_usd(e.micro_usd)
                    )
                } else {
                    tr!(
                        tr,
                        "batch-total",
                        jobs = e.jobs,
                        images = e.images,
                        usd = format_usd(e.micro_usd)
                    )
                };
                ui.label(RichText::new(total).strong());
                if cx.conn.is_sandbox() {
                    ui.label(RichText::new(tr.t("compose-sandbox-free")).weak());
                }
                egui::Grid::new("batch_rows").striped(true).show(ui, |ui| {
                    for h in [
                        "batch-col-job",
                        "batch-col-model",
                        "batch-col-size",
                        "batch-col-n",
                        "batch-col-seed",
                        "batch-col-prompt",
                    ] {
                        ui.label(RichText::new(tr.t(h)).small().strong());
                    }
                    ui.end_row();
                    for job in p.batch.jobs.iter().take(FIRST_ROWS) {
                        let r = &job.request;
                        ui.label(job.number.to_string());
                        ui.label(tr.of(r.model.tier_name()));
                        ui.label(r.size_label());
                        ui.label(r.n.to_string());
                        ui.label(r.seed.map_or_else(String::new, |s| s.to_string()));
                        ui.label(r.prompt_excerpt(40));
                        ui.end_row();
                    }
                });
                let more = p.batch.jobs.len().saturating_sub(FIRST_ROWS);
                if more > 0 {
                    theme::hint(ui, &tr!(tr, "batch-more", n = more));
                }
            }
        }
    }

    fn start_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        ui.horizontal(|ui| {
            ui.label(tr.t("batch-concurrency"));
            let typed = NumberField::new(
                tr,
                tr.t("batch-concurrency-field"),
                i64::from(self.concurrency),
                1..=8,
            )
            .width(40.0)
            .show(ui);
            if let Some(v) = typed.committed {
                self.concurrency = u8::try_from(v).unwrap_or(2);
            }
            ui.label(RichText::new(tr.t("batch-concurrency-tip")).weak().small());
        });
        for why in cx.batch_blockers {
            theme::problem(ui, why);
        }
        let ready = self.ready().is_some() && cx.batch_blockers.is_empty();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    ready,
                    theme::primary_button(tr.t("batch-start"), ready, 160.0),
                )
                .clicked()
            {
                out.push(BatchAction::Start.into());
            }
            if ui.button(tr.t("batch-cancel-dialog")).clicked() {
                out.push(BatchAction::Close.into());
            }
        });
    }
}

/// Batches over that the queue still shows (the newest), for their results.
pub const RECENT_OVER: usize = 2;

/// The queue's batch rows: every batch not over, and the newest that are. How many it drew.
pub fn rows_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) -> usize {
    let mut over = 0;
    let mut shown = 0;
    for b in &cx.jobs.batches {
        if b.is_over() {
            over += 1;
            if over > RECENT_OVER {
                continue;
            }
        }
        // Its own id: the buttons stay the same widgets while the queue around them changes.
        ui.push_id(("batch", b.summary.id.as_str()), |ui| {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                row_ui(ui, cx, b, out);
            });
        });
        shown += 1;
    }
    shown
}

fn row_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, b: &BatchStatus, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let s = &b.summary;
    let name = std::path::Path::new(&s.source)
        .file_name()
        .map_or_else(|| s.source.clone(), |n| n.to_string_lossy().into_owned());
    let (state, colour) = match (b.here, s.cancelled) {
        (None, false) if b.is_over() => (tr.t("batch-done"), theme::LIVE),
        (_, true) => (tr.t("batch-cancelled"), theme::WARN),
        (Some(BatchRun::Sending), _) => (tr.t("batch-running"), theme::RUNNING),
        (Some(BatchRun::Paused), _) => (tr.t("batch-paused"), theme::WARN),
        (None, _) if s.in_flight > 0 => (tr.t("batch-elsewhere"), theme::RUNNING),
        (None, _) => (tr.t("batch-stopped"), theme::WARN),
    };
    ui.horizontal(|ui| {
        theme::badge(ui, state, colour);
        // Cut to the panel (the whole source on hover): a long name never widens the queue.
        let title = tr!(tr, "batch-row-title", id = s.id.as_str(), name = name);
        ui.add(egui::Label::new(RichText::new(title).strong()).truncate())
            .on_hover_text(&s.source);
    });
    let ended = s.sent.saturating_sub(s.in_flight);
    let fraction = if s.jobs == 0 {
        1.0
    } else {
        ended as f32 / s.jobs as f32
    };
    ui.add(egui::ProgressBar::new(fraction).text(tr!(
        tr,
        "batch-progress",
        done = s.completed,
        jobs = s.jobs
    )));
    ui.add(
        egui::Label::new(
            RichText::new(tr!(
                tr,
                "batch-counts",
                flying = s.in_flight,
                waiting = s.waiting(),
                spent = format_usd(s.spent_micro_usd),
                estimate = format_usd(s.micro_usd)
            ))
            .small(),
        )
        .wrap(),
    );
    if let Some(why) = &b.stopped {
        theme::inline_problem(ui, why);
    }
    let id = s.id.clone();
    let control = |c: BatchControl| -> Action {
        BatchAction::Control {
            id: id.clone(),
            control: c,
        }
        .into()
    };
    ui.horizontal_wrapped(|ui| {
        let can_send = !s.cancelled && s.waiting() > 0;
        // Which of pause / resume this row offers, decided before anything is drawn.
        let offer = match b.here {
            Some(BatchRun::Sending) if can_send => Some(("batch-pause", "batch-pause-tip")),
            Some(BatchRun::Paused) => Some(("batch-resume", "")),
            None if can_send && s.in_flight == 0 => Some(("batch-resume", "batch-resume-file-tip")),
            _ => None,
        };
        if let Some((label, tip)) = offer {
            let mut button = ui.button(tr.t(label));
            if !tip.is_empty() {
                button = button.on_hover_text(tr.t(tip));
            }
            if button.clicked() {
                out.push(match b.here {
                    Some(BatchRun::Sending) => control(BatchControl::Pause),
                    Some(BatchRun::Paused) => control(BatchControl::Resume),
                    _ => BatchAction::Resume {
                        id: id.clone(),
                        source: s.source.clone(),
                    }
                    .into(),
                });
            }
        }
        if can_send
            && ui
                .button(tr.t("batch-cancel"))
                .on_hover_text(tr.t("batch-cancel-tip"))
                .clicked()
        {
            out.push(control(BatchControl::Cancel));
        }
        if ui
            .button(tr.t("batch-show"))
            .on_hover_text(tr.t("batch-show-tip"))
            .clicked()
        {
            out.push(ShowAction::Batch(id.clone()).into());
        }
    });
}
