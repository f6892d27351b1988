//! The viewer: one result large, with fit, true zoom and pan, ← → through the whole gallery, a
//! full-window mode (F or double-click; Escape leaves), its metadata, for edits a before/after
//! comparison whose divide is dragged on the image, and the actions an artist takes on a result.

use eframe::egui::{self, Pos2, Rect, RichText, Vec2};

use crate::core::library::journal::{JobRecord, ResultRecord};

use super::cx::{
    Action, EditAction, LibraryAction, PaletteSource, PathPurpose, ShowAction, ViewCx,
};
use super::geometry::{fit_scale, one_to_one, ui_from_image};
use super::textures::{Request, ResultKey, TexKey, TexState};
use super::theme;
use super::widgets::{ZoomAsk, named_button, zoom_controls};
use crate::core::text::i18n::Tr;
use crate::core::text::terminal::shown;
use crate::tr;

const SIDEBAR: f32 = 280.0;
/// Below this width the metadata goes under the image instead of beside it.
const NARROW: f32 = 720.0;
/// Grab distance of the before/after divide, in screen points.
const DIVIDE_GRIP: f32 = 10.0;

/// The viewer's own state.
#[derive(Debug)]
pub struct ViewerView {
    /// Relative to fitting the canvas.
    zoom: f32,
    pan: Vec2,
    pub compare: bool,
    /// Where the before/after divide sits, 0..1 across the image.
    pub split: f32,
    /// Which reference is tr.t("viewer-before") (the last by default: the output takes its shape).
    before: Option<usize>,
    /// The image fills the whole window.
    pub full: bool,
    dragging_divide: bool,
    shown: Option<ResultKey>,
    /// Last frame's canvas: the toolbar (drawn above it) reads true zoom from it.
    canvas: Rect,
}

impl Default for ViewerView {
    fn default() -> Self {
        ViewerView {
            zoom: 1.0,
            pan: Vec2::ZERO,
            compare: false,
            split: 0.5,
            before: None,
            full: false,
            dragging_divide: false,
            shown: None,
            canvas: Rect::from_min_size(Pos2::ZERO, egui::vec2(800.0, 600.0)),
        }
    }
}

impl ViewerView {
    /// Full view on or off.
    pub fn toggle_full(&mut self) {
        self.full = !self.full;
    }

