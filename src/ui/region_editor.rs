//! The region editor: a reference shown large, with fit, true zoom (100 % is one image pixel per
//! screen pixel) and pan; press-drag-release draws a box, dragging inside moves it, handles resize
//! it, Delete removes it, a third is refused. Every change is an undoable [`Edit`].
//!
//! Boxes are stored in **source-image pixels** (the core's [`regions`]); the screen sees them only
//! through `ui_from_image`, and the pointer reaches them only through `image_from_ui`.

use std::time::{Duration, Instant};

use eframe::egui::{self, Pos2, Rect, RichText, Vec2, emath::RectTransform};

use crate::core::api::request::BBox;
use crate::core::api::rules::MAX_BOXES_PER_IMAGE;
use crate::core::draft::Draft;
use crate::core::references::regions::{self, Grip, ImagePoint};

use super::cx::{Action, Edit, ShowAction, ViewCx};
use super::geometry::{fit_scale, one_to_one, ui_from_image};
use super::textures::{Request, TexKey, TexState};
use super::theme;
use super::widgets::{NumberField, ZoomAsk, named_button, zoom_controls};
use crate::core::text::i18n::Tr;
use crate::tr;

/// Pointer slack for grabbing an edge or corner, in screen points.
const GRIP_POINTS: f32 = 8.0;
/// A press that moves less than this (screen points) is a click, not a new box.
const MIN_DRAG_POINTS: f32 = 4.0;
const MIN_ZOOM: f32 = 0.05;
const MAX_ZOOM: f32 = 64.0;
const HINT_SECS: u64 = 4;

/// How the editor is looking at the image, and what the pointer is doing.
#[derive(Debug)]
pub struct EditorView {
    /// 1.0 fits the image in the canvas.
    pub zoom: f32,
    /// Offset of the image's centre from the canvas centre, in screen points.
    pub pan: Vec2,
    pub selected_box: Option<usize>,
    /// The reference the view state belongs to.
    reference: Option<usize>,
    drag: Option<Drag>,
    /// The box as it will be if the current drag ends here: (index or new, box).
    preview: Option<(Option<usize>, BBox)>,
    hint: Option<(crate::core::text::i18n::Message, Instant)>,
}

impl Default for EditorView {
    fn default() -> Self {
        EditorView {
            zoom: 1.0,
            pan: Vec2::ZERO,
            selected_box: None,
            reference: None,
            drag: None,
            preview: None,
            hint: None,
        }
    }
}

impl EditorView {
    pub fn reset_view(&mut self) {
        self.zoom = 1.0;
        self.pan = Vec2::ZERO;
        self.selected_box = None;
        self.drag = None;
        self.preview = None;
    }

    /// After undo or redo the boxes may differ: nothing stays selected.
    pub fn clear_selection(&mut self) {
        self.selected_box = None;
        self.preview = None;
        self.drag = None;
    }

    /// Zooms to `zoom`, keeping the image point under `anchor` (screen) where it is.
    fn zoom_about(&mut self, zoom: f32, anchor: Pos2, canvas: Rect) {
        let old = self.zoom;
        let zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        let centre = canvas.center() + self.pan;
        let offset = anchor - centre;
        self.pan = anchor - canvas.center() - offset * (zoom / old);
        self.zoom = zoom;
    }

    fn refuse_box(&mut self) {
        self.hint = Some((
            crate::msg!("editor-boxes-full", max = MAX_BOXES_PER_IMAGE),
            Instant::now(),
        ));
    }
}

/// What the pointer works on: reference `index` of `dims` pixels, its boxes, and whether the
/// eyedropper has the left button.
#[derive(Clone, Copy)]
struct Target<'a> {
    index: usize,
    dims: (u32, u32),
    boxes: &'a [BBox],
    picking: bool,
}

