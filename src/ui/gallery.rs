//! The gallery: every result, newest first, series kept together and in order. Only visible rows
//! are laid out; thumbnails come through the window's texture cache. The gallery owns its
//! selection. A one-row strip of the same results sits under the region editor, so results keep
//! arriving in view while boxes are drawn.

use std::collections::BTreeSet;

use eframe::egui::{self, RichText};

use super::cx::{Action, PathPurpose, ViewCx};
use super::geometry::fit_rect;
use super::textures::{Request, ResultKey, TexKey, TexState};
use super::theme;

pub const TILE: f32 = 168.0;
const CAPTION: f32 = 20.0;
const GAP: f32 = 8.0;
/// Tiles of the strip under the editor.
pub const STRIP_TILE: f32 = 84.0;

/// The gallery's own state.
#[derive(Default)]
pub struct GalleryView {
    /// Results picked for export.
    pub selection: BTreeSet<ResultKey>,
}

impl GalleryView {
    /// Drops a deleted job's results from the selection.
    pub fn forget_job(&mut self, job_id: &str) {
        self.selection.retain(|k| k.job_id != job_id);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let total = cx.jobs.tiles.len();
        ui.horizontal_wrapped(|ui| {
            ui.heading("Gallery");
            ui.label(
                RichText::new(format!(
                    "{total} result{}",
                    if total == 1 { "" } else { "s" }
                ))
                .weak(),
            );
            if self.selection.is_empty() {
                if total > 0 {
                    theme::hint(
                        ui,
                        "Click a result to open it · Ctrl+click selects several for export",
                    );
                }
                return;
            }
            ui.separator();
            let n = self.selection.len();
            let items: Vec<ResultKey> = self.selection.iter().cloned().collect();
            if ui
                .button(format!("Export {n} selected…"))
                .on_hover_text("Choose a folder; existing files are never replaced")
                .clicked()
            {
                out.push(Action::Ask(PathPurpose::ExportFolder(items.clone())));
            }
            if ui
                .button("Quick export")
                .on_hover_text(format!(
                    "Save the selection into {} without asking",
                    cx.export_dir.display()
                ))
                .clicked()
            {
                out.push(Action::QuickExport(items));
            }
            if ui.button("Clear selection").clicked() {
                self.selection.clear();
            }
        });
        if total == 0 {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("No results yet").heading());
                theme::hint(ui, "Write a prompt and press Generate: results land here the moment they are safely copied to your library.");
            });
            return;
        }
        let cols = (((ui.available_width() + GAP) / (TILE + GAP)).floor() as usize).max(1);
        let rows = total.div_ceil(cols);
        egui::ScrollArea::vertical()
            .id_salt("gallery")
            .auto_shrink([false, false])
            .show_rows(ui, TILE + CAPTION + GAP, rows, |ui, range| {
                for row in range {
                    ui.horizontal(|ui| {
                        for col in 0..cols {
                            let k = row * cols + col;
                            if k >= total {
                                break;
                            }
                            self.tile_ui(ui, cx, k, TILE, out);
                        }
                    });
                }
            });
    }

    /// The newest results in one row, for beside the region editor.
    pub fn strip_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let total = cx.jobs.tiles.len();
        ui.horizontal(|ui| {
            ui.label(RichText::new("Latest results").strong());
            ui.label(RichText::new(format!("{total}")).weak());
        });
        if total == 0 {
            theme::hint(ui, "Results land here as they arrive.");
            return;
        }
        let step = STRIP_TILE + CAPTION + GAP;
        egui::ScrollArea::horizontal()
            .id_salt("gallery_strip")
            .auto_shrink([false, true])
            .show_viewport(ui, |ui, viewport| {
                let height = STRIP_TILE + CAPTION;
                ui.set_height(height);
                ui.set_width(step * total as f32);
                let first = ((viewport.min.x / step).floor().max(0.0)) as usize;
                let last = ((viewport.max.x / step).ceil() as usize).min(total);
                let origin = ui.min_rect().min;
                for k in first..last {
                    let at = origin + egui::vec2(k as f32 * step, 0.0);
                    let rect = egui::Rect::from_min_size(at, egui::vec2(STRIP_TILE, height));
                    ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                        self.tile_ui(ui, cx, k, STRIP_TILE, out);
                    });
                }
            });
    }

    fn tile_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        k: usize,
        side: f32,
        out: &mut Vec<Action>,
    ) {
        let Some(&(j, r)) = cx.jobs.tiles.get(k) else {
            return;
        };
        let job = &cx.jobs.list[j];
        let result = &job.results[r];
        let key = ResultKey::new(&job.id, result.index);
        let series = job.results.len();
        let prompt = job.request.prompt.as_deref().unwrap_or_default();
        let selected = self.selection.contains(&key);
        let (rect, resp) =
            ui.allocate_exact_size(egui::vec2(side, side + CAPTION), egui::Sense::click());
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Result {}", k + 1))
        });
        if !ui.is_rect_visible(rect) {
            return;
        }
        let image_rect = egui::Rect::from_min_size(rect.min, egui::vec2(side, side));
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, ui.visuals().extreme_bg_color);
        match cx.textures.get(
            &TexKey::Thumb(key.clone()),
            &Request::thumbnail(&result.thumbnail),
        ) {
            TexState::Ready {
                texture,
                source_dims,
                ..
            } => {
                let fit = fit_rect(image_rect.shrink(2.0), source_dims);
                painter.image(
                    texture.id(),
                    fit,
                    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                    egui::Color32::WHITE,
                );
            }
            TexState::Failed(_) => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "⚠",
                    egui::FontId::proportional(24.0),
                    theme::error_text(ui.visuals()),
                );
            }
            TexState::Loading => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "…",
                    egui::FontId::proportional(24.0),
                    ui.visuals().weak_text_color(),
                );
            }
        }
        if selected || resp.hovered() {
            let colour = if selected {
                ui.visuals().selection.stroke.color
            } else {
                ui.visuals().widgets.hovered.bg_stroke.color
            };
            painter.rect_stroke(
                image_rect,
                4.0,
                egui::Stroke::new(if selected { 3.0 } else { 1.5 }, colour),
                egui::StrokeKind::Inside,
            );
        }
        if series > 1 {
            let tag = egui::Rect::from_min_size(
                image_rect.min + egui::vec2(4.0, 4.0),
                egui::vec2(44.0, 18.0),
            );
            painter.rect_filled(tag, 3.0, egui::Color32::from_black_alpha(190));
            painter.text(
                tag.center(),
                egui::Align2::CENTER_CENTER,
                format!("{}/{series}", result.index + 1),
                egui::FontId::proportional(12.0),
                egui::Color32::WHITE,
            );
        }
        let chars = ((side / 6.5) as usize).max(8);
        painter.text(
            egui::pos2(rect.min.x + 2.0, image_rect.max.y + 3.0),
            egui::Align2::LEFT_TOP,
            crate::core::explain::shorten(prompt, chars),
            egui::FontId::proportional(12.0),
            ui.visuals().text_color(),
        );
        let resp = resp.on_hover_text(format!("{prompt}\n{} × {} px", result.width, result.height));
        if resp.clicked() {
            if ui.input(|i| i.modifiers.command || i.modifiers.shift) {
                self.toggle(&key);
            } else {
                out.push(Action::OpenViewer(key.clone()));
            }
        }
        resp.context_menu(|ui| {
            if ui.button("Open").clicked() {
                out.push(Action::OpenViewer(key.clone()));
                ui.close();
            }
            if ui.button("Select / deselect").clicked() {
                self.toggle(&key);
                ui.close();
            }
            for (text, action) in [
                ("Use as reference", Action::UseAsReference(key.clone())),
                ("Reuse settings", Action::ReuseSettings(job.id.clone())),
                ("Export…", Action::Ask(PathPurpose::ExportFile(key.clone()))),
                ("Delete…", Action::AskDelete(job.id.clone())),
            ] {
                if ui.button(text).clicked() {
                    out.push(action);
                    ui.close();
                }
            }
        });
    }

    fn toggle(&mut self, key: &ResultKey) {
        if !self.selection.remove(key) {
            self.selection.insert(key.clone());
        }
    }
}