    /// Escape: out of full-window first. True if it was full.
    pub fn leave_full(&mut self) -> bool {
        std::mem::take(&mut self.full)
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        key: &ResultKey,
        out: &mut Vec<Action>,
    ) {
        let Some(job) = cx.jobs.get(&key.job_id) else {
            if cx.jobs.shelved_result(key).is_some() {
                // Its whole record is on its way from the journal (a frame or two).
                ui.centered_and_justified(egui::Ui::spinner);
            } else {
                out.push(Action::Show(ShowAction::Gallery));
            }
            return;
        };
        let Some(result) = job.results.iter().find(|r| r.index == key.index) else {
            out.push(Action::Show(ShowAction::Gallery));
            return;
        };
        if self.shown.as_ref() != Some(key) {
            // A new image starts at fit; the comparison stays as the artist set it.
            self.zoom = 1.0;
            self.pan = Vec2::ZERO;
            self.shown = Some(key.clone());
        }
        self.keys(ui, out);
        if !ui.ctx().egui_wants_keyboard_input() {
            super::gallery::rating_keys(ui, cx, key, out);
        }
        let position = cx.jobs.tile_of(key);
        let mut failed = false;
        let (texture, dims, pixels) = match cx
            .textures
            .get(&TexKey::Full(key.clone()), &Request::full(&result.path))
        {
            TexState::Ready {
                texture,
                source_dims,
                pixels,
            } => (Some(texture), source_dims, pixels),
            TexState::Failed(e) => {
                theme::problem(ui, &e);
                // The full-size file is gone or unreadable: its gallery thumbnail, if it has one,
                // still shows which image this is (at the result's size, so zoom and boxes agree).
                let thumb = match cx.textures.get_with(&TexKey::Thumb(key.clone()), || {
                    Request::result_thumbnail(cx.paths, &job.id, result.index)
                }) {
                    TexState::Ready { texture, .. } => Some(texture),
                    TexState::Loading | TexState::Failed(_) => None,
                };
                if thumb.is_some() {
                    theme::hint(ui, cx.tr.t("viewer-thumbnail-only"));
                }
                failed = true;
                (thumb, (result.width, result.height), None)
            }
            TexState::Loading => (None, (result.width, result.height), None),
        };
        let before = self.before_texture(ui, cx, job);
        let avail = ui.available_size();
        let narrow = avail.x < NARROW || self.full;
        self.toolbar_ui(ui, cx, job, position, dims, out);
        let canvas_size = if narrow {
            // The metadata scrolls in a band under the image; the image has the rest.
            let below = if self.full {
                0.0
            } else {
                (avail.y * 0.25).clamp(96.0, 160.0)
            };
            egui::vec2(avail.x, (ui.available_height() - below).max(160.0))
        } else {
            egui::vec2(
                (avail.x - SIDEBAR - 12.0).max(200.0),
                ui.available_height().max(160.0),
            )
        };
        let layout = if narrow {
            egui::Layout::top_down(egui::Align::Min)
        } else {
            egui::Layout::left_to_right(egui::Align::Min)
        };
        ui.with_layout(layout, |ui| {
            let (canvas, resp) = ui.allocate_exact_size(canvas_size, egui::Sense::click_and_drag());
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Canvas, true, cx.tr.t("viewer-canvas"))
            });
            self.canvas = canvas;
            let shown = *ui_from_image(canvas, dims, self.zoom, self.pan).to();
            let picking = super::eyedropper::has_pointer(cx, &resp, shown);
            self.input(ui, &resp, canvas, shown, picking);
            let shown = *ui_from_image(canvas, dims, self.zoom, self.pan).to();
            let before = before.as_ref().filter(|_| self.compare);
            let empty = if failed {
                cx.tr.t("viewer-unreadable")
            } else {
                cx.tr.t("viewer-loading")
            };
            paint(
                ui,
                cx.tr,
                empty,
                canvas,
                shown,
                texture.as_ref(),
                before,
                self.split,
            );
            // Left of the divide the reference is shown: the eyedropper reads only the result.
            let divide = shown.min.x + shown.width() * self.split;
            let on_result = before.is_none() || resp.hover_pos().is_some_and(|p| p.x >= divide);
            let pixels = pixels.as_deref().filter(|_| on_result);
            super::eyedropper::pick_ui(ui, &resp, shown, pixels, cx, out);
            if self.full {
                return;
            }
            ui.vertical(|ui| {
                if !narrow {
                    ui.set_width(SIDEBAR);
                }
                egui::ScrollArea::vertical()
                    .id_salt("viewer_meta")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        marks_ui(ui, cx.tr, key, result, out);
                        metadata_ui(ui, cx.tr, job, result);
                        lineage_ui(ui, cx, job, out);
                        ui.separator();
                        actions_ui(ui, cx, job, result, out);
                        ui.separator();
                        super::credentials::section_ui(
                            ui,
                            cx.tr,
                            cx.credentials,
                            &result.path,
                            "viewer",
                        );
                    });
            });
        });
    }

    /// ← → step through the gallery; F toggles full-window.
    fn keys(&mut self, ui: &egui::Ui, out: &mut Vec<Action>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        ui.input_mut(|i| {
            if i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight) {
                out.push(Action::Show(ShowAction::StepViewer(1)));
            }
            if i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft) {
                out.push(Action::Show(ShowAction::StepViewer(-1)));
            }
            if i.consume_key(egui::Modifiers::NONE, egui::Key::F) {
                self.full = !self.full;
            }
        });
    }

    fn before_texture(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        job: &JobRecord,
    ) -> Option<egui::TextureHandle> {
        if !self.compare {
            return None;
        }
        let urls = &job.request.image_urls;
        let i = self
            .before
            .filter(|&i| i < urls.len())
            .or(urls.len().checked_sub(1))?;
        let url = &urls[i];
        match cx.textures.get(
            &TexKey::Reference(url.clone()),
            &Request::reference(url, cx.settings.flatten_onto),
        ) {
            TexState::Ready { texture, .. } => Some(texture),
            TexState::Failed(e) => {
                theme::problem(
                    ui,
                    &tr!(cx.tr, "viewer-reference-failed", why = cx.tr.of(&e)),
                );
                None
            }
            TexState::Loading => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        job: &JobRecord,
        position: Option<usize>,
        dims: (u32, u32),
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            super::widgets::gallery_button(ui, tr, out);
            let total = cx.jobs.tiles.len();
            if let Some(p) = position {
                let newer =
                    named_button(ui, p > 0, egui::Button::new("◀"), tr.t("viewer-previous"))
                        .on_hover_text(tr.t("viewer-newer-tip"));
                if newer.clicked() {
                    out.push(Action::Show(ShowAction::StepViewer(-1)));
                }
                ui.label(tr!(
                    tr,
                    "viewer-position",
                    n = p + 1,
                    total = tr.number(total as u64)
                ));
                let older = named_button(
                    ui,
                    p + 1 < total,
                    egui::Button::new("▶"),
                    tr.t("viewer-next"),
                )
                .on_hover_text(tr.t("viewer-older-tip"));
                if older.clicked() {
                    out.push(Action::Show(ShowAction::StepViewer(1)));
                }
            }
            ui.separator();
            let ppp = ui.ctx().pixels_per_point();
            let true_zoom = fit_scale(self.canvas, dims) * self.zoom * ppp;
            match zoom_controls(ui, tr, true_zoom, tr.t("viewer-fit-tip")) {
                Some(ZoomAsk::Fit) => {
                    self.zoom = 1.0;
                    self.pan = Vec2::ZERO;
                }
                Some(ZoomAsk::OneToOne) => {
                    self.zoom = one_to_one(self.canvas, dims, ppp);
                    self.pan = Vec2::ZERO;
                }
                Some(ZoomAsk::Out) => self.zoom = (self.zoom / 1.5).max(0.05),
                Some(ZoomAsk::In) => self.zoom = (self.zoom * 1.5).min(64.0),
                None => {}
            }
            let full_text = if self.full {
                tr.t("viewer-leave-full")
            } else {
                tr.t("viewer-full")
            };
            if ui
                .button(full_text)
                .on_hover_text(tr.t("viewer-full-tip"))
                .clicked()
            {
                self.full = !self.full;
            }
            ui.separator();
            super::eyedropper::toolbar_ui(ui, cx, out);
            let refs = job.request.image_urls.len();
            if refs > 0 {
                ui.separator();
                ui.checkbox(&mut self.compare, tr.t("viewer-compare"))
                    .on_hover_text(tr.t("viewer-compare-tip"));
                if self.compare && refs > 1 {
                    let current = self.before.filter(|&i| i < refs).unwrap_or(refs - 1);
                    egui::ComboBox::from_id_salt("before_reference")
                        .selected_text(tr!(tr, "viewer-before-reference", n = current + 1))
                        .show_ui(ui, |ui| {
                            for i in 0..refs {
                                ui.selectable_value(
                                    &mut self.before,
                                    Some(i),
                                    tr!(tr, "viewer-reference", n = i + 1),
                                );
                            }
                        });
                }
            }
        });
    }

    /// Drags pan (or move the divide), scroll zooms, a double-click fills the window; while the
    /// eyedropper has the pointer (`picking`), drags do nothing.
    fn input(
        &mut self,
        ui: &egui::Ui,
        resp: &egui::Response,
        canvas: Rect,
        shown: Rect,
        picking: bool,
    ) {
        let divide_x = shown.min.x + shown.width() * self.split;
        if resp.drag_started() {
            let origin = ui.input(|i| i.pointer.press_origin());
            self.dragging_divide = self.compare
                && origin
                    .is_some_and(|p| (p.x - divide_x).abs() <= DIVIDE_GRIP && shown.contains(p));
        }
        if resp.dragged() && !picking {
            if self.dragging_divide {
                if let Some(p) = ui.input(|i| i.pointer.latest_pos()) {
                    self.split = ((p.x - shown.min.x) / shown.width().max(1.0)).clamp(0.0, 1.0);
                }
            } else {
                self.pan += resp.drag_delta();
            }
        }
        if resp.drag_stopped() {
            self.dragging_divide = false;
        }
        if resp.double_clicked() {
            self.full = !self.full;
            self.zoom = 1.0;
            self.pan = Vec2::ZERO;
        }
        if resp.hovered() {
            if let Some(p) = ui.input(|i| i.pointer.latest_pos())
                && self.compare
                && (p.x - divide_x).abs() <= DIVIDE_GRIP
            {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0
                && let Some(p) = ui.input(|i| i.pointer.latest_pos())
            {
                let old = self.zoom;
                let zoom = (old * (scroll * 0.004).exp()).clamp(0.05, 64.0);
                let centre = canvas.center() + self.pan;
                self.pan = p - canvas.center() - (p - centre) * (zoom / old);
                self.zoom = zoom;
            }
        }
    }
}

