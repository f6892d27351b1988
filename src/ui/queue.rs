//! The queue: every job with its mode, prompt, live status and actions. Only the rows in view are
//! laid out, however long the history.

use eframe::egui::{self, Color32, RichText};

use crate::core::api::explain;
use crate::core::job::JobId;
use crate::core::library::journal::{JobRecord, JobState};
use crate::core::text::terminal::shown;

use super::cx::{Action, LibraryAction, ShowAction, ViewCx};
use super::text_cache::TextCache;
use super::textures::ResultKey;
use super::theme;
use super::widgets::named_button;
use crate::core::text::i18n::{Lang, Tr};
use crate::tr;

const ROW_HEIGHT: f32 = 112.0;
/// A finished job's row: status and prompt on two lines, its buttons beside them.
const DONE_HEIGHT: f32 = 50.0;
/// The line between the jobs in flight and the recently finished.
const HEADING_HEIGHT: f32 = 24.0;

/// The colour of a state's badge.
pub fn state_colour(state: JobState) -> Color32 {
    match state {
        JobState::Submitting
        | JobState::Processing
        | JobState::Downloading
        | JobState::RateLimited => theme::RUNNING,
        JobState::Completed => theme::LIVE,
        JobState::UnknownOutcome
        | JobState::Paused
        | JobState::DownloadFailed
        | JobState::Expired => theme::WARN,
        JobState::Failed | JobState::Refused | JobState::NotSent => theme::ERROR,
    }
}

/// The status as the queue words it: "Processing 12 s", "Downloading 1/2", …
pub fn status_text(job: &JobRecord, now_ms: i64) -> String {
    status_in(Tr(Lang::En), job, now_ms)
}

/// [`status_text`] in `tr`'s language.
pub fn status_in(tr: Tr, job: &JobRecord, now_ms: i64) -> String {
    let secs = |from: Option<i64>| from.map_or(0, |t| (now_ms - t).max(0) / 1000);
    match job.state {
        JobState::Processing => {
            let remote = job.remote_status.as_deref().filter(|s| *s != "processing");
            match remote {
                Some(other) => tr!(
                    tr,
                    "queue-processing-remote",
                    status = other,
                    secs = secs(job.submitted_at_ms)
                ),
                None => tr!(tr, "queue-processing", secs = secs(job.submitted_at_ms)),
            }
        }
        JobState::RateLimited => tr.t("queue-rate-limited").to_owned(),
        JobState::Downloading => tr!(
            tr,
            "queue-downloading",
            done = job.results.len(),
            all = job.result_urls.len()
        ),
        JobState::Completed => {
            let k = job.results.len();
            let asked = usize::try_from(job.request.n).unwrap_or(k);
            if job.request.is_group() && k < asked {
                // n is a maximum in a group series: a shorter series is a success.
                tr!(tr, "queue-done-short", k = k, asked = asked)
            } else {
                tr!(tr, "queue-done", k = k)
            }
        }
        other => tr.of(other.label()).to_owned(),
    }
}

/// The status of a job in flight on another connection: it continues when that one is back.
pub fn waiting_text(job: &JobRecord) -> String {
    waiting_in(Tr(Lang::En), job)
}

/// [`waiting_text`] in `tr`'s language.
pub fn waiting_in(tr: Tr, job: &JobRecord) -> String {
    let server = job.server.label();
    tr!(tr, "queue-waiting-for", server = tr.of(&server))
}

/// The rows just above and below a row in its list.
type Beside<'a> = [Option<&'a JobRecord>; 2];

/// What tells a job from the rows beside it: the parameters that differ where they share its
/// prompt, and its seed ("seed 201 · 16:9 1K · ").
fn marks_of(tr: Tr, job: &JobRecord, beside: Beside<'_>) -> String {
    use crate::core::variation::{Traits, differing};
    let mine = job.request.size_label();
    let theirs: Vec<(String, &JobRecord)> = beside
        .iter()
        .flatten()
        .map(|j| (j.request.size_label(), *j))
        .collect();
    let this = Traits::of(&job.request, &mine);
    let differs = differing(
        &this,
        theirs.iter().map(|(size, j)| Traits::of(&j.request, size)),
    );
    super::gallery::variation_marks(tr, &differs, &this, job.request.seed)
}

