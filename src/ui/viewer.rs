//! The viewer: one result large, with fit, zoom and pan; its metadata; for edits a before/after
//! comparison with its reference; and the actions an artist takes on a result.

use eframe::egui::{self, Pos2, Rect, RichText, Vec2};

use crate::core::engine::ImageSource;
use crate::core::journal::JobRecord;

use super::app::StudioApp;
use super::references::{reference_key, reference_request};
use super::region_editor::ui_from_image;
use super::textures::{Request, TexState};
use super::theme;

/// Longest side of the viewer's texture.
pub const VIEWER_SIDE: u32 = 4096;
const SIDEBAR: f32 = 290.0;

/// What the viewer shows.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub job_id: String,
    pub index: u32,
    zoom: f32,
    pan: Vec2,
    pub compare: bool,
    /// Where the before/after divide sits, 0..1 across the image.
    split: f32,
}

fn full_key(job_id: &str, index: u32) -> String {
    format!("full:{job_id}:{index}")
}

enum ViewerAction {
    Close,
    Step(i64),
    Export,
    QuickExport,
    ExportSeries,
    Copy,
    UseAsReference,
    Reuse,
    Delete,
}

impl StudioApp {
    pub fn open_viewer(&mut self, job_id: &str, index: u32) {
        self.viewer = Some(Viewer {
            job_id: job_id.to_owned(),
            index,
            zoom: 1.0,
            pan: Vec2::ZERO,
            compare: false,
            split: 0.5,
        });
    }

    pub(crate) fn viewer_ui(&mut self, ui: &mut egui::Ui) {
        let Some(mut v) = self.viewer.clone() else {
            return;
        };
        let Some(job) = self.jobs.iter().find(|j| j.id == v.job_id).cloned() else {
            self.viewer = None;
            return;
        };
        let Some(result) = job.results.iter().find(|r| r.index == v.index).cloned() else {
            self.viewer = None;
            return;
        };
        let Some(commands) = self.backend.as_ref().map(|b| b.commands.clone()) else {
            return;
        };
        let mut action = toolbar_ui(ui, &job, &mut v);
        let full = Request {
            source: ImageSource::File(result.path.clone()),
            max_side: VIEWER_SIDE,
            reference: false,
            keep_pixels: true,
        };
        let key = full_key(&job.id, result.index);
        let (texture, dims) = match self.textures.get(&key, &full, &commands) {
            TexState::Ready {
                texture,
                source_dims,
                ..
            } => (Some(texture.clone()), *source_dims),
            TexState::Failed(e) => {
                let e = e.clone();
                ui.colored_label(theme::ERROR, e);
                (None, (result.width, result.height))
            }
            TexState::Loading => (None, (result.width, result.height)),
        };
        let mut before_error = None;
        let before = if v.compare {
            job.request.image_urls.last().and_then(|url| {
                match self
                    .textures
                    .get(&reference_key(url), &reference_request(url), &commands)
                {
                    TexState::Ready { texture, .. } => Some(texture.clone()),
                    TexState::Failed(e) => {
                        before_error = Some(format!("The reference could not be loaded: {e}"));
                        None
                    }
                    TexState::Loading => None,
                }
            })
        } else {
            None
        };
        if let Some(e) = before_error {
            theme::problem(ui, &e);
        }
        let avail = ui.available_size();
        ui.horizontal_top(|ui| {
            let canvas_size = egui::vec2((avail.x - SIDEBAR - 12.0).max(200.0), avail.y.max(200.0));
            let (canvas, resp) = ui.allocate_exact_size(canvas_size, egui::Sense::click_and_drag());
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Viewer"));
            viewer_input(ui, &resp, canvas, &mut v);
            let to_screen = ui_from_image(canvas, dims, v.zoom, v.pan);
            let painter = ui.painter_at(canvas);
            painter.rect_filled(canvas, 0.0, ui.visuals().extreme_bg_color);
            let uv = Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0));
            let shown = *to_screen.to();
            match (&texture, &before) {
                (Some(after), Some(before)) => {
                    paint_compare(&painter, shown, before, after, v.split);
                }
                (Some(t), _) => {
                    painter.image(t.id(), shown, uv, egui::Color32::WHITE);
                }
                (None, _) => {
                    painter.text(
                        canvas.center(),
                        egui::Align2::CENTER_CENTER,
                        "Loading…",
                        egui::FontId::proportional(16.0),
                        ui.visuals().weak_text_color(),
                    );
                }
            }
            ui.vertical(|ui| {
                ui.set_width(SIDEBAR);
                if v.compare {
                    let label = ui.label("Divide");
                    ui.add(egui::Slider::new(&mut v.split, 0.0..=1.0).show_value(false))
                        .labelled_by(label.id);
                }
                egui::ScrollArea::vertical()
                    .id_salt("viewer_meta")
                    .show(ui, |ui| {
                        metadata_ui(ui, &job, result.index, (result.width, result.height));
                        ui.separator();
                        let folder = self.export_dir();
                        action = action
                            .take()
                            .or_else(|| actions_ui(ui, &job, result.index, &folder));
                    });
            });
        });
        self.viewer = Some(v);
        match action {
            Some(ViewerAction::Close) => self.viewer = None,
            Some(ViewerAction::Step(d)) => {
                if let Some(view) = &mut self.viewer {
                    let next = i64::from(view.index) + d;
                    if let Ok(next) = u32::try_from(next) {
                        view.index = next;
                    }
                }
            }
            Some(ViewerAction::Export) => self.export_one(&job, result.index),
            Some(ViewerAction::QuickExport) => {
                let dest = crate::core::engine::ExportDest::Folder(self.export_dir());
                self.send(crate::core::engine::Command::Export {
                    items: vec![(job.id.clone(), result.index)],
                    dest,
                });
            }
            Some(ViewerAction::ExportSeries) => self.export_to_folder(
                job.results
                    .iter()
                    .map(|r| (job.id.clone(), r.index))
                    .collect(),
            ),
            Some(ViewerAction::Copy) => self.copy_image(&key),
            Some(ViewerAction::UseAsReference) => self.use_as_reference(&job, result.index),
            Some(ViewerAction::Reuse) => self.reuse_settings(&job),
            Some(ViewerAction::Delete) => self.ask_delete(&job),
            None => {}
        }
    }

    fn copy_image(&mut self, key: &str) {
        match self.textures.peek(key) {
            Some(TexState::Ready {
                pixels: Some(px), ..
            }) => {
                let (w, h) = px.dimensions();
                let image =
                    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], px.as_raw());
                self.ctx.copy_image(image);
                self.notify("Copied to the clipboard.");
            }
            _ => self.notify_error("The image is still loading; try again in a moment."),
        }
    }
}

