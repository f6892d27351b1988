//! The strip of up to nine references: add by link, from a result, or (sandbox) from the samples;
//! reorder, remove (undoable), and open one in the region editor to box its regions.

use eframe::egui::{self, RichText};

use crate::core::api::rules::{Field, MAX_REFERENCES};
use crate::core::draft::{Draft, label_for_url};

use super::cx::{Action, Centre, Edit, EditAction, LibraryAction, ShowAction, ViewCx};
use super::geometry::fit_rect;
use super::textures::{Request, TexKey, TexState};
use super::theme;
use super::widgets::named_button;
use crate::core::text::i18n::Tr;
use crate::tr;

const TILE_W: f32 = 96.0;
const TILE_H: f32 = 64.0;

/// The strip's own state: the link being typed.
#[derive(Default)]
pub struct ReferencesView {
    pub url_input: String,
    /// Whether the strip is shown whole where it would be folded (a short window's viewer).
    pub unfolded: bool,
}

impl ReferencesView {
    /// Folds again where the window is short (it was tall enough to show the strip whole).
    pub fn refold(&mut self) {
        self.unfolded = false;
    }

    /// The strip folded to one line, so a short window's viewer gives the image the room: the
    /// count, and a button that shows the whole strip. True if it drew folded.
    pub fn folded_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &Draft) -> bool {
        if self.unfolded {
            return false;
        }
        let tr = cx.tr;
        ui.horizontal(|ui| {
            ui.label(RichText::new(tr.t("refs-title")).strong())
                .on_hover_text(tr.t("refs-title-tip"));
            ui.label(RichText::new(format!("{} / {MAX_REFERENCES}", form.references.len())).weak());
            if ui
                .small_button(tr.t("refs-show"))
                .on_hover_text(tr.t("refs-show-tip"))
                .clicked()
            {
                self.unfolded = true;
            }
        });
        true
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &Draft, out: &mut Vec<Action>) {
        let tr = cx.tr;
        let count = form.references.len();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("refs-title")).strong())
                .on_hover_text(tr.t("refs-title-tip"));
            ui.label(RichText::new(format!("{count} / {MAX_REFERENCES}")).weak());
            let files = named_button(
                ui,
                count < MAX_REFERENCES,
                egui::Button::new(tr.t("refs-add-files")),
                tr.t("refs-add-files"),
            )
            .on_hover_text(tr.t("refs-add-files-tip"));
            if files.clicked() {
                out.push(Action::Library(LibraryAction::Ask(
                    super::cx::PathPurpose::References,
                )));
            }
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.url_input)
                    .hint_text("https://…/image.png")
                    .desired_width(220.0),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("refs-url"))
            });
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let typed = !self.url_input.trim().is_empty();
            let add = ui
                .add_enabled(typed, egui::Button::new(tr.t("refs-add")))
                .on_hover_text(tr.t("refs-add-tip"));
            if (add.clicked() || enter) && typed {
                out.push(Action::Edit(EditAction::AddReferenceUrl {
                    url: std::mem::take(&mut self.url_input).trim().to_owned(),
                    label: None,
                }));
            }
            if let super::cx::ConnState::Ready { samples, .. } = cx.conn
                && !samples.is_empty()
            {
                ui.separator();
                ui.label(tr.t("refs-samples"))
                    .on_hover_text(tr.t("refs-samples-tip"));
                for url in samples {
                    let name = label_for_url(url);
                    let r = named_button(
                        ui,
                        true,
                        egui::Button::new(format!("+ {name}")),
                        &tr!(tr, "refs-add-sample", name = &name),
                    )
                    .on_hover_text(tr!(
                        tr,
                        "refs-add-sample-tip",
                        name = &name
                    ));
                    if r.clicked() {
                        out.push(Action::Edit(EditAction::AddReferenceUrl {
                            url: url.clone(),
                            label: Some(name),
                        }));
                    }
                }
            }
        });
        if count == 0 {
            theme::hint(ui, tr.t("refs-empty"));
            return;
        }
        egui::ScrollArea::horizontal()
            .id_salt("reference_strip")
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for i in 0..count {
                        tile_ui(ui, cx, form, i, out);
                    }
                });
            });
        for p in cx.problems.iter().filter(|p| {
            matches!(
                p.field,
                Field::ImageUrls | Field::ImageUrl(_) | Field::Boxes(_) | Field::BboxList
            )
        }) {
            theme::problem(ui, &p.message);
        }
    }
}

