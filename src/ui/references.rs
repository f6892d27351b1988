//! The strip of up to nine references: add by link, from a result, or (sandbox) from the samples;
//! reorder, remove, and select one to box its regions.

use eframe::egui::{self, RichText};

use crate::core::draft::{Reference, label_for_url};
use crate::core::engine::ImageSource;
use crate::core::rules::{Field, MAX_REFERENCES, reference_url_problem};

use super::app::{Central, StudioApp};
use super::textures::{Request, TexState};
use super::theme;

/// Longest side of a reference's texture (the region editor draws it).
pub const REFERENCE_TEXTURE_SIDE: u32 = 2048;
const STRIP_HEIGHT: f32 = 84.0;

pub(crate) fn reference_key(url: &str) -> String {
    format!("ref:{url}")
}

pub(crate) fn reference_request(url: &str) -> Request {
    Request {
        source: ImageSource::Url(url.to_owned()),
        max_side: REFERENCE_TEXTURE_SIDE,
        reference: true,
        keep_pixels: false,
    }
}

impl StudioApp {
    /// Adds a reference by link. Returns false (with a notice saying why) if it cannot be used.
    pub fn add_reference(&mut self, url: &str, label: Option<String>) -> bool {
        let url = url.trim();
        if self.draft.references.len() >= MAX_REFERENCES {
            self.notify_error(format!(
                "At most {MAX_REFERENCES} references: remove one first."
            ));
            return false;
        }
        if let Some(why) = reference_url_problem(url) {
            self.notify_error(format!("That link cannot be used: it {why}"));
            return false;
        }
        let label = label.unwrap_or_else(|| label_for_url(url));
        self.draft.references.push(Reference::new(url, label));
        // Undo snapshots are per reference; a new list starts a new history.
        self.undo.clear();
        true
    }

    pub fn remove_reference(&mut self, i: usize) {
        if i >= self.draft.references.len() {
            return;
        }
        self.draft.references.remove(i);
        self.undo.clear();
        self.selected_reference = match self.selected_reference {
            Some(s) if s == i => None,
            Some(s) if s > i => Some(s - 1),
            other => other,
        };
        if self.selected_reference.is_none() && self.central == Central::Editor {
            self.central = Central::Gallery;
        }
    }

    pub fn move_reference(&mut self, from: usize, to: usize) {
        let len = self.draft.references.len();
        if from >= len || to >= len || from == to {
            return;
        }
        let r = self.draft.references.remove(from);
        self.draft.references.insert(to, r);
        self.undo.clear();
        if self.selected_reference == Some(from) {
            self.selected_reference = Some(to);
        }
    }

    /// Opens a reference in the region editor.
    pub fn select_reference(&mut self, i: usize) {
        if i < self.draft.references.len() {
            self.selected_reference = Some(i);
            self.central = Central::Editor;
            self.viewer = None;
            self.editor.reset_view();
        }
    }

