//! The queue: every job with its mode, prompt, live status and actions.

use std::fmt::Write as _;

use eframe::egui::{self, Color32, RichText};

use crate::core::engine::{Command, SANDBOX_BACKEND};
use crate::core::journal::{JobRecord, JobState, now_ms};

use super::app::{Confirm, StudioApp};
use super::theme;

const ROW_HEIGHT: f32 = 104.0;

/// The colour of a state's badge.
pub(crate) fn state_colour(state: JobState) -> Color32 {
    match state {
        JobState::Submitting | JobState::Processing | JobState::Downloading => {
            Color32::from_rgb(0x3B, 0x7D, 0xD8)
        }
        JobState::Completed => theme::LIVE,
        JobState::UnknownOutcome | JobState::Paused | JobState::DownloadFailed => theme::WARN,
        JobState::Failed | JobState::Refused | JobState::NotSent => theme::ERROR,
    }
}

/// The status as the queue words it: "Processing 12 s", "Downloading 1/2", …
pub fn status_text(job: &JobRecord, now_ms: i64) -> String {
    let secs = |from: Option<i64>| from.map_or(0, |t| (now_ms - t).max(0) / 1000);
    match job.state {
        JobState::Processing => {
            let remote = job.remote_status.as_deref().filter(|s| *s != "processing");
            match remote {
                Some(other) => format!("Processing ({other}) {} s", secs(job.submitted_at_ms)),
                None => format!("Processing {} s", secs(job.submitted_at_ms)),
            }
        }
        JobState::Downloading => format!(
            "Downloading {}/{}",
            job.results.len(),
            job.result_urls.len()
        ),
        JobState::Completed => {
            let n = job.results.len();
            format!("Done · {n} image{}", if n == 1 { "" } else { "s" })
        }
        other => other.label().to_owned(),
    }
}

/// The status of a job in flight on another connection: it continues when that one is back.
pub fn waiting_text(job: &JobRecord) -> String {
    if job.backend == SANDBOX_BACKEND {
        "Waiting for Sandbox mode".to_owned()
    } else {
        let host = reqwest::Url::parse(&job.backend)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| job.backend.clone());
        format!("Waiting for {host}")
    }
}

enum QueueAction {
    Dismiss(String),
    Retry(String, String),
    Resume,
    Show(String),
}

