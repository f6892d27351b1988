//! The presets row at the top of the compose form: put a kept preset in the form, keep the form's
//! settings under a name, rename or forget one, export them all to a file or import one. A preset holds the settings, never the prompt or the
//! references (`core::presets`).

use eframe::egui::{self, RichText};

use super::cx::{Action, EditAction, LibraryAction, PathPurpose, ViewCx};
use super::widgets::named_button;
use crate::core::presets::MAX_NAME_CHARS;
use crate::tr;

/// The presets row's own state: the name being typed, and a kept preset being renamed.
#[derive(Default)]
pub struct PresetsView {
    name: String,
    /// (its name now, the new name being typed).
    renaming: Option<(String, String)>,
    /// The rename field takes the keyboard when it first shows.
    focus_rename: bool,
}

impl PresetsView {
    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("preset-title")).strong());
            // Stays open on a click inside: renaming happens in the menu.
            let stays = egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
            egui::containers::menu::MenuButton::new(tr.t("preset-saved"))
                .config(stays)
                .ui(ui, |ui| {
                    if cx.presets.is_empty() {
                        ui.label(RichText::new(tr.t("preset-none-saved")).weak());
                    }
                    for saved in cx.presets.iter() {
                        ui.horizontal(|ui| {
                            if self
                                .renaming
                                .as_ref()
                                .is_some_and(|(n, _)| *n == saved.name)
                            {
                                self.rename_ui(ui, cx, out);
                            } else {
                                self.row_ui(ui, cx, &saved.name, out);
                            }
                        });
                    }
                    ui.separator();
                    let r = named_button(
                        ui,
                        !cx.presets.is_empty(),
                        egui::Button::new(tr.t("preset-export")),
                        tr.t("preset-export"),
                    )
                    .on_hover_text(tr.t("preset-export-tip"));
                    if r.clicked() {
                        out.push(LibraryAction::Ask(PathPurpose::PresetsExport).into());
                        ui.close();
                    }
                    let r = named_button(
                        ui,
                        true,
                        egui::Button::new(tr.t("preset-import")),
                        tr.t("preset-import"),
                    )
                    .on_hover_text(tr.t("preset-import-tip"));
                    if r.clicked() {
                        out.push(LibraryAction::Ask(PathPurpose::PresetsImport).into());
                        ui.close();
                    }
                })
                .0
                .on_hover_text(tr.t("preset-saved-tip"));
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.name)
                    .hint_text(tr.t("preset-name-hint"))
                    .desired_width(110.0)
                    .char_limit(MAX_NAME_CHARS),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("preset-name"))
            });
            let entered = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let named = !self.name.trim().is_empty();
            let replaces = cx.presets.get(&self.name).is_some();
            let save = named_button(
                ui,
                named,
                egui::Button::new(tr.t("preset-save")),
                tr.t("preset-save"),
            )
            .on_hover_text(if replaces {
                tr.t("preset-replaces-tip")
            } else {
                tr.t("preset-keep-tip")
            })
            .on_disabled_hover_text(tr.t("preset-name-first"));
            if named && (save.clicked() || entered) {
                out.push(Action::Edit(EditAction::SavePreset(std::mem::take(
                    &mut self.name,
                ))));
            }
        });
    }

    /// One kept preset in the menu: load it, rename it, forget it.
    fn row_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, name: &str, out: &mut Vec<Action>) {
        let tr = cx.tr;
        let r = named_button(
            ui,
            true,
            egui::Button::new(name),
            &tr!(tr, "preset-load", name = name),
        )
        .on_hover_text(tr.t("preset-load-tip"));
        if r.clicked() {
            out.push(Action::Edit(EditAction::LoadPreset(name.to_owned())));
            ui.close();
        }
        let r = named_button(
            ui,
            true,
            egui::Button::new("✏").small(),
            &tr!(tr, "preset-rename", name = name),
        )
        .on_hover_text(tr.t("preset-rename-tip"));
        if r.clicked() {
            self.renaming = Some((name.to_owned(), name.to_owned()));
            self.focus_rename = true;
        }
        let r = named_button(
            ui,
            true,
            egui::Button::new("✖").small(),
            &tr!(tr, "preset-delete", name = name),
        )
        .on_hover_text(tr.t("preset-delete-tip"));
        if r.clicked() {
            out.push(Action::Edit(EditAction::DeletePreset(name.to_owned())));
        }
    }

    /// The preset being renamed: its new name, kept on Enter or ✔, dropped on Escape.
    fn rename_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        let Some((from, to)) = &mut self.renaming else {
            return;
        };
        let r = ui.add(
            egui::TextEdit::singleline(to)
                .desired_width(140.0)
                .char_limit(MAX_NAME_CHARS),
        );
        let field = tr!(tr, "preset-new-name", name = from.as_str());
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, &field));
        if std::mem::take(&mut self.focus_rename) {
            r.request_focus();
        }
        let entered = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let escaped = ui.input(|i| i.key_pressed(egui::Key::Escape));
        let ok = !to.trim().is_empty();
        let keep = named_button(
            ui,
            ok,
            egui::Button::new("✔").small(),
            tr.t("preset-rename-keep"),
        )
        .on_hover_text(tr.t("preset-rename-keep"));
        if ok && (keep.clicked() || entered) {
            out.push(Action::Edit(EditAction::RenamePreset {
                from: from.clone(),
                to: to.clone(),
            }));
            self.renaming = None;
        } else if escaped {
            self.renaming = None;
        }
    }
}