/// The image, or the reference left of the divide and the result right of it.
#[allow(clippy::too_many_arguments)]
fn paint(
    ui: &egui::Ui,
    tr: Tr,
    empty: &str,
    canvas: Rect,
    shown: Rect,
    after: Option<&egui::TextureHandle>,
    before: Option<&egui::TextureHandle>,
    split: f32,
) {
    let painter = ui.painter_at(canvas);
    painter.rect_filled(canvas, 0.0, ui.visuals().extreme_bg_color);
    let Some(after) = after else {
        painter.text(
            canvas.center(),
            egui::Align2::CENTER_CENTER,
            empty,
            egui::FontId::proportional(16.0),
            ui.visuals().weak_text_color(),
        );
        return;
    };
    let Some(before) = before else {
        painter.image(
            after.id(),
            shown,
            Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        return;
    };
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
    let handle =
        Rect::from_center_size(egui::pos2(divide, shown.center().y), egui::vec2(12.0, 36.0));
    painter.rect_filled(handle, 4.0, egui::Color32::WHITE);
    for (text, pos, align) in [
        (
            tr.t("viewer-before"),
            left.left_top() + egui::vec2(8.0, 8.0),
            egui::Align2::LEFT_TOP,
        ),
        (
            tr.t("viewer-after"),
            right.right_top() + egui::vec2(-8.0, 8.0),
            egui::Align2::RIGHT_TOP,
        ),
    ] {
        let galley_rect = painter.text(
            pos,
            align,
            text,
            egui::FontId::proportional(14.0),
            egui::Color32::WHITE,
        );
        painter.rect_filled(
            galley_rect.expand(3.0),
            3.0,
            egui::Color32::from_black_alpha(150),
        );
        painter.text(
            pos,
            align,
            text,
            egui::FontId::proportional(14.0),
            egui::Color32::WHITE,
        );
    }
}

fn row(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.label(RichText::new(name).weak());
    ui.add(egui::Label::new(value).wrap().selectable(true));
    ui.end_row();
}

fn metadata_ui(ui: &mut egui::Ui, tr: Tr, job: &JobRecord, result: &ResultRecord) {
    let req = &job.request;
    ui.label(RichText::new(tr.t("compose-prompt")).strong());
    ui.add(
        egui::Label::new(shown(req.prompt.as_deref().unwrap_or(tr.t("viewer-none"))))
            .wrap()
            .selectable(true),
    );
    if let Some(neg) = &req.negative_prompt {
        ui.label(RichText::new(tr.t("compose-negative")).strong());
        ui.add(egui::Label::new(shown(neg)).wrap().selectable(true));
    }
    ui.add_space(4.0);
    egui::Grid::new("viewer_meta_grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            row(
                ui,
                tr.t("viewer-model"),
                &format!("{} ({})", req.model.id(), tr.of(req.model.tier_name())),
            );
            row(ui, tr.t("gallery-mode"), &tr.m(&req.mode().message()));
            row(
                ui,
                tr.t("compose-size"),
                &tr!(tr, "viewer-pixels", w = result.width, h = result.height),
            );
            row(
                ui,
                tr.t("compose-seed"),
                &req.seed
                    .map_or_else(|| tr.t("viewer-seed-random").to_owned(), |s| s.to_string()),
            );
            if job.results.len() > 1 {
                // A group series is one set; the images of a plain n > 1 request are siblings.
                let title = if req.is_group() {
                    tr.t("viewer-series")
                } else {
                    tr.t("viewer-image")
                };
                row(
                    ui,
                    title,
                    &tr!(
                        tr,
                        "viewer-of",
                        n = result.index + 1,
                        total = job.results.len()
                    ),
                );
            }
            if let Some(batch) = &job.batch {
                // Selectable: `batch:ID` in the search finds the batch's other results.
                row(
                    ui,
                    tr.t("viewer-batch"),
                    &tr!(tr, "viewer-batch-job", id = &batch.id, n = batch.number),
                );
            }
            row(ui, tr.t("viewer-server"), tr.of(&job.server.label()));
            row(
                ui,
                tr.t("viewer-task-id"),
                &shown(job.task_id.as_deref().unwrap_or("—")),
            );
            row(ui, tr.t("viewer-created"), &tr.date_time(job.created_at_ms));
            if !req.image_urls.is_empty() {
                row(
                    ui,
                    tr.t("viewer-references"),
                    &req.image_urls.len().to_string(),
                );
            }
        });
    ui.collapsing(tr.t("viewer-request"), |ui| {
        let json = serde_json::to_string_pretty(req).unwrap_or_default();
        ui.add(
            egui::Label::new(RichText::new(json).monospace().small())
                .wrap()
                .selectable(true),
        );
    });
}