impl StudioApp {
    pub(crate) fn queue_ui(&mut self, ui: &mut egui::Ui) {
        let visible: Vec<usize> = self
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| !j.dismissed)
            .map(|(i, _)| i)
            .collect();
        let active = self.jobs.iter().filter(|j| self.running_here(j)).count();
        ui.horizontal(|ui| {
            ui.heading("Queue");
            if active > 0 {
                ui.label(RichText::new(format!("{active} running")).weak());
            }
        });
        if visible.is_empty() {
            theme::hint(
                ui,
                "Nothing here yet. Generate sends a request; it waits here until its images are safely in your library.",
            );
            return;
        }
        let now = now_ms();
        let mut action = None;
        egui::ScrollArea::vertical()
            .id_salt("queue")
            .auto_shrink([false, false])
            .show_rows(ui, ROW_HEIGHT, visible.len(), |ui, range| {
                for &i in &visible[range] {
                    if let Some(a) = self.job_row_ui(ui, i, now) {
                        action = Some(a);
                    }
                }
            });
        match action {
            Some(QueueAction::Dismiss(id)) => {
                self.send(Command::Dismiss { job_id: id });
            }
            Some(QueueAction::Retry(job_id, label)) => {
                self.confirm = Some(Confirm::Retry { job_id, label });
            }
            Some(QueueAction::Resume) => {
                self.send(Command::Resume);
            }
            Some(QueueAction::Show(id))
                if self
                    .jobs
                    .iter()
                    .any(|j| j.id == id && !j.results.is_empty()) =>
            {
                self.open_viewer(&id, 0);
            }
            Some(QueueAction::Show(_)) | None => {}
        }
    }

    fn job_row_ui(&self, ui: &mut egui::Ui, i: usize, now: i64) -> Option<QueueAction> {
        let job = &self.jobs[i];
        let mut action = None;
        let est = self
            .settings
            .rates
            .estimate(job.request.model, u32::try_from(job.request.n).unwrap_or(1));
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_min_height(ROW_HEIGHT - 14.0);
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                if self.running_here(job) || !job.state.is_active() {
                    theme::badge(ui, &status_text(job, now), state_colour(job.state));
                } else {
                    theme::badge(ui, &waiting_text(job), theme::WAITING).on_hover_text(
                        "Sent from the other connection (Sandbox or the API). It is kept and picks up where it left off when Wan Studio is connected there again.",
                    );
                }
                if job.backend == SANDBOX_BACKEND {
                    ui.label(RichText::new("sandbox").small().weak());
                }
            });
            let prompt: String = job
                .request
                .prompt
                .as_deref()
                .unwrap_or("(no prompt)")
                .chars()
                .take(60)
                .collect();
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    job.request.mode(),
                    job.request.model.tier_name()
                ))
                .small(),
            )
            .on_hover_text(job.request.prompt.as_deref().unwrap_or(""));
            ui.label(RichText::new(prompt).italics());
            if let Some(err) = job
                .error
                .as_ref()
                .filter(|_| job.state != JobState::Completed)
            {
                let mut text = err.message.clone();
                if let Some(id) = &err.request_id {
                    let _ = write!(text, " (request_id {id})");
                }
                let short: String = text.chars().take(90).collect();
                ui.label(RichText::new(short).small().color(state_colour(job.state)))
                    .on_hover_text(&text);
            }
            ui.horizontal(|ui| {
                let waiting = job.state.is_active() && !self.running_here(job);
                let dismiss_tip = if waiting {
                    "Hide from the queue; it still finishes when its connection is back, and its results land in the gallery"
                } else {
                    "Hide from the queue; results stay in the gallery"
                };
                if (waiting || !job.state.is_active())
                    && ui
                        .small_button("Dismiss")
                        .on_hover_text(dismiss_tip)
                        .clicked()
                {
                    action = Some(QueueAction::Dismiss(job.id.clone()));
                }
                let retryable = matches!(
                    job.state,
                    JobState::Failed
                        | JobState::Refused
                        | JobState::NotSent
                        | JobState::UnknownOutcome
                );
                if retryable
                    && ui
                        .small_button("Retry…")
                        .on_hover_text(format!(
                            "Send the same request again as a new job ({} credits).",
                            est.credits
                        ))
                        .clicked()
                {
                    let label = format!(
                        "\"{}\" — {} on {}, {} credits.",
                        job.request.prompt_excerpt(60),
                        job.request.mode(),
                        job.request.model.tier_name(),
                        est.credits
                    );
                    action = Some(QueueAction::Retry(job.id.clone(), label));
                }
                if matches!(job.state, JobState::Paused | JobState::DownloadFailed)
                    && ui
                        .small_button("Resume")
                        .on_hover_text("Poll the task again and copy its results home")
                        .clicked()
                {
                    action = Some(QueueAction::Resume);
                }
                if !job.results.is_empty()
                    && ui
                        .small_button("Show")
                        .on_hover_text("Open the first result")
                        .clicked()
                {
                    action = Some(QueueAction::Show(job.id.clone()));
                }
            });
        });
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::request::{GenerationRequest, Model};

    #[test]
    fn status_reads_like_a_person_would_say_it() {
        let mut j = JobRecord::new("sandbox", GenerationRequest::new(Model::Pro));
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
        let j = JobRecord::new("sandbox", GenerationRequest::new(Model::Pro));
        assert_eq!(waiting_text(&j), "Waiting for Sandbox mode");
        let j = JobRecord::new("https://reapi.ai/", GenerationRequest::new(Model::Pro));
        assert_eq!(waiting_text(&j), "Waiting for reapi.ai");
    }
}