    pub(crate) fn references_ui(&mut self, ui: &mut egui::Ui) {
        let count = self.draft.references.len();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("References").strong())
                .on_hover_text(
                    "Images to edit or fuse. The output takes the shape of the last one.",
                );
            ui.label(RichText::new(format!("{count} / {MAX_REFERENCES}")).weak());
            let label = ui.label("Link");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.url_input)
                        .hint_text("https://…/image.png")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Reference URL")
            });
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let add = ui
                .add_enabled(!self.url_input.trim().is_empty(), egui::Button::new("Add"))
                .on_hover_text("Add this link as a reference (public https:// images)");
            if (add.clicked() || enter) && !self.url_input.trim().is_empty() {
                let url = std::mem::take(&mut self.url_input);
                if !self.add_reference(&url, None) {
                    self.url_input = url;
                }
            }
            let samples = self
                .backend
                .as_ref()
                .and_then(|b| b.sandbox.as_ref())
                .map(crate::sandbox::Sandbox::sample_urls);
            if let Some(samples) = samples {
                ui.separator();
                ui.label("Samples:").on_hover_text(
                    "Images served by the sandbox, to try editing without files of your own.",
                );
                for url in samples {
                    let name = label_for_url(&url);
                    let r = ui
                        .button(format!("+ {name}"))
                        .on_hover_text(format!("Add the sample {name} as a reference"));
                    r.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::Button,
                            true,
                            format!("Add sample {name}"),
                        )
                    });
                    if r.clicked() {
                        self.add_reference(&url, Some(name));
                    }
                }
            }
        });
        if count == 0 {
            theme::hint(
                ui,
                "No references: text-to-image. Add a link, a sample, or use a result as a reference.",
            );
            return;
        }
        let mut action: Option<(usize, RefAction)> = None;
        egui::ScrollArea::horizontal()
            .id_salt("reference_strip")
            .max_height(STRIP_HEIGHT + 70.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for i in 0..count {
                        if let Some(a) = self.reference_tile_ui(ui, i) {
                            action = Some((i, a));
                        }
                    }
                });
            });
        let problems = self.draft.problems();
        for p in problems.iter().filter(|p| {
            matches!(
                p.field,
                Field::ImageUrls | Field::ImageUrl(_) | Field::Boxes(_) | Field::BboxList
            )
        }) {
            theme::problem(ui, &p.message);
        }
        match action {
            Some((i, RefAction::Select)) => self.select_reference(i),
            Some((i, RefAction::Left)) => self.move_reference(i, i.saturating_sub(1)),
            Some((i, RefAction::Right)) => self.move_reference(i, i + 1),
            Some((i, RefAction::Remove)) => self.remove_reference(i),
            None => {}
        }
    }

    fn reference_tile_ui(&mut self, ui: &mut egui::Ui, i: usize) -> Option<RefAction> {
        let n = i + 1;
        let count = self.draft.references.len();
        let r = self.draft.references[i].clone();
        let selected = self.selected_reference == Some(i) && self.central == Central::Editor;
        let error = self.ref_errors.get(&r.url).cloned();
        let mut action = None;
        let commands = self.backend.as_ref().map(|b| b.commands.clone());
        let frame = egui::Frame::group(ui.style()).stroke(if selected {
            egui::Stroke::new(2.0, ui.visuals().selection.stroke.color)
        } else {
            ui.visuals().widgets.noninteractive.bg_stroke
        });
        frame.show(ui, |ui| {
            ui.vertical(|ui| {
                ui.set_width(STRIP_HEIGHT * 1.4);
                let size = egui::vec2(STRIP_HEIGHT * 1.4, STRIP_HEIGHT);
                let (rect, resp) = ui.allocate_exact_size(size, egui::Sense::click());
                resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Reference {n}")));
                let state = commands.as_ref().map(|c| self.textures.get(&reference_key(&r.url), &reference_request(&r.url), c));
                match state {
                    Some(TexState::Ready { texture, source_dims, .. }) => {
                        let fit = fit_rect(rect, *source_dims);
                        ui.painter().image(texture.id(), fit, egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)), egui::Color32::WHITE);
                        // The boxes, small.
                        let to_ui = egui::emath::RectTransform::from_to(
                            egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(source_dims.0 as f32, source_dims.1 as f32)),
                            fit,
                        );
                        for (k, b) in r.boxes.iter().enumerate() {
                            let br = to_ui.transform_rect(egui::Rect::from_min_max(egui::pos2(b[0] as f32, b[1] as f32), egui::pos2(b[2] as f32, b[3] as f32)));
                            ui.painter().rect_stroke(br, 0.0, egui::Stroke::new(1.5, theme::BOX_COLOURS[k % 2]), egui::StrokeKind::Middle);
                        }
                    }
                    Some(TexState::Failed(_)) => {
                        ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, "⚠", egui::FontId::proportional(24.0), theme::ERROR);
                    }
                    _ => {
                        ui.put(rect, egui::Spinner::new());
                    }
                }
                if resp.on_hover_text(format!("{}\nClick to draw region boxes on it.", r.url)).clicked() {
                    action = Some(RefAction::Select);
                }
                let mut caption = format!("{n}. {}", r.label);
                if caption.chars().count() > 18 {
                    caption = caption.chars().take(17).collect::<String>() + "…";
                }
                ui.label(RichText::new(caption).small());
                ui.horizontal(|ui| {
                    if i + 1 == count {
                        ui.label(RichText::new("📐 shape").small().color(theme::WARN))
                            .on_hover_text("The output takes this reference's aspect ratio (it is the last one).");
                    }
                    if !r.boxes.is_empty() {
                        ui.label(RichText::new(format!("{} box{}", r.boxes.len(), if r.boxes.len() == 1 { "" } else { "es" })).small()).on_hover_text("Region boxes on this reference");
                    }
                });
                ui.horizontal(|ui| {
                    let left = ui.add_enabled(i > 0, egui::Button::new("◀").small()).on_hover_text("Move earlier");
                    left.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, i > 0, format!("Move reference {n} earlier")));
                    if left.clicked() {
                        action = Some(RefAction::Left);
                    }
                    let right = ui.add_enabled(i + 1 < count, egui::Button::new("▶").small()).on_hover_text("Move later");
                    right.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, i + 1 < count, format!("Move reference {n} later")));
                    if right.clicked() {
                        action = Some(RefAction::Right);
                    }
                    let rm = ui.add(egui::Button::new("✖").small()).on_hover_text("Remove this reference");
                    rm.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Remove reference {n}")));
                    if rm.clicked() {
                        action = Some(RefAction::Remove);
                    }
                });
                if let Some(e) = &error {
                    ui.label(RichText::new("⚠ cannot be used").small().color(theme::ERROR)).on_hover_text(e);
                }
            });
        });
        action
    }
}

#[derive(Clone, Copy)]
enum RefAction {
    Select,
    Left,
    Right,
    Remove,
}

/// The largest rect of the image's shape that fits in `outer`, centred.
pub(crate) fn fit_rect(outer: egui::Rect, (w, h): (u32, u32)) -> egui::Rect {
    let (w, h) = (w.max(1) as f32, h.max(1) as f32);
    let scale = (outer.width() / w).min(outer.height() / h);
    egui::Rect::from_center_size(outer.center(), egui::vec2(w * scale, h * scale))
}
