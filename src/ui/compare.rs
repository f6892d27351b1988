//! Compare: two to four results side by side, zoom and pan locked together (an A/B slider for
//! two), the parameters that differ marked, and Keep to star the winner. ← → move between the
//! candidates, 1–4 keep one, Esc goes back to the gallery.

use eframe::egui::{self, Color32, RichText, Vec2};

use super::cx::{Action, LibraryAction, ViewCx};
use super::geometry::ui_from_image;
use super::textures::{Request, ResultKey, TexKey, TexState};
use super::theme;
use super::widgets::named_button;
use crate::core::variation;
use crate::tr;

/// The most results compared at once.
pub const MAX_COMPARED: usize = 4;

/// The compare view's own state: one zoom and pan for every candidate, the A/B divide.
pub struct CompareView {
    zoom: f32,
    pan: Vec2,
    /// Two candidates over each other, divided at `split` (0–1 of the width), instead of side by side.
    slider: bool,
    split: f32,
    /// The drag under way moves the divide (it started on it), not the images.
    moving_divide: bool,
    /// The candidate the arrows are on.
    focus: usize,
}

impl Default for CompareView {
    fn default() -> Self {
        CompareView {
            zoom: 1.0,
            pan: Vec2::ZERO,
            slider: false,
            split: 0.5,
            moving_divide: false,
            focus: 0,
        }
    }
}

impl CompareView {
    /// Starts anew for another set of candidates: at fit, on the first.
    pub fn reset(&mut self) {
        *self = CompareView::default();
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        keys: &[ResultKey],
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        let found: Vec<_> = keys.iter().filter_map(|k| cx.jobs.result(k)).collect();
        if found.len() < keys.len() {
            // Whole records are on their way from the journal (a frame or two).
            ui.centered_and_justified(egui::Ui::spinner);
            return;
        }
        self.focus = self.focus.min(keys.len().saturating_sub(1));
        self.keys(ui, keys, out);
        ui.horizontal_wrapped(|ui| {
            super::widgets::gallery_button(ui, tr, out);
            ui.separator();
            ui.heading(tr!(tr, "compare-title", n = keys.len()));
            if keys.len() == 2 {
                ui.separator();
                ui.selectable_value(&mut self.slider, false, tr.t("compare-side-by-side"));
                ui.selectable_value(&mut self.slider, true, tr.t("compare-slider"))
                    .on_hover_text(tr.t("compare-slider-tip"));
            }
            ui.separator();
            if ui.button(tr.t("compare-fit")).clicked() {
                self.zoom = 1.0;
                self.pan = Vec2::ZERO;
            }
            theme::hint(ui, tr.t("compare-keys-hint"));
        });
        let table_height = (ui.available_height() * 0.3).clamp(120.0, 260.0);
        let canvas = egui::vec2(
            ui.available_width(),
            (ui.available_height() - table_height - 40.0).max(120.0),
        );
        let textures: Vec<_> = found
            .iter()
            .zip(keys)
            .map(|((_, result), key)| {
                match cx
                    .textures
                    .get(&TexKey::Full(key.clone()), &Request::full(&result.path))
                {
                    TexState::Ready {
                        texture,
                        source_dims,
                        ..
                    } => Some((texture, source_dims)),
                    TexState::Loading | TexState::Failed(_) => None,
                }
            })
            .collect();
        if self.slider && keys.len() == 2 {
            self.slider_ui(ui, cx, canvas, &textures);
        } else {
            self.side_by_side_ui(ui, cx, canvas, keys, &textures);
        }
        ui.horizontal(|ui| {
            for (i, (key, (_, result))) in keys.iter().zip(&found).enumerate() {
                let focused = i == self.focus;
                let name = tr!(tr, "compare-keep", n = i + 1);
                let label = if result.favourite {
                    format!("★ {name}")
                } else {
                    name.clone()
                };
                let r = named_button(ui, true, egui::Button::new(label).selected(focused), &name)
                    .on_hover_text(tr.t("compare-keep-tip"));
                if r.clicked() {
                    self.focus = i;
                    out.push(Action::Library(LibraryAction::Favourite(key.clone(), true)));
                }
            }
        });
        let requests: Vec<_> = found.iter().map(|(job, _)| &job.request).collect();
        table_ui(ui, cx, &variation::compare(&requests), self.focus);
    }