/// A job's mode and tier, whether it went to the sandbox, and the agent that asked for it.
fn detail_in(tr: Tr, job: &JobRecord) -> String {
    let mode = tr.m(&job.request.mode().message());
    let tier = tr.of(job.request.model.tier_name());
    let detail = if job.server.is_sandbox() {
        tr!(tr, "queue-detail-sandbox", mode = mode, tier = tier)
    } else {
        tr!(tr, "queue-detail", mode = mode, tier = tier)
    };
    match &job.agent {
        Some(agent) => {
            let agent = shown(agent);
            detail + &tr!(tr, "queue-by-agent", agent = agent.as_ref())
        }
        None => detail,
    }
}

/// How many finished jobs the queue keeps showing (newest first).
pub const RECENT: usize = 30;

/// The queue's own state: which jobs show their technical details.
#[derive(Default)]
pub struct QueueView {
    details: std::collections::HashSet<JobId>,
    /// Each card's height as last drawn (an error, open details or a long line make a card
    /// taller than [`ROW_HEIGHT`]): the cards below are placed by it, so none overlaps another.
    card_heights: std::collections::HashMap<JobId, f32>,
    /// Each finished row's texts by job id, for (language, line width).
    done: TextCache<(Lang, usize), String, DoneTexts>,
}

/// What a finished row says: its two painted lines and its accessible name, as of the job's last
/// change.
#[derive(Debug)]
struct DoneTexts {
    updated_at_ms: i64,
    /// The jobs of the rows beside it when it was made (its marks compare with them).
    beside: [Option<Box<str>>; 2],
    status: String,
    prompt: String,
    name: String,
}

