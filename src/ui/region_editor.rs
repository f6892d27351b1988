//! The region editor: a reference shown large, with fit, zoom and pan; press-drag-release draws a box,
//! dragging inside moves it, handles resize it, Delete removes it, a third is refused.
//!
//! Boxes are stored in **source-image pixels** (the core's [`regions`]); the screen sees them only
//! through `ui_from_image`, and the pointer reaches them only through `image_from_ui`.

use std::time::{Duration, Instant};

use eframe::egui::{self, Pos2, Rect, RichText, Vec2, emath::RectTransform};

use crate::core::regions::{self, Grip, ImagePoint};
use crate::core::request::BBox;
use crate::core::rules::MAX_BOXES_PER_IMAGE;

use super::app::{Central, StudioApp};
use super::references::{reference_key, reference_request};
use super::textures::TexState;
use super::theme;

/// Pointer slack for grabbing an edge or corner, in screen points.
const GRIP_POINTS: f32 = 8.0;
const MIN_ZOOM: f32 = 0.25;
const MAX_ZOOM: f32 = 32.0;
const HINT_SECS: u64 = 4;

/// How the editor is looking at the image, and what the pointer is doing.
#[derive(Debug, Default)]
pub struct EditorView {
    /// 1.0 fits the image in the canvas.
    pub zoom: f32,
    /// Offset of the image's centre from the canvas centre, in screen points.
    pub pan: Vec2,
    pub selected_box: Option<usize>,
    drag: Option<Drag>,
    /// The box as it will be if the current drag ends here: (index or new, box).
    preview: Option<(Option<usize>, BBox)>,
    hint: Option<(String, Instant)>,
}

impl EditorView {
    pub fn reset_view(&mut self) {
        self.zoom = 1.0;
        self.pan = Vec2::ZERO;
        self.selected_box = None;
        self.drag = None;
        self.preview = None;
    }

    fn zoom(&self) -> f32 {
        if self.zoom <= 0.0 { 1.0 } else { self.zoom }
    }

    /// Zooms to `zoom`, keeping the image point under `anchor` (screen) where it is.
    fn zoom_about(&mut self, zoom: f32, anchor: Pos2, canvas: Rect) {
        let old = self.zoom();
        let zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        let centre = canvas.center() + self.pan;
        let offset = anchor - centre;
        self.pan = anchor - canvas.center() - offset * (zoom / old);
        self.zoom = zoom;
    }
}

#[derive(Debug, Clone, Copy)]
enum Drag {
    Create {
        start: ImagePoint,
    },
    Move {
        index: usize,
        start_box: BBox,
        start: ImagePoint,
    },
    Resize {
        index: usize,
        grip: Grip,
        start_box: BBox,
    },
    Pan,
}

/// The transform from image pixels to screen points for an image of `dims` in `canvas`.
pub fn ui_from_image(canvas: Rect, dims: (u32, u32), zoom: f32, pan: Vec2) -> RectTransform {
    let (w, h) = (dims.0.max(1) as f32, dims.1.max(1) as f32);
    let fit = (canvas.width() / w).min(canvas.height() / h);
    let scale = fit * zoom;
    let on_screen = Rect::from_center_size(canvas.center() + pan, egui::vec2(w * scale, h * scale));
    RectTransform::from_to(Rect::from_min_size(Pos2::ZERO, egui::vec2(w, h)), on_screen)
}

fn to_image_point(p: Pos2) -> ImagePoint {
    ImagePoint::new(f64::from(p.x), f64::from(p.y))
}

fn box_rect(b: BBox) -> Rect {
    Rect::from_min_max(
        egui::pos2(b[0] as f32, b[1] as f32),
        egui::pos2(b[2] as f32, b[3] as f32),
    )
}

