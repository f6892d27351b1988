//! The storyboard view: a series' panels large, numbered, in reading order (left to right, top to
//! bottom), under its prompt, with the sheet and numbered-file exports.

use eframe::egui::{self, RichText};

use super::cx::{Action, LibraryAction, PathPurpose, ShowAction, ViewCx};
use super::geometry::fit_rect;
use super::textures::{Request, ResultKey, TexKey, TexState};
use super::theme;
use crate::tr;

const GAP: f32 = 12.0;

/// Draws the storyboard of `job_id`.
pub fn ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, job_id: &str, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let Some(job) = cx.jobs.get(job_id) else {
        if cx.jobs.shelved(job_id).is_some() {
            // Its whole record is on its way from the journal (a frame or two).
            ui.centered_and_justified(egui::Ui::spinner);
        } else {
            out.push(Action::Show(ShowAction::Gallery));
        }
        return;
    };
    let mut results: Vec<_> = job.results.iter().collect();
    results.sort_by_key(|r| r.index);
    let asked = usize::try_from(job.request.n).unwrap_or(results.len());
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr.t("viewer-gallery")).clicked() {
            out.push(Action::Show(ShowAction::Gallery));
        }
        ui.heading(tr.t("storyboard-title"));
        let count = if job.request.is_group() && results.len() < asked {
            tr!(tr, "storyboard-short", k = results.len(), asked = asked)
        } else {
            tr!(tr, "storyboard-count", k = results.len())
        };
        ui.label(RichText::new(count).weak());
        ui.separator();
        if ui
            .button(tr.t("storyboard-sheet"))
            .on_hover_text(tr.t("storyboard-sheet-tip"))
            .clicked()
        {
            out.push(Action::Library(LibraryAction::ExportSheet(job.id.clone())));
        }
        if ui
            .button(tr.t("storyboard-files"))
            .on_hover_text(tr.t("storyboard-files-tip"))
            .clicked()
        {
            let all = results
                .iter()
                .map(|r| ResultKey::new(&job.id, r.index))
                .collect();
            out.push(Action::Library(LibraryAction::Ask(
                PathPurpose::ExportFolder(all),
            )));
        }
    });
    if let Some(prompt) = &job.request.prompt {
        ui.add(
            egui::Label::new(RichText::new(crate::core::text::terminal::shown(prompt)).italics())
                .wrap()
                .selectable(true),
        );
    }
    ui.add_space(6.0);
    if results.is_empty() {
        theme::hint(ui, tr.t("storyboard-none"));
        return;
    }
    let width = ui.available_width();
    let cols = if width > 1100.0 {
        4
    } else if width > 760.0 {
        3
    } else if width > 420.0 {
        2
    } else {
        1
    }
    .min(results.len());
    let side = ((width - GAP * (cols as f32 - 1.0)) / cols as f32).max(80.0);
    egui::ScrollArea::vertical()
        .id_salt("storyboard")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for row in results.chunks(cols) {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = GAP;
                    for r in row {
                        panel(
                            ui,
                            cx,
                            &ResultKey::new(&job.id, r.index),
                            &r.path,
                            side,
                            out,
                        );
                    }
                });
                ui.add_space(GAP);
            }
        });
}

fn panel(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    key: &ResultKey,
    path: &std::path::Path,
    side: f32,
    out: &mut Vec<Action>,
) {
    let tr = cx.tr;
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::click());
    let n = key.index + 1;
    resp.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, true, tr!(tr, "storyboard-panel", n = n))
    });
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter();
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    // Large panels want more than a thumbnail: the viewer's texture, loaded once in view.
    if let TexState::Ready {
        texture,
        source_dims,
        ..
    } = cx
        .textures
        .get(&TexKey::Full(key.clone()), &Request::full(path))
    {
        painter.image(
            texture.id(),
            fit_rect(rect.shrink(2.0), source_dims),
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    } else {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "…",
            egui::FontId::proportional(24.0),
            ui.visuals().weak_text_color(),
        );
    }
    let disc = rect.min + egui::vec2(22.0, 22.0);
    painter.circle_filled(disc, 16.0, egui::Color32::from_black_alpha(200));
    painter.text(
        disc,
        egui::Align2::CENTER_CENTER,
        n.to_string(),
        egui::FontId::proportional(16.0),
        egui::Color32::WHITE,
    );
    if resp.hovered() {
        painter.rect_stroke(
            rect,
            4.0,
            egui::Stroke::new(1.5, ui.visuals().widgets.hovered.bg_stroke.color),
            egui::StrokeKind::Inside,
        );
    }
    if resp.on_hover_text(tr.t("storyboard-open-tip")).clicked() {
        out.push(Action::Show(ShowAction::Viewer(key.clone())));
    }
}