/// The viewer's toolbar: back, series stepping, zoom, before/after.
fn toolbar_ui(ui: &mut egui::Ui, job: &JobRecord, v: &mut Viewer) -> Option<ViewerAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        if ui
            .button("⬅ Gallery")
            .on_hover_text("Close the viewer (Escape)")
            .clicked()
        {
            action = Some(ViewerAction::Close);
        }
        if job.results.len() > 1 {
            if ui
                .add_enabled(v.index > 0, egui::Button::new("◀"))
                .on_hover_text("Previous in the series")
                .clicked()
            {
                action = Some(ViewerAction::Step(-1));
            }
            ui.label(format!("{} of {}", v.index + 1, job.results.len()));
            if ui
                .add_enabled(
                    (v.index as usize) + 1 < job.results.len(),
                    egui::Button::new("▶"),
                )
                .on_hover_text("Next in the series")
                .clicked()
            {
                action = Some(ViewerAction::Step(1));
            }
        }
        ui.separator();
        ui.label(format!("{:.0}%", v.zoom * 100.0));
        if ui.button("Fit").clicked() {
            v.zoom = 1.0;
            v.pan = Vec2::ZERO;
        }
        if ui.button("−").on_hover_text("Zoom out").clicked() {
            v.zoom = (v.zoom / 1.5).max(0.25);
        }
        if ui
            .button("+")
            .on_hover_text("Zoom in (or scroll over the image)")
            .clicked()
        {
            v.zoom = (v.zoom * 1.5).min(32.0);
        }
        if !job.request.image_urls.is_empty() {
            ui.separator();
            ui.checkbox(&mut v.compare, "Before / after")
                .on_hover_text("Compare with the reference it was made from: drag the divide.");
        }
    });
    action
}

/// The reference left of the divide, the result right of it, both in the same on-screen rect.
fn paint_compare(
    painter: &egui::Painter,
    shown: Rect,
    before: &egui::TextureHandle,
    after: &egui::TextureHandle,
    split: f32,
) {
    let divide = shown.min.x + shown.width() * split;
    let left = Rect::from_min_max(shown.min, egui::pos2(divide, shown.max.y));
    let right = Rect::from_min_max(egui::pos2(divide, shown.min.y), shown.max);
    painter.image(
        before.id(),
        left,
        Rect::from_min_max(Pos2::ZERO, egui::pos2(split, 1.0)),
        egui::Color32::WHITE,
    );
    painter.image(
        after.id(),
        right,
        Rect::from_min_max(egui::pos2(split, 0.0), egui::pos2(1.0, 1.0)),
        egui::Color32::WHITE,
    );
    painter.line_segment(
        [
            egui::pos2(divide, shown.min.y),
            egui::pos2(divide, shown.max.y),
        ],
        egui::Stroke::new(2.0, egui::Color32::WHITE),
    );
    painter.text(
        left.left_top() + egui::vec2(8.0, 8.0),
        egui::Align2::LEFT_TOP,
        "before",
        egui::FontId::proportional(14.0),
        egui::Color32::WHITE,
    );
    painter.text(
        right.right_top() + egui::vec2(-8.0, 8.0),
        egui::Align2::RIGHT_TOP,
        "after",
        egui::FontId::proportional(14.0),
        egui::Color32::WHITE,
    );
}