/// The star and the 1–5 rating (S and 1–5 do the same).
fn marks_ui(
    ui: &mut egui::Ui,
    tr: Tr,
    key: &ResultKey,
    result: &ResultRecord,
    out: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        let (face, tip) = if result.favourite {
            (tr.t("viewer-starred"), tr.t("viewer-unstar-tip"))
        } else {
            (tr.t("viewer-star"), tr.t("viewer-star-tip"))
        };
        if ui
            .add(egui::Button::selectable(result.favourite, face))
            .on_hover_text(tip)
            .clicked()
        {
            out.push(Action::Library(LibraryAction::Favourite(
                key.clone(),
                !result.favourite,
            )));
        }
        ui.separator();
        for n in 1..=5u8 {
            let lit = result.rating >= n;
            let face =
                egui::Button::new(RichText::new(if lit { "★" } else { "☆" }).color(if lit {
                    egui::Color32::from_rgb(230, 170, 20)
                } else {
                    ui.visuals().weak_text_color()
                }))
                .frame(false);
            if named_button(ui, true, face, &tr!(tr, "viewer-rate-n", n = n))
                .on_hover_text(tr!(tr, "viewer-rate-tip", n = n))
                .clicked()
            {
                let rating = if result.rating == n { 0 } else { n };
                out.push(Action::Library(LibraryAction::Rate(key.clone(), rating)));
            }
        }
    });
    ui.add_space(4.0);
}