fn tile_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &Draft, i: usize, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let n = i + 1;
    let count = form.references.len();
    let r = &form.references[i];
    let selected = *cx.centre == Centre::Editor { reference: i };
    let frame = egui::Frame::group(ui.style()).stroke(if selected {
        egui::Stroke::new(2.0, ui.visuals().selection.stroke.color)
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    });
    frame.show(ui, |ui| {
        ui.set_width(TILE_W);
        ui.vertical(|ui| {
            let (rect, resp) =
                ui.allocate_exact_size(egui::vec2(TILE_W, TILE_H), egui::Sense::click());
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Button,
                    true,
                    tr!(tr, "viewer-reference", n = n),
                )
            });
            let state = cx.textures.get(
                &TexKey::Reference(r.url.clone()),
                &Request::reference(&r.url, cx.settings.flatten_onto),
            );
            let mut error = None;
            match state {
                TexState::Ready {
                    texture,
                    source_dims,
                    ..
                } => {
                    let fit = fit_rect(rect, source_dims);
                    ui.painter().image(
                        texture.id(),
                        fit,
                        egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                        egui::Color32::WHITE,
                    );
                    let to_ui = egui::emath::RectTransform::from_to(
                        egui::Rect::from_min_size(
                            egui::Pos2::ZERO,
                            egui::vec2(source_dims.0 as f32, source_dims.1 as f32),
                        ),
                        fit,
                    );
                    for (k, b) in r.boxes.iter().enumerate() {
                        let br = to_ui.transform_rect(egui::Rect::from_min_max(
                            egui::pos2(b[0] as f32, b[1] as f32),
                            egui::pos2(b[2] as f32, b[3] as f32),
                        ));
                        ui.painter().rect_stroke(
                            br,
                            0.0,
                            egui::Stroke::new(1.5, theme::BOX_COLOURS[k % 2]),
                            egui::StrokeKind::Middle,
                        );
                    }
                }
                TexState::Failed(e) => {
                    ui.painter().text(
                        rect.center(),
                        egui::Align2::CENTER_CENTER,
                        "⚠",
                        egui::FontId::proportional(22.0),
                        theme::error_text(ui.visuals()),
                    );
                    error = Some(e);
                }
                TexState::Loading => {
                    ui.put(rect, egui::Spinner::new());
                }
            }
            if resp
                .on_hover_text(tr!(tr, "refs-tile-tip", url = &r.url))
                .clicked()
            {
                out.push(Action::Show(ShowAction::Editor(i)));
            }
            let mut caption = format!("{n}. {}", r.label);
            if i + 1 == count {
                caption = format!("📐 {caption}");
            }
            ui.add(egui::Label::new(RichText::new(caption).small()).truncate())
                .on_hover_text(if i + 1 == count {
                    tr.t("refs-last")
                } else {
                    tr.t("refs-a-reference")
                });
            ui.horizontal(|ui| card_buttons(ui, tr, i, count, r, out));
            if let Some(note) = &r.note {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!(
                            "ℹ {}",
                            crate::core::references::preflight::summary_of(note, tr.0)
                        ))
                        .small()
                        .weak(),
                    )
                    .wrap(),
                )
                .on_hover_text(tr.t("refs-note-tip"));
            }
            credentials_badge_ui(ui, cx, r);
            if let Some(e) = error {
                ui.label(
                    RichText::new(tr.t("refs-unusable"))
                        .small()
                        .color(theme::error_text(ui.visuals())),
                )
                .on_hover_text(e);
            }
        });
    });
}

/// A line on a reference file that carries content credentials: what they say on hover.
fn credentials_badge_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, r: &crate::core::draft::Reference) {
    use super::credentials::CredState;
    // A file on this computer, or an earlier result (sent by its link, read from its copy).
    let from_result = r.from_result.as_ref().and_then(|(job_id, index)| {
        let job = cx.jobs.get(job_id)?;
        Some(job.results.iter().find(|x| x.index == *index)?.path.clone())
    });
    let Some(path) = from_result.or_else(|| crate::core::references::links::local_file(&r.url))
    else {
        return;
    };
    let CredState::Read(report) = cx.credentials.get(&path) else {
        return;
    };
    if !(report.has_manifest || report.has_xmp) {
        return;
    }
    let text = if report.ai_generated {
        cx.tr.t("credentials-badge-ai")
    } else {
        cx.tr.t("credentials-badge")
    };
    ui.add(egui::Label::new(RichText::new(text).small()).sense(egui::Sense::hover()))
        .on_hover_ui(|ui| {
            super::credentials::section_ui(ui, cx.tr, cx.credentials, &path, "reference");
        });
}

/// A reference card's buttons: move, remove, palette; and its box count.
fn card_buttons(
    ui: &mut egui::Ui,
    tr: Tr,
    i: usize,
    count: usize,
    r: &crate::core::draft::Reference,
    out: &mut Vec<Action>,
) {
    let n = i + 1;
    ui.spacing_mut().item_spacing.x = 2.0;
    let left = named_button(
        ui,
        i > 0,
        egui::Button::new("◀").small(),
        &tr!(tr, "refs-move-earlier", n = n),
    )
    .on_hover_text(tr.t("refs-move-earlier-tip"));
    if left.clicked() {
        out.push(Action::edit(Edit::MoveReference { from: i, to: i - 1 }));
    }
    let right = named_button(
        ui,
        i + 1 < count,
        egui::Button::new("▶").small(),
        &tr!(tr, "refs-move-later", n = n),
    )
    .on_hover_text(tr.t("refs-move-later-tip"));
    if right.clicked() {
        out.push(Action::edit(Edit::MoveReference { from: i, to: i + 1 }));
    }
    let rm = named_button(
        ui,
        true,
        egui::Button::new("✖").small(),
        &tr!(tr, "refs-remove", n = n),
    )
    .on_hover_text(tr.t("refs-remove-tip"));
    if rm.clicked() {
        out.push(Action::edit(Edit::RemoveReference(i)));
    }
    let palette = named_button(
        ui,
        true,
        egui::Button::new("🎨").small(),
        &tr!(tr, "refs-palette", n = n),
    )
    .on_hover_text(tr.t("refs-palette-tip"));
    if palette.clicked() {
        out.push(Action::Edit(EditAction::PaletteFrom(
            super::cx::PaletteSource::Reference(i),
        )));
    }
    if !r.boxes.is_empty() {
        ui.label(RichText::new(format!("▣{}", r.boxes.len())).small())
            .on_hover_text(tr.t("refs-boxes-tip"));
    }
}