fn viewer_input(ui: &egui::Ui, resp: &egui::Response, canvas: Rect, v: &mut Viewer) {
    if resp.dragged() {
        if v.compare && ui.input(|i| i.modifiers.shift) {
            return;
        }
        v.pan += resp.drag_delta();
    }
    if resp.double_clicked() {
        v.zoom = 1.0;
        v.pan = Vec2::ZERO;
    }
    if resp.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0
            && let Some(p) = ui.input(|i| i.pointer.latest_pos())
        {
            let old = v.zoom;
            let zoom = (old * (scroll * 0.004).exp()).clamp(0.25, 32.0);
            let centre = canvas.center() + v.pan;
            v.pan = p - canvas.center() - (p - centre) * (zoom / old);
            v.zoom = zoom;
        }
    }
}

fn row(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.label(RichText::new(name).weak());
    ui.label(value);
    ui.end_row();
}

fn metadata_ui(ui: &mut egui::Ui, job: &JobRecord, index: u32, (w, h): (u32, u32)) {
    let req = &job.request;
    ui.label(RichText::new("Prompt").strong());
    ui.label(req.prompt.as_deref().unwrap_or("(none)"));
    if let Some(neg) = &req.negative_prompt {
        ui.label(RichText::new("Negative prompt").strong());
        ui.label(neg);
    }
    ui.add_space(4.0);
    egui::Grid::new("viewer_meta_grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            row(
                ui,
                "Model",
                &format!("{} ({})", req.model.id(), req.model.tier_name()),
            );
            row(ui, "Mode", &req.mode().to_string());
            row(ui, "Size", &format!("{w} × {h} px"));
            row(
                ui,
                "Seed",
                &req.seed.map_or("random".to_owned(), |s| s.to_string()),
            );
            if job.results.len() > 1 {
                row(
                    ui,
                    "Series",
                    &format!("{} of {}", index + 1, job.results.len()),
                );
            }
            row(ui, "Task id", job.task_id.as_deref().unwrap_or("—"));
            row(ui, "Created", &crate::cli::format_utc(job.created_at_ms));
            if !req.image_urls.is_empty() {
                row(ui, "References", &req.image_urls.len().to_string());
            }
        });
    ui.collapsing("Request as sent", |ui| {
        let json = serde_json::to_string_pretty(req).unwrap_or_default();
        ui.label(RichText::new(json).monospace().small());
    });
}

fn actions_ui(
    ui: &mut egui::Ui,
    job: &JobRecord,
    index: u32,
    folder: &std::path::Path,
) -> Option<ViewerAction> {
    let mut action = None;
    let wide = |ui: &mut egui::Ui, text: &str| {
        ui.add(egui::Button::new(text).min_size(egui::vec2(SIDEBAR - 8.0, 0.0)))
    };
    if wide(ui, "Export…")
        .on_hover_text("Save as PNG, with the prompt and settings inside")
        .clicked()
    {
        action = Some(ViewerAction::Export);
    }
    if wide(ui, "Quick export")
        .on_hover_text(format!(
            "Save into {} without asking (never replaces a file)",
            folder.display()
        ))
        .clicked()
    {
        action = Some(ViewerAction::QuickExport);
    }
    if job.results.len() > 1
        && wide(ui, "Export series…")
            .on_hover_text("All images of this series into a folder")
            .clicked()
    {
        action = Some(ViewerAction::ExportSeries);
    }
    if wide(ui, "Copy image")
        .on_hover_text("Copy to the clipboard")
        .clicked()
    {
        action = Some(ViewerAction::Copy);
    }
    let link = super::gallery::result_link(job, index);
    let r = ui.add_enabled(
        link.is_ok(),
        egui::Button::new("Use as reference").min_size(egui::vec2(SIDEBAR - 8.0, 0.0)),
    );
    let r = match &link {
        Ok(_) => r.on_hover_text("Add this result to the references, to edit it further"),
        Err(why) => r.on_disabled_hover_text(why),
    };
    if r.clicked() {
        action = Some(ViewerAction::UseAsReference);
    }
    if wide(ui, "Reuse settings")
        .on_hover_text("Restore the whole compose form, seed included")
        .clicked()
    {
        action = Some(ViewerAction::Reuse);
    }
    if wide(ui, "Delete…")
        .on_hover_text("Remove these results from the library and disk")
        .clicked()
    {
        action = Some(ViewerAction::Delete);
    }
    action
}