/// tr.t("viewer-made-from") and tr.t("viewer-used-in"): the results this job used as references and the jobs made from
/// its results, as thumbnails one click away.
fn lineage_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, job: &JobRecord, out: &mut Vec<Action>) {
    let Some(lineage) = cx.jobs.lineage.get(&job.id) else {
        return;
    };
    let tr = cx.tr;
    let made_from: Vec<ResultKey> = lineage
        .made_from
        .iter()
        .map(|p| ResultKey::new(&p.job_id, p.index))
        .collect();
    let used_in: Vec<ResultKey> = lineage
        .used_in
        .iter()
        .filter_map(|(child, _)| {
            let first = cx.jobs.shelved(child)?.results.first()?.index;
            Some(ResultKey::new(child, first))
        })
        .collect();
    for (title, keys) in [
        (tr.t("viewer-made-from"), made_from),
        (tr.t("viewer-used-in"), used_in),
    ] {
        if keys.is_empty() {
            continue;
        }
        ui.add_space(6.0);
        ui.label(RichText::new(title).strong());
        ui.horizontal_wrapped(|ui| {
            for (i, key) in keys.iter().enumerate() {
                link_thumb(ui, cx, title, i, key, out);
            }
        });
    }
}

/// A small thumbnail that opens its result.
fn link_thumb(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    title: &str,
    i: usize,
    key: &ResultKey,
    out: &mut Vec<Action>,
) {
    const SIDE: f32 = 56.0;
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(SIDE, SIDE), egui::Sense::click());
    let tr = cx.tr;
    let name = tr!(tr, "viewer-link", title = title, n = i + 1);
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Link, true, name.clone()));
    let painter = ui.painter();
    painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
    let Some((job, result)) = cx.jobs.shelved_result(key) else {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            tr.t("viewer-gone"),
            egui::FontId::proportional(11.0),
            ui.visuals().weak_text_color(),
        );
        resp.on_hover_text(tr.t("viewer-gone-tip"));
        return;
    };
    if let TexState::Ready {
        texture,
        source_dims,
        ..
    } = cx.textures.get(
        &TexKey::Thumb(key.clone()),
        &Request::result_thumbnail(cx.paths, &job.id, result.index),
    ) {
        painter.image(
            texture.id(),
            super::geometry::fit_rect(rect.shrink(1.0), source_dims),
            Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    let prompt = crate::core::api::request::excerpt(&job.prompt, 60);
    if resp.on_hover_text(prompt).clicked() {
        out.push(Action::Show(ShowAction::Viewer(key.clone())));
    }
}

fn actions_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    job: &JobRecord,
    result: &ResultRecord,
    out: &mut Vec<Action>,
) {
    let key = ResultKey::new(&job.id, result.index);
    let tr = cx.tr;
    let width = ui.available_width().min(SIDEBAR - 8.0);
    let wide = |ui: &mut egui::Ui, text: &str| {
        ui.add(egui::Button::new(text).min_size(egui::vec2(width, 0.0)))
    };
    if wide(ui, tr.t("gallery-export"))
        .on_hover_text(tr.t("viewer-export-tip"))
        .clicked()
    {
        out.push(Action::Library(LibraryAction::Ask(
            PathPurpose::ExportFile(key.clone()),
        )));
    }
    if wide(ui, tr.t("gallery-quick-export"))
        .on_hover_text(tr!(
            tr,
            "viewer-quick-export-tip",
            folder = cx.export_dir.display().to_string()
        ))
        .clicked()
    {
        out.push(Action::Library(LibraryAction::QuickExport(vec![
            key.clone(),
        ])));
    }
    let series = job.request.is_group();
    let siblings = job.results.len();
    if siblings > 1 {
        let (text, tip) = if series {
            (
                tr.t("viewer-export-series").to_owned(),
                tr.t("viewer-export-series-tip").to_owned(),
            )
        } else {
            (
                tr!(tr, "viewer-export-all", n = siblings),
                tr!(tr, "viewer-export-all-tip", n = siblings),
            )
        };
        if wide(ui, &text).on_hover_text(tip).clicked() {
            let all = job
                .results
                .iter()
                .map(|r| ResultKey::new(&job.id, r.index))
                .collect();
            out.push(Action::Library(LibraryAction::Ask(
                PathPurpose::ExportFolder(all),
            )));
        }
    }
    if series
        && siblings > 1
        && wide(ui, tr.t("gallery-open-storyboard"))
            .on_hover_text(tr.t("viewer-storyboard-tip"))
            .clicked()
    {
        out.push(Action::Show(ShowAction::Storyboard(job.id.clone())));
    }
    if wide(ui, tr.t("gallery-palette-from"))
        .on_hover_text(tr.t("viewer-palette-tip"))
        .clicked()
    {
        out.push(Action::Edit(EditAction::PaletteFrom(
            PaletteSource::Result(key.clone()),
        )));
    }
    if wide(ui, tr.t("viewer-copy"))
        .on_hover_text(tr.t("viewer-copy-tip"))
        .clicked()
    {
        out.push(Action::Library(LibraryAction::CopyImage(key.clone())));
    }
    let link = crate::core::library::result_link(job, result.index);
    let r = ui.add_enabled(
        link.is_ok(),
        egui::Button::new(tr.t("gallery-use-as-reference")).min_size(egui::vec2(width, 0.0)),
    );
    let r = match &link {
        Ok(_) => r.on_hover_text(tr.t("viewer-use-tip")),
        Err(why) => r.on_disabled_hover_text(tr.of(why)),
    };
    if r.clicked() {
        out.push(Action::Edit(EditAction::UseAsReference(key.clone())));
    }
    // One image of several: what is reused is the request that made them all.
    let reuse_tip = if siblings > 1 {
        tr!(
            tr,
            "viewer-reuse-whole-tip",
            n = job.request.n,
            seed = job
                .request
                .seed
                .map_or_else(|| tr.t("viewer-seed-random").to_owned(), |s| s.to_string())
        )
    } else {
        tr.t("viewer-reuse-tip").to_owned()
    };
    if wide(ui, tr.t("gallery-reuse-settings"))
        .on_hover_text(reuse_tip)
        .clicked()
    {
        out.push(Action::Edit(EditAction::ReuseSettings(job.id.clone())));
    }
    if wide(ui, tr.t("gallery-delete"))
        .on_hover_text(tr.t("viewer-delete-tip"))
        .clicked()
    {
        out.push(Action::Library(LibraryAction::AskDelete(job.id.clone())));
    }
}