impl QueueView {
    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        let jobs = &cx.jobs.live;
        // A queue, not the library: every job still in flight or resumable, and the most recent
        // finished ones. Older jobs live in the gallery.
        let mut finished = 0;
        let visible: Vec<usize> = (0..jobs.len())
            .filter(|&i| {
                let job = &jobs[i];
                if job.dismissed {
                    return false;
                }
                if job.state.is_active() || job.state.is_resumable() {
                    return true;
                }
                finished += 1;
                finished <= RECENT
            })
            .collect();
        let older = cx.jobs.older + finished.saturating_sub(RECENT);
        let active = jobs.iter().filter(|j| cx.running_here(j)).count();
        ui.horizontal(|ui| {
            ui.heading(tr.t("queue-title"));
            if active > 0 {
                ui.label(RichText::new(tr!(tr, "queue-running", n = active)).weak());
            }
        });
        let batches = super::batch::rows_ui(ui, cx, out);
        if !cx.preparing.is_empty() {
            // Before a job exists: its files are being prepared and uploaded (nothing paid yet).
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                theme::badge(ui, tr.t("queue-preparing"), theme::RUNNING);
                for (name, stage) in cx.preparing {
                    ui.add(
                        egui::Label::new(
                            RichText::new(tr!(tr, "queue-stage", name = name, stage = stage))
                                .small(),
                        )
                        .wrap(),
                    );
                }
                ui.label(RichText::new(tr.t("queue-nothing-paid")).small().weak());
            });
        }
        if visible.is_empty() {
            if !cx.preparing.is_empty() || batches > 0 {
                return;
            }
            theme::hint(ui, tr.t("queue-empty"));
            return;
        }
        if older > 0 {
            theme::hint(ui, &tr!(tr, "queue-older", n = older));
        }
        // Jobs in flight, resumable or failed as whole cards; completed ones as compact rows under
        // them. Only what is in view is laid out.
        let (cards, done): (Vec<usize>, Vec<usize>) =
            visible.into_iter().partition(|&i| !is_plain_done(&jobs[i]));
        let gap = ui.spacing().item_spacing.y;
        self.card_heights
            .retain(|id, _| cards.iter().any(|&i| jobs[i].id == *id));
        let card_tops: Vec<f32> = cards
            .iter()
            .scan(0.0, |y, &i| {
                let top = *y;
                *y += self.card_height(&jobs[i].id) + gap;
                Some(top)
            })
            .collect();
        let cards_height = cards
            .last()
            .zip(card_tops.last())
            .map_or(0.0, |(&i, top)| top + self.card_height(&jobs[i].id) + gap);
        let heading = if done.is_empty() { 0.0 } else { HEADING_HEIGHT };
        let total = cards_height + heading + done.len() as f32 * (DONE_HEIGHT + gap);
        egui::ScrollArea::vertical()
            .id_salt("queue")
            .auto_shrink([false, false])
            .show_viewport(ui, |ui, viewport| {
                ui.set_height(total);
                let origin = ui.min_rect().min;
                let width = ui.available_width();
                let place = |y: f32, h: f32| {
                    egui::Rect::from_min_size(origin + egui::vec2(0.0, y), egui::vec2(width, h))
                };
                let shown = |y: f32, h: f32| y + h >= viewport.min.y && y <= viewport.max.y;
                // Rows beside each other in the same list are what a caption tells apart.
                let beside = |list: &[usize], n: usize| {
                    [n.checked_sub(1), Some(n + 1)]
                        .map(|m| m.and_then(|m| list.get(m)).map(|&j| &jobs[j]))
                };
                for (n, &i) in cards.iter().enumerate() {
                    let (y, h) = (card_tops[n], self.card_height(&jobs[i].id));
                    if shown(y, h) {
                        let drawn = ui
                            .scope_builder(egui::UiBuilder::new().max_rect(place(y, h)), |ui| {
                                self.row_ui(ui, cx, &jobs[i], beside(&cards, n), out);
                            })
                            .response
                            .rect
                            .height();
                        if (drawn - h).abs() > 0.5 {
                            self.card_heights.insert(jobs[i].id.clone(), drawn);
                            ui.ctx().request_repaint();
                        }
                    }
                }
                if !done.is_empty() && shown(cards_height, HEADING_HEIGHT) {
                    ui.scope_builder(
                        egui::UiBuilder::new().max_rect(place(cards_height, HEADING_HEIGHT)),
                        |ui| ui.label(RichText::new(tr.t("queue-recent")).small().strong()),
                    );
                }
                for (n, &i) in done.iter().enumerate() {
                    let y = cards_height + heading + n as f32 * (DONE_HEIGHT + gap);
                    if shown(y, DONE_HEIGHT) {
                        let row = DoneRow {
                            job: &jobs[i],
                            beside: beside(&done, n),
                            rect: place(y, DONE_HEIGHT),
                        };
                        done_row_ui(ui, cx, &mut self.done, &row, out);
                    }
                }
            });
    }

    /// A card's height: as last drawn, or [`ROW_HEIGHT`] before it is.
    fn card_height(&self, id: &JobId) -> f32 {
        self.card_heights.get(id).copied().unwrap_or(ROW_HEIGHT)
    }

    fn row_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        job: &JobRecord,
        beside: Beside<'_>,
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        let here = cx.running_here(job);
        let waiting = job.state.is_active() && !here;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_min_height(ROW_HEIGHT - 16.0);
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                if waiting {
                    theme::badge(ui, &waiting_in(tr, job), theme::WAITING)
                        .on_hover_text(tr.t("queue-other-connection"));
                } else {
                    let mut status = status_in(tr, job, cx.now_ms);
                    if job.state == JobState::Downloading
                        && let Some((index, progress)) = cx.jobs.downloads.get(&job.id)
                    {
                        status = tr!(
                            tr,
                            "queue-downloading-progress",
                            done = index + 1,
                            all = job.result_urls.len(),
                            progress = progress.to_string()
                        );
                    }
                    theme::badge(ui, &status, state_colour(job.state));
                }
                ui.label(RichText::new(detail_in(tr, job)).small());
            });
            let marks = marks_of(tr, job, beside);
            if !marks.is_empty() {
                ui.label(
                    RichText::new(marks.trim_end_matches(" · "))
                        .small()
                        .strong(),
                );
            }
            let prompt = shown(
                job.request
                    .prompt
                    .as_deref()
                    .unwrap_or(tr.t("queue-no-prompt")),
            );
            ui.add(
                egui::Label::new(RichText::new(explain::shorten(&prompt, 80)).italics())
                    .wrap()
                    .selectable(true),
            )
            .on_hover_ui(|ui| {
                ui.label(prompt);
            });
            if let Some(err) = job
                .error
                .as_ref()
                .filter(|_| job.state != JobState::Completed)
            {
                let plain = explain::job_error(err, job.state, &job.server);
                let summary = tr.m(&plain.text);
                let colour = match job.state {
                    JobState::UnknownOutcome
                    | JobState::Paused
                    | JobState::DownloadFailed
                    | JobState::Expired => theme::warn_text(ui.visuals()),
                    _ => theme::error_text(ui.visuals()),
                };
                ui.add(
                    egui::Label::new(RichText::new(summary).small().color(colour))
                        .wrap()
                        .selectable(true),
                );
                if let Some(detail) = plain.detail {
                    let open = self.details.contains(&job.id);
                    let r = ui
                        .add(
                            egui::Button::new(
                                RichText::new(if open {
                                    tr.t("queue-details-open")
                                } else {
                                    tr.t("queue-details")
                                })
                                .small(),
                            )
                            .frame(false),
                        )
                        .on_hover_text(tr.t("queue-details-tip"));
                    if r.clicked() {
                        if open {
                            self.details.remove(&job.id);
                        } else {
                            self.details.insert(job.id.clone());
                        }
                    }
                    if open {
                        ui.add(
                            egui::Label::new(RichText::new(detail).small().monospace())
                                .wrap()
                                .selectable(true),
                        );
                    }
                }
            }
            ui.horizontal_wrapped(|ui| Self::buttons_ui(ui, tr, job, waiting, out));
        });
    }

    fn buttons_ui(
        ui: &mut egui::Ui,
        tr: Tr,
        job: &JobRecord,
        waiting: bool,
        out: &mut Vec<Action>,
    ) {
        Self::dismiss_ui(ui, tr, job, waiting, out);
        Self::other_buttons_ui(ui, tr, job, out);
    }

    fn dismiss_ui(
        ui: &mut egui::Ui,
        tr: Tr,
        job: &JobRecord,
        waiting: bool,
        out: &mut Vec<Action>,
    ) {
        let dismiss_tip = if waiting {
            tr.t("queue-dismiss-waiting-tip")
        } else {
            tr.t("queue-dismiss-tip")
        };
        if (waiting || !job.state.is_active())
            && ui
                .small_button(tr.t("queue-dismiss"))
                .on_hover_text(dismiss_tip)
                .clicked()
        {
            out.push(Action::Library(LibraryAction::Dismiss(job.id.clone())));
        }
    }

    fn other_buttons_ui(ui: &mut egui::Ui, tr: Tr, job: &JobRecord, out: &mut Vec<Action>) {
        let retryable = matches!(
            job.state,
            JobState::Failed
                | JobState::Refused
                | JobState::NotSent
                | JobState::UnknownOutcome
                | JobState::Expired
        );
        if retryable
            && named_button(
                ui,
                true,
                egui::Button::new(tr.t("queue-retry")).small(),
                tr.t("queue-retry"),
            )
            .on_hover_text(tr.t("queue-retry-tip"))
            .clicked()
        {
            out.push(Action::Library(LibraryAction::AskRetry(job.id.clone())));
        }
        if matches!(job.state, JobState::Paused | JobState::DownloadFailed)
            && ui
                .small_button(tr.t("queue-resume"))
                .on_hover_text(tr.t("queue-resume-tip"))
                .clicked()
        {
            out.push(Action::Library(LibraryAction::Resume));
        }
        if let Some(first) = job.results.first()
            && ui
                .small_button(tr.t("queue-show"))
                .on_hover_text(tr.t("queue-show-tip"))
                .clicked()
        {
            out.push(Action::Show(ShowAction::Viewer(ResultKey::new(
                &job.id,
                first.index,
            ))));
        }
    }
}