#[derive(Debug, Clone, Copy)]
enum Drag {
    Create {
        start: ImagePoint,
        origin: Pos2,
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

fn to_image_point(p: Pos2) -> ImagePoint {
    ImagePoint::new(f64::from(p.x), f64::from(p.y))
}

fn box_rect(b: BBox) -> Rect {
    Rect::from_min_max(
        egui::pos2(b[0] as f32, b[1] as f32),
        egui::pos2(b[2] as f32, b[3] as f32),
    )
}

fn set_boxes(out: &mut Vec<Action>, reference: usize, boxes: Vec<BBox>) {
    out.push(Action::edit(Edit::SetBoxes { reference, boxes }));
}

impl EditorView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        form: &Draft,
        index: usize,
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        let Some(reference) = form.references.get(index) else {
            out.push(Action::Show(ShowAction::Gallery));
            return;
        };
        if self.reference != Some(index) {
            self.reset_view();
            self.reference = Some(index);
        }
        let url = reference.url.clone();
        let (texture, dims, pixels) = match cx.textures.get(
            &TexKey::Reference(url.clone()),
            &Request::reference(&url, cx.settings.flatten_onto),
        ) {
            TexState::Ready {
                texture,
                source_dims,
                pixels,
            } => (Some(texture), Some(source_dims), pixels),
            TexState::Failed(e) => {
                theme::problem(
                    ui,
                    &tr!(
                        tr,
                        "rule-reference",
                        n = index + 1,
                        why = crate::core::text::i18n::Arg::English(e.clone())
                    ),
                );
                (None, None, None)
            }
            TexState::Loading => (None, None, None),
        };
        let Some(dims) = dims.or(reference.dims) else {
            self.toolbar_ui(ui, cx, index, &reference.label, None, None, out);
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr.t("editor-loading"));
            });
            return;
        };
        // Room for every box's row, reserved up front so the image never jumps when a box is added.
        let list_height = 30.0 * MAX_BOXES_PER_IMAGE as f32 + 8.0;
        let toolbar_height = 30.0;
        let size = egui::vec2(
            ui.available_width(),
            (ui.available_height() - list_height - toolbar_height).max(120.0),
        );
        let canvas_preview =
            Rect::from_min_size(ui.cursor().min + egui::vec2(0.0, toolbar_height), size);
        self.toolbar_ui(
            ui,
            cx,
            index,
            &reference.label,
            Some(dims),
            Some(canvas_preview),
            out,
        );
        let (canvas, response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, tr.t("editor-canvas"))
        });
        let boxes = &reference.boxes;
        let to_screen = ui_from_image(canvas, dims, self.zoom, self.pan);
        let picking = super::eyedropper::has_pointer(cx, &response, *to_screen.to());
        self.input(
            ui,
            &response,
            canvas,
            Target {
                index,
                dims,
                boxes,
                picking,
            },
            &to_screen.inverse(),
            out,
        );
        if response.hovered() || self.selected_box.is_some() {
            self.keys(ui, index, boxes, out);
        }
        let to_screen = ui_from_image(canvas, dims, self.zoom, self.pan);
        self.paint(ui, canvas, texture.as_ref(), boxes, &to_screen);
        super::eyedropper::pick_ui(ui, &response, *to_screen.to(), pixels.as_deref(), cx, out);
        response.context_menu(|ui| {
            if ui
                .add_enabled(
                    self.selected_box.is_some(),
                    egui::Button::new(tr.t("editor-delete-box")),
                )
                .clicked()
            {
                if let Some(b) = self.selected_box.take() {
                    let mut next = boxes.clone();
                    if b < next.len() {
                        next.remove(b);
                        set_boxes(out, index, next);
                    }
                }
                ui.close();
            }
            if ui.button(tr.t("editor-fit")).clicked() {
                self.reset_view();
                ui.close();
            }
        });
        self.box_list_ui(ui, tr, index, dims, boxes, out);
    }

    /// Delete or Backspace removes the selected box (text fields keep their own keys).
    fn keys(&mut self, ui: &egui::Ui, index: usize, boxes: &[BBox], out: &mut Vec<Action>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let pressed = ui.input_mut(|i| {
            i.consume_key(egui::Modifiers::NONE, egui::Key::Delete)
                || i.consume_key(egui::Modifiers::NONE, egui::Key::Backspace)
        });
        if pressed && let Some(b) = self.selected_box.take() {
            let mut next = boxes.to_vec();
            if b < next.len() {
                next.remove(b);
                set_boxes(out, index, next);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        index: usize,
        label: &str,
        dims: Option<(u32, u32)>,
        canvas: Option<Rect>,
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(tr.t("viewer-gallery"))
                .on_hover_text(tr.t("editor-back-tip"))
                .clicked()
            {
                out.push(Action::Show(ShowAction::Gallery));
            }
            let size = dims.map_or(String::new(), |(w, h)| tr!(tr, "editor-size", w = w, h = h));
            ui.add(
                egui::Label::new(
                    RichText::new(tr!(
                        tr,
                        "editor-heading",
                        n = index + 1,
                        label = label,
                        size = size
                    ))
                    .strong(),
                )
                .truncate(),
            );
            let (Some(dims), Some(canvas)) = (dims, canvas) else {
                return;
            };
            ui.separator();
            let ppp = ui.ctx().pixels_per_point();
            let true_zoom = fit_scale(canvas, dims) * self.zoom * ppp;
            match zoom_controls(ui, tr, true_zoom, tr.t("editor-fit-tip")) {
                Some(ZoomAsk::Fit) => {
                    self.zoom = 1.0;
                    self.pan = Vec2::ZERO;
                }
                Some(ZoomAsk::OneToOne) => {
                    self.zoom_about(one_to_one(canvas, dims, ppp), canvas.center(), canvas);
                }
                Some(ZoomAsk::Out) => self.zoom_about(self.zoom / 2.0, canvas.center(), canvas),
                Some(ZoomAsk::In) => self.zoom_about(self.zoom * 2.0, canvas.center(), canvas),
                None => {}
            }
            ui.separator();
            super::eyedropper::toolbar_ui(ui, cx, out);
            ui.separator();
            ui.label("ℹ").on_hover_text(tr.t("editor-help"));
        });
        if let Some((text, at)) = &self.hint {
            let left = Duration::from_secs(HINT_SECS).saturating_sub(at.elapsed());
            if left.is_zero() {
                self.hint = None;
            } else {
                let colour = theme::error_text(ui.visuals());
                ui.label(RichText::new(tr.m(text)).color(colour).strong());
                ui.ctx().request_repaint_after(left);
            }
        }
    }

    fn input(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        canvas: Rect,
        target: Target<'_>,
        to_image: &RectTransform,
        out: &mut Vec<Action>,
    ) {
        let Target {
            index,
            dims,
            boxes,
            picking,
        } = target;
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
            self.drag = if secondary {
                Some(Drag::Pan)
            } else if picking {
                // The eyedropper has the left button: no box is drawn or moved.
                None
            } else if let Some((i, grip)) = regions::hit(boxes, start, tolerance) {
                self.selected_box = Some(i);
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
                Some(Drag::Create { start, origin })
            };
        }
        if let Some(drag) = self.drag {
            if let Drag::Pan = drag {
                self.pan += response.drag_delta();
            } else if let Some(p) = pointer {
                let at = to_image_point(to_image.transform_pos(p));
                self.preview = match drag {
                    // A press that barely moved is a click: no box.
                    Drag::Create { origin, .. } if (p - origin).length() < MIN_DRAG_POINTS => None,
                    Drag::Create { start, .. } => regions::span(start, at, dims).map(|b| (None, b)),
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
            if let Some((target, b)) = self.preview.take() {
                let mut next = boxes.to_vec();
                match target {
                    Some(i) if i < next.len() && next[i] != b => {
                        next[i] = b;
                        set_boxes(out, index, next);
                    }
                    Some(_) => {}
                    None => match regions::push(&mut next, b) {
                        Ok(i) => {
                            self.selected_box = Some(i);
                            set_boxes(out, index, next);
                        }
                        Err(_) => self.refuse_box(),
                    },
                }
            }
            self.drag = None;
        }
        if response.clicked()
            && !picking
            && let Some(p) = pointer
        {
            let at = to_image_point(to_image.transform_pos(p));
            self.selected_box = regions::hit(boxes, at, tolerance).map(|(i, _)| i);
        }
        if response.secondary_clicked()
            && let Some(p) = pointer
        {
            let at = to_image_point(to_image.transform_pos(p));
            if let Some((i, _)) = regions::hit(boxes, at, tolerance) {
                self.selected_box = Some(i);
            }
        }
        if response.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0
                && let Some(p) = pointer
            {
                let zoom = self.zoom * (scroll * 0.004).exp();
                self.zoom_about(zoom, p, canvas);
            }
            if let Some(p) = pointer {
                let at = to_image_point(to_image.transform_pos(p));
                let icon = match regions::hit(boxes, at, tolerance).map(|(_, g)| g) {
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

    fn paint(
        &self,
        ui: &egui::Ui,
        canvas: Rect,
        texture: Option<&egui::TextureHandle>,
        boxes: &[BBox],
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
        let mut boxes = boxes.to_vec();
        let mut drawing_new = None;
        match self.preview {
            Some((Some(i), b)) if i < boxes.len() => boxes[i] = b,
            Some((None, b)) => drawing_new = Some(b),
            _ => {}
        }
        for (i, b) in boxes.iter().enumerate() {
            let colour = theme::BOX_COLOURS[i % 2];
            let r = to_screen.transform_rect(box_rect(*b));
            let selected = self.selected_box == Some(i);
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

    /// Each box's pixel coordinates, typed: committed on Enter or when the field is left.
    fn box_list_ui(
        &mut self,
        ui: &mut egui::Ui,
        tr: Tr,
        index: usize,
        dims: (u32, u32),
        boxes: &[BBox],
        out: &mut Vec<Action>,
    ) {
        if boxes.is_empty() {
            theme::hint(ui, tr.t("editor-no-boxes"));
            return;
        }
        for (i, b) in boxes.iter().enumerate() {
            let n = i + 1;
            let problems = ui
                .horizontal(|ui| {
                    let selected = self.selected_box == Some(i);
                    if ui
                        .selectable_label(
                            selected,
                            RichText::new(tr!(tr, "editor-box", n = n))
                                .color(theme::BOX_COLOURS[i % 2])
                                .strong(),
                        )
                        .on_hover_text(tr.t("editor-select-tip"))
                        .clicked()
                    {
                        self.selected_box = Some(i);
                    }
                    let maxes = [dims.0, dims.1, dims.0, dims.1];
                    let mut problems = Vec::new();
                    for (k, name) in ["x1", "y1", "x2", "y2"].iter().enumerate() {
                        ui.label(*name);
                        let label = tr!(tr, "editor-box-coord", n = n, coord = *name);
                        let with = |v: i64| {
                            let mut typed = *b;
                            typed[k] = v;
                            regions::clamp(typed, dims)
                        };
                        let check = |v: i64| {
                            with(v)
                                .is_none()
                                .then(|| tr.t("editor-box-empty").to_owned())
                        };
                        let typed = NumberField::new(tr, &label, b[k], 0..=i64::from(maxes[k]))
                            .check(&check)
                            .show(ui);
                        if let Some(clamped) = typed.committed.and_then(with) {
                            let mut next = boxes.to_vec();
                            next[i] = clamped;
                            set_boxes(out, index, next);
                        }
                        problems.extend(typed.problem);
                    }
                    let del = named_button(
                        ui,
                        true,
                        egui::Button::new("🗑"),
                        &tr!(tr, "editor-delete-box-n", n = n),
                    )
                    .on_hover_text(tr.t("editor-delete-box-tip"));
                    if del.clicked() {
                        let mut next = boxes.to_vec();
                        next.remove(i);
                        self.selected_box = None;
                        set_boxes(out, index, next);
                    }
                    ui.label(
                        RichText::new(tr!(tr, "viewer-pixels", w = b[2] - b[0], h = b[3] - b[1]))
                            .weak(),
                    );
                    problems
                })
                .inner;
            for p in problems {
                theme::problem(ui, &p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_about_keeps_the_anchor_still() {
        let canvas = Rect::from_min_size(Pos2::ZERO, egui::vec2(800.0, 600.0));
        let mut v = EditorView::default();
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