    /// ← → move between candidates, 1–4 keep one.
    fn keys(&mut self, ui: &egui::Ui, keys: &[ResultKey], out: &mut Vec<Action>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let n = keys.len();
        ui.input(|i| {
            if i.key_pressed(egui::Key::ArrowRight) {
                self.focus = (self.focus + 1) % n.max(1);
            }
            if i.key_pressed(egui::Key::ArrowLeft) {
                self.focus = (self.focus + n.max(1) - 1) % n.max(1);
            }
            let picks = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
            ];
            for (index, (k, key)) in picks.into_iter().zip(keys).enumerate() {
                if i.key_pressed(k) {
                    self.focus = index;
                    out.push(Action::Library(LibraryAction::Favourite(key.clone(), true)));
                }
            }
        });
    }

    /// Drag pans every candidate, scroll zooms them all, double-click goes back to fit.
    fn steer(&mut self, ui: &egui::Ui, resp: &egui::Response) {
        if resp.dragged() {
            self.pan += resp.drag_delta();
        }
        if resp.double_clicked() {
            self.zoom = 1.0;
            self.pan = Vec2::ZERO;
        }
        if resp.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                self.zoom = (self.zoom * (scroll * 0.004).exp()).clamp(0.05, 64.0);
            }
        }
    }

    fn side_by_side_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        canvas: Vec2,
        keys: &[ResultKey],
        textures: &[Option<(egui::TextureHandle, (u32, u32))>],
    ) {
        let n = keys.len().max(1) as f32;
        let cell = egui::vec2((canvas.x - 6.0 * (n - 1.0)) / n, canvas.y);
        ui.horizontal(|ui| {
            for (i, tex) in textures.iter().enumerate() {
                let (rect, resp) = ui.allocate_exact_size(cell, egui::Sense::click_and_drag());
                resp.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::Image,
                        true,
                        tr!(cx.tr, "compare-image", n = i + 1),
                    )
                });
                self.steer(ui, &resp);
                if resp.clicked() {
                    self.focus = i;
                }
                let painter = ui.painter_at(rect);
                painter.rect_filled(rect, 2.0, Color32::from_gray(24));
                match tex {
                    Some((texture, dims)) => {
                        let shown = *ui_from_image(rect, *dims, self.zoom, self.pan).to();
                        painter.image(texture.id(), shown, full_uv(), Color32::WHITE);
                    }
                    None => {
                        painter.text(
                            rect.center(),
                            egui::Align2::CENTER_CENTER,
                            "…",
                            egui::FontId::proportional(20.0),
                            Color32::GRAY,
                        );
                    }
                }
                let stroke = if i == self.focus {
                    egui::Stroke::new(2.0, theme::ACCENT)
                } else {
                    egui::Stroke::new(1.0, Color32::from_gray(60))
                };
                painter.rect_stroke(rect, 2.0, stroke, egui::StrokeKind::Inside);
                painter.text(
                    rect.left_top() + egui::vec2(6.0, 4.0),
                    egui::Align2::LEFT_TOP,
                    (i + 1).to_string(),
                    egui::FontId::proportional(16.0),
                    Color32::WHITE,
                );
            }
        });
    }

    /// Two candidates on one canvas: the first left of the divide, the second right of it.
    fn slider_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        canvas: Vec2,
        textures: &[Option<(egui::TextureHandle, (u32, u32))>],
    ) {
        let (rect, resp) = ui.allocate_exact_size(canvas, egui::Sense::click_and_drag());
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Image, true, cx.tr.t("compare-slider"))
        });
        let divide_x = rect.left() + rect.width() * self.split;
        // A drag that starts on the divide (or with Shift) moves it for as long as it lasts.
        if resp.drag_started() {
            // Where the press began: egui calls it a drag only once the pointer has moved.
            let on_divide = ui
                .input(|i| i.pointer.press_origin())
                .is_some_and(|p| (p.x - divide_x).abs() < 12.0);
            self.moving_divide = on_divide || ui.input(|i| i.modifiers.shift);
        }
        if resp.drag_stopped() {
            self.moving_divide = false;
        }
        if resp.hovered() {
            let near = resp
                .hover_pos()
                .is_some_and(|p| (p.x - divide_x).abs() < 12.0);
            if near || self.moving_divide {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
        }
        if resp.dragged() && self.moving_divide {
            if let Some(p) = resp.interact_pointer_pos() {
                self.split = ((p.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
            }
        } else {
            self.steer(ui, &resp);
        }
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2.0, Color32::from_gray(24));
        for (i, tex) in textures.iter().enumerate().take(2) {
            let Some((texture, dims)) = tex else { continue };
            let clip = if i == 0 {
                egui::Rect::from_min_max(rect.min, egui::pos2(divide_x, rect.max.y))
            } else {
                egui::Rect::from_min_max(egui::pos2(divide_x, rect.min.y), rect.max)
            };
            let shown = *ui_from_image(rect, *dims, self.zoom, self.pan).to();
            ui.painter_at(clip)
                .image(texture.id(), shown, full_uv(), Color32::WHITE);
        }
        painter.line_segment(
            [
                egui::pos2(divide_x, rect.top()),
                egui::pos2(divide_x, rect.bottom()),
            ],
            egui::Stroke::new(2.0, Color32::WHITE),
        );
        for (label, at, align) in [
            (
                "1",
                rect.left_top() + egui::vec2(6.0, 4.0),
                egui::Align2::LEFT_TOP,
            ),
            (
                "2",
                rect.right_top() + egui::vec2(-6.0, 4.0),
                egui::Align2::RIGHT_TOP,
            ),
        ] {
            painter.text(
                at,
                align,
                label,
                egui::FontId::proportional(16.0),
                Color32::WHITE,
            );
        }
    }
}

fn full_uv() -> egui::Rect {
    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0))
}

/// The parameters in rows, one column per candidate; rows that differ are marked (in colour and
/// in words, so a screen reader says it too).
fn table_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    rows: &[(variation::Param, Vec<String>, bool)],
    focus: usize,
) {
    let tr = cx.tr;
    egui::ScrollArea::vertical()
        .id_salt("compare_params")
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("compare_grid")
                .striped(true)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    ui.label("");
                    for i in 0..rows.first().map_or(0, |r| r.1.len()) {
                        let text = RichText::new(tr!(tr, "compare-candidate", n = i + 1));
                        ui.label(if i == focus { text.strong() } else { text });
                    }
                    ui.end_row();
                    for (param, values, differs) in rows {
                        let name = tr.t(param.key());
                        if *differs {
                            ui.label(
                                RichText::new(tr!(tr, "compare-differs", what = name))
                                    .strong()
                                    .color(theme::WARN),
                            );
                        } else {
                            ui.label(RichText::new(name).weak());
                        }
                        for v in values {
                            let short = crate::core::api::request::excerpt(v, 80);
                            let text = RichText::new(short);
                            ui.label(if *differs { text.strong() } else { text })
                                .on_hover_text(v);
                        }
                        ui.end_row();
                    }
                });
        });
}