/// A job that finished as asked: nothing to tell but that it is done (a compact row).
fn is_plain_done(job: &JobRecord) -> bool {
    job.state == JobState::Completed && job.error.is_none()
}

/// A completed job in one compact row: its status and prompt drawn on two lines (the row is one
/// accessible button that says both and opens the first result), and a ✖ that dismisses it. No
/// labels or laid-out buttons: the queue keeps dozens of these in view every frame.
/// A finished row: its job, the rows beside it, where it goes.
struct DoneRow<'a> {
    job: &'a JobRecord,
    beside: Beside<'a>,
    rect: egui::Rect,
}

fn done_row_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    texts: &mut TextCache<(Lang, usize), String, DoneTexts>,
    row: &DoneRow<'_>,
    out: &mut Vec<Action>,
) {
    let (job, rect) = (row.job, row.rect);
    let tr = cx.tr;
    // A job's request never changes: the rows beside it are known by their ids.
    let beside = row.beside.map(|j| j.map(|j| j.id.as_str()));
    let prompt = shown(
        job.request
            .prompt
            .as_deref()
            .unwrap_or(tr.t("queue-no-prompt")),
    );
    let close = egui::Rect::from_center_size(
        egui::pos2(rect.max.x - 16.0, rect.center().y),
        egui::vec2(24.0, 24.0),
    );
    let chars = (((close.min.x - rect.min.x - 10.0) / 6.5) as usize).max(8);
    let texts = texts.get(
        (tr.0, chars),
        job.id.as_str(),
        |t| {
            t.updated_at_ms == job.updated_at_ms
                && t.beside.each_ref().map(|b| b.as_deref()) == beside
        },
        || {
            // A finished job's status does not change with the clock.
            let status = status_in(tr, job, cx.now_ms);
            let detail = detail_in(tr, job);
            let marks = marks_of(tr, job, row.beside);
            DoneTexts {
                updated_at_ms: job.updated_at_ms,
                beside: beside.map(|b| b.map(Box::from)),
                status: explain::shorten_cols(&format!("✔ {status} · {detail}"), chars),
                prompt: explain::shorten_cols(&format!("{marks}{prompt}"), chars),
                name: format!("{status} · {detail} · {marks}{prompt}"),
            }
        },
    );
    let row = ui.interact(
        rect,
        ui.make_persistent_id(("queue_done", &job.id)),
        egui::Sense::click(),
    );
    let dismiss = ui.interact(
        close,
        ui.make_persistent_id(("queue_dismiss", &job.id)),
        egui::Sense::click(),
    );
    row.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &texts.name));
    dismiss
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, tr.t("queue-dismiss")));
    let visuals = ui.visuals();
    let painter = ui.painter_at(rect);
    let stroke = if row.hovered() && !dismiss.hovered() {
        visuals.widgets.hovered.bg_stroke
    } else {
        visuals.widgets.noninteractive.bg_stroke
    };
    painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
    painter.text(
        rect.min + egui::vec2(6.0, 6.0),
        egui::Align2::LEFT_TOP,
        &texts.status,
        egui::FontId::proportional(12.0),
        theme::ok_text(visuals),
    );
    painter.text(
        rect.min + egui::vec2(6.0, 26.0),
        egui::Align2::LEFT_TOP,
        &texts.prompt,
        egui::FontId::proportional(12.0),
        visuals.text_color(),
    );
    let cross = if dismiss.hovered() {
        visuals.strong_text_color()
    } else {
        visuals.text_color()
    };
    painter.text(
        close.center(),
        egui::Align2::CENTER_CENTER,
        "✖",
        egui::FontId::proportional(13.0),
        cross,
    );
    if dismiss.on_hover_text(tr.t("queue-dismiss-tip")).clicked() {
        out.push(Action::Library(LibraryAction::Dismiss(job.id.clone())));
    } else if row
        .on_hover_ui(|ui| {
            ui.label(prompt);
            ui.label(RichText::new(tr.t("queue-click-to-open")).weak());
        })
        .clicked()
        && let Some(first) = job.results.first()
    {
        out.push(Action::Show(ShowAction::Viewer(ResultKey::new(
            &job.id,
            first.index,
        ))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::request::{GenerationRequest, Model};
    use crate::core::api::server::Server;

    #[test]
    fn status_reads_like_a_person_would_say_it() {
        let mut j = JobRecord::new(Server::Sandbox, GenerationRequest::new(Model::Pro));
        j.state = JobState::Processing;
        j.submitted_at_ms = Some(1_000);
        assert_eq!(status_text(&j, 13_500), "Processing 12 s");
        j.remote_status = Some("queued".into());
        assert_eq!(status_text(&j, 13_500), "Processing (queued) 12 s");
        j.state = JobState::UnknownOutcome;
        assert_eq!(status_text(&j, 0), "Unknown outcome");
    }

    #[test]
    fn a_job_from_another_connection_names_where_it_waits() {
        let j = JobRecord::new(Server::Sandbox, GenerationRequest::new(Model::Pro));
        assert_eq!(waiting_text(&j), "Waiting for Sandbox mode");
        let j = JobRecord::new(
            Server::from_key("https://reapi.ai/"),
            GenerationRequest::new(Model::Pro),
        );
        assert_eq!(waiting_text(&j), "Waiting for reapi.ai");
    }
}