impl StudioApp {
    pub(crate) fn delete_selected_box(&mut self) {
        let (Some(r), Some(b)) = (self.selected_reference, self.editor.selected_box) else {
            return;
        };
        if self
            .draft
            .references
            .get(r)
            .is_some_and(|x| b < x.boxes.len())
        {
            self.record_edit();
            self.draft.references[r].boxes.remove(b);
            self.editor.selected_box = None;
        }
    }

    fn refuse_box(&mut self) {
        self.editor.hint = Some((
            format!(
                "At most {MAX_BOXES_PER_IMAGE} boxes per image: delete one (select it, press Delete) to draw another."
            ),
            Instant::now(),
        ));
    }

    pub(crate) fn region_editor_ui(&mut self, ui: &mut egui::Ui) {
        let Some(index) = self
            .selected_reference
            .filter(|&i| i < self.draft.references.len())
        else {
            self.central = Central::Gallery;
            return;
        };
        let reference = self.draft.references[index].clone();
        let Some(commands) = self.backend.as_ref().map(|b| b.commands.clone()) else {
            return;
        };
        let key = reference_key(&reference.url);
        let (texture, dims) =
            match self
                .textures
                .get(&key, &reference_request(&reference.url), &commands)
            {
                TexState::Ready {
                    texture,
                    source_dims,
                    ..
                } => (Some(texture.clone()), Some(*source_dims)),
                TexState::Failed(e) => {
                    let e = e.clone();
                    ui.colored_label(theme::ERROR, format!("Reference {} {e}", index + 1));
                    (None, None)
                }
                TexState::Loading => (None, None),
            };
        self.editor_toolbar_ui(ui, index, &reference.label, dims);
        let Some(dims) = dims.or(reference.dims) else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading the reference…");
            });
            return;
        };
        // Room for every box's row, reserved up front so the image never jumps when a box is added.
        let list_height = 34.0 + 30.0 * MAX_BOXES_PER_IMAGE as f32;
        let size = egui::vec2(
            ui.available_width(),
            (ui.available_height() - list_height).max(160.0),
        );
        let (canvas, response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
        response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Region editor"));
        let to_screen = ui_from_image(canvas, dims, self.editor.zoom(), self.editor.pan);
        let to_image = to_screen.inverse();
        self.editor_input(ui, &response, canvas, index, dims, &to_image);
        let to_screen = ui_from_image(canvas, dims, self.editor.zoom(), self.editor.pan);
        self.editor_paint(ui, canvas, texture.as_ref(), index, &to_screen);
        response.context_menu(|ui| {
            if ui
                .add_enabled(
                    self.editor.selected_box.is_some(),
                    egui::Button::new("Delete box"),
                )
                .clicked()
            {
                self.delete_selected_box();
                ui.close();
            }
            if ui.button("Fit to window").clicked() {
                self.editor.reset_view();
                ui.close();
            }
        });
        self.box_list_ui(ui, index, dims);
    }

    fn editor_toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        index: usize,
        label: &str,
        dims: Option<(u32, u32)>,
    ) {
        ui.horizontal_wrapped(|ui| {
            if ui.button("⬅ Gallery").on_hover_text("Back to the gallery (Escape)").clicked() {
                self.central = Central::Gallery;
            }
            let size = dims.map_or(String::new(), |(w, h)| format!(" · {w} × {h} px"));
            ui.label(RichText::new(format!("Reference {} · {label}{size}", index + 1)).strong());
            ui.separator();
            let canvas_zoom = self.editor.zoom();
            ui.label(format!("{:.0}%", canvas_zoom * 100.0)).on_hover_text("Zoom relative to fitting the window");
            if ui.button("Fit").on_hover_text("Fit the image to the editor").clicked() {
                self.editor.zoom = 1.0;
                self.editor.pan = Vec2::ZERO;
            }
            if ui.button("−").on_hover_text("Zoom out").clicked() {
                self.editor.zoom = (canvas_zoom / 1.5).max(MIN_ZOOM);
                self.editor.pan /= 1.5;
            }
            let r = ui.button("+").on_hover_text("Zoom in (or scroll over the image)");
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, "Zoom in"));
            if r.clicked() {
                self.editor.zoom = (canvas_zoom * 2.0).min(MAX_ZOOM);
                self.editor.pan *= 2.0;
            }
            ui.separator();
            theme::hint(ui, "Drag: draw a box (two at most) · inside: move · edge: resize · Delete: remove · right-drag: pan");
        });
        if let Some((text, at)) = &self.editor.hint {
            let left = Duration::from_secs(HINT_SECS).saturating_sub(at.elapsed());
            if left.is_zero() {
                self.editor.hint = None;
            } else {
                ui.label(RichText::new(text).color(theme::ERROR).strong());
                ui.ctx().request_repaint_after(left);
            }
        }
    }

    fn editor_input(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        canvas: Rect,
        index: usize,
        dims: (u32, u32),
        to_image: &RectTransform,
    ) {
        let boxes = self.draft.references[index].boxes.clone();
        let scale = to_image.scale().x; // image pixels per screen point
        let tolerance = f64::from(GRIP_POINTS * scale);
        let pointer = ui.input(|i| i.pointer.latest_pos());
        if response.drag_started() {
            let origin = ui
                .input(|i| i.pointer.press_origin())
                .or(pointer)
                .unwrap_or(canvas.center());
            let start = to_image_point(to_image.transform_pos(origin));
            let secondary = ui.input(|i| i.pointer.secondary_down() || i.pointer.middle_down());
            self.editor.drag = if secondary {
                Some(Drag::Pan)
            } else if let Some((i, grip)) = regions::hit(&boxes, start, tolerance) {
                self.editor.selected_box = Some(i);
                Some(match grip {
                    Grip::Inside => Drag::Move {
                        index: i,
                        start_box: boxes[i],
                        start,
                    },
                    grip => Drag::Resize {
                        index: i,
                        grip,
                        start_box: boxes[i],
                    },
                })
            } else if boxes.len() >= MAX_BOXES_PER_IMAGE {
                self.refuse_box();
                None
            } else {
                Some(Drag::Create { start })
            };
        }
        if let Some(drag) = self.editor.drag {
            if let Drag::Pan = drag {
                self.editor.pan += response.drag_delta();
            } else if let Some(p) = pointer {
                let at = to_image_point(to_image.transform_pos(p));
                self.editor.preview = match drag {
                    Drag::Create { start } => regions::span(start, at, dims).map(|b| (None, b)),
                    Drag::Move {
                        index,
                        start_box,
                        start,
                    } => Some((
                        Some(index),
                        regions::moved(start_box, at.x - start.x, at.y - start.y, dims),
                    )),
                    Drag::Resize {
                        index,
                        grip,
                        start_box,
                    } => Some((Some(index), regions::resized(start_box, grip, at, dims))),
                    Drag::Pan => None,
                };
            }
        }
        if response.drag_stopped() {
            if let Some((target, b)) = self.editor.preview.take() {
                self.record_edit();
                let list = &mut self.draft.references[index].boxes;
                match target {
                    Some(i) if i < list.len() => list[i] = b,
                    Some(_) => {}
                    None => match regions::push(list, b) {
                        Ok(i) => self.editor.selected_box = Some(i),
                        Err(_) => self.refuse_box(),
                    },
                }
            }
            self.editor.drag = None;
        }
        if response.clicked()
            && let Some(p) = pointer
        {
            let at = to_image_point(to_image.transform_pos(p));
            self.editor.selected_box = regions::hit(&boxes, at, tolerance).map(|(i, _)| i);
        }
        if response.secondary_clicked()
            && let Some(p) = pointer
        {
            let at = to_image_point(to_image.transform_pos(p));
            if let Some((i, _)) = regions::hit(&boxes, at, tolerance) {
                self.editor.selected_box = Some(i);
            }
        }
        if response.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0
                && let Some(p) = pointer
            {
                let zoom = self.editor.zoom() * (scroll * 0.004).exp();
                self.editor.zoom_about(zoom, p, canvas);
            }
            if let Some(p) = pointer {
                let at = to_image_point(to_image.transform_pos(p));
                let icon = match regions::hit(&boxes, at, tolerance).map(|(_, g)| g) {
                    Some(Grip::Inside) => egui::CursorIcon::Grab,
                    Some(Grip::Left | Grip::Right) => egui::CursorIcon::ResizeHorizontal,
                    Some(Grip::Top | Grip::Bottom) => egui::CursorIcon::ResizeVertical,
                    Some(Grip::TopLeft | Grip::BottomRight) => egui::CursorIcon::ResizeNwSe,
                    Some(Grip::TopRight | Grip::BottomLeft) => egui::CursorIcon::ResizeNeSw,
                    None => egui::CursorIcon::Crosshair,
                };
                ui.ctx().set_cursor_icon(icon);
            }
        }
    }

    fn editor_paint(
        &self,
        ui: &egui::Ui,
        canvas: Rect,
        texture: Option<&egui::TextureHandle>,
        index: usize,
        to_screen: &RectTransform,
    ) {
        let painter = ui.painter_at(canvas);
        painter.rect_filled(canvas, 0.0, ui.visuals().extreme_bg_color);
        if let Some(t) = texture {
            painter.image(
                t.id(),
                *to_screen.to(),
                Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0)),
                egui::Color32::WHITE,
            );
        }
        let mut boxes = self.draft.references[index].boxes.clone();
        let mut drawing_new = None;
        match self.editor.preview {
            Some((Some(i), b)) if i < boxes.len() => boxes[i] = b,
            Some((None, b)) => drawing_new = Some(b),
            _ => {}
        }
        for (i, b) in boxes.iter().enumerate() {
            let colour = theme::BOX_COLOURS[i % 2];
            let r = to_screen.transform_rect(box_rect(*b));
            let selected = self.editor.selected_box == Some(i);
            painter.rect_filled(r, 0.0, colour.gamma_multiply(0.12));
            painter.rect_stroke(
                r,
                0.0,
                egui::Stroke::new(if selected { 3.0 } else { 2.0 }, colour),
                egui::StrokeKind::Middle,
            );
            let tag = Rect::from_min_size(r.min + egui::vec2(2.0, 2.0), egui::vec2(20.0, 18.0));
            painter.rect_filled(tag, 3.0, egui::Color32::from_black_alpha(170));
            painter.text(
                tag.center(),
                egui::Align2::CENTER_CENTER,
                format!("{}", i + 1),
                egui::FontId::proportional(13.0),
                colour,
            );
            if selected {
                for corner in [
                    r.left_top(),
                    r.right_top(),
                    r.left_bottom(),
                    r.right_bottom(),
                ] {
                    painter.rect_filled(
                        Rect::from_center_size(corner, egui::vec2(8.0, 8.0)),
                        1.0,
                        colour,
                    );
                }
            }
        }
        if let Some(b) = drawing_new {
            let colour = theme::BOX_COLOURS[boxes.len() % 2];
            let r = to_screen.transform_rect(box_rect(b));
            painter.rect_stroke(
                r,
                0.0,
                egui::Stroke::new(2.0, colour),
                egui::StrokeKind::Middle,
            );
            painter.text(
                r.left_bottom() + egui::vec2(0.0, 4.0),
                egui::Align2::LEFT_TOP,
                format!("{}, {}, {}, {}", b[0], b[1], b[2], b[3]),
                egui::FontId::monospace(12.0),
                colour,
            );
        }
    }

    /// Each box's pixel coordinates, editable.
    fn box_list_ui(&mut self, ui: &mut egui::Ui, index: usize, dims: (u32, u32)) {
        let boxes = self.draft.references[index].boxes.clone();
        if boxes.is_empty() {
            theme::hint(
                ui,
                "No boxes: the whole image is edited. Drag on the image to box a region.",
            );
            return;
        }
        let mut changed: Option<(usize, BBox)> = None;
        let mut delete = None;
        for (i, b) in boxes.iter().enumerate() {
            let n = i + 1;
            ui.horizontal(|ui| {
                let selected = self.editor.selected_box == Some(i);
                if ui
                    .selectable_label(
                        selected,
                        RichText::new(format!("Box {n}"))
                            .color(theme::BOX_COLOURS[i % 2])
                            .strong(),
                    )
                    .on_hover_text("Select this box")
                    .clicked()
                {
                    self.editor.selected_box = Some(i);
                }
                let mut v = *b;
                let maxes = [dims.0, dims.1, dims.0, dims.1];
                for (k, name) in ["x1", "y1", "x2", "y2"].iter().enumerate() {
                    let label = ui.label(*name);
                    let r = ui
                        .add(
                            egui::DragValue::new(&mut v[k])
                                .range(0..=i64::from(maxes[k]))
                                .speed(1.0),
                        )
                        .labelled_by(label.id);
                    r.widget_info(|| {
                        let mut info = egui::WidgetInfo::drag_value(true, v[k] as f64);
                        info.label = Some(format!("Box {n} {name}"));
                        info
                    });
                }
                if v != *b {
                    changed = Some((i, v));
                }
                let del = ui.button("🗑").on_hover_text("Delete this box");
                del.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Delete box {n}"))
                });
                if del.clicked() {
                    delete = Some(i);
                }
                ui.label(RichText::new(format!("{} × {} px", b[2] - b[0], b[3] - b[1])).weak());
            });
        }
        if let Some((i, v)) = changed
            && let Some(clamped) = regions::clamp(v, dims)
        {
            if !self.edit_in_progress {
                self.record_edit();
            }
            self.edit_in_progress = ui.input(|i| i.pointer.any_down());
            self.draft.references[index].boxes[i] = clamped;
        }
        if let Some(i) = delete {
            self.record_edit();
            self.draft.references[index].boxes.remove(i);
            self.editor.selected_box = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_fits_and_zooms_about_the_centre() {
        let canvas = Rect::from_min_size(egui::pos2(100.0, 50.0), egui::vec2(800.0, 400.0));
        // A 2000x1000 image fits at 0.4: 800x400 on screen.
        let t = ui_from_image(canvas, (2000, 1000), 1.0, Vec2::ZERO);
        assert_eq!(t.transform_pos(Pos2::ZERO), egui::pos2(100.0, 50.0));
        assert_eq!(
            t.transform_pos(egui::pos2(2000.0, 1000.0)),
            egui::pos2(900.0, 450.0)
        );
        let z = ui_from_image(canvas, (2000, 1000), 2.0, Vec2::ZERO);
        assert_eq!(z.transform_pos(egui::pos2(1000.0, 500.0)), canvas.center());
        assert_eq!(
            z.inverse()
                .transform_pos(canvas.center() + egui::vec2(80.0, 0.0)),
            egui::pos2(1100.0, 500.0)
        );
    }

    #[test]
    fn zoom_about_keeps_the_anchor_still() {
        let canvas = Rect::from_min_size(Pos2::ZERO, egui::vec2(800.0, 600.0));
        let mut v = EditorView {
            zoom: 1.0,
            ..EditorView::default()
        };
        let anchor = egui::pos2(600.0, 200.0);
        let before = ui_from_image(canvas, (1600, 1200), v.zoom, v.pan)
            .inverse()
            .transform_pos(anchor);
        v.zoom_about(3.0, anchor, canvas);
        let after = ui_from_image(canvas, (1600, 1200), v.zoom, v.pan)
            .inverse()
            .transform_pos(anchor);
        assert!((before - after).length() < 0.01, "{before:?} vs {after:?}");
    }
}
